"""Solomon/Homberger reading, DIMACS scoring, and the contract's ``vrptw`` command."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dispatch.errors import InvalidInput, NotFound
from dispatch.routing.vrptw import solve_vrptw
from dispatch.routing.vrptw_instance import read_bks, read_vrptw, route_cost

OPMS = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "opms-dispatch")


def test_reads_solomon_c101(shared_data):
    """C101: 100 customers, 25 vehicles of capacity 200, depot due 1236."""
    inst = read_vrptw(shared_data / "solomon" / "C101.txt")
    assert (inst.name, inst.n_customers, inst.vehicles, inst.capacity) == ("C101", 100, 25, 200)
    assert inst.due[0] == 1236
    assert (inst.x[1], inst.y[1], inst.demand[1], inst.service[1]) == (45, 68, 10, 90)


def test_reads_homberger_200(shared_data):
    """c1_2_1: 200 customers, 50 vehicles."""
    inst = read_vrptw(shared_data / "homberger_200" / "c1_2_1.txt")
    assert (inst.n_customers, inst.vehicles, inst.capacity) == (200, 50, 200)


def test_rejects_a_file_that_is_not_solomon(tmp_path):
    """A random text file is refused with a message naming the expected format."""
    f = tmp_path / "x.txt"
    f.write_text("hello\nworld\n")
    with pytest.raises(InvalidInput, match="Solomon"):
        read_vrptw(f)
    with pytest.raises(NotFound):
        read_vrptw(tmp_path / "missing.txt")


def test_dimacs_truncates_each_arc():
    """Arc (0,0)-(1,1) is 1.414... exact and 1.4 under DIMACS."""
    from dispatch.routing.vrptw_instance import VrptwInstance

    inst = VrptwInstance("t", 1, 10, (0, 1), (0, 1), (0, 1), (0, 0), (100, 100), (0, 0))
    assert route_cost(inst, [[1]], "dimacs") == pytest.approx(2.8)
    assert route_cost(inst, [[1]], "exact") == pytest.approx(2 * 2**0.5)


def test_solver_reaches_c101_best_known_in_one_second(shared_data):
    """C101 at 1 s: feasible and at the DIMACS best-known 827.3."""
    inst = read_vrptw(shared_data / "solomon" / "C101.txt")
    bks = read_bks(shared_data / "solomon" / "bks_dimacs.csv")
    sol = solve_vrptw(inst, time_limit=1, convention="dimacs")
    assert sol.feasible
    assert sol.dimacs_distance == pytest.approx(bks["C101"][1], abs=0.05)


def test_cli_solves_c101_feasibly(shared_data):
    """The contract's command prints one JSON document with the contract's fields."""
    out = subprocess.run(
        [OPMS, "vrptw", str(shared_data / "solomon" / "C101.txt"), "--time-limit", "1", "--json"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    d = json.loads(out.stdout)
    assert set(d) == {"distance", "vehicles", "routes", "unassigned", "feasible", "seconds"}
    assert d["feasible"] is True
    assert d["unassigned"] == []
    assert sorted(c for r in d["routes"] for c in r) == list(range(1, 101))
    assert d["vehicles"] == len(d["routes"])
    assert 827 < d["distance"] < 900


def test_cli_fleet_cap_serves_what_it_can(shared_data):
    """With --fleet 3 on R101, three routes serve part of the customers, the rest listed."""
    out = subprocess.run(
        [OPMS, "vrptw", str(shared_data / "solomon" / "R101.txt"), "--time-limit", "1", "--fleet", "3", "--json"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    d = json.loads(out.stdout)
    assert d["vehicles"] <= 3
    assert d["feasible"] is True
    served = [c for r in d["routes"] for c in r]
    assert sorted(served + d["unassigned"]) == list(range(1, 101))
    assert len(d["unassigned"]) > 0


@pytest.mark.parametrize(("args", "code"), [(["/no/such.txt", "--time-limit", "1"], 3), (["C101", "--time-limit", "0"], 2)])
def test_cli_errors_use_contract_exit_codes(shared_data, args, code):
    """Missing file exits 3, a non-positive time limit exits 2, message on stderr."""
    args = [str(shared_data / "solomon" / "C101.txt") if a == "C101" else a for a in args]
    out = subprocess.run([OPMS, "vrptw", *args, "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == code
    assert out.stdout == ""
    assert out.stderr.strip()
