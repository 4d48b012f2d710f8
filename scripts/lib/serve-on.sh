# Sourced by the scripts that measure one server at a time (fork-cost.sh, fork-size.sh, cpu-ab.sh).
# serve_on PORT COMMAND...: starts COMMAND in the background, listening on 127.0.0.1:PORT, its output discarded:
# ForkServer with --quiet --port PORT added; the C reference (.../fork_echo) with PORT as its first argument, before
# its own (MAPPINGS PAGES). Sets server to its pid and returns once it listens; if it exits before that, says so and
# returns 1.
serve_on() {
  local port=$1
  shift
  case "$1" in
    *fork_echo) "$1" "$port" "${@:2}" >/dev/null 2>&1 & ;;
    *) "$@" --quiet --port "$port" >/dev/null 2>&1 & ;;
  esac
  server=$!
  until ss -Hltn "sport = :$port" | grep -q .; do
    kill -0 "$server" 2>/dev/null || { echo "$1 exited before it listened on port $port" >&2; return 1; }
    sleep 0.05
  done
}
