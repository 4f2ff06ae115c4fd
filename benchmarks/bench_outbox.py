"""Outbox benchmark: 1,000 customer e-mails written to the outbox, then sent to a local SMTP
server (aiosmtpd, the one of the tests) by the worker's send pass, on SQLite and PostgreSQL.

Measures, on this machine:

- enqueue: the acknowledgement of a request (:func:`dispatch.messaging.events.request_received`:
  French templates rendered, one transaction per request), per message;
- the worker's pass (:class:`dispatch.messaging.worker.Worker`, its ``outbox`` job: one message
  claimed at a time, marked sent in its own transaction after the server's acceptance), in
  messages per second, and the same with ``send_due(batch=50)`` for comparison;
- peak memory of the worker's pass: Python allocations (``tracemalloc``, in a separate pass so
  that its overhead does not slow the timed one) and the process's peak resident size.

Run: ``.venv/bin/python benchmarks/bench_outbox.py [--n 1000] [--pg-url URL]``
(PostgreSQL from ``--pg-url`` or ``$OPMS_TEST_PG_URL``; skipped when neither is set).
Writes ``benchmarks/results/outbox.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "outbox.json"

from dispatch import records as st  # noqa: E402
from dispatch.messaging import consent, events, outbox  # noqa: E402
from dispatch.messaging.delivery import send_due  # noqa: E402
from dispatch.messaging.worker import Worker  # noqa: E402
from dispatch.settings import load_settings  # noqa: E402
from tests.messaging.smtp_server import SmtpServer  # noqa: E402


def _fill(db: st.Database, settings, n: int) -> float:
    """``n`` requests whose customers agreed to e-mail, and their acknowledgement; ms per message."""
    ids = []
    for i in range(n):
        req = st.create_request(
            db, name=f"Client {i}", email=f"client{i}@example.com", phone="",
            address=f"{100 + i} rue Dupras, Mascouche", problem="L'ordinateur ne démarre plus",
            consent=True, actor="bench",
        )  # fmt: skip
        with db.write() as s:
            consent.record_consent(s, req.customer.id, ["email"], wording="oui", source="form", actor="bench")
        ids.append(req.id)
    t0 = time.perf_counter()
    for rid in ids:
        with db.write() as s:
            events.request_received(s, rid, settings=settings)
    return (time.perf_counter() - t0) * 1000 / n


def _requeue(db: st.Database) -> None:
    from dispatch.records.schema import OutboxRow

    with db.write() as s:
        s.execute(sa.update(OutboxRow).values(state="queued", attempts=0, sent_at=None, lease_until=None))


def _worker_pass(db: st.Database, settings, n: int) -> tuple[float, int]:
    """The worker's ``outbox`` job, run once (its schedule, kept in the database, left aside)."""
    worker = Worker(db, settings, name="bench")
    [job] = [j for j in worker.jobs if j.name == "outbox"]
    t0 = time.perf_counter()
    result = job.run(db, settings, st.now())
    return time.perf_counter() - t0, int(result["sent"])


def bench_backend(name: str, url: str, settings, n: int, smtp: SmtpServer) -> dict:
    db = st.open_database(url)
    try:
        enqueue_ms = _fill(db, settings, n)
        smtp.recorder.messages.clear()
        secs, sent = _worker_pass(db, settings, n)
        assert sent == n and len(smtp.recorder.wait_for(n)) == n, (sent, len(smtp.recorder.messages))
        assert outbox.state_counts(db)["sent"] == n
        _requeue(db)
        t0 = time.perf_counter()
        batched = send_due(db, settings, batch=50, max_messages=n)
        batch_s = time.perf_counter() - t0
        assert batched.sent == n
        _requeue(db)
        tracemalloc.start()
        _worker_pass(db, settings, n)
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        db.close()
    return {
        "backend": name, "messages": n, "enqueue_ms_per_message": round(enqueue_ms, 2),
        "worker_pass_s": round(secs, 2), "worker_messages_per_s": round(n / secs, 1),
        "batch50_messages_per_s": round(n / batch_s, 1),
        "worker_pass_peak_python_mb": round(peak / 2**20, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="messages (default 1000)")
    ap.add_argument("--pg-url", default=os.environ.get("OPMS_TEST_PG_URL", ""))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="opms-bench-outbox-"))
    smtp = SmtpServer().start()
    settings = load_settings(data_dir=tmp, env={})
    settings = settings.with_section(
        "mail", smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        from_address="rv@opms-bench.ca", timeout_s=10.0, public_url="https://rv.opms-bench.ca",
    )  # fmt: skip
    settings = settings.with_section("general", company_name="OPMS Informatique", company_phone="450 555-0000")
    load = os.getloadavg()
    rows = []
    try:
        rows.append(bench_backend("sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}", settings, args.n, smtp))
        if args.pg_url:
            admin = sa.create_engine(sa.make_url(args.pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
            name = f"opms_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE DATABASE "{name}"')
            url = sa.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
            try:
                rows.append(bench_backend("postgresql", url, settings, args.n, smtp))
            finally:
                with admin.connect() as c:
                    c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
    finally:
        smtp.stop()
    print(f"{'backend':<11} {'enqueue ms':>10} {'worker s':>9} {'worker msg/s':>13} {'batch50 msg/s':>14} "
          f"{'peak py MB':>11} {'peak RSS MB':>12}")  # fmt: skip
    for r in rows:
        print(f"{r['backend']:<11} {r['enqueue_ms_per_message']:>10} {r['worker_pass_s']:>9} "
              f"{r['worker_messages_per_s']:>13} {r['batch50_messages_per_s']:>14} "
              f"{r['worker_pass_peak_python_mb']:>11} {r['process_peak_rss_mb']:>12}")  # fmt: skip
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "loadavg_at_start": load,
                    "n": args.n, "backends": rows}, indent=2) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
