#!/usr/bin/env bash
# `make bench`: run every benchmark of benchmarks/, one after the other. Each prints its table
# and writes its results to benchmarks/results/ (JSON; enumerate_routes.py prints only, and
# its output is kept in benchmarks/results/enumerate_routes.txt). BENCHMARKS.md gives the
# commands and the numbers of the committed results.
#
# The whole run takes about 2 h 30 min on 2 idle cores (times from BENCHMARKS.md):
#   bench_network.py       ~1 min    Vancouver build, matrices, osmnx/scipy/networkx peers
#   bench_geocode.py       ~1 min    offline geocoding and coverage throughput
#   bench_invoices.py      <1 min    SQLite; PostgreSQL too when OPMS_TEST_PG_URL is set
#   bench_outbox.py        ~1 min    1,000 e-mails through the worker to a local SMTP server
#                                    (SQLite; PostgreSQL too when OPMS_TEST_PG_URL is set)
#   bench_budget.py        ~8 min    solve's wall-clock / limit from 1/10 to 50/500 at 1, 5, 10 s
#   bench_cli_budget.py    ~2 min    opms-dispatch vrptw in fresh processes: seconds / limit
#   bench_week.py          ~4 min    plan_week against a day-by-day greedy and the week as one
#                                    PyVRP model (same budget and 10x) on generated weeks
#   bench_fleet.py         ~13 min   capped fleet, 16 days of the second generator, the product
#                                    against PyVRP and VROOM at 1, 5 and 10 s
#   bench_days.py (equal)  ~11 min   the 8 realistic days, every solver at 1, 5 and 10 s
#   bench_browser.py       ~2 min    dashboard in chromium: "Optimiser la journée" -> routes
#   bench_signature_pad.py ~1 min    the signature pad at phone width in chromium
#   bench_load.py          ~4 min    200 coverage checks/s for 60 s, then 20 browser sessions
#   fuzz.py                ~9 min    hostile input, the 8-minute run of BENCHMARKS.md
#   run_full.sh            ~85 min   bench_vrptw.py (Solomon 1 s / 10 s, Homberger 30 s) and
#                                    bench_days.py (8 realistic days, peers at 30 s)
#   bench_peer_seeds.py    ~8 min    PyVRP 30 s with seeds 2, 3 (reads days.json of the above)
#   bench_large_days.py    <1 min    100-300 visit days
#   enumerate_routes.py    ~7 min    size of an exact pricing problem
# The two browser benchmarks need Debian's /usr/bin/chromium (`make test` installs it);
# without it bench_browser.py is reported as not run and bench_load.py runs --skip-browser.
# bench_vrptw.py resumes from its saved results: this script removes them first, so that
# everything is measured again; RESUME=1 keeps them (to finish an interrupted run).
# A failing benchmark does not stop the others; the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=benchmarks/results
mkdir -p "$OUT"
failed=()

run() {  # run NAME COMMAND...: one benchmark, its failure recorded
  local name=$1
  shift
  echo
  echo "== $name: $*"
  local t0=$SECONDS
  if "$@"; then
    echo "== $name: done in $((SECONDS - t0)) s"
  else
    echo "== $name: FAILED (exit $?) after $((SECONDS - t0)) s"
    failed+=("$name")
  fi
}

have_chromium=0
[ -x /usr/bin/chromium ] && have_chromium=1

run network $PY benchmarks/bench_network.py
run geocode $PY benchmarks/bench_geocode.py
run invoices $PY benchmarks/bench_invoices.py --n 200
run outbox $PY benchmarks/bench_outbox.py --n 1000
run budget $PY benchmarks/bench_budget.py --budgets 1 5 10 --runs 2
run cli_budget $PY benchmarks/bench_cli_budget.py --budgets 1 5 --fleets 0 1 3 10
run week $PY benchmarks/bench_week.py
run fleet $PY benchmarks/bench_fleet.py
for b in 1 5 10; do
  run "days_equal_${b}s" $PY benchmarks/bench_days.py --budget $b --product-budget $b \
      --out "$OUT/days_equal_${b}s.json"
done
if [ $have_chromium = 1 ]; then
  run browser $PY benchmarks/bench_browser.py --runs 5
  run signature_pad $PY benchmarks/bench_signature_pad.py
  run load $PY benchmarks/bench_load.py
else
  echo "== browser: NOT RUN (no /usr/bin/chromium; make test installs it)"
  failed+=("browser (no chromium)")
  run load $PY benchmarks/bench_load.py --skip-browser
fi
run fuzz $PY benchmarks/fuzz.py --minutes 8 --chunk 60 --round-timeout 60
if [ "${RESUME:-0}" != 1 ]; then
  rm -f "$OUT/vrptw_solomon.json" "$OUT/vrptw_homberger.json"
fi
run vrptw+days bash benchmarks/run_full.sh
run peer_seeds $PY benchmarks/bench_peer_seeds.py
run large_days $PY benchmarks/bench_large_days.py
enumerate_routes() {  # prints only: its output is kept as a text file
  {
    echo "# $PY benchmarks/enumerate_routes.py  ($(date -u '+%Y-%m-%d %H:%M UTC'), cap 2,000,000 labels per technician)"
    $PY benchmarks/enumerate_routes.py
  } | tee "$OUT/enumerate_routes.txt"
}
run enumerate_routes enumerate_routes

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks not run or failed: ${failed[*]}"
  exit 1
fi
echo "every benchmark ran; results in $OUT/"
