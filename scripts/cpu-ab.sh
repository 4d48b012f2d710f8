#!/usr/bin/env bash
# Two servers, A and B, side by side: the CPU each spends per connection (its own and its reaped children's, from
# /proc/PID/stat) under the same load from the C client (scripts/reference/bench_client.c), rounds alternating, and
# the difference B - A of each round, with its mean and standard error. On a shared 2-core VM a server's figure
# drifts by a fifth from round to round; the difference of two servers measured in turn drifts much less, and a
# change whose mean difference is within two standard errors of 0 has no effect this machine can show.
# Usage: scripts/cpu-ab.sh [-r ROUNDS] [-n CONNECTIONS] [-c CONCURRENCY] A-COMMAND... -- B-COMMAND...
# (defaults 12 rounds of 2000 connections at 1 client). Each command is started with --quiet --port PORT added,
# but the C reference, which takes the port first and then its own arguments:
#   scripts/cpu-ab.sh -c 32 artifacts/bench/fork_echo -- artifacts/aot/linux-x64/forkserver
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=12
connections=2000
concurrency=1
while getopts r:n:c: flag; do
  case $flag in
    r) rounds=$OPTARG ;;
    n) connections=$OPTARG ;;
    c) concurrency=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
a=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
[ $# -gt 1 ] && [ ${#a[@]} -gt 0 ] || { echo "usage: $0 [-r ROUNDS] [-n CONNECTIONS] [-c CONCURRENCY] A-COMMAND... -- B-COMMAND..." >&2; exit 2; }
shift
b=("$@")

out=artifacts/bench
mkdir -p "$out"
gcc -O2 -Wall -Wextra -o "$out/bench_client" scripts/reference/bench_client.c
gcc -O2 -Wall -o "$out/fork_echo" scripts/reference/fork_echo.c

source scripts/lib/serve-on.sh
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT

# Starts a server on port $1 (the rest: its command), warms it up, and adds it to pids.
start() {
  serve_on "$@"
  pids+=("$server")
  "$out/bench_client" 127.0.0.1 "$1" 200 1 >/dev/null
}

# CPU ticks of a server and of its reaped children: utime + stime + cutime + cstime.
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }

# Microseconds of CPU per connection of one round against the server $1 (pid) on port $2.
round() {
  local before after
  before=$(ticks "$1")
  "$out/bench_client" 127.0.0.1 "$2" "$connections" "$concurrency" >/dev/null || { echo "errors against port $2" >&2; return 1; }
  sleep 0.3
  after=$(ticks "$1")
  echo $(( (after - before) * 1000000 / $(getconf CLK_TCK) / connections ))
}

# Below 32768: ports of the kernel's ephemeral range may be taken by the client's own connections.
start 21501 "${a[@]}"
pid_a=$server
start 21502 "${b[@]}"
pid_b=$server
echo "A: ${a[*]}"
echo "B: ${b[*]}"
echo "$rounds rounds of $connections connections at $concurrency clients, alternating; CPU per connection, server and children:"
for i in $(seq "$rounds"); do
  x=$(round "$pid_a" 21501)
  y=$(round "$pid_b" 21502)
  echo "round $i: A $x us, B $y us, B - A $((y - x)) us"
done | tee "$out/cpu-ab.txt"
median() { awk -v f="$1" '{ print $f }' "$out/cpu-ab.txt" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
awk -v a="$(median 4)" -v b="$(median 7)" '{ d[NR] = $12; s += $12 }
  END {
    n = NR; m = s / n
    for (i = 1; i <= n; i++) v += (d[i] - m) ^ 2
    printf "median: A %d us, B %d us; B - A: mean %+.0f us, standard error %.0f us (%d rounds)\n", a, b, m, sqrt(v / (n - 1) / n), n
  }' "$out/cpu-ab.txt"
