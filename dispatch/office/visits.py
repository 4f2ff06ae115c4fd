"""A technician's day and visits ("Ma tournée"): one function per button of the visit form.

A visit follows the company's process: arrival -> the policy read and signed
(:mod:`dispatch.office.policy`) -> the diagnostic, timed by a clock kept on the server ->
the estimate's lines stored and shown with taxes -> the customer's answer (repair on site, the
workshop (:mod:`dispatch.office.workshop_desk`), workshop refused, refused) -> invoice
(:mod:`dispatch.office.billing_desk`) -> payments. Amounts typed on the phone are read by the
one parser :func:`dispatch.money.parse_amount` (``180,00`` or ``180.00``); a bad amount raises
:class:`~dispatch.errors.InvalidInput` with a French message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from dispatch import records
from dispatch.billing import rules
from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _
from dispatch.money import parse_amount
from dispatch.office.auth import can_see_appointment
from dispatch.office.planning import DayPlan, technician_day, technician_id
from dispatch.records.lifecycle import State, state_label
from dispatch.settings import Settings

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.office.auth import User
    from dispatch.records import (
        ClockReading,
        Database,
        DayAppointment,
        TechnicianRecord,
        VisitRecord,
    )
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


@dataclass(frozen=True)
class Arrival:
    """The arrival recorded, with a French warning when it is not on the appointment's day."""

    visit: VisitRecord
    warning: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"visit": self.visit.to_dict(), "warning": self.warning}


def arrive(db: Database, request_id: int, *, actor: str, at: datetime | None = None) -> Arrival:
    """The technician is at the door (first visit or return visit).

    The visit belongs to its appointment's day; arriving on another day is recorded but warned
    about (a record entered after the fact, or the wrong visit).
    """
    visit = records.record_arrival(db, request_id, actor=actor, at=at)
    warning = None
    if visit.appointment_id is not None and visit.arrived_at is not None:
        day = records.get_appointment(db, visit.appointment_id).window_start.astimezone(records.TZ).date()
        arrived = visit.arrived_at.astimezone(records.TZ).date()
        if arrived != day:
            warning = _(
                "Arrival recorded on {arrived}, but the appointment is on {day}: check that this is the right visit."
            ).format(arrived=arrived.isoformat(), day=day.isoformat())
    return Arrival(visit, warning)


def record_arrival(db: Database, request_id: int, *, actor: str) -> None:
    """The technician is at the door (``-> on_site``)."""
    arrive(db, request_id, actor=actor)


def clock(
    db: Database, request_id: int, action: str, *, actor: str, at: datetime | None = None
) -> ClockReading:
    """Start, pause, resume or stop the diagnostic clock (kept on the server).

    Raises
    ------
    InvalidTransition
        The policy is not signed yet, or the action does not fit the clock's state (French).
    """
    return records.diagnostic_clock(db, request_id, action, actor=actor, at=at)


def clock_reading(db: Database, request_id: int) -> ClockReading:
    """The diagnostic (or remote session) clock of a request, now."""
    return records.clock_of(db, request_id)


@dataclass(frozen=True)
class DiagnosticCharge:
    """What the diagnostic time costs under the tariff: minutes counted, billed, price."""

    minutes: int
    billed_min: int
    price: Decimal

    def to_dict(self) -> dict[str, object]:
        return {"minutes": self.minutes, "billed_min": self.billed_min, "price": str(self.price)}


def diagnostic_charge(minutes: int, settings: Settings, *, remote_interrupted: bool = False) -> DiagnosticCharge:
    """The billed minutes (blocks, minimum) and price of ``minutes`` of diagnostic."""
    b = settings.billing
    billed = rules.billed_minutes(
        minutes, increment_min=b.increment_min, minimum_min=b.minimum_min,
        apply_minimum=not remote_interrupted or b.interrupted_minimum,
    )  # fmt: skip
    return DiagnosticCharge(minutes, billed, rules.diagnostic_price(billed, b.hourly_rate))


def parse_line(text: str) -> tuple[str, Decimal]:
    """A line typed as ``DESCRIPTION=AMOUNT`` (``Écran=180,00``).

    Raises
    ------
    InvalidInput
        No ``=``, an empty description or a bad amount (French message).
    """
    label, sep, amount = str(text).rpartition("=")
    if not sep or not label.strip():
        msg = N_("Write an estimate line as DESCRIPTION=AMOUNT (for example « Écran=180,00 »), got {text!r}.")
        raise InvalidInput(msg, text=text)
    return label.strip(), parse_amount(amount)


