"""A technician's day and visits ("Ma tournée"): one function per button of the visit form.

A visit follows the lifecycle: arrival -> policy signed -> diagnostic -> the customer's
answer to the estimate -> invoice (:mod:`dispatch.office.billing_desk`) -> payment. Amounts
typed on the phone (estimate, repair) are read by the one parser
:func:`dispatch.billing.rules.parse_amount` (``180,00`` or ``180.00``); a bad amount raises
:class:`~dispatch.errors.InvalidInput` with a French message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.billing.rules import parse_amount
from dispatch.office.auth import can_see_appointment
from dispatch.office.planning import DayPlan, technician_day, technician_id
from dispatch.records.lifecycle import State, state_label
from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.office.auth import User
    from dispatch.records import Database, DayAppointment, TechnicianRecord
    from dispatch.routing import Route, Stop

#: Outcomes a customer may give to the estimate (see :func:`record_outcome`).
REPAIRED_ON_SITE = "repaired_on_site"


def technicians_for(db: Database, user: User) -> list[TechnicianRecord]:
    """The active technicians ``user`` may pick: all of them, or a technician's own record."""
    techs = records.technicians(db)
    if user.role == "technician":  # a technician sees only their own visits
        techs = [t for t in techs if t.id == user.technician_id]
    return techs


@dataclass(frozen=True)
class TechnicianRoute:
    """One technician's published day, as the technician may see it.

    Attributes
    ----------
    day_plan
        The day's plan (every stored assignment pinned).
    route
        The technician's route in it (``None``: nothing published for them).
    stops
        The route's stops the user may see, in order.
    path
        Road path of the route, (lat, lon) pairs.
    """

    day_plan: DayPlan
    route: Route | None
    stops: list[Stop]
    path: tuple[tuple[float, float], ...]

    def visit(self, stop: Stop) -> DayAppointment:
        """The stored day appointment of a stop."""
        return self.day_plan.visits[stop.visit]


def technician_route(
    region: Region, db: Database, day: date, tech_id: int, *, user: User, settings: Settings
) -> TechnicianRoute:
    """The published route of technician ``tech_id`` on ``day``, filtered for ``user``."""
    day_plan, route = technician_day(region, db, day, tech_id, settings=settings)
    stops = [] if route is None else [
        x for x in route.stops if can_see_appointment(user, day_plan.visits[x.visit])
    ]
    path = tuple(day_plan.paths.get(technician_id(tech_id), ()))
    return TechnicianRoute(day_plan, route, stops, path)


@dataclass(frozen=True)
class VisitStep:
    """Where a visit stands: the request's lifecycle state and its French label."""

    state: State
    label: str


def visit_step(db: Database, request_id: int) -> VisitStep:
    """The current step of the visit of request ``request_id``."""
    state = State(records.get_request(db, request_id).state)
    return VisitStep(state, state_label(state))


def record_arrival(db: Database, request_id: int, *, actor: str) -> None:
    """The technician is at the door (``confirmed -> on_site``)."""
    records.record_arrival(db, request_id, actor=actor)


def record_policy_signed(db: Database, request_id: int, *, actor: str) -> None:
    """The customer signed the service policy (``on_site -> policy_signed``)."""
    records.record_policy_signed(db, request_id, actor=actor)


def record_diagnosis(db: Database, request_id: int, *, minutes: int, estimate: str, actor: str) -> None:
    """Diagnostic done, with the estimate typed (empty: none given) (``-> diagnosed``).

    Raises
    ------
    InvalidInput
        The estimate is not an amount (French message), or the minutes are out of range.
    """
    amount = parse_amount(estimate) if estimate.strip() else None
    records.record_diagnosis(db, request_id, minutes=int(minutes), estimate=amount, actor=actor)


def record_outcome(
    db: Database,
    request_id: int,
    outcome: str,
    *,
    actor: str,
    repair_label: str = "",
    repair_amount: str = "",
) -> None:
    """The customer's answer to the estimate; a repair on site bills its one typed line.

    Raises
    ------
    InvalidInput
        Unknown outcome, or the repair's amount is not an amount (French message).
    """
    lines: list[tuple[str, Decimal]] = []
    if outcome == REPAIRED_ON_SITE:
        lines = [(repair_label, parse_amount(repair_amount))]
    records.record_outcome(db, request_id, outcome, actor=actor, repair_lines=lines)


__all__ = [
    "REPAIRED_ON_SITE",
    "State",
    "TechnicianRoute",
    "VisitStep",
    "record_arrival",
    "record_diagnosis",
    "record_outcome",
    "record_policy_signed",
    "technician_route",
    "technicians_for",
    "visit_step",
]
