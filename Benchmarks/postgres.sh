#!/usr/bin/env bash
# Several servers on one PostgreSQL beside one server on SQLite, interleaved in rounds: the
# standard load (outbound, an international call, a valid code, validation and the usage log on)
# at LEVEL concurrent calls, against one server on SQLite, then split over two servers on
# PostgreSQL loaded at once. Prints sessions/s, p99, server and PostgreSQL CPU per session and
# PostgreSQL transactions per session; then pgbench running the hot path's own statements (the
# lock read and the usage insert) as the database's ceiling. Run it with a cluster of its own:
#   Tests/Postgres/with-cluster.sh Benchmarks/postgres.sh
#   ROUNDS=3 DURATION=8 LEVEL=100 CODES=100000 Tests/Postgres/with-cluster.sh Benchmarks/postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
LEVEL=${LEVEL:-100}
export CODES=${CODES:-100000}
: "${ACCTCODES_TEST_POSTGRES:?run under Tests/Postgres/with-cluster.sh}"
source Benchmarks/setup.sh
echo "moving them to PostgreSQL..." >&2
server=${ACCTCODES_TEST_POSTGRES%%/postgres\?*}
psql_() { psql -X -q -t -A "${ACCTCODES_TEST_POSTGRES/\/postgres\?/\/bench?}" -c "$1"; }
psql -X -q "$ACCTCODES_TEST_POSTGRES" -c "CREATE DATABASE bench"
pg="${server}/bench?sslmode=disable"
"$bin/acctcodes" migrate --from "$work/bench.sqlite" --to "$pg" >&2
ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
pg_pids() { pgrep -u postgres -x postgres | tr '\n' ' '; }
pg_xacts() { psql_ "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'bench'"; }
hz=$(getconf CLK_TCK)

