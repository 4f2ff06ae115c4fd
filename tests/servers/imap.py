"""A real IMAP server on 127.0.0.1 for the tests: Debian's Dovecot, a throw-away instance.

:class:`ImapServer` writes a private configuration into a temporary folder (no system file is
read or changed, no systemd): one mailbox user with a password (``passwd-file``), Maildir
storage in the folder, IMAP on a free port of 127.0.0.1 only, plain or with a self-signed
certificate for IMAPS (``tls=True``). It runs ``dovecot -F`` in its own process group and
stops it by its process id. As root, the mail and the helper processes run as Debian's
``dovecot``/``dovenull`` users (Dovecot refuses root there); as another user, as that user.

Messages are put in with IMAP ``APPEND`` (:meth:`ImapServer.append`), as a mail server would
deliver them, and read back with :meth:`ImapServer.messages` (folder -> raw messages with
their flags), so the tests see what the product did to the mailbox.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.servers import _process

DOVECOT = "/usr/sbin/dovecot"
USER = "siteweb"
PASSWORD = "mot de passe imap 42"


def dovecot_available() -> bool:
    """Whether Debian's ``dovecot-imapd`` is installed."""
    return Path(DOVECOT).is_file() and Path("/usr/lib/dovecot/imap").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the ``openssl`` command): (cert, key) PEM files."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    os.chmod(key, 0o644)  # read by dovecot's own user in the throw-away folder
    return cert, key


def openssl_available() -> bool:
    """Whether the ``openssl`` command (certificates for the IMAPS server) is installed."""
    return shutil.which("openssl") is not None


class ImapServer:
    """Dovecot serving one mailbox on 127.0.0.1 (a context manager).

    Attributes
    ----------
    host, port
        Where it listens (``127.0.0.1``, a free port).
    user, password
        The mailbox's login.
    tls
        Implicit TLS (IMAPS) with the self-signed certificate :attr:`cafile`.
    """

    def __init__(self, *, tls: bool = False) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.user, self.password = USER, PASSWORD
        self.tls = tls
        self.root = Path(tempfile.mkdtemp(prefix="opms-imap-"))
        self.cafile: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def _config(self) -> Path:
        r = self.root
        for sub in ("run", "state", "home"):
            (r / sub).mkdir()
        if os.geteuid() == 0:
            mail_user, internal, login = "dovecot", "dovecot", "dovenull"
        else:
            mail_user = internal = login = pwd.getpwuid(os.geteuid()).pw_name
        uid = pwd.getpwnam(mail_user)
        os.chown(r / "home", uid.pw_uid, uid.pw_gid)
        os.chmod(r, 0o755)
        (r / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}:::::\n")
        ssl = "ssl = no"
        listener = f"inet_listener imap {{\n    address = {self.host}\n    port = {self.port}\n  }}\n" \
                   "  inet_listener imaps {\n    port = 0\n  }"
        if self.tls:
            cert, key = _self_signed(r)
            self.cafile = cert
            ssl = f"ssl = required\nssl_cert = <{cert}\nssl_key = <{key}"
            listener = "inet_listener imap {\n    port = 0\n  }\n" \
                       f"  inet_listener imaps {{\n    address = {self.host}\n    port = {self.port}\n    ssl = yes\n  }}"
        conf = f"""\
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = {self.host}
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {_group(internal)}
default_login_user = {login}
first_valid_uid = {uid.pw_uid}
mail_location = maildir:{r}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={uid.pw_uid} gid={uid.pw_gid} home={r}/home/%u
}}
service imap-login {{
  {listener}
}}
"""
        path = r / "dovecot.conf"
        path.write_text(conf)
        return path

    def start(self, *, timeout: float = 20.0) -> ImapServer:
        conf = self._config()
        self.proc = _process.spawn([DOVECOT, "-F", "-c", str(conf)], log=self.root / "stdout.log")

        def answers() -> bool:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True

        try:
            _process.wait_until_ready(self.proc, answers, name=f"dovecot on {self.host}:{self.port}",
                                      timeout=timeout, log_tail=self.log, poll_s=0.1)
        except TimeoutError:
            self.stop()  # and its throw-away folder
            raise
        return self

    def log(self) -> str:
        text = ""
        for name in ("stdout.log", "dovecot.log"):
            p = self.root / name
            if p.is_file():
                text += p.read_text(errors="replace")
        return text

    def stop(self) -> None:
        _process.stop(self.proc)  # its own session: this dovecot only
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ImapServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the test's own mail client -----------------------------------------------------------

    def client(self) -> imaplib.IMAP4:
        """A logged-in IMAP client of the test (not the product's)."""
        if self.tls:
            import ssl

            ctx = ssl.create_default_context(cafile=str(self.cafile))
            c: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=ctx)
        else:
            c = imaplib.IMAP4(self.host, self.port)
        c.login(self.user, self.password)
        return c

    def append(self, raw: bytes, *, folder: str = "INBOX", seen: bool = False) -> None:
        """Deliver a message into ``folder`` (IMAP APPEND)."""
        c = self.client()
        try:
            typ, data = c.append(folder, "(\\Seen)" if seen else None, None, raw)
            assert typ == "OK", data
        finally:
            c.logout()

    def messages(self) -> dict[str, list[tuple[bytes, str]]]:
        """Every folder (IMAP name, modified UTF-7) -> [(raw message, flags)], in UID order."""
        c = self.client()
        out: dict[str, list[tuple[bytes, str]]] = {}
        try:
            typ, listing = c.list()
            assert typ == "OK", listing
            names = [line.decode().rsplit(' "." ', 1)[-1].strip('"') for line in listing if line]
            for name in names:
                c.select(f'"{name}"', readonly=True)
                typ, data = c.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
                found = []
                for item in data or []:
                    if isinstance(item, tuple):
                        found.append((item[1], item[0].decode()))
                out[name] = found
        finally:
            c.logout()
        return out


def _group(user: str) -> str:
    import grp

    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


__all__ = ["PASSWORD", "USER", "ImapServer", "dovecot_available", "openssl_available"]
