#!/usr/bin/env bash
# Runs the win-x64 builds of forkserver and forkclient under Wine and checks, one line per check, that the Windows
# path really works: the fork fallback notice, byte-exact echo replies through the spawn model (socket handed over
# with DuplicateAndClose), forkclient.exe echo and bench, SIGINT (Wine turns it into CTRL_C_EVENT) ending the server
# with status 0 and its "stopped" summary, and no Wine process left afterwards. Stops at the first failure; exits 0
# when every check passed, 1 otherwise, and always ends with one line "wine-smoke: Failed: F, Passed: P" (the form
# .ci/run adds up).
#
#   scripts/wine-smoke.sh                                   publishes both into artifacts/wine first (about 30 s)
#   scripts/wine-smoke.sh FORKSERVER_DIR FORKCLIENT_DIR     uses these publishes
#   FORKSERVER_WIN_DIR=... FORKCLIENT_WIN_DIR=... scripts/wine-smoke.sh
#
# Each directory is a self-contained win-x64 publish, as the first form makes them:
#   dotnet publish src/ForkServer -c Release -r win-x64 --self-contained -o artifacts/wine/forkserver
#   dotnet publish src/Clients    -c Release -r win-x64 --self-contained -o artifacts/wine/forkclient
# Needs Debian's wine and wine64 (no i386), python3 and coreutils' timeout. Environment, all optional:
#   WINE (wine), WINESERVER (wineserver), WINEDEBUG (-all), PORT (0: the server picks one; a fixed port in the
#   ephemeral range can collide with a TIME_WAIT socket, since Windows binds without SO_REUSEADDR),
#   WINE_SMOKE_KEEP=1 keeps the temporary directory (prefix and logs) for a look afterwards.
#
# Wine fails a process creation now and then (about 1 in 80 here) with "Internal error" (ERROR_INTERNAL_ERROR,
# STATUS_INTERNAL_ERROR from NtCreateUserProcess). A check whose output or server log says exactly that is run
# once more; any other failure fails at once. Every wait is bounded; Wine is stopped on every way out.
set -uo pipefail

server_dir=${1:-${FORKSERVER_WIN_DIR:-}}
client_dir=${2:-${FORKCLIENT_WIN_DIR:-}}
WINE=${WINE:-wine}
WINESERVER=${WINESERVER:-wineserver}
export WINEDEBUG=${WINEDEBUG:--all}
PORT=${PORT:-0}
WINE_FLAKE='Internal error'

repo=$(cd "$(dirname "$0")/.." && pwd)
publish=
if [ -z "$server_dir" ] && [ -z "$client_dir" ]; then
  publish=1
  server_dir=$repo/artifacts/wine/forkserver
  client_dir=$repo/artifacts/wine/forkclient
elif [ -z "$server_dir" ] || [ -z "$client_dir" ]; then
  echo "usage: $0 [FORKSERVER_DIR FORKCLIENT_DIR] (or FORKSERVER_WIN_DIR and FORKCLIENT_WIN_DIR)" >&2
  exit 2
fi

work=$(mktemp -d /tmp/wine-smoke.XXXXXX)
export WINEPREFIX=$work/prefix
server_exe=
client_exe=
server_pid=
server_log=
held_pid=

now() { date +%s.%N; }
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$1" "$(now)"; }

# Processes of this prefix still alive: Wine's own programs (wineserver, the loader that every Windows process runs
# in) that carry this WINEPREFIX in their environment.
prefix_processes() {
  local env pid
  for env in /proc/[0-9]*/environ; do
    pid=${env#/proc/}; pid=${pid%/environ}
    [ "$pid" = $$ ] && continue
    case $(readlink "/proc/$pid/exe" 2>/dev/null) in */wine*) ;; *) continue ;; esac
    if tr '\0' '\n' 2>/dev/null < "$env" | grep -qxF "WINEPREFIX=$WINEPREFIX"; then
      [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
    fi
  done
}

