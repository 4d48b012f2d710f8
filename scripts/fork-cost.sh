#!/usr/bin/env bash
# Where a fork-per-connection server's time goes, per connection: page faults and CPU of the server itself and of
# its (reaped) children, from /proc/PID/stat (minflt, cminflt, utime+stime, cutime+cstime) before and after a run
# of `forkclient bench` at one client. With --faults, then every page fault of another such run, by who took it (the
# server or a child), the mapping it fell in (the server's /proc/PID/maps after the warm-up) and the function that
# touched it, recorded by perf (perf record -e page-faults -d; Debian's linux-perf). A child's fault on a written page
# of the parent is a copy (copy-on-write); on code or read-only data it maps the file's page again (fork copies no
# page-table entry of a mapping that holds no written page).
# Usage: scripts/fork-cost.sh [--faults] CONNECTIONS SERVER-COMMAND... (the server must accept --port; for the C
# reference: scripts/fork-cost.sh 500 artifacts/bench/fork_echo [MAPPINGS PAGES], which takes the port first and can
# be made bigger, as scripts/fork-size.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
faults=
if [ "$1" = --faults ]; then
  faults=yes
  shift
  command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
fi
connections=$1
shift
client=src/Clients/bin/Release/net10.0/forkclient
port=21900
source scripts/lib/serve-on.sh
server=
work=$(mktemp -d)
trap '[ -z "$server" ] || { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; rm -rf "$work"' EXIT
serve_on "$port" "$@"
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
[ -n "$faults" ] || exit 0

cp "/proc/$server/maps" "$work/maps"
perf record -q -e page-faults -c 1 -d -p "$server" -o "$work/perf.data" 2>/dev/null &
recorder=$!
sleep 0.5
"$client" bench --port "$port" --connections "$connections" --concurrency 1 >/dev/null
sleep 0.3
kill -INT "$recorder"
wait "$recorder" || true
perf script -i "$work/perf.data" -F pid,addr,sym 2>/dev/null >"$work/faults"
python3 - "$work/maps" "$work/faults" "$server" "$connections" <<'PY'
import bisect, collections, sys
maps_file, faults_file, server, connections = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
mappings = []
for line in open(maps_file):
    fields = line.split(maxsplit=5)
    start, end = (int(x, 16) for x in fields[0].split("-"))
    name = fields[5].strip().rsplit("/", 1)[-1] if len(fields) > 5 else "(anonymous)"
    mappings.append((start, end, f"{fields[1]} {name}"))
mappings.sort()
starts = [m[0] for m in mappings]
def mapping(address):
    i = bisect.bisect_right(starts, address) - 1
    return mappings[i][2] if i >= 0 and address < mappings[i][1] else "(not mapped at the warm-up)"
counts, totals = collections.Counter(), collections.Counter()
for line in open(faults_file):
    fields = line.split()
    if len(fields) < 2:
        continue
    who = "server" if int(fields[0]) == server else "child"
    counts[(who, mapping(int(fields[1], 16)), fields[2] if len(fields) > 2 else "?")] += 1
    totals[who] += 1
print(f"\npage faults per connection: server {totals['server'] / connections:.1f}, children {totals['child'] / connections:.1f}\n")
print("| who | per connection | mapping | function |")
print("|---|---|---|---|")
for (who, where, symbol), n in sorted(counts.items(), key=lambda kv: (kv[0][0] != "server", -kv[1])):
    if n / connections >= 0.1:
        print(f"| {who} | {n / connections:.2f} | {where} | {symbol} |")
PY
