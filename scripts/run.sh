#!/usr/bin/env bash
# Start the dashboard (what `make run` does once the product is installed in .venv/).
#
#   PORT=8502 HOST=0.0.0.0 bash scripts/run.sh
#
# 1. First run only: build the default region (Mascouche) from ../shared when it is there,
#    so the planner can be tried at once; otherwise the dashboard guides the user to build
#    one from an OSM file.
# 2. Start the message worker (`opms-dispatch worker`) in the background, then the dashboard
#    in the foreground (Ctrl+C stops both).
# Other processes that run beside the dashboard are started between 1 and 2, in the
# background, and stopped with it (see the trap below).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8501}"

# --- 1. default region (first run) -------------------------------------------------------
SHARED_OSM="${OPMS_DEFAULT_OSM:-../shared/data/osm/mascouche_qc.osm}"
if [ -f "$SHARED_OSM" ] && ! $BIN/opms-dispatch region show mascouche --json >/dev/null 2>&1; then
  echo "Première utilisation : construction de la région Mascouche à partir de $SHARED_OSM…"
  $BIN/opms-dispatch region build "$SHARED_OSM" --name mascouche --shop-latlon 45.7460,-73.6010 || true
fi

# --- background processes, stopped with the dashboard ------------------------------------
pids=()
stop_background() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_background EXIT
# (start each one as:  some-command &  pids+=($!) )
# The worker sends the messages to customers and runs the periodic jobs. Without a mail server
# configured it keeps running: the messages wait, queued, and its job records why.
# WORKER=0 leaves it out (another machine runs it).
if [ "${WORKER:-1}" != 0 ]; then
  $BIN/opms-dispatch worker --quiet &
  pids+=($!)
  echo "Processus d'envoi des messages démarré (pid ${pids[-1]})."
fi

# --- 2. the dashboard ---------------------------------------------------------------------
echo "Tableau de bord : http://$HOST:$PORT (Ctrl+C pour arrêter)"
$BIN/opms-dispatch serve --host "$HOST" --port "$PORT" --quiet
