"""The office's week: where the requests still to book would go (a proposal, nothing saved).

:func:`propose_week` builds each of the next working days from storage (its technicians and
booked appointments, :func:`dispatch.office.planning.build_day_problem`), takes the requests
waiting for their first call (state ``requested``; a desired date makes that day the only
one; remote requests and those already holding a window are left out), and asks
:func:`dispatch.routing.plan_week` which day and technician each should get. The Répartition
page's "Semaine" tab and ``opms-dispatch plan --week`` show the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.geo import GeoPoint
from dispatch.i18n import N_, _
from dispatch.office.planning import build_day_problem
from dispatch.routing import WeekPlan, WeekRequest, next_working_days, plan_week

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.records import Database
    from dispatch.settings import Settings

#: Service minutes of a request not yet booked (the appointments' default).
REQUEST_SERVICE_MIN = 60
#: Most working days one proposal covers.
MAX_DAYS = 20


@dataclass(frozen=True)
class WeekProposal:
    """A week planned with the requests still to book.

    Attributes
    ----------
    days
        The working days covered, in order.
    week
        The routing answer (:class:`~dispatch.routing.WeekPlan`).
    requests
        Routing request id (``r<request id>``) -> ``request_id``, ``address``, ``customer``.
    technicians
        Routing technician id -> name.
    skipped
        Requests left out before planning (no position), routing id -> French message.
    """

    days: tuple[date, ...]
    week: WeekPlan
    requests: dict[str, dict[str, Any]]
    technicians: dict[str, str]
    skipped: dict[str, str]

    def placed_rows(self) -> list[dict[str, Any]]:
        """One row per request placed: day, technician's name, customer, address, request id."""
        rows = [
            {"day": day, "technician": self.technicians.get(tech, tech), **self.requests[rid]}
            for rid, (day, tech) in self.week.placed.items()
        ]
        return sorted(rows, key=lambda r: (r["day"], r["technician"], r["request_id"]))

    def unplaced_rows(self) -> list[dict[str, Any]]:
        """One row per request not placed, with the reason in the active language."""
        out = [{**self.requests[rid], "reason": code, "message": self.week.messages.get(rid, code)}
               for rid, code in self.week.unplaced.items()]
        out += [{**self.requests[rid], "reason": "no_position", "message": text}
                for rid, text in self.skipped.items()]
        return sorted(out, key=lambda r: r["request_id"])

    def to_dict(self) -> dict[str, Any]:
        out = self.week.to_dict()
        for rid, where in out["placed"].items():
            where.update(self.requests[rid], name=self.technicians.get(where["technician"], where["technician"]))
        for rid, why in out["unplaced"].items():
            why.update(self.requests[rid])
        for rid, text in self.skipped.items():
            out["unplaced"][rid] = {**self.requests[rid], "reason": "no_position", "message": text}
        out["week"] = [d.isoformat() for d in self.days]
        return out


def propose_week(
    region: Region,
    db: Database,
    first: date,
    *,
    days: int,
    settings: Settings,
    time_limit: float | None = None,
    seed: int | None = None,
) -> WeekProposal:
    """Place the requests still to book on the ``days`` working days from ``first``.

    Raises
    ------
    InvalidInput
        ``days`` out of 1..20, or no active technician.
    """
    if not 1 <= days <= MAX_DAYS:
        msg = N_("--days must be between 1 and 20 working days, got {days}.")
        raise InvalidInput(msg, days=days)
    horizon = tuple(next_working_days(first, days))
    built = {d: build_day_problem(region, db, d, settings=settings) for d in horizon}
    if not any(b.problem.technicians for b in built.values()):
        msg = N_("No active technician: add some in Settings (or load the demo data) before planning the week.")
        raise InvalidInput(msg)
    requests: list[WeekRequest] = []
    info: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for req in records.list_requests(db, state="requested"):
        if req.remote_ok:
            continue  # remote support: no trip to plan
        if any(a.status != "cancelled" for a in records.appointments_of(db, req.id)):
            continue  # already holds a window (tentative or booked)
        rid = f"r{req.id}"
        info[rid] = {"request_id": req.id, "address": req.address.text, "customer": req.customer.name}
        if req.address.lat is None or req.address.lon is None:
            skipped[rid] = _("Address without a position: correct the request's address.")
            continue
        requests.append(
            WeekRequest(
                id=rid, location=GeoPoint(req.address.lat, req.address.lon), service_min=REQUEST_SERVICE_MIN,
                days=(req.desired_date,) if req.desired_date is not None else (), label=req.address.text,
            )
        )
    limit = settings.routing.time_limit_s * len(horizon) if time_limit is None else time_limit
    week = plan_week({d: b.problem for d, b in built.items()}, requests, time_limit=limit,
                     seed=settings.routing.seed if seed is None else seed)
    names = {tid: t.name for b in built.values() for tid, t in b.technicians.items()}
    return WeekProposal(horizon, week, info, names, skipped)


__all__ = ["MAX_DAYS", "REQUEST_SERVICE_MIN", "WeekProposal", "propose_week"]
