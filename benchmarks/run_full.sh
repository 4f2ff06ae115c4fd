#!/usr/bin/env bash
# The full dispatch-optimisation benchmark run (about 85 min on 2 cores): Solomon at 1 s and
# 10 s (the product, PyVRP, VROOM; the product's OR-Tools model on 8 instances), Homberger 200
# at 30 s, then the 8 realistic days. `make bench` runs it among every other benchmark.
# Resumable (bench_vrptw.py skips what its JSON already holds):
#   nohup bash benchmarks/run_full.sh > benchmarks/results/full_run.log 2>&1 &
# Exit status 1 if any step failed (the others still run).
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
status=0
$PY benchmarks/bench_vrptw.py --set solomon --budgets 1,10 --solvers ours,pyvrp,vroom || status=1
$PY benchmarks/bench_vrptw.py --set solomon --budgets 1,10 --solvers ortools \
    --instances C101,C201,R101,R201,RC101,RC201,R105,RC105 || status=1
$PY benchmarks/bench_vrptw.py --set homberger --budgets 30 --solvers ours,pyvrp,vroom || status=1
$PY benchmarks/bench_days.py || status=1
exit $status
