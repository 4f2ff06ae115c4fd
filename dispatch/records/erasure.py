"""Law 25 erasure at the storage level: anonymise a customer, and the erasure journal.

* :func:`anonymise` removes a customer's personal data in an open session (name, phone, e-mail,
  addresses and positions, problem descriptions, notes, people named on appointments); the
  invoices stay (name and address, as tax law requires).
* The **erasure journal** (``<data_dir>/erasure-journal.jsonl``, mode 0600) is kept outside the
  database and outside the backups. One JSON line per erasure: the customer's id, the time the
  customer record was created (so a reused id is never mistaken for the erased person) and the
  time of the erasure. No personal data. It is written before the erasure is committed.
* :func:`replay_journal` re-erases every journalled customer found in a database: run by
  ``restore`` before it returns, so a restored backup never brings back an erased person.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import StorageError
from dispatch.i18n import N_, _
from dispatch.records.audit_trail import audit
from dispatch.records.database import Database, now
from dispatch.records.schema import (
    AddressRow,
    AppointmentRow,
    CallRow,
    CustomerRow,
    OutboxRow,
    RequestRow,
    SignatureRow,
    VisitRow,
    WorkshopEventRow,
    WorkshopItemRow,
)

if TYPE_CHECKING:
    from dispatch.settings import Settings

ERASED_NAME = "Client effacé"
ERASED_ADDRESS = "adresse effacée"
JOURNAL_NAME = "erasure-journal.jsonl"
#: Two instants closer than this (s) are the same creation time (storage rounding).
SAME_INSTANT_S = 0.001


@dataclass(frozen=True)
class JournalEntry:
    """One erasure: which customer record (id and creation time) and when."""

    customer_id: int
    created_at: datetime
    erased_at: datetime

    def to_json(self) -> str:
        return json.dumps(
            {
                "customer_id": self.customer_id,
                "created_at": self.created_at.isoformat(),
                "erased_at": self.erased_at.isoformat(),
            }
        )


def hash_message_id(message_id: str) -> str:
    """What an erased request keeps of its e-mail's Message-ID."""
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()


def journal_path(settings: Settings) -> Path:
    """``<data_dir>/erasure-journal.jsonl``."""
    return Path(settings.data_dir) / JOURNAL_NAME