@dataclass(frozen=True)
class EstimateView:
    """The estimate as presented: its lines with taxes and total."""

    lines: tuple[tuple[str, str, Decimal], ...]
    subtotal: Decimal
    gst: Decimal
    qst: Decimal
    total: Decimal
    presented_at: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "lines": [{"kind": k, "label": lb, "amount": str(a)} for k, lb, a in self.lines],
            "subtotal": str(self.subtotal), "gst": str(self.gst), "qst": str(self.qst),
            "total": str(self.total),
            "presented_at": self.presented_at.isoformat() if self.presented_at else None,
        }  # fmt: skip


def _estimate_view(lines: list[tuple[str, str, Decimal]], settings: Settings, at: datetime | None) -> EstimateView:
    subtotal = sum((a for _k, _l, a in lines), Decimal("0.00"))
    gst, qst = rules.taxes(subtotal, gst_rate=settings.billing.gst_rate, qst_rate=settings.billing.qst_rate)
    return EstimateView(tuple(lines), subtotal, gst, qst, subtotal + gst + qst, at)


def present_estimate(
    db: Database,
    request_id: int,
    lines: Sequence[tuple[str, str, object]],
    *,
    actor: str,
    settings: Settings,
    at: datetime | None = None,
) -> EstimateView:
    """Store the estimate's lines ``(kind, label, amount as typed)`` before the customer answers."""
    typed = [(kind, label, parse_amount(amount)) for kind, label, amount in lines]
    visit = records.record_estimate(db, request_id, typed, actor=actor, at=at)
    return _estimate_view(records.estimate_lines_of(db, request_id), settings, visit.estimate_at)


def estimate_view(db: Database, request_id: int, settings: Settings) -> EstimateView | None:
    """The stored estimate of the request's visit, or ``None``."""
    lines = records.estimate_lines_of(db, request_id)
    if not lines:
        return None
    visit = next((v for v in reversed(records.visits_of(db, request_id)) if v.kind == "visit"), None)
    return _estimate_view(lines, settings, visit.estimate_at if visit else None)


def answer_estimate(
    db: Database,
    request_id: int,
    outcome: str,
    *,
    actor: str,
    at: datetime | None = None,
    device: str = "",
    serial: str = "",
    accessories: str = "",
    signer_name: str = "",
    signature_png: bytes | None = None,
) -> VisitRecord:
    """The customer's answer to the stored estimate.

    ``accepted_on_site`` bills the estimate's lines as the repair; ``accepted_workshop`` takes
    the device (its description, serial, accessories and the customer's signature on the
    receipt); ``workshop_refused`` and ``refused`` end the visit (billed at once).
    """
    name = records.outcome_name(outcome)
    if name == "in_workshop":
        return records.receive_device(
            db, request_id, actor=actor, at=at, device=device, serial=serial,
            accessories=accessories, signer_name=signer_name, signature_png=signature_png,
        )  # fmt: skip
    return records.record_outcome(db, request_id, name, actor=actor, at=at)


def record_diagnosis(db: Database, request_id: int, *, minutes: int, estimate: str, actor: str) -> None:
    """Diagnostic minutes typed by hand, with the estimate total (empty: none given).

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
    """The customer's answer; a repair on site bills its one typed line (or the estimate's).

    Raises
    ------
    InvalidInput
        Unknown outcome, or the repair's amount is not an amount (French message).
    """
    lines: list[tuple[str, Decimal]] = []
    if outcome == REPAIRED_ON_SITE and (repair_label.strip() or repair_amount.strip()):
        lines = [(repair_label, parse_amount(repair_amount))]
    records.record_outcome(db, request_id, outcome, actor=actor, repair_lines=lines)


__all__ = [
    "REPAIRED_ON_SITE",
    "Arrival",
    "DiagnosticCharge",
    "EstimateView",
    "State",
    "TechnicianRoute",
    "VisitStep",
    "answer_estimate",
    "arrive",
    "clock",
    "clock_reading",
    "diagnostic_charge",
    "estimate_view",
    "parse_line",
    "present_estimate",
    "record_arrival",
    "record_diagnosis",
    "record_outcome",
    "technician_route",
    "technicians_for",
    "visit_step",
]
