"""PyVRP day model: a dispatch day with lunch breaks and skills as PyVRP data.

The product's main search (:mod:`dispatch.routing.portfolio`) runs on :class:`DayModel`:
the lunch of each technician is a required group of "lunch spots" (:func:`lunch_spots`),
skills and pinned technicians are per-technician profiles, every visit is optional with its
penalty as prize, and every candidate route of a search can be pooled for recombination.
:func:`solve_day` is one plain search on it (the benchmark's "PyVRP on the product's model"
peer). Plain VRPTW goes through :func:`dispatch.routing._pyvrp.solve`.

Determinism: with ``iterations`` the search stops after a fixed number of iterations and is
repeatable for a seed; the time limit only guards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyvrp
from numpy.typing import NDArray
from pyvrp.IteratedLocalSearch import IteratedLocalSearch
from pyvrp.PenaltyManager import PenaltyManager, PenaltyParams
from pyvrp.search import (
    OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    compute_neighbours,
)
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from dispatch.routing._engine import EngineInput, EngineResult

#: Most lunch spots in a day model (all technicians together), so that a large day stays
#: a model PyVRP searches in about its budget (measured: 12 technicians and 150 visits made
#: 1,350 spots and a 1 s solve took 4.9 s; see BENCHMARKS.md, History, point 9).
MAX_SPOTS = 600
#: Lunch spots of one technician besides its start and end: at most
#: :data:`SPOTS_PER_TECH`, at least :data:`MIN_SPOTS` (when :data:`MAX_SPOTS` shares are
#: smaller). 20 instead of 64 (session 3): a 60-visit day has 192 PyVRP clients instead of
#: 362, each iteration is cheaper, and over 16 days x 3 seeds as many visits were served
#: (BENCHMARKS.md, History, point 10).
SPOTS_PER_TECH = 20
MIN_SPOTS = 16

#: A pool of candidate routes: ``(vehicle, jobs in order)`` keys (the values are unused).
RoutePool = dict[tuple[int, tuple[int, ...]], None]
#: PyVRP's granular neighbourhood: the neighbours of each client.
Neighbours = dict[pyvrp.Activity, list[pyvrp.Activity]]


def lunch_places(inst: EngineInput, v: int, *, cap: int) -> list[int]:
    """Vehicle ``v``'s start and end, then the places of at most ``cap`` visits it may serve
    whose window lies within an hour of its lunch window, closest first (none without lunch)."""
    veh = inst.vehicles[v]
    brk = veh.brk
    if brk is None:
        return []
    mid = (brk.early + brk.late) / 2
    ranked = sorted(
        (
            max(0, job.windows[0][0] - brk.late, brk.early - job.windows[-1][1] - job.service),
            abs((job.windows[0][0] + job.windows[-1][1]) / 2 - mid),
            job.loc,
        )
        for job in inst.jobs
        if (job.allowed is None or v in job.allowed)
        and job.windows[0][0] <= brk.late + 3600
        and job.windows[-1][1] + job.service >= brk.early - 3600
    )
    spots = [veh.start] if veh.end == veh.start else [veh.start, veh.end]
    for *_, loc in ranked:
        if len(spots) >= cap + 2:
            break
        if loc not in spots:
            spots.append(loc)
    return spots


def lunch_spots(inst: EngineInput, v: int) -> set[int]:
    """Places where vehicle ``v`` may take its lunch in the day model.

    Its start, its end, and the places of the visits it may serve whose window lies within
    an hour of the lunch window (a lunch far from any such visit would mean hours of
    waiting); on large days only the visits whose windows are closest to the lunch window
    (see :data:`MAX_SPOTS`).
    """
    cap = max(MIN_SPOTS, min(SPOTS_PER_TECH, MAX_SPOTS // max(1, len(inst.vehicles))))
    return set(lunch_places(inst, v, cap=cap))


def model_entries(inst: EngineInput) -> int:
    """Matrix entries of the exact day model (:class:`DayModel` with lunch spots).

    Each technician with a lunch has its own profile (its own spots are the only ones it
    may use), each profile a duration and a cost matrix over every location (depots, visits,
    lunch spots): ``2 x profiles x locations**2``. Building them, and PyVRP's copy of them,
    is what makes the exact model slow on large fleets (measured: 20 technicians and 300
    visits, 11 million entries, 0.3-0.6 s; 50 and 500, 98 million, 3-7 s).
    """
    depots = {v.start for v in inst.vehicles} | {v.end for v in inst.vehicles}
    spots = sum(len(lunch_spots(inst, v)) for v in range(len(inst.vehicles)))
    locations = len(depots) + len(inst.jobs) + spots
    profiles = len(inst.vehicles) if spots else len({job.allowed for job in inst.jobs}) + 1
    return 2 * min(profiles, len(inst.vehicles)) * locations**2


#: Cost of an arc a vehicle may not use (its profile): more than any visit's prize.
_FORBIDDEN_COST = 10**9

#: Granular neighbourhood of a day with lunch spots (see :meth:`DayModel._neighbourhood`):
#: nearest visits of a visit, nearest spots of each technician for a visit, nearest visits
#: of a lunch spot.
_NEAR_JOBS = 40
_NEAR_SPOTS = 3
_NEAR_SPOT_JOBS = 40
#: Starting penalty of one second of lateness (time warp) in the product's searches. PyVRP
#: starts at 50,000 (the midpoint of its range) and adapts it every 500 iterations, which
#: a search of a 1 s solve (50-550 iterations) never reaches: lateness then costs 5,000
#: times a second of driving (10 per second in this model) and the search cannot cross
#: infeasible ground. At 400 (40 times a second of driving) it can, and over 16 days x 6
#: seeds it left 703 visits out instead of 733 (BENCHMARKS.md, History, point 11). The
#: benchmark's PyVRP peer keeps PyVRP's default (``DayModel.search(time_warp_penalty=None)``).
TIME_WARP_PENALTY = 400.0


class _Candidates(pyvrp.IteratedLocalSearchCallbacks):
    """Hands every candidate solution of the search to ``fn`` (the route pool)."""

    def __init__(self, fn: Callable[[pyvrp.Solution], None]) -> None:
        self.fn = fn

    def on_iteration(
        self,
        current: pyvrp.Solution,
        candidate: pyvrp.Solution,
        best: pyvrp.Solution,
        cost_evaluator: pyvrp.CostEvaluator,
    ) -> None:
        self.fn(candidate)


class DayModel:
    """A dispatch day as PyVRP data, built once and searched many times.

    Modelling (exact for the product's scheduler):

    * every job and depot gets its own PyVRP location (copies of the matrix rows);
    * the lunch of technician *k* is a required client group of "lunch spots", one
      co-located with each place *k* may be (its start, its end, each visit it may serve,
      :func:`lunch_spots`), with the lunch duration as service and the lunch window as time
      window. Taking the lunch at the spot of the next visit before serving it equals
      taking it on the way;
    * skills and pinned technicians: one profile (matrix) per technician in which the
      clients it may not serve cost :data:`_FORBIDDEN_COST`;
    * several windows: a client group of one client per window;
    * every visit optional with its penalty as prize (the answer is never empty);
    * cost = ``weights[0]`` x travel + ``weights[1]`` x route duration (waiting and
      services included): travel is the product's objective; the small duration term keeps
      days compact, which measured to leave room for more visits than travel alone.

    A relaxation that puts the lunch anywhere with no drive to or from it (one client per
    technician instead of dozens of spots) was measured and not kept: its answers serve
    more visits on paper, but once re-timed with the drive the lunch interrupts they lost
    1-2 visits per day, more than the exact model's answers of the same time.
    """

    def __init__(
        self,
        inst: EngineInput,
        *,
        weights: tuple[int, int] = (10, 1),
        num_neighbours: int = 100,
        exact_lunch: bool = True,
    ) -> None:
        self.inst = inst
        self.num_neighbours = num_neighbours
        #: ``False``: the large-day relaxation (see :func:`model_entries`): no lunch spots,
        #: each technician's day shortened by its lunch; the product's scheduler then places
        #: the lunch, and the repair drops what no longer fits.
        self.exact_lunch = exact_lunch
        n_jobs = len(inst.jobs)
        base_dur = np.asarray(inst.durations, dtype=np.int64)
        base_dist = np.asarray(inst.distances, dtype=np.int64)
        # locations: one per depot place used, then one per job, then lunch clients
        depot_base = sorted({v.start for v in inst.vehicles} | {v.end for v in inst.vehicles})
        depot_idx = {b: k for k, b in enumerate(depot_base)}
        loc_base: list[int] = list(depot_base)
        loc_owner: list[int] = [-1] * len(depot_base)  # -1 = anyone; k = only vehicle k
        clients: list[pyvrp.Client] = []
        #: per client: ("job", j) or ("lunch", v)
        self.kinds: list[tuple[str, int]] = []
        #: per job, its clients (one per window)
        self.job_clients: list[list[int]] = [[] for _ in inst.jobs]
        #: (vehicle, base location) -> lunch spot client
        self.lunch_client: dict[tuple[int, int], int] = {}
        groups: list[pyvrp.ClientGroup] = []
        allowed = [job.allowed for job in inst.jobs]
        job_locs: list[int] = []
        for job in inst.jobs:
            job_locs.append(len(loc_base))
            loc_base.append(job.loc)
            loc_owner.append(-1)
        prize_scale = sum(weights)
        for j, job in enumerate(inst.jobs):
            group = None
            if len(job.windows) > 1:
                group = len(groups)
            for a, b in job.windows:
                self.job_clients[j].append(len(clients))
                clients.append(
                    pyvrp.Client(job_locs[j], service_duration=int(job.service), tw_early=int(a),
                                 tw_late=int(b), prize=int(job.penalty) * prize_scale, required=False,
                                 group=group)
                )
                self.kinds.append(("job", j))
            if group is not None:
                groups.append(pyvrp.ClientGroup(self.job_clients[j], required=False))
        for v, veh in enumerate(inst.vehicles):
            if veh.brk is None or not exact_lunch:
                continue
            members = []
            for b in sorted(lunch_spots(inst, v)):
                loc = len(loc_base)
                loc_base.append(b)
                loc_owner.append(v)
                members.append(len(clients))
                self.lunch_client[(v, b)] = len(clients)
                clients.append(
                    pyvrp.Client(loc, service_duration=int(veh.brk.duration), tw_early=int(veh.brk.early),
                                 tw_late=int(veh.brk.late), required=False, group=len(groups))
                )
                self.kinds.append(("lunch", v))
            groups.append(pyvrp.ClientGroup(members, required=True))
        idx = np.asarray(loc_base)
        dur = base_dur[np.ix_(idx, idx)]
        dist = base_dist[np.ix_(idx, idx)]
        np.fill_diagonal(dur, 0)
        np.fill_diagonal(dist, 0)
        owner = np.asarray(loc_owner)
        # profiles: one per distinct set of forbidden places (a technician's own lunch
        # spots, the visits its skills or pins exclude); technicians alike share one
        dur_mats: list[Any] = []
        dist_mats: list[Any] = []
        profile_of: list[int] = []
        cost = dur if inst.objective == "duration" else dist
        profiles: dict[bytes, int] = {}
        for v in range(len(inst.vehicles)):
            forbid = (owner != -1) & (owner != v)
            for j in range(n_jobs):
                allowed_j = allowed[j]
                if allowed_j is not None and v not in allowed_j:
                    forbid[job_locs[j]] = True
            key = np.packbits(forbid).tobytes()
            if key not in profiles:
                profiles[key] = len(dist_mats)
                # forbidden arcs cost _FORBIDDEN_COST (a static cost the local search
                # handles well; measured better than making them time-infeasible)
                c = cost
                if forbid.any():
                    c = cost.copy()
                    c[:, forbid] += _FORBIDDEN_COST
                    np.fill_diagonal(c, 0)
                dur_mats.append(dur)
                dist_mats.append(c)
            profile_of.append(profiles[key])
        locations = [pyvrp.Location(0, 0) for _ in loc_base]
        depots = [pyvrp.Depot(k) for k in range(len(depot_base))]
        vtypes: list[pyvrp.VehicleType] = []
        for v, veh in enumerate(inst.vehicles):
            span = 2**40
            lunch = veh.brk.duration if veh.brk else 0
            if veh.max_span is not None:
                span = veh.max_span + (lunch if exact_lunch else 0)
            if not exact_lunch and lunch:  # the relaxation: the lunch's time kept free
                span = min(span, max(0, int(veh.tw_late) - int(veh.tw_early) - lunch))
            vtypes.append(
                pyvrp.VehicleType(
                    1, start_depot=depot_idx[veh.start], end_depot=depot_idx[veh.end],
                    fixed_cost=int(veh.fixed_cost), tw_early=int(veh.tw_early), tw_late=int(veh.tw_late),
                    shift_duration=int(span),
                    # PyVRP's "distance" matrix carries the travel cost (drive seconds for
                    # a day); its duration term (waiting and services included) is small
                    unit_distance_cost=weights[0],
                    unit_duration_cost=weights[1],
                    profile=profile_of[v],
                )
            )
        self.data = pyvrp.ProblemData(locations, clients, depots, vtypes, dist_mats, dur_mats, groups)
        #: PyVRP's granular neighbourhood, computed once and shared by every search
        if self.lunch_client:
            self.neighbours = self._neighbourhood(dur, cost)
        else:
            self.neighbours = compute_neighbours(self.data, NeighbourhoodParams(num_neighbours=num_neighbours))

    def _neighbourhood(self, dur: NDArray[np.int64], cost: NDArray[np.int64]) -> Neighbours:
        """The granular neighbourhood of a day with lunch spots.

        PyVRP's own (the nearest clients by distance and time-window fit) is mostly lunch
        spots on such a day: measured on the 60-visit day, 84 of a visit's 100 neighbours
        were other technicians' spots, which can never share its route. Here a visit's
        neighbours are its :data:`_NEAR_JOBS` nearest visits plus, for each technician
        that may serve it, that technician's :data:`_NEAR_SPOTS` nearest lunch spots; a
        lunch spot's are the :data:`_NEAR_SPOT_JOBS` nearest visits its technician may
        serve. "Nearest" is PyVRP's proximity: travel cost plus 0.2 x the least waiting
        plus the least time warp between the two, in either order.
        """
        clients = self.data.clients()
        n = len(clients)
        loc = np.asarray([c.location for c in clients])
        early = np.asarray([c.tw_early for c in clients], dtype=float)
        late = np.asarray([c.tw_late for c in clients], dtype=float)
        serv = np.asarray([c.service_duration for c in clients], dtype=float)
        t = dur[np.ix_(loc, loc)].astype(float)
        c = cost[np.ix_(loc, loc)].astype(float)
        wait = np.maximum(0.0, early[None, :] - (late[:, None] + serv[:, None] + t))
        warp = np.maximum(0.0, early[:, None] + serv[:, None] + t - late[None, :])
        prox = c + 0.2 * wait + warp
        prox = np.minimum(prox, prox.T)
        kind_job = np.asarray([k == "job" for k, _ in self.kinds])
        job_of = np.asarray([x if k == "job" else -1 for k, x in self.kinds])
        spot_of = np.asarray([x if k == "lunch" else -1 for k, x in self.kinds])
        n_veh = len(self.inst.vehicles)
        # may[v, i]: client i is a visit vehicle v may serve
        may = np.tile(kind_job, (n_veh, 1))
        for c in np.flatnonzero(kind_job):
            allowed = self.inst.jobs[job_of[c]].allowed
            if allowed is not None:
                may[:, c] = False
                may[sorted(allowed), c] = True

        def nearest(row: np.ndarray, mask: np.ndarray, k: int) -> list[int]:
            cand = np.flatnonzero(mask)
            if len(cand) > k:
                cand = cand[np.argpartition(row[cand], k - 1)[:k]]
            ranked: list[int] = cand[np.argsort(row[cand], kind="stable")].tolist()
            return ranked

        act = [pyvrp.Activity(pyvrp.ActivityType.CLIENT, i) for i in range(n)]
        out: Neighbours = {}
        for i in range(n):
            row = prox[i]
            if kind_job[i]:
                nb = nearest(row, kind_job & (job_of != job_of[i]), _NEAR_JOBS)
                for v in np.flatnonzero(may[:, i]):
                    nb += nearest(row, spot_of == v, _NEAR_SPOTS)
            else:
                nb = nearest(row, may[spot_of[i]], _NEAR_SPOT_JOBS)
            out[act[i]] = [act[x] for x in nb]
        return out

    @property
    def size(self) -> int:
        """Number of PyVRP clients."""
        return self.data.num_clients

    def lunch_legs(self, sol: pyvrp.Solution) -> list[int | None]:
        """Per vehicle, how many visits precede its lunch in ``sol`` (``None``: no lunch)."""
        legs: list[int | None] = [None] * len(self.inst.vehicles)
        for r in sol.routes():
            k = 0
            for a in r:
                if not a.is_client():
                    continue
                if self.kinds[a.idx][0] == "job":
                    k += 1
                else:
                    legs[r.vehicle_type()] = k
        return legs

    def routes_of(self, sol: pyvrp.Solution) -> list[list[int]]:
        """Job indices per vehicle (lunch clients left out) of a PyVRP solution."""
        routes: list[list[int]] = [[] for _ in self.inst.vehicles]
        for r in sol.routes():
            routes[r.vehicle_type()] = [self.kinds[a.idx][1] for a in r if a.is_client() and self.kinds[a.idx][0] == "job"]
        return routes

    def pool_routes(self, sol: pyvrp.Solution) -> list[tuple[int, tuple[int, ...]]]:
        """The routes of ``sol`` without time warp, each with its lunch, as (vehicle, jobs)."""
        out: list[tuple[int, tuple[int, ...]]] = []
        for r in sol.routes():
            if r.has_time_warp() or r.has_excess_distance():
                continue
            v = r.vehicle_type()
            jobs: list[int] = []
            lunches = 0
            for a in r:
                if not a.is_client():
                    continue
                kind, x = self.kinds[a.idx]
                if kind == "job":
                    jobs.append(x)
                elif x == v:
                    lunches += 1
                else:
                    lunches = 99
            if lunches == (1 if self.inst.vehicles[v].brk is not None and self.exact_lunch else 0):
                out.append((v, tuple(jobs)))
        return out

    def solution(
        self,
        routes: Sequence[Sequence[int]],
        lunch_legs: Sequence[int | None],
        starts: Sequence[Sequence[int]] | None = None,
    ) -> pyvrp.Solution:
        """A PyVRP solution of these routes, the lunch of route ``v`` on leg ``lunch_legs[v]``
        (before stop k; ``len(route)`` = on the way back; ``None`` = on the way back).
        ``starts`` (service start of each stop, per route) picks the window of a visit that
        has several; without it, the first."""
        inst = self.inst
        out: list[pyvrp.Route] = []
        for v, route in enumerate(routes):
            if not route:
                continue
            veh = inst.vehicles[v]
            acts: list[int] = []
            for k, j in enumerate(route):
                choice = 0
                if starts is not None and len(inst.jobs[j].windows) > 1:
                    t = starts[v][k]
                    choice = next((w for w, (_, b) in enumerate(inst.jobs[j].windows) if t <= b), 0)
                acts.append(self.job_clients[j][choice])
            if veh.brk is None or not self.exact_lunch:
                out.append(pyvrp.Route(self.data, acts, v))
                continue
            leg_of_lunch = lunch_legs[v]
            k = len(route) if leg_of_lunch is None else leg_of_lunch
            places = [inst.jobs[j].loc for j in route] + [veh.end]
            # the spot of that stop, else the nearest stop after it that has one
            client = next(
                (self.lunch_client[(v, p)] for p in places[k:] if (v, p) in self.lunch_client),
                self.lunch_client[(v, veh.end)],
            )
            chosen = pyvrp.Route(self.data, [*acts[:k], client, *acts[k:]], v)
            if chosen.has_time_warp():
                # that stop has no spot (a technician has at most SPOTS_PER_TECH) and the
                # next one is too late. The lunch of a leg may also be taken at the place
                # just left (the spot of the stop before): the shortest day of all these
                # placements without lateness, so that a start the product's scheduler
                # accepts is a feasible start here too (session 4: 5 of 32 final answers
                # were late in this model, and the search then started from lateness)
                before = [veh.start, *(inst.jobs[j].loc for j in route)]
                for leg in range(len(route) + 1):
                    for p in (before[leg], places[leg]):
                        spot = self.lunch_client.get((v, p))
                        if spot is None:
                            continue
                        other = pyvrp.Route(self.data, [*acts[:leg], spot, *acts[leg:]], v)
                        if not other.has_time_warp() and (
                            chosen.has_time_warp() or other.duration() < chosen.duration()
                        ):
                            chosen = other
            out.append(chosen)
        return pyvrp.Solution(self.data, out)

    def search(
        self,
        *,
        time_limit: float,
        seed: int = 1,
        iterations: int | None = None,
        initial: pyvrp.Solution | None = None,
        pool: RoutePool | None = None,
        time_warp_penalty: float | None = None,
    ) -> tuple[pyvrp.Solution, int]:
        """One PyVRP search; returns ``(best solution, iterations)``.

        ``initial``: a :class:`pyvrp.Solution` of this data to start from; ``pool``: a dict
        that receives every candidate route (see :meth:`pool_routes`) as a key;
        ``time_warp_penalty``: the starting penalty of a second of lateness (``None``:
        PyVRP's default, see :data:`TIME_WARP_PENALTY`).
        """
        stop: StoppingCriterion = MaxRuntime(time_limit)
        if iterations is not None:
            stop = MultipleCriteria([MaxIterations(int(iterations)), MaxRuntime(time_limit)])
        ils = pyvrp.IteratedLocalSearchParams()
        if pool is not None:
            def add(sol: pyvrp.Solution, _pool: RoutePool = pool) -> None:
                for key in self.pool_routes(sol):
                    _pool[key] = None
            ils = pyvrp.IteratedLocalSearchParams(callbacks=_Candidates(add))
        # pyvrp.solve, step by step, with the granular neighbourhood computed once per day
        # (0.15 s on 774 clients, and it held the GIL while the other search waited)
        rng = pyvrp.RandomNumberGenerator(seed=int(seed))
        ls = LocalSearch(self.data, rng, self.neighbours, PerturbationManager(PerturbationParams()))
        for op in OPERATORS:
            if op.supports(self.data):
                ls.add_operator(op(self.data))
        penalty = PenaltyParams()
        start = penalty.midpoint_penalties(self.data)
        if time_warp_penalty is not None:  # loads and distance are not limited in a day
            start = (start[0], float(time_warp_penalty), start[2])
        pm = PenaltyManager(start, penalty)
        if initial is None:
            initial = ls(pyvrp.Solution.make_random(self.data, rng), pm.max_cost_evaluator(), exhaustive=True)
        res = IteratedLocalSearch(self.data, pm, ls, initial, ils).run(stop, collect_stats=False, display=False)
        if pool is not None:
            for key in self.pool_routes(res.best):
                pool[key] = None
        return res.best, int(res.num_iterations)


def solve_day(
    inst: EngineInput,
    *,
    time_limit: float,
    seed: int = 1,
    iterations: int | None = None,
) -> EngineResult:
    """One PyVRP search on a dispatch day (lunch breaks and skills included; see
    :class:`DayModel`). The benchmark's "PyVRP on the product's model" peer."""
    t0 = time.perf_counter()
    model = DayModel(inst)
    sol, iters = model.search(time_limit=time_limit, seed=seed, iterations=iterations)
    return EngineResult.from_routes(
        model.routes_of(sol), len(inst.jobs), engine="pyvrp", seconds=time.perf_counter() - t0,
        stats={"feasible": bool(sol.is_feasible()), "iterations": iters},
    )


__all__ = [
    "MAX_SPOTS", "MIN_SPOTS", "SPOTS_PER_TECH", "TIME_WARP_PENALTY", "DayModel", "lunch_spots", "model_entries",
    "solve_day",
]
