"""The office's week: where the requests still to book would go (a proposal, nothing saved).

:func:`propose_week` builds each of the next working days from storage (its technicians and
booked appointments, :func:`dispatch.office.planning.build_day_problem`), takes the requests
waiting for their first call (state ``requested``; a desired date makes that day the only
one; remote requests and those already holding a window are left out), and asks
:func:`dispatch.routing.plan_week` which day and technician each should get. The Répartition
page's "Semaine" tab and ``opms-dispatch plan --week`` show the answer.

:func:`move_request` is the dispatcher's "Déplacer vers …": the week planned again with one
request forced onto a chosen day (and, optionally, technician), the other requests free as
before and the booked appointments where they are; a move the day cannot take leaves the
previous proposal as it was, with the reason (:attr:`WeekProposal.refused`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from babel.dates import format_date

from dispatch import records
from dispatch.errors import InvalidInput
from dispatch.geo import GeoPoint
from dispatch.i18n import N_, _, active_language
from dispatch.office.planning import DayProblem, build_day_problem, route_paths
from dispatch.routing import WeekPlan, WeekRequest, next_working_days, plan_week

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.records import Database
    from dispatch.routing import DispatchProblem
    from dispatch.settings import Settings

#: Service minutes of a request not yet booked (the appointments' default).
REQUEST_SERVICE_MIN = 60
#: Most working days one proposal covers.
MAX_DAYS = 20
#: Priority of a request the dispatcher moved: placed before the free ones when the day is
#: short of room (the free ones are priority 0).
MOVED_PRIORITY = 1


@dataclass(frozen=True)
class Move:
    """The dispatcher's choice for one request: this day (and this technician, if given).

    Attributes
    ----------
    day
        The working day the request must go on.
    technician
        Routing technician id (``t<id>``) it must go to; empty: any technician of the day.
    """

    day: date
    technician: str = ""


@dataclass(frozen=True)
class TechnicianTotals:
    """One technician's share of a proposed day."""

    technician: str
    visits: int
    requests: int
    km: float
    travel_min: float


