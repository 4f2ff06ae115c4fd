"""Dispatch optimisation: build a day's problem, solve it with the engines, check and explain the plan.

>>> problem = DispatchProblem(date(2026, 6, 1), shop=region.shop)          # doctest: +SKIP
>>> problem.add_technician("alex", shift=("08:00", "17:00"), lunch=(30, "11:30", "13:30"))
>>> problem.add_visit("v1", location=GeoPoint(45.75, -73.60), windows=[("09:00", "11:00")],
...                   service_min=60)
>>> problem.use_region(region, traffic_factor=1.1)
>>> plan = solve(problem, time_limit=1, seed=1)
>>> plan.to_dict()

Modules, one idea each:

* :mod:`~dispatch.routing.problem`: the builder :class:`DispatchProblem` and its values
  (:class:`Technician`, :class:`Visit`, :class:`Lunch`);
* :mod:`~dispatch.routing.plan`: the answer (:class:`Plan`, :class:`Route`, :class:`Stop`,
  :class:`Unassigned`) and the reason codes (:data:`REASONS`);
* :mod:`~dispatch.routing.solving`: :func:`solve`, :func:`reoptimize` (re-plan the rest of
  the day from the technicians' positions), :func:`plan_from_routes`;
* :mod:`~dispatch.routing.booking`: :func:`suggest_bookings` (rank candidate windows over
  the next working days by the marginal travel time of inserting a new request);
* :mod:`~dispatch.routing.feasibility`: the independent checker (:func:`check_plan`,
  :func:`check_vrptw`), no solver imported;
* :mod:`~dispatch.routing.translate` (domain -> integer model), :mod:`~dispatch.routing.schedule`
  (the product's scheduler), :mod:`~dispatch.routing.repair` (repair and diagnosis),
  :mod:`~dispatch.routing.portfolio` (the search portfolio and its tuning);
* engines behind one integer model (:mod:`~dispatch.routing._engine`): ``_pyvrp``,
  ``_pyvrp_day``, ``_ortools``, ``_vroom``, and ``_recombine`` (route recombination);
* :mod:`~dispatch.routing.vrptw_instance` and :mod:`~dispatch.routing.vrptw`: Solomon /
  Homberger instances and their solving; :mod:`~dispatch.routing.demo`: seeded demo days;
* :mod:`~dispatch.routing.week`: :func:`plan_week` (place the requests still to book on the
  next working days and technicians, booked visits kept).
"""

from __future__ import annotations

from dispatch.routing.booking import (
    DEFAULT_WINDOWS,
    BookingSuggestion,
    next_working_days,
    suggest_bookings,
)
from dispatch.routing.feasibility import CheckReport, check_plan, check_vrptw
from dispatch.routing.plan import REASONS, Plan, Route, Stop, Unassigned
from dispatch.routing.problem import TZ, DispatchProblem, Lunch, Technician, Visit
from dispatch.routing.solving import plan_from_routes, reoptimize, solve
from dispatch.routing.vrptw import solve_vrptw
from dispatch.routing.vrptw_instance import VrptwInstance, read_vrptw
from dispatch.routing.week import WeekPlan, WeekRequest, plan_week

__all__ = [
    "DEFAULT_WINDOWS",
    "REASONS",
    "TZ",
    "BookingSuggestion",
    "CheckReport",
    "DispatchProblem",
    "Lunch",
    "Plan",
    "Route",
    "Stop",
    "Technician",
    "Unassigned",
    "Visit",
    "VrptwInstance",
    "WeekPlan",
    "WeekRequest",
    "check_plan",
    "check_vrptw",
    "next_working_days",
    "plan_from_routes",
    "plan_week",
    "read_vrptw",
    "reoptimize",
    "solve",
    "solve_vrptw",
    "suggest_bookings",
]
