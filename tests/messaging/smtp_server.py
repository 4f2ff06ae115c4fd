"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records the messages it accepts.

``Recorder.delay_s`` makes the server wait before answering the end of a message's data (a
slow server): a client that goes away during the wait has not had its message accepted, and
aiosmtpd drops it (the handler is cancelled), as a real server that never answered ``250``
would. ``refuse`` maps a recipient to an SMTP reply (``"550 5.1.1 no such user"``).

Run by hand: ``python -m tests.messaging.smtp_server --port 2525`` (prints what it receives).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Recorder:
    """The aiosmtpd handler: keeps every accepted message (parsed) in ``messages``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.delay_s = 0.0
        self.refuse: dict[str, str] = {}
        self.data_started = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)  # cancelled when the client goes away
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.02)
        with self.lock:
            return list(self.messages)


class SmtpServer:
    """Start/stop the recording server on 127.0.0.1:``port`` (0 = a free port)."""

    def __init__(self, port: int = 0) -> None:
        self.recorder = Recorder()
        self.port = port or _free_port()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=2525)
    server = SmtpServer(ap.parse_args().port).start()
    print(f"SMTP on 127.0.0.1:{server.port}")
    try:
        seen = 0
        while True:
            msgs = server.recorder.wait_for(seen + 1, timeout=3600)
            for m in msgs[seen:]:
                print(m["Message-ID"], m["To"], m["Subject"])
            seen = len(msgs)
    except KeyboardInterrupt:
        server.stop()
