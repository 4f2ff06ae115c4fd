"""Storage and invoicing benchmark, on SQLite and PostgreSQL.

Measures, in one run, on this machine:

- building a fresh database by the Alembic migrations (``open_database`` on an empty
  database) and re-opening an up-to-date one;
- the write path of one intervention: request, appointment, confirmation, arrival, policy,
  diagnosis, outcome (7 transactions), per request;
- issuing invoices: sequentially, and with 4 threads at once (gapless numbering with the
  counter row lock), checking the numbers are 1..N with no gap;
- the peer for numbering: a PostgreSQL ``SEQUENCE`` (``nextval``) under the same load with
  10 % of the transactions rolled back, which is faster but leaves gaps (what our counter row
  avoids), next to our counter row under the same rollbacks.

Run: ``.venv/bin/python benchmarks/bench_invoices.py [--n 200] [--pg-url URL]``
(PostgreSQL from ``--pg-url`` or ``$OPMS_TEST_PG_URL``; skipped when neither is set).
Writes ``benchmarks/results/invoices.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "invoices.json"

from dispatch import records as st  # noqa: E402
from dispatch.billing import invoices as iv  # noqa: E402
from dispatch.settings import load_settings  # noqa: E402

COVERAGE = {"zone": "core", "lat": 45.74, "lon": -73.61, "road_km": 3.0,
            "travel_fee": {"amount": "35.00", "explanation": "forfait"}}  # fmt: skip
START = datetime(2026, 12, 3, 9, tzinfo=st.TZ)
#: The policy in force of the database being measured (stored once per database).
POLICY: list[st.PolicyVersion] = []


def _signature() -> bytes:
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(20, 90), (80, 30), (140, 95), (260, 40)], fill=(0, 0, 0, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


SIGNATURE = _signature()


def flow(db, i: int) -> int:
    """One request driven to a billable outcome (7 write transactions); returns its id."""
    req = st.create_request(
        db, name=f"Client {i}", email=f"c{i}@example.com", address=f"{i} rue X",
        coverage=COVERAGE, consent=True, actor="bench",
    )  # fmt: skip
    a = st.book_appointment(db, req.id, start=START, end=START + timedelta(hours=2), actor="b")
    st.confirm_appointment(db, a.id, actor="b")
    st.record_arrival(db, req.id, actor="t")
    st.record_policy_signed(
        db, req.id, policy=POLICY[0], signer_name=f"Client {i}", signature_png=SIGNATURE, actor="t"
    )
    st.record_diagnosis(db, req.id, minutes=45, actor="t")
    st.record_outcome(db, req.id, "estimate_refused", actor="t")
    return req.id


def issue_all(db, settings, ids, threads: int) -> tuple[float, list[str]]:
    numbers: list[str] = []
    lock = threading.Lock()
    chunks = [ids[k::threads] for k in range(threads)]

    def work(chunk):
        for rid in chunk:
            n = iv.issue_invoice(db, rid, settings=settings, actor="b", at=START).number
            with lock:
                numbers.append(n)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0, sorted(numbers)


def bench_backend(name: str, make_url, settings, n: int) -> dict:
    url = make_url()
    t0 = time.perf_counter()
    db = st.open_database(url)
    fresh = time.perf_counter() - t0
    db.close()
    t0 = time.perf_counter()
    db = st.open_database(url)
    reopen = time.perf_counter() - t0
    POLICY[:] = [st.store_policy(db, "# Politique (banc d'essai)", actor="bench")]
    t0 = time.perf_counter()
    ids = [flow(db, i) for i in range(2 * n)]
    flow_s = (time.perf_counter() - t0) / (2 * n)
    seq_s, seq_numbers = issue_all(db, settings, ids[:n], 1)
    par_s, par_numbers = issue_all(db, settings, ids[n:], 4)
    expected = [f"F2026-{k:05d}" for k in range(1, 2 * n + 1)]
    gapless = sorted(seq_numbers + par_numbers) == expected
    db.close()
    return {
        "backend": name,
        "fresh_database_s": round(fresh, 3),
        "reopen_s": round(reopen, 4),
        "flow_ms_per_request": round(flow_s * 1000, 2),
        "issue_ms_sequential": round(seq_s / n * 1000, 2),
        "issue_per_s_4_threads": round(n / par_s, 1),
        "gapless": gapless,
    }


def numbering_peer(pg_url: str, n: int) -> list[dict]:
    """Counter row (ours) vs PostgreSQL SEQUENCE, 4 threads, 10 % of transactions rolled back."""
    engine = sa.create_engine(pg_url, pool_size=8)
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS bench_counter; DROP SEQUENCE IF EXISTS bench_seq")
        c.exec_driver_sql("CREATE TABLE bench_counter (series text primary key, value int)")
        c.exec_driver_sql("CREATE SEQUENCE bench_seq")
    stmts = {
        "counter row (ours)": "INSERT INTO bench_counter VALUES ('F', 1) ON CONFLICT (series) "
        "DO UPDATE SET value = bench_counter.value + 1 RETURNING value",
        "SEQUENCE nextval (peer)": "SELECT nextval('bench_seq')",
    }
    out = []
    for label, sql in stmts.items():
        kept: list[int] = []
        lock = threading.Lock()
        rng = random.Random(1)
        rolls = [rng.random() < 0.1 for _ in range(n)]

        def work(idx, sql=sql, rolls=rolls, lock=lock, kept=kept):
            for k in idx:
                with engine.connect() as c:
                    tx = c.begin()
                    v = c.exec_driver_sql(sql).scalar_one()
                    time.sleep(0.001)  # the invoice rows would be written here
                    if rolls[k]:
                        tx.rollback()
                    else:
                        tx.commit()
                        with lock:
                            kept.append(v)

        t0 = time.perf_counter()
        ts = [threading.Thread(target=work, args=(range(i, n, 4),)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        dt = time.perf_counter() - t0
        kept.sort()
        gaps = (kept[-1] - kept[0] + 1 - len(kept)) if kept else 0
        out.append({"method": label, "per_s": round(n / dt, 1), "committed": len(kept), "gaps": gaps})
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE bench_counter; DROP SEQUENCE bench_seq")
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200, help="invoices per mode (default 200)")
    ap.add_argument("--pg-url", default=os.environ.get("OPMS_TEST_PG_URL", ""))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="opms-bench-inv-"))
    settings = load_settings(data_dir=tmp, env={})
    settings = replace(settings, billing=replace(
        settings.billing, gst_number="987654321 RT0001", qst_number="9876543210 TQ0001",
        interac_email="paiements@opms-bench.ca",
    ))  # invoices are refused with the placeholder legal numbers
    rows = [bench_backend("sqlite", lambda: f"sqlite:///{tmp / 'bench.sqlite3'}", settings, args.n)]
    peer = []
    if args.pg_url:
        admin = sa.create_engine(sa.make_url(args.pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = f"opms_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
        try:
            rows.append(bench_backend("postgresql", lambda: url, settings, args.n))
            peer = numbering_peer(url, args.n * 2)
        finally:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    print(f"{'backend':<11} {'fresh db s':>10} {'reopen s':>9} {'flow ms/req':>12} {'issue ms':>9} {'issue/s x4':>11} gapless")
    for r in rows:
        print(f"{r['backend']:<11} {r['fresh_database_s']:>10} {r['reopen_s']:>9} {r['flow_ms_per_request']:>12} "
              f"{r['issue_ms_sequential']:>9} {r['issue_per_s_4_threads']:>11} {r['gapless']}")  # fmt: skip
    for p in peer:
        print(f"numbering {p['method']:<26} {p['per_s']:>8}/s committed {p['committed']} gaps {p['gaps']}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {"machine": platform.platform(), "cpus": os.cpu_count(), "n": args.n, "backends": rows,
             "numbering_peer": peer}, indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