checks=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$held_pid" ] && { kill "$held_pid"; wait "$held_pid"; } 2>/dev/null
  [ -n "$server_pid" ] && { kill -KILL "$server_pid"; wait "$server_pid"; } 2>/dev/null
  if [ -d "$WINEPREFIX" ]; then
    timeout 20 "$WINESERVER" -k >/dev/null 2>&1
    timeout 20 "$WINESERVER" -w >/dev/null 2>&1
  fi
  if [ "${WINE_SMOKE_KEEP:-0}" = 1 ]; then
    echo "wine-smoke: kept $work"
  else
    rm -rf "$work"
  fi
  [ "$rc" = 0 ] || rc=1
  echo "wine-smoke: Failed: $rc, Passed: $checks"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() { checks=$((checks + 1)); echo "ok   $*"; }
fail() { echo "FAIL $*"; [ -f "$work/check.out" ] && sed 's/^/     | /' "$work/check.out" | tail -20; exit 1; }

# run_check NAME FUNCTION: FUNCTION writes what it saw to $work/check.out and sets $detail; one retry when that, or
# what the server logged meanwhile, names Wine's "Internal error".
run_check() {
  local name=$1 fn=$2 try log_mark
  for try in 1 2; do
    detail=
    : > "$work/check.out"
    log_mark=$( [ -n "$server_log" ] && wc -c < "$server_log" || echo 0)
    if "$fn"; then
      pass "$name${detail:+ ($detail)}"
      return 0
    fi
    if [ "$try" = 1 ] && { grep -qF "$WINE_FLAKE" "$work/check.out" ||
        { [ -n "$server_log" ] && tail -c +"$((log_mark + 1))" "$server_log" | grep -qF "$WINE_FLAKE"; }; }; then
      echo "retry $name: Wine said '$WINE_FLAKE' (a process creation failed); once more"
      continue
    fi
    fail "$name${detail:+: $detail}"
  done
}

# A client from Linux. session PORT TAG...: one session per TAG, all at once; each sends two messages, wants
# exactly "you send:" + message back for each, then sends q and wants the server to close.
sessions() {
  timeout 60 python3 - "$@" <<'EOF'
import socket, sys, threading, time
port, tags = int(sys.argv[1]), sys.argv[2:]
results = {}
def session(tag):
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            for message in (f"hello {tag}".encode(), "zwei Wörter\tand a tab".encode()):
                s.sendall(message)
                want, got = b"you send:" + message, b""
                while len(got) < len(want):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                if got != want:
                    results[tag] = f"got {got!r}, want {want!r}"
                    return
            s.sendall(b"q")
            rest = s.recv(65536)
            results[tag] = None if rest == b"" else f"after q got {rest!r}, want the connection closed"
    except OSError as e:
        results[tag] = f"{type(e).__name__}: {e}"
    finally:
        results.setdefault(tag, "no result")
        results[tag + ".ms"] = (time.monotonic() - started) * 1000
threads = [threading.Thread(target=session, args=(t,)) for t in tags]
for t in threads: t.start()
for t in threads: t.join(45)
bad = [f"{t}: {results.get(t, 'still running')}" for t in tags if results.get(t, "x") is not None]
ms = sorted(results[t + ".ms"] for t in tags if t + ".ms" in results)
print("; ".join(bad) if bad else f"{len(tags)} sessions byte-exact, {ms[len(ms) // 2]:.0f} ms median")
sys.exit(1 if bad else 0)
EOF
}

# --- the checks ---------------------------------------------------------------------------------------------------

check_tools() {
  local missing=
  for tool in "$WINE" "$WINESERVER" python3 timeout; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
  done
  detail="${missing:+missing:$missing (Debian: wine wine64 python3 coreutils)}"
  [ -z "$missing" ] && detail="$("$WINE" --version 2>/dev/null)"
  [ -z "$missing" ]
}

