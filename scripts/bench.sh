#!/usr/bin/env bash
# Side-by-side benchmark: ForkServer's models against C reference servers (scripts/reference), the tutorial's own
# forking server in Python 3 and socat, all loaded by the same C client (scripts/reference/bench_client.c: one
# thread, epoll, nothing allocated per connection, so that the client is not what gets measured). Rounds alternate
# between the servers (each round starts every server afresh and measures it at 1, 32 and 256 clients), and each
# figure is the median of the rounds, so that drift on a shared machine hits every server alike. A "client ceiling"
# case measures, against the C prefork server and alternately, the C client and `forkclient bench`: their ratio
# says whether forkclient bench is fast enough to be the project's own load generator (target >= 0.95 at 32).
# The super-servers (tcpserver, forkserver exec, socat EXEC) run cat per connection, and compare to tcpserver.
# Prints a Markdown table and writes it into docs/benchmarks.md between the bench markers.
# Usage: scripts/bench.sh [--no-docs]
# Environment: BENCH_CONNECTIONS (per level, default 3000; a third of it at 1 client), BENCH_ROUNDS (default 3),
# BENCH_WORKERS (prefork, default 4), BENCH_SKIP_BUILD (set: build nothing but the C programs),
# BENCH_AOT, BENCH_JIT, BENCH_FORKCLIENT (the binaries to measure; default: the paths the build below writes; with
# BENCH_AOT set, nothing is published to artifacts/aot).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/artifacts/bench
mkdir -p "$out"
connections=${BENCH_CONNECTIONS:-3000}
rounds=${BENCH_ROUNDS:-3}
workers=${BENCH_WORKERS:-4}
size=64
levels=(1 32 256)
port=21000
jit=${BENCH_JIT:-$root/src/ForkServer/bin/Release/net10.0/forkserver}
aot=${BENCH_AOT:-$root/artifacts/aot/linux-x64/forkserver}
forkclient=${BENCH_FORKCLIENT:-$root/src/Clients/bin/Release/net10.0/forkclient}
client=$out/bench_client

echo "building (Release JIT, NativeAOT, C references and client)..." >&2
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  dotnet build ForkServer.sln -c Release --nologo -v quiet >/dev/null
  [ -n "${BENCH_AOT:-}" ] || dotnet publish src/ForkServer/ForkServer.csproj -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot/linux-x64 --nologo -v quiet >/dev/null
fi
gcc -O2 -Wall -o "$out/fork_echo" scripts/reference/fork_echo.c
gcc -O2 -Wall -o "$out/prefork_echo" scripts/reference/prefork_echo.c
gcc -O2 -Wall -Wextra -o "$client" scripts/reference/bench_client.c

# One field of the JSON line bench_client (and forkclient bench) prints.
field() { grep -o "\"$1\":[0-9.]*" <<<"$2" | cut -d: -f2 || true; }

# Connections at a level: a third at 1 client, which takes longest per connection.
count() { if [ "$1" = 1 ]; then echo $((connections / 3)); else echo "$connections"; fi; }

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
  "$client" -H 4 127.0.0.1 "$port" 100 100 "$1" "$size" >/dev/null &
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

# Cases whose command takes the port as a plain argument rather than --port.
c_fork() { shift; exec "$out/fork_echo" "$1"; }
c_prefork() { shift; exec "$out/prefork_echo" "$1" "$workers"; }
tutorial() { shift; exec python3 "$root/scripts/reference/tutorial_fork_echo.py" "$1"; }
socat_pipe() { shift; exec socat "TCP-LISTEN:$1,fork,reuseaddr,bind=127.0.0.1,backlog=1024" PIPE; }
# The super-servers, each running cat per connection (an echo with no prefix): fork, then exec.
tcpserver_cat() { shift; exec tcpserver -RHl localhost -c 1024 -b 1024 127.0.0.1 "$1" cat; }
forkserver_exec_cat() { shift; exec "$aot" exec --quiet --port "$1" -- cat; }
forkserver_exec_cat_jit() { shift; exec "$jit" exec --quiet --port "$1" -- cat; }
socat_exec_cat() { shift; exec socat "TCP-LISTEN:$1,fork,reuseaddr,bind=127.0.0.1,backlog=1024" EXEC:cat; }

