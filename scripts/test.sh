#!/usr/bin/env bash
# Everything the tests need, then the tests:
#  - Debian packages chromium (real-browser tests), postgresql (storage tests) and
#    dovecot-imapd (the mailbox tests start their own throw-away instance), via apt-get
#  - a throw-away PostgreSQL cluster on 127.0.0.1:${OPMS_PG_PORT:-54329}
#  - ruff, mypy (dispatch/ and maps/), then pytest on the whole suite
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
{ [ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ]; } || need+=(dovecot-imapd)  # IMAP tests (tests/servers/imap.py)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # the IMAPS test's certificate
command -v caddy >/dev/null 2>&1 || need+=(caddy)  # tests/test_deploy.py: the Caddyfile
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)  # tests/test_deploy.py: the units
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${need[*]} (run as root or: sudo apt-get install ${need[*]})" >&2
  fi
fi

# PostgreSQL: a private cluster, started for this run and stopped at exit.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "${PG_BIN}" ] && [ -z "${OPMS_TEST_PG_URL:-}" ]; then
  PGPORT=${OPMS_PG_PORT:-54329}
  PGDIR=$(mktemp -d /tmp/opms-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd -r -m postgres
    chown postgres "$PGDIR"; chmod 700 "$PGDIR"
    AS=(runuser -u postgres --)
  else
    AS=()
  fi
  "${AS[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
      -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  trap '"${AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"' EXIT
  "${AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres opms_test
  export OPMS_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/opms_test"
  echo "PostgreSQL test server on 127.0.0.1:$PGPORT"
fi

# Lint and types first; their findings fail the run, but the tests still run so that one
# report shows everything.
status=0
$BIN/ruff check . || { echo "ruff reported the findings above (make lint)." >&2; status=1; }
$BIN/mypy || { echo "mypy reported the findings above (make types)." >&2; status=1; }
# Two worker processes (the machine's two cores), a test file per worker at a time so that
# module fixtures (a built day, a dashboard) are set up once; `-n 0` on the command line runs
# them in this process.
$BIN/python -m pytest -n "${OPMS_TEST_WORKERS:-2}" --dist loadfile "$@" || status=$?
exit $status
