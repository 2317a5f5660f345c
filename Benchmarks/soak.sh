#!/usr/bin/env bash
# The soak: one `acctcodes serve` (release) under the standard load for SESSIONS outbound sessions
# at CONCURRENCY concurrent (the C load generator, ../shared/bench/agiload.c, in 10 s runs), its RSS
# and sessions/s sampled every 10 s; then HOLD calls held in GET DATA; then the C floor that sends
# acctcodes' own 3 commands (agilimit3.c) against acctcodes, interleaved. Prints the series, the
# targets and a verdict; writes a Markdown report ($OUT) and a plot ($PLOT, needs gnuplot:
# apt-get install gnuplot-nox). A benchmark, not a test: it asserts nothing, it prints figures.
#   Benchmarks/soak.sh                          # 1,000,000 sessions at 100 concurrent (~3 min)
#   SESSIONS=200000 Benchmarks/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
SESSIONS=${SESSIONS:-1000000}
CONCURRENCY=${CONCURRENCY:-100}
HOLD=${HOLD:-10000}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-Benchmarks/soak-latest.md}
PLOT=${PLOT:-Benchmarks/soak-latest.png}
source Benchmarks/setup.sh
serve() { # port
  "$bin/acctcodes" serve --db "$work/bench.sqlite" --listen "127.0.0.1:$1" --http-listen off --log-level warning --max-connections 20000 \
    2>"$work/serve-$1.log" &
  server_pid=$!
  wait_port "$1"
}
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sessions_of() { sed -n 's/^sessions \([0-9]*\) .*/\1/p' <<<"$1"; }
rate_of() { sed -n 's/.*: \([0-9]*\) sessions\/s.*/\1/p' <<<"$1"; }

# 1. The soak: one server, 10 s runs until SESSIONS are done; a sample after each run.
port=4700
serve "$port"
soak_pid=$server_pid
echo "soak: $SESSIONS sessions at $CONCURRENCY concurrent against pid $soak_pid" >&2
printf 'elapsed_s sessions rss_mb sessions_per_s cpu_us_per_session\n' >"$work/series.dat"
printf '0 0 %s 0 0\n' "$(rss_mb "$soak_pid")" >>"$work/series.dat"
total=0; elapsed=0
while [ "$total" -lt "$SESSIONS" ]; do
  t0=$(cpu_ticks "$soak_pid")
  out=$("$work/agiload" 127.0.0.1 "$port" outbound "$CONCURRENCY" 10 "$code" 1001 011442079460000)
  t1=$(cpu_ticks "$soak_pid")
  done_now=$(sessions_of "$out"); rate=$(rate_of "$out")
  total=$((total + done_now)); elapsed=$((elapsed + 10))
  cpu=$(( done_now > 0 ? (t1 - t0) * 1000000 / $(getconf CLK_TCK) / done_now : 0 ))
  printf '%d %d %s %d %d\n' "$elapsed" "$total" "$(rss_mb "$soak_pid")" "$rate" "$cpu" | tee -a "$work/series.dat" >&2
done
errors_soak=$(grep -c -E ' (error|critical) ' "$work/serve-$port.log" || true)
kill "$soak_pid"; wait "$soak_pid" 2>/dev/null || true

# 2. HOLD calls held in GET DATA on a fresh server.
port=$((port + 1)); serve "$port"
idle_rss=$(rss_mb "$server_pid")
"$bin/acctcodes" load --server "127.0.0.1:$port" --concurrency "$HOLD" --hold-at 2 --duration 25 --threads 1 >"$work/hold.txt" &
hold_pid=$!
for _ in $(seq 1 200); do
  [ "$(ls "/proc/$server_pid/fd" | wc -l)" -ge "$HOLD" ] && break; sleep 0.1
done
sleep 3
held_rss=$(rss_mb "$server_pid"); held_fds=$(ls "/proc/$server_pid/fd" | wc -l)
wait "$hold_pid" || true
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true

