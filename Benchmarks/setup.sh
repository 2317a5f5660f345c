# Sourced by run.sh and soak.sh: a work folder removed on exit, release builds, the C load
# generator and floor compiled, the standard store seeded (1 account, 1,000 users, 1,000,000 codes).
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "building (release)..." >&2
swift build -c release --product acctcodes >&2
swift build -c release --product acctcodes-bench >&2
bin=.build/release
gcc -O2 -o "$work/agiload" "$SHARED/bench/agiload.c"
gcc -O2 -o "$work/agilimit3" "$SHARED/bench/agilimit3.c"
echo "seeding 1,000,000 codes..." >&2
"$bin/acctcodes-bench" seed --db "$work/bench.sqlite" >&2
code=0001234

# Waits for a listening socket without connecting: an empty probe connection wedges panoramisk.
wait_port() {
  local hex; hex=$(printf ':%04X ' "$1")
  for _ in $(seq 1 400); do grep -q "$hex.* 0A " /proc/net/tcp && return 0; sleep 0.05; done; return 1
}
