#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for the tests on a private port and socket
# and writes its URL to var/test-services/postgres.url. PostgreSQL refuses to run as
# root, so as root the cluster runs as the postgres user. Prints a loud line and exits 0
# when PostgreSQL is not installed: the tests that need it then skip.
set -uo pipefail
cd "$(dirname "$0")/.."
out=var/test-services
mkdir -p "$out"
rm -f "$out/postgres.url"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$bindir" ]]; then
  echo "!!! PostgreSQL is not installed: PostgreSQL tests will SKIP" >&2
  exit 0
fi
port=${LOKET_TEST_PG_PORT:-54329}
base=/tmp/loket-test-pg
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if as_owner "$bindir/pg_ctl" -D "$base/data" status >/dev/null 2>&1; then
  :
else
  rm -rf "$base"
  mkdir -p "$base"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$base"
  as_owner "$bindir/initdb" -D "$base/data" -U postgres -A trust --no-sync >"$base.initdb.log" 2>&1 \
    || { echo "!!! initdb failed (see $base.initdb.log): PostgreSQL tests will SKIP" >&2; exit 0; }
  as_owner "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w \
    -o "-p $port -k $base -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { echo "!!! PostgreSQL did not start (see $base/server.log): tests will SKIP" >&2; exit 0; }
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres" >"$out/postgres.url"
echo "==> PostgreSQL test cluster on 127.0.0.1:$port"
