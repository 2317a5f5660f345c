#!/usr/bin/env bash
# A server killed under load (issue 23's target): two servers on one PostgreSQL, `acctcodes load`
# asking them in order as the shipped dialplan does (--server A,B), LEVEL concurrent calls for
# DURATION seconds, server A killed with SIGKILL KILL_AT seconds in. Prints the load's report
# (errors: calls no server answered; retried: calls answered by B after A failed) and what the
# usage log holds: entries, distinct calls, calls with more than one entry, entries of another
# PBX, and server B's resident memory. KILL_AT beyond DURATION runs both servers to the end.
# Run it with a cluster of its own:
#   Tests/Postgres/with-cluster.sh Benchmarks/failover.sh
#   LEVEL=100 DURATION=30 KILL_AT=10 CODES=100000 Tests/Postgres/with-cluster.sh Benchmarks/failover.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
DURATION=${DURATION:-30}
KILL_AT=${KILL_AT:-10}
LEVEL=${LEVEL:-100}
export CODES=${CODES:-100000}
: "${ACCTCODES_TEST_POSTGRES:?run under Tests/Postgres/with-cluster.sh}"
source Benchmarks/setup.sh
server=${ACCTCODES_TEST_POSTGRES%%/postgres\?*}
psql -X -q "$ACCTCODES_TEST_POSTGRES" -c "CREATE DATABASE failover"
pg="${server}/failover?sslmode=disable"
psql_() { psql -X -q -t -A "${ACCTCODES_TEST_POSTGRES/\/postgres\?/\/failover?}" -c "$1"; }
echo "moving the seeded store to PostgreSQL..." >&2
"$bin/acctcodes" migrate --from "$work/bench.sqlite" --to "$pg" >&2
"$bin/acctcodes" account set --lockout-after 0 --db "$pg" >/dev/null

"$bin/acctcodes" serve --db "$pg" --listen 127.0.0.1:4901 --http-listen off --log-level warning --spool "$work/a.spool" 2>>"$work/a.log" &
a=$!
"$bin/acctcodes" serve --db "$pg" --listen 127.0.0.1:4902 --http-listen off --log-level warning --spool "$work/b.spool" 2>>"$work/b.log" &
b=$!
wait_port 4901; wait_port 4902
(sleep "$KILL_AT"; kill -9 "$a"; echo "killed server A at ${KILL_AT} s" >&2) &
"$bin/acctcodes" load --server 127.0.0.1:4901,127.0.0.1:4902 --concurrency "$LEVEL" --duration "$DURATION" --keys "$code#" \
  --pbx bench --json >"$work/report.json"
cat "$work/report.json"; echo
# B drains its spool by itself; give it the time to, then read the log.
for _ in $(seq 1 100); do [ -s "$work/b.spool" ] || break; sleep 0.1; done
echo "usage log: $(psql_ "SELECT count(*) FROM usage WHERE route = 'outbound'") entries," \
  "$(psql_ "SELECT count(DISTINCT uniqueid) FROM usage WHERE route = 'outbound'") calls," \
  "$(psql_ "SELECT count(*) FROM (SELECT uniqueid FROM usage GROUP BY uniqueid HAVING count(*) > 1) d") calls with more than one entry," \
  "$(psql_ "SELECT count(*) FROM usage WHERE pbx <> 'bench'") entries of another PBX," \
  "$(psql_ "SELECT count(*) FROM usage WHERE request <> '' AND request NOT LIKE '@%' AND result <> 'ACCEPTED'") not accepted"
echo "server B's resident memory after the run: $(awk '/VmRSS/ {print $2, $3}' "/proc/$b/status")"
kill "$b" 2>/dev/null; wait "$b" 2>/dev/null || true
