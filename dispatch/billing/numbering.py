"""Gapless invoice and credit-note numbers (``F2026-00012``), taken inside the issuing transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatch.errors import InvalidInput
from dispatch.i18n import N_
from dispatch.records import CounterRow

#: ``INSERT ... ON CONFLICT`` of each supported database.
_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}



def next_number(s: Session, series: str) -> int:
    """Take the next value of a gapless series inside the caller's transaction.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on the counter row: the row stays
    locked until the transaction ends, so concurrent issuers queue, and a rollback gives the
    number back.
    """
    dialect = s.get_bind().dialect.name
    insert = _INSERTS.get(dialect)
    if insert is None:  # pragma: no cover - only the two supported databases
        msg = N_("Invoice numbering is not implemented for {dialect}; use SQLite or PostgreSQL.")
        raise InvalidInput(msg, dialect=dialect)
    table = CounterRow.__table__
    assert isinstance(table, Table)  # a declarative class's table (typed as any FromClause)
    stmt = (
        insert(table)
        .values(series=series, value=1)
        .on_conflict_do_update(index_elements=["series"], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    return int(s.execute(stmt).scalar_one())


def format_number(prefix: str, year: int, n: int) -> str:
    """``F2026-00012``."""
    return f"{prefix}{year}-{n:05d}"


__all__ = ["format_number", "next_number"]
