"""Longer fuzzing run over every place a person or a file reaches (bounded in time).

    .venv/bin/python benchmarks/fuzz.py --minutes 5

Runs the hostile-input targets of tests/test_hostile_input.py with FULL input ranges (the
unit tests keep to the ranges the known findings do not cover), round-robin with fresh random
seeds until the time budget is spent. A target fails when it raises anything other than a
``DispatchError`` or breaks its invariant (wrong success), or exceeds the deadline (hang).
Each distinct failure (exception type + the innermost frame of our code) is recorded once
with hypothesis' minimal example, then ignored so the run keeps looking for new ones.

Writes ``benchmarks/results/fuzz.json``: duration, examples per target, findings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

from dispatch.errors import DispatchError  # noqa: E402
from tests import test_hostile_input as T  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "fuzz.json"


class Finding(Exception):
    """A new failure of a target (its signature and the original exception)."""


KNOWN: dict[str, set[str]] = {}
COUNT: dict[str, int] = {}


def signature(err: BaseException) -> str:
    """``Type at file:line`` of the innermost frame in our code (dispatch/ or the target)."""
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if "/dispatch/" in f.filename or f.filename.endswith("fuzz.py")]
    f = (ours or frames or [None])[-1]
    where = f"{Path(f.filename).relative_to(ROOT) if f and str(ROOT) in f.filename else getattr(f, 'filename', '?')}:{getattr(f, 'lineno', 0)}"
    return f"{type(err).__name__} at {where}"


CURRENT: Path | None = None


def guard(target: str, fn, *args, **kwargs):
    """Call a target body; DispatchError is fine; a known failure is ignored; a new one raises.

    The example is first written to ``CURRENT`` so that a hang (the process killed by the
    driver) can be reported with its input.
    """
    COUNT[target] = COUNT.get(target, 0) + 1
    if CURRENT is not None:
        CURRENT.write_text(repr(kwargs)[:4000], encoding="utf-8")
    try:
        return fn(*args, **kwargs)
    except DispatchError:
        return None
    except Exception as err:
        sig = signature(err)
        if sig in KNOWN.setdefault(target, set()):
            return None
        raise Finding(sig) from err


# --------------------------------------------------------------------------------------------
# Targets (full ranges)
# --------------------------------------------------------------------------------------------

any_number = hs.one_of(
    hs.floats(allow_nan=True, allow_infinity=True), hs.integers(), hs.decimals(allow_nan=True, allow_infinity=True),
    hs.text(max_size=20), hs.none(), hs.booleans(),
)


def t_addresses(text):
    T.test_address_parser_survives_any_text.hypothesis.inner_test(text=text)


def t_intake(raw):
    T.test_email_intake_parsing_survives_any_message.hypothesis.inner_test(raw=raw)


def t_form(text):
    T.test_form_field_parsers_survive_any_text.hypothesis.inner_test(text=text)


def t_csv(data):
    T.test_csv_reader_survives_any_file.hypothesis.inner_test(data=data)


def t_osm(data, suffix):
    region, _ = T._build(data, suffix, strict=True)
    if region is not None:
        assert len(region.streets.names) > 0


def t_billing(outcome, minutes, travel, repairs, remote):
    from dispatch.billing.rules import price

    bill = price(outcome, diagnostic_min=minutes, billing=BILLING, travel=T._travel(travel), remote=remote,
                 repairs=repairs)
    T._check_bill(bill)


def t_money(amount, method, reference):
    from dispatch.billing.rules import (
        CENT,
        check_interac_reference,
        check_payment,
        interac_reference,
        money,
    )

    d = money(amount)
    assert isinstance(d, Decimal) and d == d.quantize(CENT)
    _, a, _ = check_payment(method, amount, reference)
    assert a > 0
    check_interac_reference(reference)
    interac_reference(reference)


def t_solver(visits, shift, cell):
    from dispatch.routing import DispatchProblem, solve
    from dispatch.routing.feasibility import check_plan

    n = 5
    dur = [[0.0 if i == j else (cell if (i + j) % 3 == 0 else 60.0 * abs(i - j)) for j in range(n)] for i in range(n)]
    p = DispatchProblem(date(2026, 6, 2), shop=0)
    p.set_matrix(dur)
    p.add_technician("t1", shift=shift, skills={"pc"})
    p.add_technician("t2", shift=("08:00", "17:00"), skills={"pc", "mac"}, lunch=(30, "11:30", "13:00"))
    for k, (loc, wins, service, skills) in enumerate(visits):
        with contextlib.suppress(DispatchError):
            p.add_visit(f"v{k}", location=loc, windows=wins, service_min=service, skills=skills)
    if not p.visits:
        return
    plan = solve(p, time_limit=0.1)
    report = check_plan(p, plan)
    assert report.ok, report.violations


def t_geocode(text):
    from dispatch.geo.geocode import geocode
    from dispatch.geo.service_area import check_address

    south, west, north, east = REGION.bbox
    res = None
    with contextlib.suppress(DispatchError):
        res = geocode(REGION, text, settings=REGION_SETTINGS)
    if res is not None and res.found:
        assert south - 0.05 <= res.lat <= north + 0.05 and west - 0.05 <= res.lon <= east + 0.05
    cov = check_address(REGION, text, settings=REGION_SETTINGS)
    assert cov.zone in {"core", "extended", "outside"}


full_time = hs.one_of(T.time_like, hs.floats(allow_nan=True, allow_infinity=True), hs.integers(), hs.text(max_size=8))
full_duration = hs.one_of(T.duration, hs.floats(allow_nan=True, allow_infinity=True), hs.integers())

TARGETS = {
    "addresses": (t_addresses, {"text": T.hostile_text}),
    "email_intake": (t_intake, {"raw": hs.one_of(hs.binary(max_size=5000), T.form_emails())}),
    "form_fields": (t_form, {"text": T.hostile_text}),
    "csv_reader": (t_csv, {"data": hs.one_of(hs.binary(max_size=5000), hs.text(max_size=3000).map(
        lambda s: s.encode("utf-8", "surrogatepass")))}),
    "osm_reader": (t_osm, {
        "data": hs.one_of(
            hs.binary(max_size=4000),
            hs.integers(10, max(len(T._REAL), 11)).map(lambda n: T._REAL[:n]),
            hs.tuples(hs.integers(0, max(len(T._REAL) - 1, 1)), hs.binary(min_size=1, max_size=64)).map(
                lambda t: T._REAL[: t[0]] + t[1] + T._REAL[t[0] + len(t[1]):]),
            hs.integers(10, max(len(T._PBF), 11)).map(lambda n: T._PBF[:n]),
        ),
        "suffix": hs.sampled_from([".osm", ".osm.pbf", ".osm.bz2"]),
    }),
    "billing_price": (t_billing, {
        "outcome": hs.sampled_from(["accepted", "workshop_refused", "refused", "remote_interrupted", "x"]),
        "minutes": hs.one_of(hs.integers(), any_number),
        "travel": hs.one_of(hs.none(), T.cents, hs.decimals(allow_nan=True, allow_infinity=True)),
        "repairs": hs.lists(hs.one_of(hs.tuples(T.hostile_text, any_number), hs.tuples(any_number),
                                      hs.dictionaries(hs.sampled_from(["label", "amount", "x"]), any_number)),
                            max_size=3),
        "remote": hs.booleans(),
    }),
    "billing_money": (t_money, {"amount": any_number, "method": hs.text(max_size=12) | hs.sampled_from(["cash", "interac"]),
                                "reference": T.hostile_text}),
    "solver": (t_solver, {
        "visits": hs.lists(hs.tuples(hs.integers(-2, 6), hs.one_of(hs.none(), hs.lists(hs.tuples(full_time, full_time), max_size=3)),
                                     full_duration, hs.sampled_from([(), ("pc",), ("mac",), ("unknown",)])),
                           min_size=1, max_size=6),
        "shift": hs.tuples(full_time, full_time),
        "cell": hs.one_of(hs.floats(allow_nan=True, allow_infinity=True), hs.floats(0, 3600)),
    }),
    "geocode_coverage": (t_geocode, {"text": T.hostile_text}),
}

BILLING = None
REGION = None
REGION_SETTINGS = None


def _prepare(data_dir: Path, *, build: bool) -> None:
    global BILLING, REGION, REGION_SETTINGS
    from dispatch.geo.point import GeoPoint
    from dispatch.geo.region import build_region, load_region
    from dispatch.settings import load_settings

    BILLING = load_settings(env={}).billing
    REGION_SETTINGS = load_settings(data_dir=data_dir, env={})
    if build:
        REGION = build_region(T.MASCOUCHE_OSM, name="mascouche", shop=GeoPoint(*T.MASCOUCHE_SHOP),
                              settings=REGION_SETTINGS)
    else:
        REGION = load_region("mascouche", settings=REGION_SETTINGS)


def run_round(name: str, chunk: int, rng_seed: int, deadline_ms: int) -> dict | None:
    """Run ``chunk`` examples of a target; return a finding dict or None."""
    body, strategies = TARGETS[name]

    @seed(rng_seed)
    @hsettings(max_examples=chunk, deadline=deadline_ms, database=None, derandomize=False,
               phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False,
               suppress_health_check=list(HealthCheck), print_blob=False)
    @given(**strategies)
    def prop(**kw):
        guard(name, body, **kw)

    try:
        prop()
    except Finding as f:
        cause = f.__cause__
        sig = str(f)
        KNOWN.setdefault(name, set()).add(sig)
        return _finding(name, sig, cause, f)
    except Exception as err:  # deadline exceeded, flaky...: recorded under their own signature
        sig = f"{type(err).__name__} (hypothesis)"
        if sig in KNOWN.setdefault(name, set()):
            return None
        KNOWN[name].add(sig)
        return _finding(name, sig, err, err)
    return None


def _finding(name: str, sig: str, cause: BaseException | None, err: BaseException) -> dict:
    notes = [n for n in getattr(err, "__notes__", []) if n.strip()]
    return {
        "target": name,
        "signature": sig,
        "error": type(cause).__name__ if cause else type(err).__name__,
        "message": str(cause if cause else err)[:300],
        "example": "\n".join(notes)[:1500],
    }


def worker(args) -> int:
    """One round of one target in this process; print the result as JSON on stdout."""
    global CURRENT
    _prepare(Path(args.data_dir), build=False)
    CURRENT = Path(args.current)
    KNOWN[args.worker] = set(json.loads(Path(args.known).read_text()) if Path(args.known).is_file() else [])
    found = run_round(args.worker, args.chunk, rng_seed=args.seed, deadline_ms=args.deadline_ms)
    sys.stdout.write(json.dumps({"finding": found, "calls": COUNT.get(args.worker, 0)}) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0, help="time budget (default 5)")
    ap.add_argument("--chunk", type=int, default=40, help="examples per target per round")
    ap.add_argument("--deadline-ms", type=int, default=20000, help="per-example deadline (slow example)")
    ap.add_argument("--round-timeout", type=float, default=90.0, help="a round running longer is a hang (s)")
    ap.add_argument("--targets", nargs="*", default=list(TARGETS), help="subset of targets")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", help=argparse.SUPPRESS)
    ap.add_argument("--current", help=argparse.SUPPRESS)
    ap.add_argument("--known", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args)

    started = datetime.now(UTC)
    t0 = time.monotonic()
    budget = args.minutes * 60
    findings: list[dict] = []
    hangs: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        _prepare(tmpd / "data", build=True)
        prep_s = time.monotonic() - t0
        rounds = 0
        while time.monotonic() - t0 < budget:
            for name in args.targets:
                if time.monotonic() - t0 >= budget:
                    break
                known_file, current = tmpd / f"{name}.known.json", tmpd / f"{name}.current"
                known_file.write_text(json.dumps(sorted(KNOWN.get(name, set()))))
                cmd = [sys.executable, __file__, "--worker", name, "--chunk", str(args.chunk),
                       "--seed", str(1000 * rounds + zlib.crc32(name.encode()) % 997),
                       "--deadline-ms", str(args.deadline_ms), "--data-dir", str(tmpd / "data"),
                       "--current", str(current), "--known", str(known_file)]
                timeout = min(args.round_timeout, max(5.0, budget - (time.monotonic() - t0) + 30))
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
                except subprocess.TimeoutExpired:
                    hangs[name] = hangs.get(name, 0) + 1
                    example = current.read_text(encoding="utf-8") if current.is_file() else "?"
                    sig = "HANG"
                    if sig not in KNOWN.setdefault(name, set()):
                        KNOWN[name].add(sig)
                        findings.append({"target": name, "signature": f"HANG (round over {timeout:.0f} s)",
                                         "error": "hang", "message": "no answer; process killed",
                                         "example": example})
                        print(f"  FINDING {name}: HANG on {example[:150]}", flush=True)
                    continue
                lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
                if proc.returncode != 0 or not lines:
                    found = {"target": name, "signature": f"worker exit {proc.returncode}", "error": "crash",
                             "message": proc.stderr[-300:], "example": current.read_text() if current.is_file() else "?"}
                    out = {"finding": found, "calls": 0}
                else:
                    out = json.loads(lines[-1])
                COUNT[name] = COUNT.get(name, 0) + out["calls"]
                found = out["finding"]
                if found and found["signature"] not in KNOWN.setdefault(name, set()):
                    KNOWN[name].add(found["signature"])
                    findings.append(found)
                    print(f"  FINDING {name}: {found['signature']}: {found['message'][:100]}", flush=True)
            rounds += 1
            print(f"round {rounds}: {time.monotonic() - t0:6.0f} s, {sum(COUNT.values())} calls, "
                  f"{len(findings)} findings", flush=True)
    seconds = time.monotonic() - t0
    result = {
        "command": "benchmarks/fuzz.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "started_utc": started.isoformat(timespec="seconds"),
        "budget_minutes": args.minutes,
        "seconds": round(seconds, 1),
        "setup_seconds": round(prep_s, 1),
        "rounds": rounds,
        "calls_per_target": dict(sorted(COUNT.items())),
        "calls_total": sum(COUNT.values()),
        "hangs_per_target": hangs,
        "findings": findings,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{'target':<18} {'calls':>8}")
    for k, v in result["calls_per_target"].items():
        print(f"{k:<18} {v:>8}")
    print(f"\n{len(findings)} findings in {seconds:.0f} s -> {out_path}")
    for f in findings:
        print(f"- {f['target']}: {f['signature']} ({f['error']}: {f['message'][:120]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
