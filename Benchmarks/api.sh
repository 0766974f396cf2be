#!/usr/bin/env bash
# The server API's cost, in one command:
#
#   Benchmarks/api.sh          full run (3 runs per row, medians; about 2 minutes)
#   Benchmarks/api.sh quick    sanity pass (1 short run per row)
#
# Rows, against one pushd (`--app test --threads 1`, core 0; pushd-load on core 1):
# - broadcast to 10,000 Socket.IO sockets (WebSocket) started inside pushd: a socket emits
#   `emit-all`, the test app calls `namespace.broadcastAll.emit`;
# - the same broadcast started by the server API: `POST /api/emit` on one keep-alive connection;
# - emit to one socket by the API: one session, 32 calls in flight (requests per second).
# The figure that matters is server CPU per delivery: an API emit is an HTTP request, a JSON
# decode and the same broadcast. Results go to the "Server API" section of RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${API_SESSIONS:-10000}
source "$root/Benchmarks/common.sh"
bench_mode api.sh "${1:-}"
build_release /tmp/pushd-api-build.log pushd pushd-load
pushd_bin=$root/.build/release/pushd
load_bin=$root/.build/release/pushd-load
hard=$(ulimit -Hn); ulimit -n "$hard"
work=$(mktemp -d /tmp/pushd-api.XXXXXX)
results=$work/results.jsonl
key=api-bench-key-0123456789abcdef
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true' EXIT
quiet_budget=$([ "$mode" = quick ] && echo 10 || echo 60)

measure() { # ROW RUN -- generator flags...
  local row=$1 run=$2; shift 3
  local port; port=$(free_port)
  wait_quiet
  "${pin0[@]}" "$pushd_bin" --host 127.0.0.1 --port "$port" --threads 1 --app test --log-level warning \
    --api-key "$key" --max-session-queue 256MiB --max-messages-per-second 0 >"$work/$row-$run.log" 2>&1 &
  server_pid=$!
  wait_for_port "$port" || { echo "pushd did not start" >&2; exit 1; }
  local out
  out=$(timeout 300 "${pin1[@]}" "$load_bin" --port "$port" --server-pid "$server_pid" --label pushd \
        --duration "$duration" --warmup "$warmup" --api-key "$key" "$@" 2>&1) || true
  printf '  [%s run %s] %s\n' "$row" "$run" "$(grep -v '^{' <<<"$out" | head -2)"
  grep '^{' <<<"$out" | tail -1 | sed "s/^{/{\"row\":\"$row\",\"run\":$run,/" >> "$results" || true
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

for run in $(seq 1 "$runs"); do
  say "run $run of $runs"
  measure in-process "$run" -- --scenario socketio-broadcast --sessions "$sessions" --concurrency 200
  measure api "$run" -- --scenario api-broadcast --sessions "$sessions" --concurrency 200
  measure api-one "$run" -- --scenario api-broadcast --sessions 1 --in-flight 32
done

python3 - "$results" Benchmarks/RESULTS.md "$mode" "$sessions" <<'PY'
import sys, time
sys.path.insert(0, "Benchmarks")
from results_section import Runs, replace_section
results, md_path, mode, sessions = sys.argv[1:5]
runs = Runs(results)
start, end = "<!-- api section: Benchmarks/api.sh -->", "<!-- end of api section -->"
lines = [start, "## Server API", "",
         f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (`Benchmarks/api.sh{' quick' if mode == 'quick' else ''}`), "
         "pushd `--app test --threads 1` on core 0, pushd-load on core 1, medians.", "",
         "| broadcast started by | sockets | deliveries/s | p50 / p99 ms | missing | server CPU per delivery |",
         "|---|---:|---:|---:|---:|---:|"]
for row, title, count in (("in-process", "a socket's event, `broadcastAll.emit` in pushd", sessions),
                          ("api", "`POST /api/emit`", sessions), ("api-one", "`POST /api/emit` to one socket, 32 in flight", "1")):
    lines.append(runs.broadcast_line(row, title, count))
a, b = runs.med("api", "server_cpu_us_per_msg"), runs.med("in-process", "server_cpu_us_per_msg")
if a and b:
    lines += ["", f"An API broadcast costs pushd {a / b:.2f}x the CPU per delivery of the same broadcast started inside it "
              "(target: at most 2x). For one socket each call is one delivery, so its row's rate is API calls per second."]
lines.append(end)
print(replace_section(md_path, start, end, lines))
PY
