#!/usr/bin/env bash
# The HTTP API beside the calls (issue 12's figures). Seeds the standard store plus ROWS usage-log
# rows, then, interleaved A/B (the machine is noisy): the standard FastAGI load (100 concurrent
# outbound calls, agiload) alone, and with a client pulling the whole usage CSV and /metrics in a
# loop. Then one export of all the rows on a quiet server: its time, and the server's peak RSS
# before and after it (VmHWM).
#   Benchmarks/api.sh                    # DURATION=10 s a run, ROWS=1000000, ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
DURATION=${DURATION:-10}
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-2}
source Benchmarks/setup.sh

echo "seeding $ROWS usage rows..." >&2
sqlite3 "$work/bench.sqlite" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO usage (started_at, route, account_id, user, caller_id, dialed, class, asked, incorrect_entries, result, reason,
                   code, uniqueid, linkedid, channel, ended_at, disposition, duration, billsec)
SELECT datetime('2026-10-01', '+' || (i % 2592000) || ' seconds'), 'outbound', 'default', '1001', '1001', '011442079460000',
       'international', 'required', 0, 'ACCEPTED', 'code-valid', printf('%07d', i % 1000000), 'seed-' || i, 'seed-' || i,
       'SIP/1001-' || i, NULL, 'ANSWERED', 120, 90
FROM n;
SQL
token=$("$bin/acctcodes" token create --db "$work/bench.sqlite" --name bench --role operator 2>/dev/null)

serve() { # agi-port http-port
  "$bin/acctcodes" serve --db "$work/bench.sqlite" --listen "127.0.0.1:$1" --http-listen "127.0.0.1:$2" --log-level warning \
    --max-connections 20000 2>"$work/serve.log" &
  server_pid=$!
  wait_port "$1"; wait_port "$2"
}
stop() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
pull() { # http-port: the export and the metrics, over and over
  while true; do
    curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$1/api/v1/accounts/default/usage.csv" -o /dev/null
    curl -fsS "http://127.0.0.1:$1/metrics" -o /dev/null
  done
}

port=4700
declare -a alone with
exports=0
for round in $(seq 1 "$ROUNDS"); do
  for mode in alone with; do
    port=$((port + 2)); serve "$port" "$((port + 1))"
    puller=""
    if [ "$mode" = with ]; then pull "$((port + 1))" & puller=$!; sleep 1; fi
    out=$("$work/agiload" 127.0.0.1 "$port" outbound 100 "$DURATION" "$code" 1001 011442079460000)
    [ -n "$puller" ] && { kill "$puller" 2>/dev/null; wait "$puller" 2>/dev/null || true; }
    stop
    sps=$(sed -n 's/.*: \([0-9]*\) sessions\/s.*/\1/p' <<<"$out")
    echo "[round $round, $mode] $sps sessions/s" >&2
    if [ "$mode" = alone ]; then alone+=("$sps"); else with+=("$sps"); fi
  done
done

port=$((port + 2)); serve "$port" "$((port + 1))"
before=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
start=$(date +%s.%N)
bytes=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$((port + 1))/api/v1/accounts/default/usage.csv" | wc -c)
end=$(date +%s.%N)
after=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
lines=$(( $(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$((port + 1))/api/v1/accounts/default/usage.csv" | wc -l) - 1 ))
stop

sum() { local t=0; for v in "$@"; do t=$((t + v)); done; echo "$t"; }
a=$(sum "${alone[@]}"); w=$(sum "${with[@]}")
echo
echo "| run | sessions/s (100 concurrent, ${DURATION} s) |"
echo "|---|---|"
for i in "${!alone[@]}"; do echo "| round $((i + 1)) alone | ${alone[$i]} |"; echo "| round $((i + 1)) with export + metrics loop | ${with[$i]} |"; done
echo "| **with / alone** | **$(( w * 100 / a )) %** |"
echo
echo "Export of $lines usage rows ($((bytes / 1024 / 1024)) MB of CSV): $(echo "$end - $start" | bc) s;" \
     "server peak RSS $((before / 1024)) MB before, $((after / 1024)) MB after."
