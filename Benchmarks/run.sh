#!/usr/bin/env bash
# The standard load, side by side. Builds release, seeds 1 account, 1,000 users and 1,000,000 codes,
# then drives acctcodes, the no-logic C floor sending acctcodes' own 3 commands (agilimit3.c), bare
# SwiftNIO and panoramisk (Python, the classic 7 commands) with the same C load generator
# (../shared/bench/agiload.c), one after another, at 1, 100 and 1,000 concurrent calls: the outbound
# route, an international call, a valid code, validation and the durable usage log on.
# Also: acctcodes' own load generator, 10,000 calls held in GET DATA (server RSS), code lookup in the
# 1M-code store, and the sans-IO core per operation. Prints a Markdown report; writes it to $OUT.
#   Benchmarks/run.sh                 # DURATION=10 seconds per run
#   DURATION=5 LEVELS="1 100" Benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
DURATION=${DURATION:-10}
LEVELS=${LEVELS:-"1 100 1000"}
HOLD=${HOLD:-10000}
OUT=${OUT:-Benchmarks/results-latest.md}
source Benchmarks/setup.sh
python3 -c "import panoramisk" 2>/dev/null || pip install -q panoramisk >&2
start_server() { # name port
  case "$1" in
    acctcodes) "$bin/acctcodes" serve --db "$work/bench.sqlite" --listen "127.0.0.1:$2" --http-listen off --log-level warning --max-connections 20000 2>"$work/serve.log" & ;;
    floor) "$work/agilimit3" "$2" >/dev/null 2>&1 & ;;
    nio-floor) "$bin/acctcodes-bench" nio-floor --port "$2" >/dev/null 2>&1 & ;;
    panoramisk) python3 "$SHARED/bench/peer_panoramisk.py" "$2" "$work/peer.sqlite" >/dev/null 2>&1 & ;;
  esac
  server_pid=$!
  wait_port "$2"
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }

declare -A sps p99 cpu
port=4600
for level in $LEVELS; do
  for name in acctcodes floor nio-floor panoramisk; do
    port=$((port + 1))
    start_server "$name" "$port"
    echo -n "[$name @ $level] " >&2
    read -r sps[$name,$level] p99[$name,$level] cpu[$name,$level] < <(measure "$port" "$level")
    stop_server
  done
done

port=$((port + 1)); start_server acctcodes "$port"
own=$("$bin/acctcodes" load --server "127.0.0.1:$port" --concurrency 100 --duration "$DURATION" --keys "$code#")
stop_server

port=$((port + 1)); start_server acctcodes "$port"
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
"$bin/acctcodes" load --server "127.0.0.1:$port" --concurrency "$HOLD" --hold-at 2 --duration 20 --threads 1 >"$work/hold.txt" &
hold_pid=$!
sleep 15
held_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
open_fds=$(ls "/proc/$server_pid/fd" | wc -l)
wait "$hold_pid" || true
stop_server

lookup=$("$bin/acctcodes-bench" lookup --db "$work/bench.sqlite")
core=$("$bin/acctcodes-bench" core)

{
  echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, ${DURATION} s per run"
  echo
  echo "Same C load generator (agiload) for all four; outbound route, international call, valid code."
  echo "bare NIO: the floor's fixed flow on SwiftNIO with no logic (\`acctcodes-bench nio-floor\`)."
  echo
  echo "| concurrent | acctcodes sessions/s | floor sessions/s | bare NIO sessions/s | panoramisk sessions/s | acctcodes / floor | bare NIO / floor | panoramisk / floor | acctcodes p99 rtt | floor p99 rtt | server CPU per session: acctcodes / floor / bare NIO |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for level in $LEVELS; do
    a=${sps[acctcodes,$level]:-0}; f=${sps[floor,$level]:-0}; n=${sps[nio-floor,$level]:-0}; p=${sps[panoramisk,$level]:-0}
    ratio() { [ "$2" -gt 0 ] && awk "BEGIN {printf \"%.0f %%\", 100 * $1 / $2}" || echo "-"; }
    echo "| $level | $a | $f | $n | $p | $(ratio "$a" "$f") | $(ratio "$n" "$f") | $(ratio "$p" "$f") | ${p99[acctcodes,$level]:-?} µs | ${p99[floor,$level]:-?} µs | ${cpu[acctcodes,$level]:-?} / ${cpu[floor,$level]:-?} / ${cpu[nio-floor,$level]:-?} µs |"
  done
  echo
  echo "acctcodes' own load generator (\`acctcodes load\`, 100 concurrent):"
  echo '```'; echo "$own"; echo '```'
  echo
  echo "$HOLD calls held in GET DATA: $(cat "$work/hold.txt"); server RSS idle $((idle_rss / 1024)) MB, holding $((held_rss / 1024)) MB, $open_fds open fds."
  echo
  echo '```'; echo "$lookup"; echo "$core"; echo '```'
} | tee "$OUT"