@dataclass(frozen=True)
class DayTotals:
    """The totals of one proposed day.

    Attributes
    ----------
    day
        The day.
    placed
        Requests still to book placed on that day.
    booked
        Booked visits of the day (served by the day's routes).
    travel_min, km
        Driving of all the day's routes.
    technicians
        Per technician with at least one visit, in the routes' order.
    """

    day: date
    placed: int
    booked: int
    travel_min: float
    km: float
    technicians: tuple[TechnicianTotals, ...]


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
    booked
        Booked visit id (``a<appointment id>``) of the covered days -> ``request_id``,
        ``address``, ``customer``, ``lat``, ``lon``, ``window`` (start, end).
    places
        Routing request id -> (lat, lon) of the requests planned.
    wishes
        Routing request id -> the day the customer asked for (the only day it may take).
    paths
        Day -> routing technician id -> road path of its route, (lat, lon) pairs (empty
        unless asked for, see :func:`propose_week`).
    moves
        The moves the week was planned with, request id -> :class:`Move`.
    refused
        Why the last move was refused (the proposal is then the one before it); empty if
        it was not.
    """

    days: tuple[date, ...]
    week: WeekPlan
    requests: dict[str, dict[str, Any]]
    technicians: dict[str, str]
    skipped: dict[str, str]
    booked: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    wishes: dict[str, date] = field(default_factory=dict)
    paths: dict[date, dict[str, list[tuple[float, float]]]] = field(default_factory=dict)
    moves: dict[int, Move] = field(default_factory=dict)
    refused: str = ""

    def day_of(self, request_id: int) -> date | None:
        """The day a request is placed on (``None``: not placed)."""
        where = self.week.placed.get(f"r{request_id}")
        return where[0] if where is not None else None

    def totals(self, day: date) -> DayTotals:
        """Requests placed, booked visits served, driving, per technician, of one day."""
        plan = self.week.days.get(day)
        routes = plan.routes if plan is not None else ()
        techs = []
        placed = booked = 0
        for r in routes:
            mine = sum(1 for s in r.stops if s.visit in self.requests)
            placed += mine
            booked += sum(1 for s in r.stops if s.visit in self.booked)
            if r.stops:
                techs.append(TechnicianTotals(self.technicians.get(r.technician, r.technician), len(r.stops),
                                              mine, r.km, r.travel_min))
        return DayTotals(day, placed, booked, sum(r.travel_min for r in routes), sum(r.km for r in routes),
                         tuple(techs))

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
    moves: Mapping[int, Move] | None = None,
    paths: bool = False,
) -> WeekProposal:
    """Place the requests still to book on the ``days`` working days from ``first``.

    Parameters
    ----------
    region, db, first, days, settings
        The region, the open database, the first day, how many working days.
    time_limit, seed
        Search budget (default ``settings.routing`` per day) and seed.
    moves
        Request id -> :class:`Move`: that request may go on that day only (and to that
        technician), placed before the free ones; the other requests are free.
    paths
        Also compute the road path of every route (for the days' maps).

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
    moves = dict(moves or {})
    requests: list[WeekRequest] = []
    info: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    places: dict[str, tuple[float, float]] = {}
    wishes: dict[str, date] = {}
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
        places[rid] = (req.address.lat, req.address.lon)
        wanted = (req.desired_date,) if req.desired_date is not None else ()
        if req.desired_date is not None:
            wishes[rid] = req.desired_date
        request = WeekRequest(
            id=rid, location=GeoPoint(req.address.lat, req.address.lon), service_min=REQUEST_SERVICE_MIN,
            days=wanted, label=req.address.text,
        )
        move = moves.get(req.id)
        if move is not None:
            request = replace(request, days=(move.day,), priority=MOVED_PRIORITY,
                              skills=frozenset({_pin_skill(move.technician)}) if move.technician else frozenset())
        requests.append(request)
    problems = {d: _with_pins(b.problem, [m.technician for m in moves.values() if m.day == d and m.technician])
                for d, b in built.items()}
    limit = settings.routing.time_limit_s * len(horizon) if time_limit is None else time_limit
    week = plan_week(problems, requests, time_limit=limit, seed=settings.routing.seed if seed is None else seed)
    names = {tid: t.name for b in built.values() for tid, t in b.technicians.items()}
    return WeekProposal(
        horizon, week, info, names, skipped, booked=_booked(built), places=places, wishes=wishes,
        paths=_paths(region, built, week, requests) if paths else {},
        moves={rid: m for rid, m in moves.items() if f"r{rid}" in info},
    )


def _pin_skill(technician: str) -> str:
    """The skill only ``technician`` has in a day's problem: a moved request needing it goes to
    them (the week planner knows days and skills, not technicians)."""
    return f"opms-pin:{technician}"


def _with_pins(problem: DispatchProblem, technicians: list[str]) -> DispatchProblem:
    """The day's problem whose ``technicians`` hold their pin skill (the problem itself if none)."""
    if not technicians:
        return problem
    out = problem.copy()
    out.technicians = [replace(t, skills=t.skills | {_pin_skill(t.id)}) if t.id in technicians else t
                       for t in problem.technicians]
    return out


def _booked(built: Mapping[date, DayProblem]) -> dict[str, dict[str, Any]]:
    return {
        vid: {"request_id": a.request_id, "address": a.address, "customer": a.customer_name, "lat": a.lat,
              "lon": a.lon, "window": (a.appointment.window_start, a.appointment.window_end)}
        for b in built.values() for vid, a in b.visits.items()
    }


def _paths(
    region: Region, built: Mapping[date, DayProblem], week: WeekPlan, requests: list[WeekRequest]
) -> dict[date, dict[str, list[tuple[float, float]]]]:
    """Each day's road paths: the day's problem with the requests placed on it added."""
    out = {}
    for d, plan in week.days.items():
        problem = built[d].problem.copy()
        for r in requests:
            if week.placed.get(r.id, (None,))[0] == d:
                problem.add_visit(r.id, location=r.location, label=r.label)
        out[d] = route_paths(region, problem, plan)
    return out


def day_label(day: date, *, short: bool = False) -> str:
    """``mardi 2 juin`` (``mar. 2 juin`` if ``short``), in the active language."""
    return format_date(day, format="EEE d MMM" if short else "EEEE d MMMM", locale=active_language())


def move_request(
    region: Region,
    db: Database,
    proposal: WeekProposal,
    request_id: int,
    day: date,
    *,
    technician: str = "",
    settings: Settings,
    time_limit: float | None = None,
    seed: int | None = None,
) -> WeekProposal:
    """The week planned again with request ``request_id`` forced onto ``day`` (and ``technician``).

    The earlier moves of ``proposal`` hold; the other requests are free; booked appointments
    stay on their day and are never moved. When the request cannot take that day (a booked
    appointment, a day outside the proposal, another day asked for by the customer, no room
    or no way there), the answer is ``proposal`` itself with :attr:`WeekProposal.refused`
    saying why.

    Returns
    -------
    WeekProposal
        The new proposal (``refused`` empty) or the previous one with the reason.
    """
    rid = f"r{request_id}"
    when = day_label(day)

    def refuse(reason: str) -> WeekProposal:
        return replace(proposal, refused=reason)

    if rid not in proposal.requests:
        if any(b["request_id"] == request_id for b in proposal.booked.values()):
            return refuse(_("Request {id} already has a booked appointment: booked appointments stay where "
                            "they are.").format(id=request_id))
        return refuse(_("Request {id} is not among the requests to place.").format(id=request_id))
    if day not in proposal.days:
        return refuse(_("{day} is not one of the planned days.").format(day=when))
    if rid in proposal.skipped:
        return refuse(proposal.skipped[rid])
    wish = proposal.wishes.get(rid)
    if wish is not None and wish != day:
        return refuse(_("The customer asked for {wish}: this request cannot go on {day}.").format(
            wish=day_label(wish), day=when))
    if technician and technician not in proposal.technicians:
        technician = ""
    moves = {**proposal.moves, request_id: Move(day, technician)}
    new = propose_week(region, db, proposal.days[0], days=len(proposal.days), settings=settings,
                       time_limit=time_limit, seed=seed, moves=moves, paths=bool(proposal.paths))
    where = new.week.placed.get(rid)
    if where is None or where[0] != day or (technician and where[1] != technician):
        code = new.week.unplaced.get(rid, "")
        why = _("no room left that day") if code in ("", "no_skill") else new.week.messages.get(rid, code)
        return refuse(_("Request {id} cannot go on {day}: {reason}").format(id=request_id, day=when, reason=why))
    return new


@dataclass(frozen=True)
class BoardCard:
    """One visit of the week's board: a request to book (movable) or a booked appointment (fixed).

    Attributes
    ----------
    request_id
        The request's id.
    customer, address
        The customer's name; the address shortened to its first part (before the first comma).
    technician
        The technician's name (empty for a request not placed).
    fixed
        A booked appointment: shown where it is, never moved.
    """

    request_id: int
    customer: str
    address: str
    technician: str = ""
    fixed: bool = False


@dataclass(frozen=True)
class BoardColumn:
    """One column of the week's board: a day's visits in route order, or the requests not placed.

    Attributes
    ----------
    day
        The day (``None``: the column of the requests not placed).
    cards
        The visits: per technician in the routes' order, each route's visits in its order.
    totals
        The day's totals (``None`` for the column of the requests not placed).
    """

    day: date | None
    cards: tuple[BoardCard, ...]
    totals: DayTotals | None = None


def _short(address: str) -> str:
    return address.split(",", 1)[0].strip()


def board_columns(proposal: WeekProposal) -> tuple[BoardColumn, ...]:
    """The week's board: one column per day of ``proposal`` then the requests not placed.

    Every request placed and every booked visit served lies in its day's column; a request
    not placed (or left out for want of a position) lies in the last column.
    """
    columns = []
    for day in proposal.days:
        plan = proposal.week.days.get(day)
        cards = []
        for route in plan.routes if plan is not None else ():
            name = proposal.technicians.get(route.technician, route.technician)
            for stop in route.stops:
                info = proposal.requests.get(stop.visit) or proposal.booked.get(stop.visit)
                if info is None:
                    continue
                cards.append(BoardCard(int(info["request_id"]), info["customer"], _short(info["address"]), name,
                                       fixed=stop.visit in proposal.booked))
        columns.append(BoardColumn(day, tuple(cards), proposal.totals(day)))
    columns.append(BoardColumn(None, tuple(BoardCard(int(r["request_id"]), r["customer"], _short(r["address"]))
                                           for r in proposal.unplaced_rows())))
    return tuple(columns)


__all__ = [
    "MAX_DAYS",
    "MOVED_PRIORITY",
    "REQUEST_SERVICE_MIN",
    "BoardCard",
    "BoardColumn",
    "DayTotals",
    "Move",
    "TechnicianTotals",
    "WeekProposal",
    "board_columns",
    "day_label",
    "move_request",
    "propose_week",
]
