"""Plan a stored day: glue between storage, the region and the routing engine.

Used by the dashboard ("Optimiser la journée") and by ``opms-dispatch plan --date``:

1. load the day's appointments and the active technicians from storage;
2. build the :class:`~dispatch.routing.DispatchProblem` on the region's road matrices;
3. solve, and keep what a page needs to draw and explain the result (:class:`DayPlan`):
   labels of visits, technicians' names, the road path of every route.

Also :func:`load_demo`, which stores demo technicians, requests and appointments at real
address points of the region (the first-run "données de démonstration").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from dispatch import records
from dispatch.errors import DispatchError, InvalidInput, RegionNotFound, Unreachable
from dispatch.geo import GeoPoint, check_point, list_regions
from dispatch.i18n import N_, _
from dispatch.office.intake import coverage_record
from dispatch.records import lifecycle
from dispatch.routing import DispatchProblem, reoptimize, solve
from dispatch.routing.demo import generate_requests
from dispatch.settings import TZ, Settings

if TYPE_CHECKING:
    from dispatch.geo import Region
    from dispatch.records import Database, DayAppointment, TechnicianRecord
    from dispatch.routing import Plan, Route


def default_region_name(settings: Settings, name: str | None = None) -> str:
    """The region a command works on: ``name``, else the default one, else the only one."""
    if name:
        return name
    names: list[str] = [r["name"] for r in list_regions(settings=settings)]
    if settings.general.default_region in names:
        return settings.general.default_region
    if len(names) == 1:
        return names[0]
    if not names:
        msg = N_("No region is built; build one with 'opms-dispatch region build FILE.osm "
                 "--name NAME --shop-latlon LAT,LON'.")
        raise RegionNotFound(msg)
    msg = N_("Several regions are built ({names}); choose one with --region.")
    raise InvalidInput(msg, names=", ".join(names))


def visit_id(appointment_id: int) -> str:
    """The routing id of a stored appointment (``a<id>``)."""
    return f"a{appointment_id}"


def technician_id(tech_id: int) -> str:
    """The routing id of a stored technician (``t<id>``)."""
    return f"t{tech_id}"


@dataclass(frozen=True)
class DayPlan:
    """A solved day with what pages and commands need to show it.

    Attributes
    ----------
    day
        The date planned.
    problem, plan
        The routing problem and its solution (:class:`dispatch.routing.Plan`).
    visits
        Routing visit id -> the stored :class:`~dispatch.records.DayAppointment`.
    technicians
        Routing technician id -> stored technician.
    paths
        Routing technician id -> road path of the route, (lat, lon) pairs.
    skipped
        Appointments that could not enter the problem (no position), id -> French reason.
    """

    day: date
    problem: DispatchProblem
    plan: Plan
    visits: dict[str, DayAppointment]
    technicians: dict[str, TechnicianRecord]
    paths: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def label(self, vid: str) -> str:
        """The address of a visit as shown to the dispatcher."""
        a = self.visits.get(vid)
        return a.address if a is not None else vid

    def name(self, tid: str) -> str:
        """A technician's name."""
        t = self.technicians.get(tid)
        return t.name if t is not None else tid

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON: the plan, with names and addresses added."""
        out = self.plan.to_dict()
        for route in out["routes"]:
            route["name"] = self.name(route["technician"])
            for stop in route["stops"]:
                stop["address"] = self.label(stop["visit"])
                a = self.visits.get(stop["visit"])
                if a is not None:
                    stop["appointment_id"] = a.appointment.id
                    stop["request_id"] = a.request_id
        for u in out["unassigned"]:
            u["address"] = self.label(u["visit"])
        out["unassigned"] += [
            {"visit": vid, "reason": "no_position", "message": msg, "address": self.label(vid)}
            for vid, msg in self.skipped.items()
        ]
        return out


def _lunch(t: TechnicianRecord, day: date) -> tuple[float, datetime, datetime] | None:
    if t.break_start is None or not t.break_min:
        return None
    start = datetime.combine(day, t.shift_start, tzinfo=TZ)
    end = datetime.combine(day, t.shift_end, tzinfo=TZ)
    b = datetime.combine(day, t.break_start, tzinfo=TZ)
    early = max(start, b - timedelta(minutes=30))
    late = min(b + timedelta(minutes=60), end - timedelta(minutes=t.break_min))
    if late < early:
        return None
    return (float(t.break_min), early, late)


@dataclass(frozen=True)
class DayProblem:
    """A stored day turned into a routing problem (see :func:`build_day_problem`).

    Attributes
    ----------
    problem
        The :class:`~dispatch.routing.DispatchProblem` on the region's road matrices.
    visits
        Routing visit id -> the stored day appointment.
    technicians
        Routing technician id -> stored technician.
    skipped
        Appointments left out of the problem (no position), visit id -> French reason.
    """

    problem: DispatchProblem
    visits: dict[str, DayAppointment]
    technicians: dict[str, TechnicianRecord]
    skipped: dict[str, str]


def build_day_problem(
    region: Region,
    db: Database,
    day: date,
    *,
    settings: Settings,
    pins: Mapping[str, str] | None = None,
) -> DayProblem:
    """The day's :class:`~dispatch.routing.DispatchProblem` from storage.

    Parameters
    ----------
    region
        The loaded region (shop, road matrices).
    db
        The open database.
    day
        The date to plan.
    settings
        Settings in force (traffic factor).
    pins
        Visit id -> technician id the dispatcher pinned the visit to.

    Returns
    -------
    DayProblem
    """
    pins = dict(pins or {})
    techs = {technician_id(t.id): t for t in records.technicians(db)}
    appts = records.appointments_for_day(db, day)
    problem = DispatchProblem(day, shop=region.shop)
    for tid, t in techs.items():
        start = None
        if t.start_lat is not None and t.start_lon is not None:
            start = GeoPoint(t.start_lat, t.start_lon)
        problem.add_technician(
            tid,
            shift=(t.shift_start, t.shift_end),
            start=start,
            lunch=_lunch(t, day),
            skills=t.skills,
            name=t.name,
        )
    visits: dict[str, DayAppointment] = {}
    skipped: dict[str, str] = {}
    for a in appts:
        vid = visit_id(a.appointment.id)
        visits[vid] = a
        if a.lat is None or a.lon is None:
            skipped[vid] = _("Address without a position: correct the request's address.")
            continue
        pin = pins.get(vid)
        problem.add_visit(
            vid,
            location=GeoPoint(a.lat, a.lon),
            windows=[(a.appointment.window_start, a.appointment.window_end)],
            service_min=a.appointment.duration_min,
            skills=a.appointment.skills,
            pinned_technician=pin if pin in techs else None,
            label=a.address,
        )
    if problem.visits or problem.technicians:
        problem.use_region(region, traffic_factor=settings.network.traffic_factor)
    return DayProblem(problem, visits, techs, skipped)


def route_paths(region: Region, problem: DispatchProblem, plan: Plan) -> dict[str, list[tuple[float, float]]]:
    """The road path of every route: start -> stops -> end, following the roads."""
    techs = {t.id: t for t in problem.technicians}
    locs = {v.id: v.location for v in problem.visits}
    out: dict[str, list[tuple[float, float]]] = {}
    network = region.network
    for route in plan.routes:
        t = techs.get(route.technician)
        start = t.start if t is not None and isinstance(t.start, GeoPoint) else region.shop
        end = t.end if t is not None and isinstance(t.end, GeoPoint) else start
        points = [start]
        points += [loc for s in (*route.fixed, *route.stops) if isinstance(loc := locs.get(s.visit), GeoPoint)]
        points.append(end)
        path: list[tuple[float, float]] = []
        for a, b in zip(points, points[1:], strict=False):
            try:
                leg = network.route(a, b).coords
            except Unreachable:
                leg = [(a.lat, a.lon), (b.lat, b.lon)]
            path.extend((float(lat), float(lon)) for lat, lon in leg)
        out[route.technician] = path
    return out


def plan_day(
    region: Region,
    db: Database,
    day: date,
    *,
    settings: Settings,
    time_limit: float | None = None,
    seed: int | None = None,
    pins: Mapping[str, str] | None = None,
    paths: bool = True,
) -> DayPlan:
    """Load, build, solve: the optimised plan of a stored day.

    Parameters
    ----------
    region, db, day, settings, pins
        See :func:`build_day_problem`.
    time_limit, seed
        Solver budget and seed (default ``settings.routing``).
    paths
        Also compute the road path of every route (for maps).

    Returns
    -------
    DayPlan
    """
    built = build_day_problem(region, db, day, settings=settings, pins=pins)
    problem = built.problem
    if not problem.technicians:
        msg = N_(
            "No active technician: add some in Settings (or load the demo data) before "
            "optimising the day."
        )
        raise InvalidInput(msg)
    limit = settings.routing.time_limit_s if time_limit is None else time_limit
    plan = solve(problem, time_limit=limit, seed=settings.routing.seed if seed is None else seed)
    day_plan = DayPlan(day, problem, plan, built.visits, built.technicians, skipped=built.skipped)
    if paths:
        day_plan.paths.update(route_paths(region, problem, plan))
    return day_plan


#: Request states of a visit finished (or past) for the technician.
_DONE_STATES = frozenset({
    "diagnosed", "repaired_on_site", "in_workshop", "workshop_refused", "estimate_refused",
    "invoiced", "paid", "returned", "cancelled",
})
_IN_PROGRESS_STATES = frozenset({"on_site", "policy_signed"})


#: Positions older than this are not used to re-plan (the phone stopped sharing).
FRESH_FOR = timedelta(minutes=30)


def current_positions(
    db: Database, day: date, *, now: datetime, max_age: timedelta = FRESH_FOR
) -> dict[str, GeoPoint]:
    """Routing technician id -> their position, for the positions of ``day`` younger than
    ``max_age`` (shared by their phones, :mod:`dispatch.records.positions`)."""
    from dispatch.records import positions as stored

    return {
        technician_id(tech): GeoPoint(p.lat, p.lon)
        for tech, p in stored.latest_positions(db, day).items()
        if timedelta(0) <= now - p.recorded_at <= max_age or abs(now - p.recorded_at) <= timedelta(minutes=1)
    }


def replan_from_now(
    region: Region,
    db: Database,
    day_plan: DayPlan,
    *,
    now: datetime,
    time_limit: float = 0.5,
    positions: Mapping[str, GeoPoint] | None = None,
) -> DayPlan:
    """Re-plan the rest of the day from the technicians' progress recorded in records.

    Visits whose request is diagnosed or later are done; a visit on site stays with its
    technician; every other visit may move (:func:`dispatch.routing.reoptimize`).

    ``positions`` (routing technician id -> where they are) default to the positions their
    phones shared in the last 30 minutes (:func:`current_positions`);
    a technician without one starts from their last finished visit. Give ``{}`` to ignore
    the shared positions.
    """
    if positions is None:
        positions = current_positions(db, day_plan.day, now=now)
    states = {visit_id(a.appointment.id): a.request_state
              for a in records.appointments_for_day(db, day_plan.day)}
    served = {s.visit: r.technician for r in day_plan.plan.routes for s in r.stops}
    done = [v for v, st in states.items() if st in _DONE_STATES and v in served]
    in_progress = {served[v]: v for v, st in states.items() if st in _IN_PROGRESS_STATES and v in served}
    plan, problem = reoptimize(
        day_plan.problem, day_plan.plan, now=now, done=done, in_progress=in_progress,
        positions={t.id: positions[t.id] for t in day_plan.problem.technicians if t.id in positions},
        time_limit=time_limit,
    )
    out = DayPlan(day_plan.day, problem, plan, day_plan.visits, day_plan.technicians,
                  skipped=day_plan.skipped)
    out.paths.update(route_paths(region, problem, plan))
    return out


def publish(db: Database, day_plan: DayPlan, *, actor: str) -> int:
    """Assign every planned visit to its technician in storage; returns how many changed.

    The technician page then shows each technician's visits (ordered and timed by
    :func:`technician_day`). Visits left unassigned are released (no technician). All the
    changes are one transaction: a crash or a conflict in the middle publishes nothing.
    """
    changed = 0
    planned = {s.visit: r.technician for r in day_plan.plan.routes for s in r.stops}
    with db.write():  # one transaction: a crash or a conflict publishes all or nothing
        for vid, a in day_plan.visits.items():
            tid = planned.get(vid)
            new = day_plan.technicians[tid].id if tid in day_plan.technicians else None
            if a.appointment.technician_id != new:
                records.update_appointment(
                    db, a.appointment.id, expected_version=a.appointment.version, actor=actor,
                    technician_id=new,
                )
                changed += 1
    return changed


def assigned_pins(db: Database, day: date) -> dict[str, str]:
    """Pins from the assignments stored by :func:`publish` (visit id -> technician id)."""
    return {
        visit_id(a.appointment.id): technician_id(a.appointment.technician_id)
        for a in records.appointments_for_day(db, day)
        if a.appointment.technician_id is not None
    }


@dataclass(frozen=True)
class DayAgenda:
    """What the dispatcher sees of a stored day before optimising it.

    Attributes
    ----------
    day
        The date.
    appointments
        The day's stored appointments (customer name, address, window, state).
    technicians
        The active technicians.
    """

    day: date
    appointments: list[DayAppointment]
    technicians: list[TechnicianRecord]


def day_agenda(db: Database, day: date) -> DayAgenda:
    """The day's appointments and the active technicians (the "Journée" tab's table)."""
    return DayAgenda(day, records.appointments_for_day(db, day), records.technicians(db))


def state_label(state: str) -> str:
    """The label of a request state in the active language (the state itself when unknown)."""
    try:
        return lifecycle.state_label(lifecycle.parse_state(state))
    except DispatchError:
        return state


def technician_day(
    region: Region, db: Database, day: date, tech_id: int, *, settings: Settings, time_limit: float = 0.5
) -> tuple[DayPlan, Route | None]:
    """One technician's published day: the plan with every stored assignment pinned.

    Returns
    -------
    (DayPlan, Route or None)
        The day's plan and the technician's route in it (``None``: nothing published).
    """
    pins = assigned_pins(db, day)
    if technician_id(tech_id) not in pins.values():
        return plan_day(region, db, day, settings=settings, time_limit=time_limit, pins=pins, paths=False), None
    day_plan = plan_day(region, db, day, settings=settings, time_limit=time_limit, pins=pins)
    return day_plan, day_plan.plan.route_of(technician_id(tech_id))


def load_demo(
    region: Region,
    *,
    settings: Settings,
    db: Database,
    day: date,
    n_technicians: int = 4,
    n_visits: int = 20,
    seed: int = 1,
) -> dict[str, int]:
    """Store demo technicians, requests and confirmed appointments of ``day``.

    Technicians are added only if there are none yet. Each visit is a request at a real
    address point of the region (fictitious customer, phone 555), with its coverage, booked
    in its agreed window and confirmed.

    Returns
    -------
    dict
        ``{"technicians": n, "visits": n}``.
    """
    techs, visits = generate_requests(
        region, n_technicians=n_technicians, n_visits=n_visits, seed=seed
    )
    existing = records.technicians(db)
    if not existing:
        for t in techs:
            s0, s1 = (time.fromisoformat(x) for x in t["shift"])
            start = (t["start"].lat, t["start"].lon) if t["start"] is not None else None
            records.add_technician(
                db,
                name=t["name"],
                shift_start=s0,
                shift_end=s1,
                break_start=time(12, 0),
                break_min=int(t["lunch"][0]),
                skills=t["skills"],
                phone="450 555-0100",
                start=start,
                actor="démo",
            )
    known_skills = {sk for t in records.technicians(db) for sk in t.skills}
    surnames = ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie")
    for i, v in enumerate(visits):
        cov = check_point(region, v["location"], settings=settings)
        req = records.create_request(
            db,
            name=f"Client démo {i + 1} {surnames[i % len(surnames)]}",
            phone=f"450 555-{1000 + i:04d}",
            address=v["label"],
            problem="Ordinateur lent, virus possible (démonstration).",
            desired_date=day,
            consent=True,
            source="office",
            coverage={**coverage_record(cov), "precision": "exact", "matched": v["label"]},
            region=region.name,
            actor="démo",
        )
        (w0, w1), = v["windows"]
        appt = records.book_appointment(
            db,
            req.id,
            start=datetime.combine(day, time.fromisoformat(w0), tzinfo=TZ),
            end=datetime.combine(day, time.fromisoformat(w1), tzinfo=TZ),
            duration_min=int(v["service_min"]),
            skills=[s for s in v["skills"] if s in known_skills],
            actor="démo",
            force=True,  # demonstration data: any day, past ones included, is allowed
        )
        records.confirm_appointment(db, appt.id, actor="démo")
    return {"technicians": len(records.technicians(db)), "visits": len(visits)}


__all__ = [
    "FRESH_FOR",
    "DayAgenda",
    "DayPlan",
    "DayProblem",
    "assigned_pins",
    "build_day_problem",
    "current_positions",
    "day_agenda",
    "default_region_name",
    "load_demo",
    "plan_day",
    "publish",
    "replan_from_now",
    "route_paths",
    "state_label",
    "technician_day",
    "technician_id",
    "visit_id",
]