# Self-contained, so that the prefix needs no .NET of its own.
check_publish() {
  local started project; started=$(now)
  for project in ForkServer:"$server_dir" Clients:"$client_dir"; do
    timeout 600 dotnet publish "$repo/src/${project%%:*}" -c Release -r win-x64 --self-contained -o "${project#*:}" \
      -nologo -v quiet >> "$work/check.out" 2>&1 || { detail="dotnet publish src/${project%%:*} failed"; return 1; }
  done
  detail="both win-x64 publishes in $(elapsed "$started") s"
}

check_executables() {
  server_exe=$(cd "$server_dir" 2>/dev/null && pwd)/forkserver.exe
  client_exe=$(cd "$client_dir" 2>/dev/null && pwd)/forkclient.exe
  local missing=
  [ -f "$server_exe" ] || missing="$missing $server_dir/forkserver.exe"
  [ -f "$client_exe" ] || missing="$missing $client_dir/forkclient.exe"
  detail="${missing:+missing:$missing}"
  [ -z "$missing" ] && detail="$server_exe, $client_exe"
  [ -z "$missing" ]
}

check_prefix() {
  local started; started=$(now)
  rm -rf "$WINEPREFIX"
  timeout 300 "$WINE" wineboot -i > "$work/check.out" 2>&1 || { detail="wineboot failed or timed out"; return 1; }
  timeout 60 "$WINESERVER" -w
  detail="$WINEPREFIX in $(elapsed "$started") s"
}

