#!/usr/bin/env bash
# The full dispatch-optimisation benchmark run (about 80 min on 2 cores), resumable:
#   nohup bash benchmarks/run_full.sh > benchmarks/results/full_run.log 2>&1 &
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY benchmarks/bench_vrptw.py --set solomon --budgets 1,10 --solvers ours,pyvrp,vroom
$PY benchmarks/bench_vrptw.py --set solomon --budgets 1,10 --solvers ortools \
    --instances C101,C201,R101,R201,RC101,RC201,R105,RC105
$PY benchmarks/bench_vrptw.py --set homberger --budgets 30 --solvers ours,pyvrp,vroom
if [ -f benchmarks/bench_days.py ]; then $PY benchmarks/bench_days.py; fi
