"""One visit at a glance: what ``opms-dispatch visit show`` prints and the pages summarise.

The sheet of a request gathers its state, the appointment (confirmed or not), the signed
policy (version, hash, signer, time), the diagnostic clock and what its time costs, the
estimate with taxes, the customer's answer, the workshop item and the invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from dispatch import records
from dispatch.billing import ledger
from dispatch.errors import NotFound
from dispatch.office.calls import calls_of
from dispatch.office.visits import diagnostic_charge, estimate_view
from dispatch.office.workshop_desk import state_label as workshop_label
from dispatch.records.lifecycle import State, state_label

if TYPE_CHECKING:
    from dispatch.records import Database
    from dispatch.settings import Settings

#: The stored outcome names and the command line's names for them.
OUTCOME_CLI_NAMES = {
    "repaired_on_site": "accepted_on_site",
    "in_workshop": "accepted_workshop",
    "workshop_refused": "workshop_refused",
    "estimate_refused": "refused",
}


@dataclass(frozen=True)
class VisitSheet:
    """The sheet of one request (see :meth:`to_dict` for its fields)."""

    data: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def state(self) -> str:
        return str(self.data["state"])

    def to_dict(self) -> dict[str, Any]:
        return self.data


def visit_sheet(db: Database, request_id: int, *, settings: Settings) -> VisitSheet:
    """Everything recorded about the visit(s) of ``request_id``."""
    req = records.get_request(db, request_id)
    appts = [a for a in records.appointments_of(db, request_id) if a.status != "cancelled"]
    appt = appts[-1] if appts else None
    visits = records.visits_of(db, request_id)
    first = next((v for v in visits if v.kind in ("visit", "remote")), None)
    sig = next(iter(records.signatures_of(db, request_id, purpose="policy")[-1:]), None)
    reading = records.clock_of(db, request_id)
    minutes = first.diagnostic_min if first is not None and first.diagnostic_min is not None else reading.minutes
    charge = diagnostic_charge(
        minutes, settings, remote_interrupted=req.state == "remote_interrupted"
    )
    est = estimate_view(db, request_id, settings)
    workshop = None
    try:
        item = records.workshop_item(db, request_id)
    except NotFound:
        item = None
    if item is not None:
        workshop = {**item.to_dict(), "state_label": workshop_label(item.state)}
    invoices = ledger.list_invoices(db, request_id=request_id, kind="invoice")
    outcome = first.outcome if first is not None else None
    data: dict[str, Any] = {
        "id": req.id,
        "request": req.id,
        "state": req.state,
        "state_label": state_label(req.state),
        "remote": req.remote_ok,
        "customer": req.customer.name,
        "phone": req.customer.phone,
        "address": req.address.text,
        "problem": req.problem,
        "appointment": None if appt is None else {
            "id": appt.id, "kind": appt.kind, "window_start": appt.window_start.isoformat(),
            "window_end": appt.window_end.isoformat(), "status": appt.status,
            "technician_id": appt.technician_id,
        },
        "confirmed": appt is not None and (
            appt.status == "confirmed"
            or any(c.kind == "confirmation" and c.outcome == "reached" for c in calls_of(db, request_id))
        ),
        "policy": None if sig is None else {
            "version": sig.document_version, "sha256": sig.document_sha256,
            "signed_at": sig.signed_at.isoformat(), "signer": sig.signer_name,
        },
        "diagnostic": {
            "state": reading.state, "elapsed_s": reading.elapsed_s, "minutes": minutes,
            "billed_min": charge.billed_min, "price": str(charge.price),
            "started_at": reading.started_at.isoformat() if reading.started_at else None,
        },
        "estimate": est.to_dict() if est is not None else None,
        "outcome": None if outcome is None else {
            "name": OUTCOME_CLI_NAMES.get(outcome, outcome), "stored": outcome,
            "label": state_label(outcome) if outcome in {st.value for st in State} else outcome,
            "at": first.outcome_at.isoformat() if first is not None and first.outcome_at else None,
        },
        "workshop": workshop,
        "visits": [v.to_dict() for v in visits],
        "invoices": [
            {"number": i.number, "total": str(i.total), "balance": str(i.balance), "status": i.status}
            for i in invoices
        ],
    }  # fmt: skip
    return VisitSheet(data)


def day_sheets(db: Database, day: date, *, settings: Settings) -> list[VisitSheet]:
    """The sheets of the visits (and return visits) booked on ``day``, by window start."""
    seen: list[int] = []
    for a in records.appointments_for_day(db, day):
        if a.request_id not in seen:
            seen.append(a.request_id)
    return [visit_sheet(db, rid, settings=settings) for rid in seen]


__all__ = ["OUTCOME_CLI_NAMES", "VisitSheet", "day_sheets", "visit_sheet"]
