#!/usr/bin/env bash
# How much of the fork model's cost is the size of the process that forks. Measures ForkServer's fork model
# (NativeAOT and JIT) beside the C reference server (scripts/reference/fork_echo.c) made just as big: as many
# mappings and as many written pages (the page-table entries fork copies) as the ForkServer process has after
# warming up. Rounds alternate between servers so that drift on a shared machine hits them all alike; the table
# gives the median conn/s at one client. Usage: scripts/fork-size.sh [ROUNDS] [CONNECTIONS]   (defaults 3, 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
connections=${2:-1000}
out=artifacts/bench
mkdir -p "$out"
gcc -O2 -Wall -o "$out/fork_echo" scripts/reference/fork_echo.c
aot=artifacts/aot/linux-x64/forkserver
jit=src/ForkServer/bin/Release/net10.0/forkserver
client=src/Clients/bin/Release/net10.0/forkclient
for binary in "$aot" "$jit" "$client"; do
  [ -x "$binary" ] || { echo "missing $binary: run scripts/bench.sh once (it builds all three)" >&2; exit 2; }
done
port=21300

source scripts/lib/serve-on.sh
server=
# Starts a server on the next port (the C reference: its extra MAPPINGS PAGES after it) and warms it up.
start() {
  port=$((port + 1))
  serve_on "$port" "$@"
  "$client" bench --port "$port" --connections 100 --concurrency 1 >/dev/null
}
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop EXIT

# Mappings, and pages of the mappings fork copies page by page (those holding written, anonymous pages).
size_of() {
  echo "$(wc -l <"/proc/$1/maps")" "$(awk '/^[0-9a-f]+-/ { rss = 0 } /^Rss:/ { rss = $2 } /^Anonymous:/ && $2 > 0 { pages += rss / 4 } END { print int(pages) }' "/proc/$1/smaps")"
}
rate() { "$client" bench --port "$port" --connections "$connections" --concurrency 1 --json | grep -o '"connections_per_second":[0-9.]*' | cut -d: -f2; }

start "$out/fork_echo"; read -r c_maps c_pages < <(size_of "$server"); stop
start "$aot"; read -r aot_maps aot_pages < <(size_of "$server"); stop
start "$jit"; read -r jit_maps jit_pages < <(size_of "$server"); stop

labels=("C fork" "C fork, as big as NativeAOT" "ForkServer NativeAOT" "C fork, as big as JIT" "ForkServer JIT")
sizes=("$c_maps mappings, $c_pages pages" "$aot_maps mappings, $aot_pages pages" "$aot_maps mappings, $aot_pages pages" "$jit_maps mappings, $jit_pages pages" "$jit_maps mappings, $jit_pages pages")
declare -A results
for round in $(seq "$rounds"); do
  for i in "${!labels[@]}"; do
    case $i in
      0) start "$out/fork_echo" ;;
      1) start "$out/fork_echo" "$((aot_maps - c_maps))" "$((aot_pages - c_pages))" ;;
      2) start "$aot" ;;
      3) start "$out/fork_echo" "$((jit_maps - c_maps))" "$((jit_pages - c_pages))" ;;
      4) start "$jit" ;;
    esac
    results[$i]+="$(rate) "
    stop
  done
  echo "round $round of $rounds done" >&2
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r): median of $rounds rounds of $connections connections at 1 client"
echo
echo "| server | size of the forking process | conn/s (median) | all rounds |"
echo "|---|---|---|---|"
for i in "${!labels[@]}"; do
  echo "| ${labels[$i]} | ${sizes[$i]} | $(median "${results[$i]}") | ${results[$i]% } |"
done
