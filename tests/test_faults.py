"""Faults: a process killed while issuing invoices or publishing plans leaves consistent data;
a busy database fails after a bounded wait with a clear message; a solver given almost no
time still returns a checked plan.

The other faults of the issue are covered elsewhere: the online geocoder down, slow or
rate-limited (offline result with a notice) in tests/geo/test_geocode.py, an interrupted Overpass
download (nothing half-built, a retry message) in tests/geo/test_overpass.py.
"""

from __future__ import annotations

import math
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from dispatch import records as st
from dispatch.errors import StorageError
from dispatch.records import open_database
from dispatch.routing import DispatchProblem, solve
from dispatch.routing.feasibility import check_plan
from tests import fault_support
from tests.storage_data import make_request

pytest_plugins = ["tests.storage_support"]

ROOT = Path(__file__).resolve().parents[1]
KILLS = 5


# --------------------------------------------------------------------------------------------
# A real process killed with SIGKILL in the middle of its writes
# --------------------------------------------------------------------------------------------


def _run_and_kill(what: str, url: str, data_dir: Path, rng: random.Random, log: Path) -> None:
    """Start a worker, wait until it writes, kill it with SIGKILL after a random delay."""
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fault_support", what, url, str(data_dir)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    try:
        line = proc.stdout.readline()
        assert line.strip() == b"ready", f"worker did not start: {log.read_text()[-2000:]}"
        time.sleep(rng.uniform(0.15, 0.9))
        assert proc.poll() is None, f"worker died on its own: {log.read_text()[-2000:]}"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def _integrity_ok(url: str) -> None:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(sa.make_url(url).database)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()


def _check_invoices(url: str) -> int:
    """Gapless numbers, complete invoices, one audit entry each, states in step; returns N."""
    _integrity_ok(url)
    db = open_database(url)
    try:
        with db.read() as s:
            invoices = s.scalars(sa.select(st.InvoiceRow).order_by(st.InvoiceRow.number)).all()
            n = len(invoices)
            assert [r.number for r in invoices] == [f"F2026-{k:05d}" for k in range(1, n + 1)]
            counter = s.scalars(
                sa.select(st.CounterRow.value).where(st.CounterRow.series == "F2026")
            ).first()
            assert (counter or 0) == n, "the counter gave out a number no invoice holds"
            for r in invoices:
                lines = s.scalars(
                    sa.select(st.InvoiceLineRow).where(st.InvoiceLineRow.invoice_id == r.id)
                ).all()
                assert lines, f"{r.number} has no lines"
                assert sum((ln.amount for ln in lines), Decimal("0")) == r.subtotal, r.number
                assert r.subtotal + r.gst + r.qst == r.total, r.number
            audited = s.scalars(
                sa.select(st.AuditRow.entity_id).where(
                    st.AuditRow.action == "issue", st.AuditRow.entity == "invoice"
                )
            ).all()
            assert sorted(audited) == sorted(r.id for r in invoices), (
                "audit log out of step with the invoices"
            )
            invoiced = s.scalars(
                sa.select(st.RequestRow.id).where(st.RequestRow.state == "invoiced")
            ).all()
            assert sorted(invoiced) == sorted(r.request_id for r in invoices)
    finally:
        db.close()
    return n


def _check_publish(url: str, base: dict[int, int]) -> int:
    """Every appointment of the day on the same technician at the same version (all or none of
    each publish) and one audit entry per change; returns the number of publishes."""
    _integrity_ok(url)
    db = open_database(url)
    try:
        appts = [a.appointment for a in st.appointments_for_day(db, fault_support.DAY)]
        assert len(appts) == fault_support.N_APPOINTMENTS
        assert len({a.technician_id for a in appts}) == 1, (
            f"half-published plan: {[(a.id, a.technician_id) for a in appts]}"
        )
        assert len({a.version for a in appts}) == 1
        with db.read() as s:
            for a in appts:
                updates = s.scalar(
                    sa.select(sa.func.count())
                    .select_from(st.AuditRow)
                    .where(
                        st.AuditRow.action == "update",
                        st.AuditRow.entity == "appointment",
                        st.AuditRow.entity_id == a.id,
                    )
                )
                assert updates - base[a.id] == a.version - 1, (
                    f"audit log out of step for appointment {a.id}"
                )
        return appts[0].version - 1
    finally:
        db.close()


@pytest.mark.timeout(60)
def test_killed_while_issuing_invoices_leaves_gapless_complete_invoices(db_url, data_dir, tmp_path):
    """SIGKILL at random moments of a real process issuing invoices: after each restart the
    file is intact, numbers are gapless, each invoice complete and audited."""
    rng = random.Random(7)
    log = tmp_path / "worker.log"
    counts = []
    for _ in range(KILLS):
        _run_and_kill("invoices", db_url, data_dir, rng, log)
        counts.append(_check_invoices(db_url))
    assert counts[-1] >= 2, f"the worker issued too few invoices to prove anything: {counts}"


