"""The solver-neutral integer model that the engines (OR-Tools, PyVRP) receive.

:mod:`dispatch.routing.translate` (domain words: technicians, visits, datetimes) and
:mod:`dispatch.routing.vrptw` (benchmark instances) both translate to this model; the private
engine modules ``_ortools``, ``_pyvrp``, ``_pyvrp_day`` and ``_vroom`` translate it to their library. Every number is an
integer in the model's unit (seconds for a dispatch day; 1/10 or 1/1000 of a distance unit
for VRPTW), so that both engines optimise exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EngineBreak:
    """A break of ``duration`` to start within ``[early, late]`` (anywhere on the route)."""

    duration: int
    early: int
    late: int


@dataclass(frozen=True)
class EngineVehicle:
    """One vehicle (technician): depots, shift, break, span limit, fixed cost, capacity."""

    start: int
    end: int
    tw_early: int
    tw_late: int
    max_span: int | None = None
    brk: EngineBreak | None = None
    fixed_cost: int = 0
    capacity: int | None = None


@dataclass(frozen=True)
class EngineJob:
    """One job (visit / customer).

    ``penalty`` is the objective cost of leaving it out (always finite: the engines never
    return an empty answer); ``allowed`` restricts the vehicles (``None`` = any);
    ``position`` pins the job at that 0-based position of its (single allowed) vehicle.
    """

    loc: int
    windows: tuple[tuple[int, int], ...]
    service: int
    penalty: int
    demand: int = 0
    allowed: frozenset[int] | None = None
    position: int | None = None


@dataclass(frozen=True)
class EngineInput:
    """A full instance; ``objective`` is ``"duration"`` or ``"distance"`` (travel only)."""

    durations: list[list[int]]
    distances: list[list[int]]
    vehicles: list[EngineVehicle]
    jobs: list[EngineJob]
    objective: str = "duration"

    def arc_cost(self, i: int, j: int) -> int:
        """Objective cost of travelling from location ``i`` to ``j``."""
        return self.durations[i][j] if self.objective == "duration" else self.distances[i][j]

    def route_cost(self, v: int, route: Sequence[int]) -> int:
        """Objective cost of vehicle ``v`` serving ``route`` (jobs in order): its fixed cost
        and the travel from its start through the jobs to its end (0 for an empty route)."""
        if not route:
            return 0
        veh = self.vehicles[v]
        locs = [veh.start, *(self.jobs[j].loc for j in route), veh.end]
        return veh.fixed_cost + sum(self.arc_cost(a, b) for a, b in zip(locs, locs[1:], strict=False))

    @property
    def has_breaks(self) -> bool:
        return any(v.brk is not None for v in self.vehicles)

    @property
    def has_restrictions(self) -> bool:
        """Skills/pins restrict vehicles, or positions are pinned."""
        return any(j.allowed is not None or j.position is not None for j in self.jobs)


@dataclass(frozen=True)
class EngineResult:
    """Routes per vehicle (job indices in visit order) and the dropped jobs."""

    routes: list[list[int]]
    dropped: list[int]
    engine: str
    seconds: float
    stats: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_routes(
        cls,
        routes: list[list[int]],
        n_jobs: int,
        *,
        engine: str,
        seconds: float,
        stats: dict[str, object] | None = None,
    ) -> EngineResult:
        """A result whose dropped jobs are those of ``range(n_jobs)`` on no route."""
        served = {j for r in routes for j in r}
        dropped = [j for j in range(n_jobs) if j not in served]
        return cls(routes=routes, dropped=dropped, engine=engine, seconds=seconds, stats=stats or {})

    def cost(self, inst: EngineInput) -> int:
        """Objective value: travel + fixed costs + penalties of dropped jobs."""
        return sum(inst.jobs[j].penalty for j in self.dropped) + sum(
            inst.route_cost(v, route) for v, route in enumerate(self.routes)
        )


__all__ = ["EngineBreak", "EngineInput", "EngineJob", "EngineResult", "EngineVehicle"]
