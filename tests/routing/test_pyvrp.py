"""The PyVRP day model (``dispatch.routing._pyvrp_day``): what it must agree on with the product's
scheduler."""

from __future__ import annotations

from dispatch.routing._pyvrp_day import DayModel, lunch_spots
from dispatch.routing.schedule import schedule_route
from dispatch.routing.translate import to_engine

from .test_routing import problem


def test_a_lunch_taken_where_the_last_visit_was_is_a_feasible_start_for_the_search():
    """A 3 h repair ends at noon, lunch there by 12:05, then a visit at 15:00 far from the
    lunch window (so its place is no lunch spot; the next spot is the shop, 10 min away).
    The product's scheduler accepts this route; as a PyVRP start it must have no lateness,
    else the search that continues from it starts from a late day and may return a worse
    one (5 of 32 final answers did)."""
    p = problem()
    p.add_technician("t", shift=("08:00", "17:00"), lunch=(30, "11:30", "12:05"))
    p.add_visit("a", location=1, windows=[("09:00", "09:00")], service_min=180)
    p.add_visit("b", location=3, windows=[("15:00", "16:00")], service_min=60)
    model = to_engine(p)
    inst = model.inst
    a, b = model.visit_ids.index("a"), model.visit_ids.index("b")
    sched = schedule_route(inst, 0, [a, b])
    assert sched is not None and sched.break_leg == 1  # between a and b
    assert inst.jobs[b].loc not in lunch_spots(inst, 0)
    day = DayModel(inst)
    sol = day.solution([[a, b]], [sched.break_leg], [sched.starts])
    assert sol.is_feasible(), sol.time_warp()
    assert day.routes_of(sol) == [[a, b]]


def test_a_search_for_every_visit_of_a_too_small_fleet_warns_nobody_on_stderr(shared_data):
    """R101 needs 19 vehicles for every visit; with 5, PyVRP's penalties hit their bound.

    The relay runs that search on purpose (a fleet that nearly serves everything) and keeps
    another answer when it fails; the result says ``feasible: False``. PyVRP's English
    ``PenaltyBoundWarning`` must not reach the command line's stderr. A fixed iteration count
    (2,000; the warning comes after about 1,500) makes the run the same on any machine.
    """
    import subprocess
    import sys

    code = (
        "from dispatch.routing import _pyvrp, read_vrptw\n"
        "from dispatch.routing.vrptw import to_engine\n"
        f"m = to_engine(read_vrptw({str(shared_data / 'solomon' / 'R101.txt')!r}), fleet=5)\n"
        "r = _pyvrp.solve(m, time_limit=120, iterations=2000, all_required=True)\n"
        "print(r.stats['feasible'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "False"
    assert out.stderr == ""