@pytest.mark.timeout(60)
def test_killed_while_publishing_plans_leaves_no_half_published_plan(db_url, data_dir, tmp_path):
    """SIGKILL at random moments of a real process publishing plans (every visit moved to the
    other technician each time): after each restart, all or none of each publish is stored."""
    db = open_database(db_url)
    fault_support.prepare_publish(db)
    with db.read() as s:
        base = dict(
            s.execute(
                sa.select(st.AuditRow.entity_id, sa.func.count())
                .where(st.AuditRow.action == "update", st.AuditRow.entity == "appointment")
                .group_by(st.AuditRow.entity_id)
            ).all()
        )
    base = {
        a.appointment.id: base.get(a.appointment.id, 0)
        for a in st.appointments_for_day(db, fault_support.DAY)
    }
    db.close()
    rng = random.Random(11)
    log = tmp_path / "worker.log"
    counts = []
    for _ in range(KILLS):
        _run_and_kill("publish", db_url, data_dir, rng, log)
        counts.append(_check_publish(db_url, base))
    assert counts[-1] >= 2, f"the worker published too few plans to prove anything: {counts}"


# --------------------------------------------------------------------------------------------
# Busy database: bounded wait, then a clear message
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def sqlite_file(sqlite_template, tmp_path) -> Path:
    target = tmp_path / "busy.sqlite3"
    target.write_bytes(sqlite_template.read_bytes())
    return target


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")  # the write lock, kept until rollback
    return conn


def test_database_locked_longer_than_the_retry_budget_fails_fast_with_a_clear_message(
    sqlite_file, monkeypatch
):
    """Another connection keeps the write lock: the write gives up after the busy timeout with
    a StorageError saying the database is busy, not a hang nor a raw sqlite3 error."""
    monkeypatch.setattr("dispatch.records.database.BUSY_TIMEOUT_S", 0.5)
    holder = _hold_write_lock(sqlite_file)
    db = open_database(f"sqlite:///{sqlite_file}", migrate=False)
    try:
        t0 = time.perf_counter()
        with pytest.raises(StorageError, match=r"busy.*try again") as caught:
            make_request(db)
        elapsed = time.perf_counter() - t0
        assert 0.4 <= elapsed < 5, f"gave up after {elapsed:.2f} s, expected about 0.5 s"
        assert not isinstance(caught.value, sqlite3.Error)
    finally:
        holder.rollback()
        holder.close()
        db.close()
    db = open_database(f"sqlite:///{sqlite_file}", migrate=False)
    try:
        assert st.list_requests(db) == [], "the failed write left something behind"
    finally:
        db.close()


def test_database_locked_briefly_waits_and_succeeds(sqlite_file, monkeypatch):
    """A lock held 0.4 s, within the retry budget: the write waits for it and succeeds."""
    monkeypatch.setattr("dispatch.records.database.BUSY_TIMEOUT_S", 5.0)
    holder = _hold_write_lock(sqlite_file)
    release = threading.Timer(0.4, holder.rollback)
    db = open_database(f"sqlite:///{sqlite_file}", migrate=False)
    try:
        t0 = time.perf_counter()
        release.start()
        req = make_request(db)
        elapsed = time.perf_counter() - t0
        assert elapsed >= 0.3, "the write did not wait for the lock: the test proves nothing"
        assert st.get_request(db, req.id).state
    finally:
        release.join()
        holder.close()
        db.close()


# --------------------------------------------------------------------------------------------
# Solver time limit: best plan found, never nothing
# --------------------------------------------------------------------------------------------


def _large_problem(n_visits: int = 300, n_techs: int = 10) -> DispatchProblem:
    rng = random.Random(5)
    points = [(0.0, 0.0)] + [(rng.uniform(-25, 25), rng.uniform(-25, 25)) for _ in range(n_visits)]
    dur = [[60 * math.dist(a, b) for b in points] for a in points]
    dist = [[1000 * math.dist(a, b) for b in points] for a in points]
    p = DispatchProblem(fault_support.DAY, shop=0)
    p.set_matrix(dur, dist)
    for t in range(n_techs):
        p.add_technician(f"t{t}", shift=("08:00", "17:00"))
    for k in range(n_visits):
        h = rng.randrange(8, 15)
        windows = [(f"{h:02d}:00", f"{h + 3:02d}:00")] if k % 3 else []
        p.add_visit(f"v{k}", location=k + 1, service_min=rng.choice([30, 45, 60]), windows=windows)
    return p


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("engine", "deterministic"),
    [("auto", True), ("auto", False), ("ortools", False)],
    ids=["auto-repeatable", "auto-wall-clock", "ortools-wall-clock"],
)
def test_tiny_time_limit_on_a_large_day_returns_a_checked_plan(engine, deterministic):
    """300 visits, 10 technicians, 1 ms: a feasible plan serving visits, every other visit
    explained, returned within a bounded time (OR-Tools alone finds no first solution in 1 ms:
    the greedy repair of :func:`dispatch.routing.solve` still gives a plan)."""
    p = _large_problem()
    t0 = time.perf_counter()
    plan = solve(p, time_limit=0.001, seed=3, engine=engine, deterministic=deterministic)
    elapsed = time.perf_counter() - t0
    report = check_plan(p, plan)
    assert report.ok, report.violations[:5]
    assert plan.feasible
    assert len(plan.served) >= 30, f"only {len(plan.served)} visits served"
    assert {*plan.served, *(u.visit for u in plan.unassigned)} == {f"v{k}" for k in range(300)}
    assert all(u.reason for u in plan.unassigned)
    assert elapsed < 20, f"took {elapsed:.1f} s for a 1 ms budget"
