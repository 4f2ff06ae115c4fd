"""A server process of the tests: started in its own session, waited for, stopped.

The dashboard (Streamlit) and the IMAP server (dovecot) run as child processes in their own
process group, so stopping one kills what it started and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def spawn(command: Sequence[str], *, log: Path, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start ``command`` in a new session, its output (both streams) written to ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_ready(
    proc: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    *,
    name: str,
    timeout: float,
    log_tail: Callable[[], str],
    poll_s: float = 0.2,
) -> None:
    """Wait until ``ready()`` is true; raise if the process exits or ``timeout`` passes.

    ``ready`` may raise :class:`OSError` (connection refused while the server starts): that
    counts as not ready. On timeout the process is stopped before raising.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"{name} exited with {proc.returncode}: {log_tail()[-2000:]}"
            raise RuntimeError(msg)
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(poll_s)
    stop(proc)
    msg = f"{name} did not answer within {timeout} s"
    raise TimeoutError(msg)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """Stop the process group of ``proc`` (SIGTERM, then SIGKILL after 10 s)."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
