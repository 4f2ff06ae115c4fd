"""A local stand-in for an HTTP SMS API in Twilio's REST form, on 127.0.0.1.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` with form fields ``To``, ``From``, ``Body``
and HTTP basic authentication ``sid:token`` answers ``201`` with Twilio's JSON (``sid``,
``status: queued``, ``to``, ``from``, ``body``); a wrong account or token ``401`` (Twilio's
error 20003); a missing field or a ``To`` that is not E.164 ``400`` (error 21211).
``mode`` simulates faults: ``ok``, ``500``, ``429``. Every accepted message is in ``messages``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class SmsApi:
    def __init__(self, account: str = "AC0123456789", token: str = "secret-token") -> None:
        self.account = account
        self.token = token
        self.mode = "ok"
        self.messages: list[dict[str, str]] = []
        self.requests = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                api.requests += 1
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                m = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Messages\.json", self.path)
                if m is None:
                    return self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                expected = "Basic " + base64.b64encode(f"{api.account}:{api.token}".encode()).decode()
                if m[1] != api.account or self.headers.get("Authorization") != expected:
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if api.mode == "500":
                    return self._answer(500, {"code": 20500, "message": "Internal error", "status": 500})
                if api.mode == "429":
                    return self._answer(429, {"code": 20429, "message": "Too many requests", "status": 429})
                to = form.get("To", "")
                if not re.fullmatch(r"\+[1-9]\d{7,14}", to) or not form.get("Body") or not form.get("From"):
                    return self._answer(
                        400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.", "status": 400}
                    )
                sid = "SM" + uuid.uuid4().hex
                api.messages.append({"sid": sid, **form})
                return self._answer(
                    201, {"sid": sid, "status": "queued", "to": to, "from": form["From"], "body": form["Body"]}
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/2010-04-01"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> SmsApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
