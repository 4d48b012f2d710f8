#!/usr/bin/env bash
# Where a fork-per-connection server's time goes, per connection: page faults and CPU of the server itself and of
# its (reaped) children, from /proc/PID/stat (minflt, cminflt, utime+stime, cutime+cstime) before and after a run
# of `forkclient bench` at one client. Usage: scripts/fork-cost.sh CONNECTIONS SERVER-COMMAND... (the server must
# accept --port; for the C reference: scripts/fork-cost.sh 500 artifacts/bench/fork_echo, which takes the port alone).
set -euo pipefail
cd "$(dirname "$0")/.."
connections=$1
shift
client=src/Clients/bin/Release/net10.0/forkclient
port=21900
case "$1" in
  *fork_echo) "$@" "$port" >/dev/null 2>&1 & ;;
  *) "$@" --quiet --port "$port" >/dev/null 2>&1 & ;;
esac
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
until ss -Hltn "sport = :$port" | grep -q .; do sleep 0.05; done
"$client" bench --port "$port" --connections 50 --concurrency 1 >/dev/null
sleep 0.3
# minflt cminflt own-ticks children-ticks
sample() { awk '{ print $10, $11, $14 + $15, $16 + $17 }' "/proc/$server/stat"; }
read -r faults0 cfaults0 ticks0 cticks0 < <(sample)
result=$("$client" bench --port "$port" --connections "$connections" --concurrency 1 --json)
sleep 0.5
read -r faults1 cfaults1 ticks1 cticks1 < <(sample)
hz=$(getconf CLK_TCK)
awk -v n="$connections" -v hz="$hz" -v rate="$(grep -o '"connections_per_second":[0-9.]*' <<<"$result" | cut -d: -f2)" \
  -v pf=$((faults1 - faults0)) -v cf=$((cfaults1 - cfaults0)) -v pt=$((ticks1 - ticks0)) -v ct=$((cticks1 - cticks0)) \
  -v rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$server/status")" -v maps="$(wc -l <"/proc/$server/maps")" 'BEGIN {
    printf "%s conn/s at 1 client; per connection: server %.0f faults %.2f ms CPU, child %.0f faults %.2f ms CPU; server RSS %d KiB, %d mappings\n",
      rate, pf / n, pt * 1000 / hz / n, cf / n, ct * 1000 / hz / n, rss, maps }'