# One load generator per port at once; prints "SESSIONS/S P99 SESSIONS".
load() { # concurrency port...
  local each=$(( $1 / ($# - 1) )); shift
  local i=0
  for port in "$@"; do "$work/agiload" 127.0.0.1 "$port" outbound "$each" "$DURATION" "$code" 1001 011442079460000 >"$work/out.$i" & i=$((i + 1)); done
  wait $(jobs -p | tail -n "$#") 2>/dev/null || true
  cat "$work"/out.* | awk '/sessions\/s/ { match($0, /: [0-9]+ sessions/); s += substr($0, RSTART + 2, RLENGTH - 11) }
    /p99/ { match($0, /p99 [0-9]+/); p = substr($0, RSTART + 4, RLENGTH - 4) + 0; if (p > m) m = p }
    /^sessions/ { n += $2 } END { print s, m, n }'
  rm -f "$work"/out.*
}

declare -A sps p99 cpu pgcpu xact
port=4800
for round in $(seq 1 "$ROUNDS"); do
  # One server on SQLite.
  port=$((port + 1))
  "$bin/acctcodes" serve --db "$work/bench.sqlite" --listen "127.0.0.1:$port" --http-listen off --log-level warning 2>>"$work/sqlite.log" &
  pids=$!; wait_port "$port"
  t0=$(ticks $pids); read -r s p n < <(load "$LEVEL" "$port"); t1=$(ticks $pids)
  kill $pids; wait $pids 2>/dev/null || true
  echo "round $round sqlite: $s sessions/s, p99 $p us, $(( (t1 - t0) * 1000000 / hz / (n > 0 ? n : 1) )) us server CPU a session" >&2
  sps[sqlite]+=" $s"; p99[sqlite]+=" $p"; cpu[sqlite]+=" $(( (t1 - t0) * 1000000 / hz / (n > 0 ? n : 1) ))"
  # Two servers on PostgreSQL, loaded at once.
  a=$((port + 1)); b=$((port + 2)); port=$b
  "$bin/acctcodes" serve --db "$pg" --listen "127.0.0.1:$a" --http-listen off --log-level warning --spool "$work/a.spool" 2>>"$work/pg.log" &
  pa=$!
  "$bin/acctcodes" serve --db "$pg" --listen "127.0.0.1:$b" --http-listen off --log-level warning --spool "$work/b.spool" 2>>"$work/pg.log" &
  pb=$!; wait_port "$a"; wait_port "$b"
  pgp=$(pg_pids); x0=$(pg_xacts)
  t0=$(ticks $pa $pb); g0=$(ticks $pgp); read -r s p n < <(load "$LEVEL" "$a" "$b"); t1=$(ticks $pa $pb); g1=$(ticks $(pg_pids)); x1=$(pg_xacts)
  kill $pa $pb; wait $pa $pb 2>/dev/null || true
  c=$(( (t1 - t0) * 1000000 / hz / (n > 0 ? n : 1) )); g=$(( (g1 - g0) * 1000000 / hz / (n > 0 ? n : 1) ))
  xs=$(awk -v x="$((x1 - x0))" -v n="$n" 'BEGIN { printf "%.2f", (n > 0 ? x / n : 0) }')
  echo "round $round postgres x2: $s sessions/s, p99 $p us, $c us servers' CPU, $g us PostgreSQL CPU, $xs transactions a session" >&2
  sps[pg]+=" $s"; p99[pg]+=" $p"; cpu[pg]+=" $c"; pgcpu[pg]+=" $g"; xact[pg]+=" $xs"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "| setup | sessions/s per round | median | p99 µs (median) | servers' CPU µs a session | PostgreSQL CPU µs a session | PostgreSQL transactions a session |"
echo "|---|---|---|---|---|---|---|"
echo "| 1 server, SQLite | ${sps[sqlite]} | $(median <<<"${sps[sqlite]}") | $(median <<<"${p99[sqlite]}") | $(median <<<"${cpu[sqlite]}") | - | - |"
echo "| 2 servers, one PostgreSQL | ${sps[pg]} | $(median <<<"${sps[pg]}") | $(median <<<"${p99[pg]}") | $(median <<<"${cpu[pg]}") | $(median <<<"${pgcpu[pg]}") | $(median <<<"${xact[pg]}") |"
awk -v a="$(median <<<"${sps[pg]}")" -v b="$(median <<<"${sps[sqlite]}")" -v p="$(median <<<"${p99[pg]}")" -v q="$(median <<<"${p99[sqlite]}")" \
  'BEGIN { printf "\ntwo servers on PostgreSQL: %.0f %% of one on SQLite; p99 %.2f x\n", 100 * a / b, p / q }'

# How soon a change made through one server is what a call on the other sees: a code added (by the
# CLI, on the database) and then called on the second server until it is accepted, 20 times. An
# upper bound: each try is a whole `acctcodes call` process (a few ms).
# The lockout off for this part: the tries before the code arrives are wrong codes.
"$bin/acctcodes" account set --lockout-after 0 --db "$pg" >/dev/null
a=$((port + 1)); b=$((port + 2))
"$bin/acctcodes" serve --db "$pg" --listen "127.0.0.1:$a" --http-listen off --log-level warning --spool "$work/a.spool" 2>>"$work/pg.log" &
pa=$!
"$bin/acctcodes" serve --db "$pg" --listen "127.0.0.1:$b" --http-listen off --log-level warning --spool "$work/b.spool" 2>>"$work/pg.log" &
pb=$!; wait_port "$a"; wait_port "$b"
seen=()
for i in $(seq 1 20); do
  new=$(printf '99%05d' "$i")
  "$bin/acctcodes" code add "$new" --db "$pg" >/dev/null
  t0=$(date +%s%N)
  tries=0
  until "$bin/acctcodes" call --server "127.0.0.1:$b" --keys "$new#" --uniqueid "seen.$i.$tries" 2>/dev/null | grep -q "result: ACCEPTED"; do
    tries=$((tries + 1)); [ "$tries" -lt 2000 ] || { echo "server B never accepted code $new" >&2; exit 1; }
  done
  seen+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
kill $pa $pb; wait $pa $pb 2>/dev/null || true
printf '%s\n' "${seen[@]}" | sort -n | awk '{a[NR]=$1} END {printf "\na change through one server seen by a call on the other: p50 %d ms, p99 (max of %d) %d ms\n", a[int((NR+1)/2)], NR, a[NR]}'

# The ceiling: the hot path's own statements straight from pgbench (a lock read and a usage insert a call).
cat >"$work/hot.sql" <<'SQL'
\set n random(1, 2000000000)
SELECT l.account_id, l.subject, l.locked_at, l.until, l.strikes, l.count
FROM lockout l JOIN unnest(ARRAY['default'], ARRAY['user:1001']) AS k(account_id, subject)
    ON l.account_id = k.account_id AND l.subject = k.subject;
INSERT INTO usage (started_ms, route, account_id, "user", caller_id, dialed, class, asked, incorrect_entries, result, reason, code, uniqueid, linkedid, channel, pbx, request)
VALUES (:n, 'outbound', 'default', '1001', '1001', '011442079460000', 'international', 'required', 0, 'ACCEPTED', 'code-valid', '0001234', 'pgb.' || :n, 'pgb', 'SIP/1001-1', '', '@' || :n)
ON CONFLICT DO NOTHING RETURNING id;
SQL
echo
echo "pgbench, the hot path's statements (8 clients):"
pgbench -n -f "$work/hot.sql" -c 8 -j 2 -T "$DURATION" "${ACCTCODES_TEST_POSTGRES/\/postgres\?/\/bench?}" 2>&1 | grep -E "^tps|latency average"
