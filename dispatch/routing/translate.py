"""Translation of a :class:`~dispatch.routing.problem.DispatchProblem` to the engines'
integer model (:mod:`dispatch.routing._engine`).

Times become whole seconds since the day's midnight, unreachable pairs
:data:`UNREACHABLE_S`, skills and pinned technicians the jobs' allowed vehicles; visits no
technician can serve are left out here with their reason (``no_technician``, ``no_skill``).
:class:`EngineModel` keeps the maps back to the domain ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dispatch.routing._engine import EngineBreak, EngineInput, EngineJob, EngineVehicle
from dispatch.routing.plan import Unassigned, unassigned_visit
from dispatch.routing.problem import DispatchProblem

#: Drive time used for unreachable pairs inside the engines (longer than any day).
UNREACHABLE_S = 10_000_000


@dataclass
class EngineModel:
    """The engine input plus the maps back to domain ids."""

    inst: EngineInput
    visit_ids: list[str]
    tech_ids: list[str]
    pre_unassigned: list[Unassigned] = field(default_factory=list)


def to_engine(problem: DispatchProblem) -> EngineModel:
    """The engine input of ``problem`` (matrix computed or checked first), with its maps
    back to visit and technician ids and the visits no technician may serve."""
    index, durations, distances = problem._matrix()
    dur = [[UNREACHABLE_S if not math.isfinite(x) else int(x) for x in row] for row in durations]
    dist = [[round(x) if math.isfinite(x) else UNREACHABLE_S for x in row] for row in distances]
    techs = problem.technicians
    vehicles = []
    for t in techs:
        brk = None
        if t.lunch is not None:
            brk = EngineBreak(
                duration=t.lunch.duration_s,
                early=problem.seconds(t.lunch.earliest),
                late=problem.seconds(t.lunch.latest),
            )
        vehicles.append(
            EngineVehicle(
                start=index[("tech_start", t.id)],
                end=index[("tech_end", t.id)],
                tw_early=problem.seconds(t.shift_start),
                tw_late=problem.seconds(t.shift_end),
                max_span=t.max_work_s,
                brk=brk,
                fixed_cost=t.fixed_cost,
            )
        )
    tech_pos = {t.id: k for k, t in enumerate(techs)}
    jobs, ids, pre = [], [], []
    for v in problem.visits:
        if not techs:
            pre.append(unassigned_visit(v, "no_technician"))
            continue
        able = [k for k, t in enumerate(techs) if v.skills <= t.skills]
        if not able:
            pre.append(unassigned_visit(v, "no_skill"))
            continue
        if v.pinned_technician is not None:
            k = tech_pos[v.pinned_technician]
            if k not in able:
                pre.append(unassigned_visit(v, "no_skill"))
                continue
            able = [k]
        allowed = None if len(able) == len(techs) else frozenset(able)
        jobs.append(
            EngineJob(
                loc=index[("visit", v.id)],
                windows=tuple((problem.seconds(a), problem.seconds(b)) for a, b in v.windows),
                service=v.service_s,
                penalty=v.penalty,
                allowed=allowed,
                position=v.pinned_position,
            )
        )
        ids.append(v.id)
    inst = EngineInput(durations=dur, distances=dist, vehicles=vehicles, jobs=jobs, objective="duration")
    return EngineModel(inst=inst, visit_ids=ids, tech_ids=[t.id for t in techs], pre_unassigned=pre)


__all__ = ["UNREACHABLE_S", "EngineModel", "to_engine"]
