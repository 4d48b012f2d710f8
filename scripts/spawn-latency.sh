#!/usr/bin/env bash
# The spawn model's connection latency with and without its pool of waiting children (issue 12), beside prefork:
# for each server, CLIENTS connections one at a time, GAP seconds apart (so that the pool refills between clients,
# as it does when clients come slower than a runtime starts), each timed from connect to the echo reply; prints the
# median and the 90th percentile. One client at a time, closed-loop, use forkclient bench instead.
#   scripts/spawn-latency.sh [SERVER]        SERVER: a forkserver binary (default: the Release JIT build)
# Environment: CLIENTS (20), GAP (1 s), WORKERS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:-src/ForkServer/bin/Release/net10.0/forkserver}
clients=${CLIENTS:-20}
gap=${GAP:-1}
workers=${WORKERS:-2}
[ -x "$server" ] || dotnet build src/ForkServer -c Release --nologo -v quiet >/dev/null

measure() {
  local label=$1 log pid port i
  shift
  log=$(mktemp)
  "$server" "$@" --port 0 --quiet > "$log" 2>&1 &
  pid=$!
  for i in $(seq 1 300); do grep -q 'listening on' "$log" && break; sleep 0.1; done
  port=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" | sed 's/.*://')
  sleep 3 # a pool's children start their runtimes meanwhile
  printf '%-40s %s\n' "$label" "$(python3 - "$port" "$clients" "$gap" <<'PY'
import socket, statistics, sys, time
port, n, gap = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
message, times = b"x" * 64, []
for _ in range(n):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(message)
        want, got = b"you send:" + message, b""
        while len(got) < len(want):
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("connection closed before the reply")
            got += chunk
        times.append((time.monotonic() - started) * 1000)
        s.sendall(b"q")
        s.recv(16)
    time.sleep(gap)
times.sort()
print(f"p50 {statistics.median(times):7.1f} ms   p90 {times[int(len(times) * 0.9)]:7.1f} ms   ({n} clients, {gap} s apart)")
PY
)"
  kill -INT "$pid"
  wait "$pid" || true
  rm -f "$log"
}

measure "spawn, a new child per client" --model spawn
measure "spawn, $workers children waiting" --model spawn --workers "$workers"
measure "prefork, $workers workers" --model prefork --workers "$workers"
