#!/usr/bin/env bash
# Prints the methods a forked child of the NativeAOT build runs, in the order it first runs them: what
# src/ForkServer/ChildPath.order holds, and what the compiler lays out together, first (IlcOrderFile).
# A child gets no page-table entry of the executable's code from fork: each page it runs is a page fault that maps
# the 16 pages around it, and its exit unmaps them again. Scattered over 2.5 MiB of code, a child ran 15 such windows.
# How: gdb single-steps the child of one connection (it follows the fork), from fork(2) to _exit(2) or execve(2),
# and each instruction's address is named from the executable's symbols (forkserver.dbg). One connection of each
# kind: the fork model's echo (a message, then q), its greeting, and exec's child up to the exec.
# Usage: scripts/child-path.sh > src/ForkServer/ChildPath.order    (needs gdb; publishes to artifacts/aot first)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gdb >/dev/null || { echo "gdb is not installed (apt-get install gdb)" >&2; exit 2; }
out=artifacts/aot/linux-x64
dotnet publish src/ForkServer/ForkServer.csproj -c Release -r linux-x64 -p:PublishAot=true -o "$out" --nologo -v quiet >/dev/null
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cat >"$work/step.py" <<'PY'
import gdb
for command in ("set pagination off", "set follow-fork-mode child", "set detach-on-fork on",
                "handle SIGPIPE nostop noprint pass", "handle SIGCHLD nostop noprint pass", "catch fork"):
    gdb.execute(command)
gdb.execute("continue")
gdb.execute("stepi", to_string=True)
pid = gdb.selected_inferior().pid
# Single-stepping the vDSO's clock_gettime never ends (its retry loop sees the steps): step over it whole.
vdso = [tuple(int(x, 16) for x in line.split()[0].split("-")) for line in open(f"/proc/{pid}/maps") if "[vdso]" in line]
with open(pcs, "w") as out:  # pcs: set by the caller, the file for the addresses
    for _ in range(1_000_000):
        try:
            if not gdb.selected_inferior().progspace.filename.endswith("/forkserver"):
                break
            pc = int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFFFFFFFFFF
            out.write(f"{pc:x}\n")
            gdb.execute("finish" if any(a <= pc < b for a, b in vdso) else "stepi", to_string=True)
        except gdb.error:
            break
PY

# wait_for WHAT COMMAND...: until COMMAND prints something, for 20 s at most.
wait_for() {
  local what=$1
  shift
  for _ in $(seq 200); do
    [ -n "$("$@" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  echo "gave up waiting for $what" >&2
  exit 1
}

# trace NAME CLIENT-INPUT SERVER-ARGS... (PORT stands for the port): the addresses one child ran, in $work/NAME.pcs.
trace() {
  local name=$1 input=$2 port=$((22700 + RANDOM % 200))
  shift 2
  "$out/forkserver" "${@/PORT/$port}" >/dev/null 2>&1 &
  local server=$!
  wait_for "the server on port $port" ss -Hltn "sport = :$port"
  cp "/proc/$server/maps" "$work/$name.maps"
  gdb -q -batch -p "$server" -ex "python pcs = '$work/$name.pcs'" -x "$work/step.py" >"$work/$name.gdb" 2>&1 &
  local debugger=$!
  wait_for "gdb's catchpoint" grep -s "Catchpoint" "$work/$name.gdb"
  printf "%b" "$input" | timeout 120 nc -N 127.0.0.1 "$port" >/dev/null || true
  wait "$debugger" || true
  kill "$server"
  wait "$server" 2>/dev/null || true
}
trace echo 'hello\nq\n' --quiet --port PORT
trace greet '' --protocol greet --quiet --port PORT
trace exec 'hello\n' exec --quiet --port PORT -- cat

python3 - "$out/forkserver.dbg" "$work" <<'PY'
import bisect, glob, os, subprocess, sys
symbols = []
for line in subprocess.run(["nm", "-n", sys.argv[1]], capture_output=True, text=True, check=True).stdout.splitlines():
    fields = line.split()
    # Section markers (__start___managedcode) share an address with the first method: not names of code.
    if len(fields) == 3 and fields[1] in "tT" and not fields[2].startswith(("__start_", "__stop_")):
        symbols.append((int(fields[0], 16), fields[2]))
starts = [s[0] for s in symbols]
seen = []
for name in ("echo", "greet", "exec"):
    maps = [line.split() for line in open(os.path.join(sys.argv[2], name + ".maps"))]
    base = min(int(m[0].split("-")[0], 16) for m in maps if len(m) > 5 and m[5].endswith("/forkserver"))
    end = max(int(m[0].split("-")[1], 16) for m in maps if len(m) > 5 and m[5].endswith("/forkserver"))
    for line in open(os.path.join(sys.argv[2], name + ".pcs")):
        pc = int(line, 16)
        if base <= pc < end:
            i = bisect.bisect_right(starts, pc - base) - 1
            if i >= 0 and symbols[i][1] not in seen:
                seen.append(symbols[i][1])
print("# The methods a forked child runs, in the order it first runs them: the NativeAOT compiler lays these out first")
print("# (IlcOrderFile in ForkServer.csproj), so that a child runs code from a few pages. Made by scripts/child-path.sh;")
print("# names the compiler does not know (the runtime's own, in C and assembly) are ignored, as this comment is.")
for name in seen:
    print(name)
PY
