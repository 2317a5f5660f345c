#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster of its own: initdb in a temp folder, its own
# port on loopback, trust authentication, stopped and removed on exit. The command finds it in
# ACCTCODES_TEST_POSTGRES (the PostgreSQL tests run only when it is set) and PGBIN.
#   Tests/Postgres/with-cluster.sh swift test
# Needs Debian's postgresql package (apt-get install postgresql). As root, the cluster runs as the
# postgres user, since initdb refuses root.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "with-cluster.sh: no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
port=${ACCTCODES_TEST_PG_PORT:-55433}
dir=$(mktemp -d /tmp/acctcodes-pg.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
stop() {
  rm -rf "$dir/control"
  for data in "$dir/data" "$dir/outage"; do "${as[@]}" "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}
trap stop EXIT
# fsync off: a throwaway cluster need not survive power loss, and tests on a busy disk stay fast.
start() {
  "${as[@]}" "$bin/pg_ctl" -D "$dir/$1" -l "$dir/$1.log" -w -o "-p $2 -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null 2>&1 \
    || { echo "with-cluster.sh: PostgreSQL did not start on port $2 (ACCTCODES_TEST_PG_PORT picks another):" >&2; cat "$dir/$1.log" >&2; return 1; }
}
for data in data outage; do "${as[@]}" "$bin/initdb" -D "$dir/$data" -A trust -U postgres --no-sync >/dev/null; done
start data "$port"
start outage "$((port + 1))"
export ACCTCODES_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
# The second cluster is the outage tests': they stop and start it by leaving a file named stop or
# start in the control folder, which this loop carries out and removes.
mkdir -m 777 "$dir/control"
(
  while [ -d "$dir/control" ]; do
    if [ -e "$dir/control/stop" ]; then "${as[@]}" "$bin/pg_ctl" -D "$dir/outage" -m fast -w stop >/dev/null 2>&1; rm -f "$dir/control/stop"; fi
    if [ -e "$dir/control/start" ]; then start outage "$((port + 1))"; rm -f "$dir/control/start"; fi
    sleep 0.1
  done
) </dev/null >/dev/null 2>&1 &
export ACCTCODES_TEST_PG_OUTAGE="postgres://postgres@127.0.0.1:$((port + 1))/postgres?sslmode=disable $dir/control"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port and :$((port + 1)) (throwaway, in $dir)"
"$@"
