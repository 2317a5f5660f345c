#!/usr/bin/env bash
# An interleaved A/B of two acctcodes builds under the standard load (outbound, an international
# call, a valid code, validation and the durable usage log on), beside bare SwiftNIO sending the
# same 3 commands with a task per session (`acctcodes-bench nio-floor --async`) and the C floor
# (agilimit3.c). Rounds alternate A, B, nio-floor, floor, so drift of the shared machine falls on
# all four alike. Prints sessions/s and server CPU per session for each round, then the medians.
#   BASELINE=/path/to/old/checkout/.build/release Benchmarks/ab.sh
#   ROUNDS=4 DURATION=8 LEVEL=100 BASELINE=... Benchmarks/ab.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-4}
LEVEL=${LEVEL:-100}
: "${BASELINE:?set BASELINE to the release folder of the build to compare with}"
source Benchmarks/setup.sh

start_server() { # name port
  case "$1" in
    A) "$BASELINE/acctcodes" serve --db "$work/bench.sqlite" --listen "127.0.0.1:$2" --http-listen off --log-level warning 2>>"$work/a.log" & ;;
    B) "$bin/acctcodes" serve --db "$work/bench.sqlite" --listen "127.0.0.1:$2" --http-listen off --log-level warning 2>>"$work/b.log" & ;;
    nio-floor) "$bin/acctcodes-bench" nio-floor --async --port "$2" >/dev/null 2>&1 & ;;
    floor) "$work/agilimit3" "$2" >/dev/null 2>&1 & ;;
  esac
  server_pid=$!
  wait_port "$2"
}

declare -A runs_sps runs_cpu
port=4700
for round in $(seq 1 "$ROUNDS"); do
  for name in A B nio-floor floor; do
    port=$((port + 1))
    start_server "$name" "$port"
    read -r sps _ cpu < <(measure "$port" "$LEVEL")
    kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true
    echo "round $round $name: $sps sessions/s, $cpu µs CPU a session" >&2
    runs_sps[$name]="${runs_sps[$name]:-} $sps"
    runs_cpu[$name]="${runs_cpu[$name]:-} $cpu"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
echo "| server | sessions/s per round | median | µs CPU a session (median) |"
echo "|---|---|---|---|"
for name in A B nio-floor floor; do
  echo "| $name | ${runs_sps[$name]} | $(median <<<"${runs_sps[$name]}") | $(median <<<"${runs_cpu[$name]}") |"
done
a=$(median <<<"${runs_sps[A]}"); b=$(median <<<"${runs_sps[B]}"); n=$(median <<<"${runs_sps[nio-floor]}")
echo
echo "A / nio-floor --async: $(( a * 100 / n )) %; B / nio-floor --async: $(( b * 100 / n )) %; B / A: $(( b * 100 / a )) %"
