"""CSV files of batch geocoding and coverage: reading, writing (formulas neutralised), progress.

Used by ``opms-dispatch geocode --csv`` and ``opms-dispatch coverage --csv``.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from dispatch.csvsafe import neutralise
from dispatch.errors import InvalidInput
from dispatch.i18n import N_


class TextStream(Protocol):
    """Where a progress bar writes: ``sys.stderr``, or the CLI's guarded stderr."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class ProgressBar:
    """A plain progress bar on stderr (``Géocodage  1200/5000  24 %``), silent when quiet."""

    def __init__(self, total: int, *, label: str, quiet: bool = False, stream: TextStream | None = None) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.quiet = quiet
        self.stream: TextStream = stream or sys.stderr
        self._last = -1.0

    def __call__(self, done: int) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if done < self.total and now - self._last < 0.1:
            return
        self._last = now
        pct = 100 * done / self.total if self.total else 100.0
        width = 30
        fill = int(width * pct / 100)
        self.stream.write(f"\r{self.label} [{'#' * fill}{'.' * (width - fill)}] {done}/{self.total} {pct:3.0f} %")
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def read_csv_rows(path: str | Path, *, required: Sequence[Sequence[str]]) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV file (UTF-8, BOM allowed, ``,`` or ``;``); check one of the column sets exists.

    Raises
    ------
    InvalidInput
        Missing file, unreadable text, or none of the required column sets present.
    """
    p = Path(path)
    if not p.is_file():
        msg = N_("CSV file {path} does not exist.")
        raise InvalidInput(msg, path=str(p))
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = p.read_text(encoding="cp1252")
        except UnicodeDecodeError as err:
            msg = N_("CSV file {path} is not UTF-8 (or Windows-1252) text; save it as UTF-8.")
            raise InvalidInput(msg, path=str(p)) from err
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    fields = [f.strip() for f in (reader.fieldnames or [])]
    reader.fieldnames = fields
    if not any(all(c in fields for c in cols) for cols in required):
        want = " or ".join("+".join(cols) for cols in required)
        if fields:
            msg = N_("CSV file {path} needs a column {want}; found: {found}.")
            raise InvalidInput(msg, path=str(p), want=want, found=", ".join(fields))
        msg = N_("CSV file {path} needs a column {want}; found: no header.")
        raise InvalidInput(msg, path=str(p), want=want)
    rows = [{k: (v if v is not None else "") for k, v in row.items() if k is not None} for row in reader]
    return fields, rows


def write_csv_rows(path: str | Path, fields: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """Write rows as UTF-8 CSV (atomic: a temporary file renamed at the end).

    Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...) are
    prefixed with ``'`` (:func:`dispatch.csvsafe.neutralise`); numbers are left alone.
    """
    p = Path(path)
    if p.parent and not p.parent.exists():
        msg = N_("Output folder {folder} does not exist.")
        raise InvalidInput(msg, folder=str(p.parent))
    tmp = p.with_name(p.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(fields), extrasaction="ignore")
        w.writerow({f: neutralise(f) for f in fields})  # header; formulas neutralised (csvsafe)
        for row in rows:
            w.writerow({k: ("" if v is None else neutralise(v)) for k, v in row.items()})
    tmp.replace(p)


__all__ = ["ProgressBar", "read_csv_rows", "write_csv_rows"]
