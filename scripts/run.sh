#!/usr/bin/env bash
# Start the dashboard. On first run, build the default region (Mascouche) from ../shared
# when it is there, so the planner can be tried at once; otherwise the dashboard guides
# the user to build one from an OSM file.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
SHARED_OSM="${OPMS_DEFAULT_OSM:-../shared/data/osm/mascouche_qc.osm}"
if [ -f "$SHARED_OSM" ] && ! $BIN/opms-dispatch region show mascouche --json >/dev/null 2>&1; then
  echo "Première utilisation : construction de la région Mascouche à partir de $SHARED_OSM…"
  $BIN/opms-dispatch region build "$SHARED_OSM" --name mascouche --shop-latlon 45.7460,-73.6010 || true
fi
exec $BIN/opms-dispatch serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8501}"
