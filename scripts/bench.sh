#!/usr/bin/env bash
# Side-by-side benchmark: ForkServer's models against C reference servers (scripts/reference) and socat, one after
# another with the same load from `forkclient bench`. Prints a Markdown table and writes it into docs/benchmarks.md
# between the bench markers. Usage: scripts/bench.sh [--no-docs]
# Environment: BENCH_CONNECTIONS (per level, default 3000; 1000 at 1 client), BENCH_WORKERS (prefork, default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/artifacts/bench
mkdir -p "$out"
connections=${BENCH_CONNECTIONS:-3000}
workers=${BENCH_WORKERS:-4}
levels=(1 32 256)
port=21000

echo "building (Release JIT, NativeAOT, C references)..." >&2
[ -n "${BENCH_SKIP_BUILD:-}" ] || dotnet build ForkServer.sln -c Release --nologo -v quiet >/dev/null
[ -n "${BENCH_SKIP_BUILD:-}" ] || dotnet publish src/ForkServer/ForkServer.csproj -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot/linux-x64 --nologo -v quiet >/dev/null
gcc -O2 -Wall -o "$out/fork_echo" scripts/reference/fork_echo.c
gcc -O2 -Wall -o "$out/prefork_echo" scripts/reference/prefork_echo.c
jit=$root/src/ForkServer/bin/Release/net10.0/forkserver
aot=$root/artifacts/aot/linux-x64/forkserver
client=$root/src/Clients/bin/Release/net10.0/forkclient

# One field of the JSON line forkclient bench prints.
field() { grep -o "\"$1\":[0-9.]*" <<<"$2" | cut -d: -f2 || true; }

# Starts "$@" listening on $port; returns 1 (and says why) if it exits or never listens.
server_pid=
start_server() {
  "$@" >"$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then return 1; fi
    if ss -Hltn "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.05
  done
  return 1
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT

# Private_Dirty per child and the server's RSS (KiB) while 100 clients hold a connection each.
memory() {
  "$client" bench --port "$port" --prefix "$1" --connections 100 --concurrency 100 --hold 4 --json >/dev/null &
  local load=$! kids=()
  for _ in $(seq 60); do
    mapfile -t kids < <(ps -o pid= --ppid "$server_pid")
    [ "${#kids[@]}" -ge 100 ] && break
    sleep 0.05
  done
  local total=0 n=0 kb
  for pid in "${kids[@]}"; do
    kb=$(awk '/^Private_Dirty:/ {print $2}' "/proc/${pid// /}/smaps_rollup" 2>/dev/null || true)
    if [ -n "$kb" ]; then total=$((total + kb)); n=$((n + 1)); fi
  done
  local rss
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
  wait "$load" || true
  if [ "$n" -gt 0 ]; then echo "$((total / n)) $rss"; else echo "- $rss"; fi
}

declare -A rate p99
rows=()
# label | reference label for the ratio | echo prefix | measure memory | command...
run() {
  local label=$1 reference=$2 prefix=$3 measure=$4
  shift 4
  port=$((port + 1))
  if ! start_server "$@" --port "$port"; then
    stop_server
    echo "skipped $label: the server did not start ($(head -n 1 "$out/server.log"))" >&2
    rows+=("| $label | skipped: $(head -n 1 "$out/server.log" | cut -c1-80) |")
    return
  fi
  echo "measuring $label..." >&2
  "$client" bench --port "$port" --prefix "$prefix" --connections 300 --concurrency 32 --json >/dev/null || true
  local cells="" ratios="" p99s="" result n
  for c in "${levels[@]}"; do
    n=$connections
    if [ "$c" = 1 ]; then n=$((connections / 3)); fi
    result=$("$client" bench --port "$port" --prefix "$prefix" --connections "$n" --concurrency "$c" --json || true)
    rate[$label,$c]=$(field connections_per_second "$result")
    p99[$label,$c]=$(field p99_ms "$result")
    local errors; errors=$(field errors "$result")
    cells+=" ${rate[$label,$c]:-0}"
    if [ "${errors:-1}" != 0 ]; then cells+=" (${errors:-?} errors)"; fi
    cells+=" |"
    p99s+="${p99[$label,$c]:--}/"
    if [ -n "$reference" ] && [ -n "${rate[$reference,$c]:-}" ]; then
      ratios+=" $(awk -v a="${rate[$label,$c]}" -v b="${rate[$reference,$c]}" 'BEGIN { printf "%.2f", a / b }') |"
    else
      ratios+=" - |"
    fi
  done
  local mem="- | -"
  if [ "$measure" = yes ]; then
    read -r private rss < <(memory "$prefix")
    mem="$private KiB | $((rss / 1024)) MiB"
  fi
  rows+=("| $label |$cells ${p99s%/} |$ratios $mem |")
  stop_server
}
# Cases whose command takes the port as a plain argument rather than --port.
c_fork() { shift; exec "$out/fork_echo" "$1"; }
c_prefork() { shift; exec "$out/prefork_echo" "$1" "$workers"; }
socat_pipe() { shift; exec socat "TCP-LISTEN:$1,fork,reuseaddr,bind=127.0.0.1,backlog=1024" PIPE; }

run "C fork (reference)" "" "you send:" yes c_fork
run "C prefork, $workers workers (reference)" "" "you send:" no c_prefork
run "ForkServer fork, NativeAOT" "C fork (reference)" "you send:" yes "$aot" --quiet --model fork
run "ForkServer fork, JIT" "C fork (reference)" "you send:" yes "$jit" --quiet --model fork
run "ForkServer prefork, $workers workers, NativeAOT" "C prefork, $workers workers (reference)" "you send:" no "$aot" --quiet --model prefork --workers "$workers"
run "ForkServer prefork, $workers workers, JIT" "C prefork, $workers workers (reference)" "you send:" no "$jit" --quiet --model prefork --workers "$workers"
run "ForkServer thread, NativeAOT" "" "you send:" no "$aot" --quiet --model thread
run "ForkServer select, NativeAOT" "" "you send:" no "$aot" --quiet --model select
if command -v socat >/dev/null; then
  run "socat fork PIPE (no prefix)" "C fork (reference)" "" yes socat_pipe
else
  rows+=("| socat | skipped: not installed (apt-get install socat) |")
fi

table=$(
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(uname -r), commit $(git rev-parse --short HEAD); echo of 64 bytes, 1 round per connection;"
  echo "$((connections / 3)) connections at 1 client, $connections at 32 and 256 (\`scripts/bench.sh\`)."
  echo
  echo "| server | conn/s, 1 client | 32 clients | 256 clients | p99 ms (1/32/256) | ratio to C, 1 | 32 | 256 | Private_Dirty per child (100 connected) | server RSS |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
)
echo "$table"
if [ "${1:-}" != --no-docs ] && [ -f docs/benchmarks.md ]; then
  awk -v table="$table" '
    /<!-- bench:begin -->/ { print; print table; skip = 1; next }
    /<!-- bench:end -->/ { skip = 0 }
    !skip' docs/benchmarks.md >"$out/benchmarks.md"
  mv "$out/benchmarks.md" docs/benchmarks.md
  echo "updated docs/benchmarks.md" >&2
fi