# The cases, in the order of the table: label | reference label for the ratio | echo prefix | measure memory |
# command (quoted, for eval). A label in skipped[] is not measured; its row says why.
labels=() references=() prefixes=() measures=() commands=()
declare -A skipped samples p99s errors mem
add() {
  labels+=("$1") references+=("$2") prefixes+=("$3") measures+=("$4")
  shift 4
  commands+=("$(printf '%q ' "$@")")
  case "$1" in
    /*) [ -x "$1" ] || skipped[${labels[-1]}]="not built: $1" ;;
  esac
}
prefork_ref="C prefork, $workers workers (reference)"
ceiling="client ceiling: C client against C prefork, $workers workers"
forkclient_row="forkclient bench against C prefork, $workers workers (ratio to the C client)"
add "C fork (reference)" "" "you send:" yes c_fork
add "$prefork_ref" "" "you send:" no c_prefork
add "$ceiling" "" "you send:" no c_prefork
add "ForkServer fork, NativeAOT" "C fork (reference)" "you send:" yes "$aot" --quiet --model fork
add "ForkServer fork, JIT" "C fork (reference)" "you send:" yes "$jit" --quiet --model fork
add "ForkServer prefork, $workers workers, NativeAOT" "$prefork_ref" "you send:" no "$aot" --quiet --model prefork --workers "$workers"
add "ForkServer prefork, $workers workers, JIT" "$prefork_ref" "you send:" no "$jit" --quiet --model prefork --workers "$workers"
add "ForkServer spawn, $workers waiting, 1000 clients per child, NativeAOT" "" "you send:" no "$aot" --quiet --model spawn --workers "$workers" --clients-per-child 1000
add "ForkServer spawn, $workers waiting, 1000 clients per child, JIT (issue 12)" "" "you send:" no "$jit" --quiet --model spawn --workers "$workers" --clients-per-child 1000
add "ForkServer thread, NativeAOT" "" "you send:" no "$aot" --quiet --model thread
add "ForkServer thread, JIT" "" "you send:" no "$jit" --quiet --model thread
add "ForkServer select, NativeAOT" "" "you send:" no "$aot" --quiet --model select
add "ForkServer select, JIT" "" "you send:" no "$jit" --quiet --model select
add "tutorial forking server (Python 3)" "C fork (reference)" "you send:" yes tutorial
command -v python3 >/dev/null || skipped["tutorial forking server (Python 3)"]="python3 not installed"
add "socat fork PIPE (no prefix)" "C fork (reference)" "" yes socat_pipe
command -v socat >/dev/null || skipped["socat fork PIPE (no prefix)"]="not installed (apt-get install socat)"
exec_ref="tcpserver cat (reference for exec)"
add "$exec_ref" "" "" yes tcpserver_cat
command -v tcpserver >/dev/null || skipped[$exec_ref]="not installed (apt-get install ucspi-tcp)"
add "ForkServer exec -- cat, NativeAOT" "$exec_ref" "" yes forkserver_exec_cat
[ -x "$aot" ] || skipped["ForkServer exec -- cat, NativeAOT"]="not built: $aot"
add "ForkServer exec -- cat, JIT" "$exec_ref" "" yes forkserver_exec_cat_jit
[ -x "$jit" ] || skipped["ForkServer exec -- cat, JIT"]="not built: $jit"
add "socat fork EXEC:cat" "$exec_ref" "" yes socat_exec_cat
command -v socat >/dev/null || skipped["socat fork EXEC:cat"]="not installed (apt-get install socat)"
[ -x "$forkclient" ] || skipped[$forkclient_row]="not built: $forkclient"

# Keeps one measurement (the JSON line in $2) of label $1 at level $3.
keep() {
  samples[$1,$3]+=" $(field connections_per_second "$2")"
  p99s[$1,$3]+=" $(field p99_ms "$2")"
  errors[$1,$3]=$(( ${errors[$1,$3]:-0} + $(field errors "$2" | grep . || echo 1) ))
}

# One round of one case: start the server, warm it up, measure each level, stop it.
measure() {
  local i=$1 round=$2 label=${labels[$1]} prefix=${prefixes[$1]} c n result
  [ -z "${skipped[$label]:-}" ] || return 0
  port=$((port + 1))
  if ! eval "start_server ${commands[$i]} --port $port"; then
    stop_server
    skipped[$label]="the server did not start ($(head -n 1 "$out/server.log" | cut -c1-80))"
    echo "skipped $label: ${skipped[$label]}" >&2
    return 0
  fi
  echo "round $round/$rounds: $label..." >&2
  "$client" 127.0.0.1 "$port" 300 32 "$prefix" "$size" >/dev/null || true
  for c in "${levels[@]}"; do
    n=$(count "$c")
    if [ "$label" = "$ceiling" ] && [ -z "${skipped[$forkclient_row]:-}" ]; then
      # The two clients take turns against the same server; which goes first alternates with the round.
      local first=c second=f
      if [ $((round % 2)) = 0 ]; then first=f second=c; fi
      for who in $first $second; do
        if [ "$who" = c ]; then
          keep "$label" "$("$client" 127.0.0.1 "$port" "$n" "$c" "$prefix" "$size" || true)" "$c"
        else
          keep "$forkclient_row" "$("$forkclient" bench --port "$port" --prefix "$prefix" --size "$size" --connections "$n" --concurrency "$c" --json || true)" "$c"
        fi
      done
    else
      keep "$label" "$("$client" 127.0.0.1 "$port" "$n" "$c" "$prefix" "$size" || true)" "$c"
    fi
  done
  if [ "${measures[$i]}" = yes ] && [ "$round" = 1 ]; then
    local private rss
    read -r private rss < <(memory "$prefix")
    mem[$label]="$private KiB | $((rss / 1024)) MiB"
  fi
  stop_server
}

for round in $(seq "$rounds"); do
  for i in "${!labels[@]}"; do
    measure "$i" "$round"
  done
done

# The median of the numbers in $1 (empty if there are none).
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

row() {
  local label=$1 reference=$2 cells="" ratios="" p99="" c r
  if [ -n "${skipped[$label]:-}" ]; then
    echo "| $label | skipped: ${skipped[$label]} |"
    return
  fi
  for c in "${levels[@]}"; do
    r=$(median "${samples[$label,$c]:-}")
    cells+=" ${r:-0}"
    if [ "${errors[$label,$c]:-0}" != 0 ]; then cells+=" (${errors[$label,$c]} errors)"; fi
    cells+=" |"
    p99+="$(median "${p99s[$label,$c]:-}" | grep . || echo -)/"
    if [ -n "$reference" ] && [ -z "${skipped[$reference]:-}" ]; then
      ratios+=" $(ratio "$r" "$(median "${samples[$reference,$c]:-}")") |"
    else
      ratios+=" - |"
    fi
  done
  echo "| $label |$cells ${p99%/} |$ratios ${mem[$label]:-- | -} |"
}

rows=()
for i in "${!labels[@]}"; do
  rows+=("$(row "${labels[$i]}" "${references[$i]}")")
  if [ "${labels[$i]}" = "$ceiling" ]; then
    rows+=("$(row "$forkclient_row" "$ceiling")")
  fi
done
verdict="forkclient bench at 32 clients: $(ratio "$(median "${samples[$forkclient_row,32]:-}")" "$(median "${samples[$ceiling,32]:-}")")× the C client against the same server (target ≥ 0.95)."

table=$(
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(uname -r), commit $(git rev-parse --short HEAD); echo of $size bytes, 1 round per connection;"
  echo "$((connections / 3)) connections at 1 client, $connections at 32 and 256, loaded by \`scripts/reference/bench_client.c\`; median of $rounds rounds, servers alternating (\`scripts/bench.sh\`)."
  echo
  echo "The rows that run \`cat\` per connection (fork, then exec) give their ratio to tcpserver's, not to C fork's."
  echo
  echo "| server | conn/s, 1 client | 32 clients | 256 clients | p99 ms (1/32/256) | ratio to C, 1 | 32 | 256 | Private_Dirty per child (100 connected) | server RSS |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "$verdict"
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