# 3. acctcodes against the 3-command C floor, interleaved rounds of 5 s, the same load.
declare -a ratios
for round in $(seq 1 "$ROUNDS"); do
  for name in floor acctcodes; do
    port=$((port + 1))
    if [ "$name" = floor ]; then "$work/agilimit3" "$port" >/dev/null 2>&1 & server_pid=$!; wait_port "$port"; else serve "$port"; fi
    t0=$(cpu_ticks "$server_pid")
    out=$("$work/agiload" 127.0.0.1 "$port" outbound "$CONCURRENCY" 5 "$code" 1001 011442079460000)
    t1=$(cpu_ticks "$server_pid")
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    n=$(sessions_of "$out")
    declare "rate_${name}_$round=$(rate_of "$out")"
    declare "cpu_${name}_$round=$(( n > 0 ? (t1 - t0) * 1000000 / $(getconf CLK_TCK) / n : 0 ))"
  done
  a="rate_acctcodes_$round"; f="rate_floor_$round"
  ratios+=("$(awk "BEGIN {printf \"%.0f\", 100 * ${!a} / ${!f}}")")
done

# Figures and verdict.
series=$(tail -n +2 "$work/series.dat")
samples=$(wc -l <<<"$series")
# RSS once 100,000 sessions are done (or at the first sample of a shorter soak), and the most it
# reached from then to the end.
warm=$(( SESSIONS >= 200000 ? 100000 : 0 ))
rss_base=$(awk -v w="$warm" '$2 >= w && $2 > 0 {print $3; exit}' <<<"$series")
rss_max=$(awk -v w="$warm" '$2 >= w && $2 > 0 && $3 > m {m = $3} END {print m}' <<<"$series")
rss_end=$(tail -1 <<<"$series" | awk '{print $3}')
growth=$(awk "BEGIN {printf \"%.1f\", 100 * ($rss_max - $rss_base) / $rss_base}")
first_minute=$(awk 'NR > 2 && NR <= 8 {s += $4; n++} END {printf "%.0f", s / n}' "$work/series.dat")  # past the header and the 0 s row
last_minute=$(tail -n +3 "$work/series.dat" | tail -6 | awk '{s += $4; n++} END {printf "%.0f", s / n}')
speed=$(awk "BEGIN {printf \"%.0f\", 100 * $last_minute / $first_minute}")
ratio_median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
verdict() { if awk "BEGIN {exit !($1)}"; then echo "met"; else echo "NOT met"; fi; }

if command -v gnuplot >/dev/null; then
  gnuplot <<EOF
set terminal pngcairo size 1000,500 font ",10" noenhanced
set output "$PLOT"
set title "acctcodes soak: $total sessions at $CONCURRENCY concurrent, one server (release), $(nproc) cores"
set xlabel "sessions done (thousands)"
set ylabel "RSS (MB)"
set y2label "sessions/s"
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set key bottom right
set grid
plot "$work/series.dat" using (\$2/1000):3 every ::1 with linespoints title "server RSS (MB)" axes x1y1, \
     "$work/series.dat" using (\$2/1000):4 every ::1 with linespoints title "sessions/s (10 s runs)" axes x1y2
EOF
  plotted="plot: $PLOT"
else
  plotted="no plot (gnuplot not installed: apt-get install gnuplot-nox)"
fi

{
  echo "## Soak of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores (release build)"
  echo
  echo "One \`acctcodes serve\`, $total outbound sessions at $CONCURRENCY concurrent from the C load generator in 10 s runs"
  echo "(international call, valid code checked in 1,000,000 codes, durable usage log), $samples samples; errors in the server's log: $errors_soak."
  echo
  echo "| elapsed (s) | sessions done | server RSS (MB) | sessions/s | server CPU per session (µs) |"
  echo "|---|---|---|---|---|"
  awk '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}' <<<"$series"
  echo
  echo "| target | figure | verdict |"
  echo "|---|---|---|"
  echo "| RSS after the first 100,000 sessions stays within 5 % to the end | $rss_base MB at 100k, at most $rss_max MB after, $rss_end MB at the end: +$growth % | $(verdict "$growth <= 5") |"
  echo "| sessions/s in the last minute ≥ 95 % of the first minute | $last_minute against $first_minute: $speed % | $(verdict "$speed >= 95") |"
  echo "| $HOLD calls held in GET DATA < 120 MB | $held_rss MB ($held_fds open fds; idle $idle_rss MB) | $(verdict "$held_rss < 120") |"
  echo "| ≥ 70 % of the 3-command C floor (agilimit3) at $CONCURRENCY concurrent | median of $ROUNDS interleaved rounds: $ratio_median % (rounds: ${ratios[*]} %) | $(verdict "$ratio_median >= 70") |"
  echo
  echo "Interleaved rounds, sessions/s and server CPU per session:"
  for round in $(seq 1 "$ROUNDS"); do
    a="rate_acctcodes_$round"; f="rate_floor_$round"; ca="cpu_acctcodes_$round"; cf="cpu_floor_$round"
    echo "- round $round: floor ${!f}/s (${!cf} µs), acctcodes ${!a}/s (${!ca} µs)"
  done
  echo
  echo "Hold: $(cat "$work/hold.txt" | tr '\n' ' ')"
  echo
  echo "$plotted"
} | tee "$OUT"