# start_server [MODEL ARGS...]: --model fork (which must print the fallback notice) unless told otherwise.
start_server() {
  local started i model=("$@")
  [ ${#model[@]} -gt 0 ] || model=(--model fork)
  [ -n "$server_pid" ] && { kill -KILL "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
  server_log=$work/server.$RANDOM.log
  started=$(now)
  "$WINE" "$server_exe" "${model[@]}" --port "$PORT" --grace 5 > "$server_log" 2>&1 &
  server_pid=$!
  for i in $(seq 1 600); do
    grep -q ' listening on ' "$server_log" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  cp "$server_log" "$work/check.out"
  port=$(grep -o ' listening on 127\.0\.0\.1:[0-9]*' "$server_log" | head -1 | sed 's/.*://')
  if [ -z "$port" ]; then
    if kill -0 "$server_pid" 2>/dev/null; then
      detail="no listening line within 60 s"
    else
      wait "$server_pid"
      detail="the server exited with status $? before listening"
      server_pid=
    fi
    return 1
  fi
  [ "${model[*]}" = "--model fork" ] || { detail="port $port, listening after $(elapsed "$started") s"; return 0; }
  if ! grep -qF 'this system has no fork(2): serving each client in a spawned process instead (--model spawn)' "$server_log"; then
    detail="no fallback notice before listening"
    return 1
  fi
  detail="port $port, listening after $(elapsed "$started") s, with the fork(2) fallback notice"
}

check_sequential() {
  local i out medians=
  for i in 1 2 3; do
    out=$(sessions "$port" "seq$i" 2>&1) || { echo "$out" >> "$work/check.out"; detail="$out"; return 1; }
    echo "$out" >> "$work/check.out"
    medians="$medians${medians:+, }$(grep -o '[0-9]* ms' <<< "$out")"
  done
  detail="3 sessions one after another, byte-exact, each $medians"
}

check_concurrent() {
  local out
  out=$(sessions "$port" c1 c2 c3 c4 c5 2>&1); echo "$out" >> "$work/check.out"
  detail="$out"
  grep -q '^5 sessions byte-exact' <<< "$out"
}

# forkclient's tcp style: the prompt line before each line read, each reply behind "you send:" on a line of its
# own, nothing for q. Compared byte for byte, line ends included.
check_forkclient_echo() {
  local rc prompt='Enter data to send to server: press q or Q to quit:\n'
  printf 'hello from forkclient\nsecond line\nq\n' | timeout 60 "$WINE" "$client_exe" echo --port "$port" > "$work/echo.got" 2> "$work/check.err"
  rc=$?
  printf "${prompt}you send:hello from forkclient\n${prompt}you send:second line\n${prompt}" > "$work/echo.want"
  { od -c "$work/echo.got"; cat "$work/check.err"; } >> "$work/check.out"
  [ "$rc" = 0 ] || { detail="exit status $rc"; return 1; }
  cmp -s "$work/echo.got" "$work/echo.want" || { detail="output differs from the expected dialogue (od -c below)"; return 1; }
  detail="the dialogue byte-exact ($(wc -c < "$work/echo.got") bytes), exit 0"
}

check_bench() {
  local json rc
  json=$(timeout 180 "$WINE" "$client_exe" bench --connections 50 --concurrency 4 --port "$port" --json 2>> "$work/check.out" | tr -d '\r')
  rc=$?
  echo "$json" >> "$work/check.out"
  [ "$rc" = 0 ] || { detail="exit status $rc"; return 1; }
  detail=$(python3 -c '
import json, sys
r = json.loads(sys.argv[1].strip().splitlines()[-1])
print("{ok} ok, {errors} errors, {connections_per_second} connections/s, p50 {p50_ms:.0f} ms, p90 {p90_ms:.0f} ms".format(**r))
sys.exit(0 if r["ok"] == 50 and r["errors"] == 0 else 1)' "$json" 2>&1)
}

# SIGINT to the server's Linux pid (the wine loader, which became the Windows process): Wine's SIGINT handler
# raises CTRL_C_EVENT in it, which the runtime hands to PosixSignalRegistration(SIGINT). One client is still
# connected, so the stop also has to end a child.
check_sigint() {
  local i rc summary
  [ -n "$server_pid" ] || { detail="the server is not running"; return 1; }
  timeout 40 python3 - "$port" > "$work/held.out" 2>&1 <<'EOF' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"held")
print(s.recv(100))
print("closed by server" if s.recv(100) == b"" else "more data")
EOF
  held_pid=$!
  for i in $(seq 1 300); do
    grep -q "you send:held" "$work/held.out" && break
    kill -0 "$held_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "you send:held" "$work/held.out" || { cat "$work/held.out" >> "$work/check.out"; detail="the held session got no reply"; return 1; }
  kill -INT "$server_pid"
  for i in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    detail="still running 30 s after SIGINT"
    return 1
  fi
  wait "$server_pid"; rc=$?
  server_pid=
  for i in $(seq 1 100); do kill -0 "$held_pid" 2>/dev/null || break; sleep 0.1; done
  wait "$held_pid" 2>/dev/null; held_pid=
  tail -5 "$server_log" >> "$work/check.out"; cat "$work/held.out" >> "$work/check.out"
  summary=$(grep -o 'stopped: served [0-9]* clients; [0-9]* were running at shutdown, [0-9]* ended' "$server_log")
  [ "$rc" = 0 ] || { detail="exit status $rc"; return 1; }
  grep -qF 'stop asked for (Ctrl-C): stopped accepting; ending 1 children with TerminateProcess' "$server_log" ||
    { detail="no 'stop asked for (Ctrl-C) ... ending 1 children with TerminateProcess' line"; return 1; }
  grep -q 'child [0-9]* was ended by the server (TerminateProcess)' "$server_log" || { detail="no 'was ended by the server' line"; return 1; }
  grep -q 'see it: tasklist /fi "PID eq [0-9]*"' "$server_log" || { detail="no tasklist hint on the spawned lines"; return 1; }
  [ -n "$summary" ] || { detail="no stopped summary"; return 1; }
  grep -q 'closed by server' "$work/held.out" || { detail="the held client was not disconnected"; return 1; }
  detail="exit 0, '$summary'"
}

# The Linux pids of the server's spawned children: Wine shows a Windows process's command line in /proc.
spawned_children() {
  local cmdline pid
  for cmdline in /proc/[0-9]*/cmdline; do
    pid=${cmdline#/proc/}; pid=${pid%/cmdline}
    tr '\0' ' ' 2>/dev/null < "$cmdline" | grep -q 'forkserver\.exe spawned-child ' || continue
    tr '\0' '\n' 2>/dev/null < "/proc/$pid/environ" | grep -qxF "WINEPREFIX=$WINEPREFIX" || continue
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
  done
}

# SIGKILL to the server while three children serve: nothing of the server runs any more, so only the job object
# (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: wineserver closes a dead process's handles, the job's last one among them)
# can end them.
check_sigkill() {
  local i children started gone
  start_server || return 1
  timeout 60 python3 - "$port" > "$work/held.out" 2>&1 <<'EOF' &
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30) for _ in range(3)]
for s in held:
    s.sendall(b"held")
    print(s.recv(100), flush=True)
time.sleep(50)
EOF
  held_pid=$!
  for i in $(seq 1 300); do
    [ "$(grep -c 'you send:held' "$work/held.out")" = 3 ] && break
    kill -0 "$held_pid" 2>/dev/null || break
    sleep 0.1
  done
  children=$(spawned_children | tr '\n' ' ')
  cat "$work/held.out" >> "$work/check.out"
  [ "$(wc -w <<< "$children")" = 3 ] || { detail="want 3 serving children, found: ${children:-none}"; return 1; }
  # The clients stay connected throughout: a child that ended because its client left would prove nothing.
  kill -KILL "$server_pid"; started=$(now)
  wait "$server_pid" 2>/dev/null; server_pid=
  while children=$(spawned_children | tr '\n' ' '); [ -n "$children" ] && [ "$(elapsed "$started" | cut -d. -f1)" -lt 5 ]; do
    sleep 0.1
  done
  gone=$(elapsed "$started")
  kill -0 "$held_pid" 2>/dev/null || { detail="the clients left before the children were looked at"; return 1; }
  kill "$held_pid" 2>/dev/null; wait "$held_pid" 2>/dev/null; held_pid=
  [ -z "$children" ] || { detail="children still running $gone s after SIGKILL to the server: $children"; return 1; }
  detail="3 serving children gone $gone s after SIGKILL to the server"
}

# The pool: two children started ahead; five clients one second apart each go to a waiting child. Then Ctrl-C.
check_pool() {
  local i out medians=
  start_server --model spawn --workers 2 || return 1
  for i in $(seq 1 300); do
    grep -q '2 children started and waiting for clients' "$server_log" && break
    sleep 0.1
  done
  sleep 3 # the waiting children's runtimes start meanwhile
  for i in 1 2 3 4 5; do
    out=$(sessions "$port" "pool$i" 2>&1) || { echo "$out" >> "$work/check.out"; detail="$out"; return 1; }
    medians="$medians${medians:+, }$(grep -o '[0-9]* ms' <<< "$out")"
    sleep 1
  done
  cat "$server_log" >> "$work/check.out"
  [ "$(grep -c 'handed 127\.0\.0\.1:[0-9]* to waiting child' "$server_log")" = 5 ] || { detail="want 5 'handed ... to waiting child' lines"; return 1; }
  stop_with_ctrl_c || return 1
  detail="5 clients handed to waiting children, byte-exact, each $medians; exit 0 on Ctrl-C"
}

# Ctrl-C to the server: it must end with status 0.
stop_with_ctrl_c() {
  local i rc
  kill -INT "$server_pid"
  for i in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  wait "$server_pid"; rc=$?; server_pid=
  [ "$rc" = 0 ] || { detail="exit status $rc after Ctrl-C"; return 1; }
}

# --clients-per-child: the one child of a pool of 1 serves 3 clients one after another, saying after each of the
# first two that it waits again; the 4th goes to the child started meanwhile.
check_pool_reuse() {
  local i out medians= children
  start_server --model spawn --workers 1 --clients-per-child 3 || return 1
  for i in $(seq 1 300); do
    grep -q '1 children started and waiting for clients, each to serve up to 3 clients' "$server_log" && break
    sleep 0.1
  done
  sleep 3 # the waiting child's runtime starts meanwhile
  for i in 1 2 3 4; do
    out=$(sessions "$port" "reuse$i" 2>&1) || { echo "$out" >> "$work/check.out"; detail="$out"; return 1; }
    medians="$medians${medians:+, }$(grep -o '[0-9]* ms' <<< "$out")"
    sleep 0.5
  done
  cat "$server_log" >> "$work/check.out"
  children=$(grep -o 'to waiting child [0-9]*' "$server_log" | awk '{ print $4 }' | tr '\n' ' ')
  read -r a b c d rest <<< "$children"
  [ -n "$d" ] && [ -z "$rest" ] && [ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "$c" != "$d" ] ||
    { detail="want clients 1-3 handed to one child and the 4th to another, got children: $children"; return 1; }
  [ "$(grep -c "child $a is done with its client and waits for the next" "$server_log")" = 2 ] ||
    { detail="want child $a to say twice that it waits for the next client"; return 1; }
  stop_with_ctrl_c || return 1
  detail="clients 1-3 served by child $a, the 4th by $d, byte-exact, each $medians; exit 0 on Ctrl-C"
}

# The pool's speed: forkclient.exe bench against --workers 2 --clients-per-child 1000 (no error allowed), beside
# the figure of the server without a pool measured above.
check_pool_bench() {
  local json
  start_server --model spawn --workers 2 --clients-per-child 1000 --quiet || return 1
  sleep 3 # the waiting children's runtimes start meanwhile
  json=$(timeout 180 "$WINE" "$client_exe" bench --connections 400 --concurrency 4 --port "$port" --json 2>> "$work/check.out" | tr -d '\r')
  echo "$json" >> "$work/check.out"
  detail=$(python3 -c '
import json, sys
r = json.loads(sys.argv[1].strip().splitlines()[-1])
print("{ok} ok, {errors} errors, {connections_per_second} connections/s, p50 {p50_ms:.1f} ms, p90 {p90_ms:.1f} ms".format(**r))
sys.exit(0 if r["ok"] == 400 and r["errors"] == 0 else 1)' "$json" 2>&1) || return 1
  stop_with_ctrl_c
}

check_nothing_left() {
  local left
  timeout 30 "$WINESERVER" -w || { detail="wineserver -w still waiting after 30 s"; prefix_processes > "$work/check.out"; return 1; }
  left=$(prefix_processes | tr '\n' ' ')
  detail="${left:+still running: $left}"
  [ -z "$left" ] && detail="wineserver -w returned, no process of the prefix left"
  [ -z "$left" ]
}

run_check "tools" check_tools
[ -n "$publish" ] && run_check "self-contained win-x64 publish of forkserver and forkclient" check_publish
run_check "executables" check_executables
run_check "fresh WINEPREFIX" check_prefix
run_check "server starts (forkserver.exe --model fork)" start_server
run_check "sequential sessions from Linux" check_sequential
run_check "5 concurrent sessions from Linux" check_concurrent
run_check "forkclient.exe echo with piped input" check_forkclient_echo
run_check "forkclient.exe bench --connections 50 --concurrency 4" check_bench
run_check "SIGINT stops the server" check_sigint
run_check "SIGKILL to the server ends its children (job object)" check_sigkill
run_check "a pool of 2 waiting children (--model spawn --workers 2)" check_pool
run_check "a pool child serves 3 clients (--workers 1 --clients-per-child 3)" check_pool_reuse
run_check "forkclient.exe bench -n 400 -c 4 against --workers 2 --clients-per-child 1000" check_pool_bench
run_check "nothing left after wineserver -w" check_nothing_left