def append_journal(path: Path, entry: JournalEntry) -> None:
    """Append ``entry`` to the journal (created 0600), flushed to disk before returning.

    Raises
    ------
    StorageError
        The journal cannot be written (the erasure is then not committed).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (entry.to_json() + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        msg = N_("The erasure journal {path} cannot be written ({reason}): nothing was erased.")
        raise StorageError(msg, path=str(path), reason=err.strerror or str(err)) from err


def read_journal(path: Path) -> list[JournalEntry]:
    """Every entry of the journal (none when it does not exist); unreadable lines are skipped."""
    if not path.is_file():
        return []
    out: list[JournalEntry] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d = json.loads(line)
            out.append(
                JournalEntry(
                    int(d["customer_id"]),
                    datetime.fromisoformat(d["created_at"]),
                    datetime.fromisoformat(d["erased_at"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a line cut by a crash while appending: the erasure was not committed
    return out


def anonymise(s: Session, cust: CustomerRow, when: datetime) -> tuple[list[int], int]:
    """Remove the personal data of ``cust`` and of its requests; return (request ids, addresses)."""
    cust.name = f"{ERASED_NAME} #{cust.id}"
    cust.phone = ""
    cust.email = ""
    if cust.erased_at is None:
        cust.erased_at = when
    addrs = s.scalars(sa.select(AddressRow).where(AddressRow.customer_id == cust.id)).all()
    for a in addrs:
        a.text = ERASED_ADDRESS
        a.lat = a.lon = None
        a.matched = ""
        a.straight_km = a.road_km = a.drive_min = None
        a.coverage = None
        a.fee_explanation = ""
    reqs = s.scalars(sa.select(RequestRow).where(RequestRow.customer_id == cust.id)).all()
    for r in reqs:
        r.problem = ""
        if r.message_id and not r.message_id.startswith("sha256:"):
            r.message_id = hash_message_id(r.message_id)
        r.updated_at = when
    rids = [r.id for r in reqs]
    if rids:
        for appt in s.scalars(sa.select(AppointmentRow).where(AppointmentRow.request_id.in_(rids))):
            appt.witness = ""
            appt.notes = ""
        for v in s.scalars(sa.select(VisitRow).where(VisitRow.request_id.in_(rids))):
            v.notes = ""
            v.tested_with = ""
        for c in s.scalars(sa.select(CallRow).where(CallRow.request_id.in_(rids))):
            c.note = ""
        # drawn signatures and names are personal data; what was signed stays on the visit
        s.execute(sa.delete(SignatureRow).where(SignatureRow.request_id.in_(rids)))
        for item in s.scalars(sa.select(WorkshopItemRow).where(WorkshopItemRow.request_id.in_(rids))):
            item.serial = ""
            item.accessories = ""
            for ev in s.scalars(sa.select(WorkshopEventRow).where(WorkshopEventRow.item_id == item.id)):
                ev.note = ""
    # the messages written to the customer hold their address, name and texts: emptied, and
    # those not sent yet never will be (the row stays: the office sees that a message existed)
    s.execute(
        sa.update(OutboxRow).where(OutboxRow.customer_id == cust.id)
        .values(recipient="", subject="", body="", html="", attachments=[])
    )  # fmt: skip
    s.execute(
        sa.update(OutboxRow)
        .where(OutboxRow.customer_id == cust.id, OutboxRow.state.in_(["queued", "sending", "failed"]))
        .values(state="cancelled", lease_until=None, last_error=_("Customer erased (Law 25): not sent."))
    )
    return rids, len(addrs)


def _same_instant(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) < SAME_INSTANT_S


def replay_journal(db: Database, path: Path, *, actor: str = "restore") -> tuple[int, ...]:
    """Re-erase, in ``db``, every customer of the journal at ``path``; return their ids.

    A customer is re-erased when a record with the journalled id AND creation time exists
    and still holds a name, phone or e-mail (or was never marked erased). One transaction.
    """
    entries = read_journal(path)
    if not entries:
        return ()
    done: list[int] = []
    with db.write() as s:
        for e in entries:
            cust = s.get(CustomerRow, e.customer_id)
            if cust is None or not _same_instant(cust.created_at, e.created_at):
                continue
            clean = cust.erased_at is not None and not cust.phone and not cust.email
            if clean and cust.name == f"{ERASED_NAME} #{cust.id}":
                continue
            anonymise(s, cust, e.erased_at)
            done.append(cust.id)
        s.flush()
        if done:
            audit(s, actor, "replay_erasure", "customer", None, customers=len(done))
    return tuple(sorted(set(done)))


def unjournalled(db: Database, path: Path) -> list[JournalEntry]:
    """The customers marked erased in ``db`` that the journal at ``path`` does not hold."""
    known = {(e.customer_id, e.created_at.timestamp()) for e in read_journal(path)}
    with db.read() as s:
        erased = s.scalars(sa.select(CustomerRow).where(CustomerRow.erased_at.is_not(None))).all()
        return [
            JournalEntry(c.id, c.created_at, c.erased_at or now())
            for c in erased
            if (c.id, c.created_at.timestamp()) not in known
        ]


def sync_journal(db: Database, path: Path) -> int:
    """Append to the journal every customer marked erased in ``db`` but missing from it.

    Run on the live database before a restore replaces it: even a lost or older journal then
    knows every erasure the live database holds. Returns the number of entries added.
    """
    missing = unjournalled(db, path)
    for entry in missing:
        append_journal(path, entry)
    return len(missing)


def entry_for(cust: CustomerRow, when: datetime | None = None) -> JournalEntry:
    """The journal entry erasing ``cust`` (at ``when``, default now)."""
    return JournalEntry(cust.id, cust.created_at, when or now())


__all__ = [
    "ERASED_NAME",
    "JournalEntry",
    "anonymise",
    "append_journal",
    "entry_for",
    "hash_message_id",
    "journal_path",
    "read_journal",
    "replay_journal",
    "sync_journal",
    "unjournalled",
]
