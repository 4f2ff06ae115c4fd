"""The command line's output streams, which a reader that went away ends quietly.

``opms-dispatch ... | head`` closes the command's stdout before it is done (``2>&1 | head``
its stderr too). Python then raises :class:`BrokenPipeError` on the next write, and again
when it flushes the stream at exit. The Python docs' recipe (``signal`` module, "Note on
SIGPIPE") is to point the stream's file descriptor at ``/dev/null`` and stop: :func:`silence`.

Progress lines and warnings go through :func:`say` and :func:`stderr`, which drop what
cannot be written instead of failing the command: a progress bar is never worth a failed
region build.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO


def silence(stream: TextIO) -> None:
    """Send what is still to be written on ``stream`` to ``/dev/null`` (its reader has gone).

    Streams without a file descriptor (captured output in tests) are left alone.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class Guarded:
    """A text stream whose writes stop quietly once its reader has gone."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._went_away()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._went_away()

    def _went_away(self) -> None:
        self.gone = True
        silence(self._stream)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def stderr() -> Guarded:
    """The current ``sys.stderr``, guarded (for progress bars and help printed on errors)."""
    return Guarded(sys.stderr)


def say(text: str) -> None:
    """Print one line on stderr and flush it; nothing happens if stderr's reader has gone."""
    out = stderr()
    out.write(f"{text}\n")
    out.flush()
