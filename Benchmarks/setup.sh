# Sourced by run.sh and soak.sh: a work folder removed on exit, release builds, the C load
# generator and floor compiled, the standard store seeded (1 account, 1,000 users, 1,000,000 codes;
# CODES=N for another number).
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "building (release)..." >&2
swift build -c release --product acctcodes >&2
swift build -c release --product acctcodes-bench >&2
bin=.build/release
gcc -O2 -o "$work/agiload" "$SHARED/bench/agiload.c"
gcc -O2 -o "$work/agilimit3" "$SHARED/bench/agilimit3.c"
echo "seeding ${CODES:-1000000} codes..." >&2
"$bin/acctcodes-bench" seed --db "$work/bench.sqlite" --codes "${CODES:-1000000}" >&2
code=0001234

# Waits for a listening socket without connecting: an empty probe connection wedges panoramisk.
wait_port() {
  local hex; hex=$(printf ':%04X ' "$1")
  for _ in $(seq 1 400); do grep -q "$hex.* 0A " /proc/net/tcp && return 0; sleep 0.05; done; return 1
}

# The standard load against the server listening on $1 ($server_pid) with $2 concurrent calls for
# $DURATION seconds; prints "SESSIONS/S P99 CPU" (CPU: the server's user + system time from /proc
# per completed session, in microseconds) and the load generator's own line on stderr.
measure() {
  local ticks0 ticks1 out done_sessions
  ticks0=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  out=$("$work/agiload" 127.0.0.1 "$1" outbound "$2" "$DURATION" "$code" 1001 011442079460000)
  ticks1=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  echo "$out" | tr '\n' ' ' >&2; echo >&2
  done_sessions=$(sed -n 's/^sessions \([0-9]*\) .*/\1/p' <<<"$out")
  echo "$(sed -n 's/.*: \([0-9]*\) sessions\/s.*/\1/p' <<<"$out") $(sed -n 's/.*p99 \([0-9]*\) p999.*/\1/p' <<<"$out") \
$(( done_sessions > 0 ? (ticks1 - ticks0) * 1000000 / $(getconf CLK_TCK) / done_sessions : 0 ))"
}
