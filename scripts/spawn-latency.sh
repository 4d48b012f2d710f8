#!/usr/bin/env bash
# The spawn model's connection latency with and without its pool of waiting children (issue 12), beside prefork:
# for each server, CLIENTS connections one at a time, GAP seconds apart (so that the pool refills between clients,
# as it does when clients come slower than a runtime starts), each timed from connect to the echo reply; prints the
# median and the 90th percentile. Then back to back (forkclient bench, closed loop, at 1 and 32 clients): connections/s
# of the pool with --clients-per-child (children reused) beside prefork, rounds alternating, and the ratio.
#   scripts/spawn-latency.sh [SERVER]        SERVER: a forkserver binary (default: the Release JIT build)
# Environment: CLIENTS (20), GAP (1 s), WORKERS (2), PER_CHILD (1000), CONNECTIONS (4000), ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:-src/ForkServer/bin/Release/net10.0/forkserver}
clients=${CLIENTS:-20}
gap=${GAP:-1}
workers=${WORKERS:-2}
per_child=${PER_CHILD:-1000}
connections=${CONNECTIONS:-4000}
rounds=${ROUNDS:-3}
client=src/Clients/bin/Release/net10.0/forkclient
[ -x "$server" ] || dotnet build src/ForkServer -c Release --nologo -v quiet >/dev/null
[ -x "$client" ] || dotnet build src/Clients -c Release --nologo -v quiet >/dev/null

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

# Starts a quiet server with "$@", waits for its children, and prints "C1 C32": connections/s at 1 and 32 clients.
throughput() {
  local log pid port c out
  log=$(mktemp)
  "$server" "$@" --port 0 --quiet > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q 'listening on' "$log" && break; sleep 0.1; done
  port=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" | sed 's/.*://')
  sleep 3
  out=
  for c in 1 32; do
    out="$out $("$client" bench --port "$port" -n "$connections" -c "$c" --json | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["connections_per_second"]))')"
  done
  kill -INT "$pid"
  wait "$pid" || true
  rm -f "$log"
  echo "$out"
}

measure "spawn, a new child per client" --model spawn
measure "spawn, $workers children waiting" --model spawn --workers "$workers"
measure "prefork, $workers workers" --model prefork --workers "$workers"
measure "spawn, $workers waiting, $per_child clients per child" --model spawn --workers "$workers" --clients-per-child "$per_child"

echo
echo "back to back, connections/s (forkclient bench -n $connections; median of $rounds rounds, alternating):"
pool=() prefork=()
for _ in $(seq 1 "$rounds"); do
  pool+=("$(throughput --model spawn --workers "$workers" --clients-per-child "$per_child")")
  prefork+=("$(throughput --model prefork --workers "$workers")")
done
python3 - "$workers" "$per_child" "${pool[@]}" -- "${prefork[@]}" <<'PY'
import statistics, sys
workers, per_child, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
split = rest.index("--")
pool = [list(map(int, r.split())) for r in rest[:split]]
prefork = [list(map(int, r.split())) for r in rest[split + 1:]]
med = lambda rows, i: statistics.median(r[i] for r in rows)
print(f"{'':48} {'1 client':>10} {'32 clients':>11}")
print(f"{f'spawn, {workers} waiting, {per_child} clients per child':48} {med(pool, 0):10.0f} {med(pool, 1):11.0f}")
print(f"{f'prefork, {workers} workers':48} {med(prefork, 0):10.0f} {med(prefork, 1):11.0f}")
print(f"{'spawn pool / prefork':48} {med(pool, 0) / med(prefork, 0):10.2f} {med(pool, 1) / med(prefork, 1):11.2f}")
PY
