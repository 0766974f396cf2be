#!/usr/bin/env bash
# What the backend hooks cost, in one command:
#
#   Benchmarks/hooks.sh          full run (3 runs per row, medians)
#   Benchmarks/hooks.sh quick    sanity pass (1 short run per row)
#
# Rows, against one pushd (`--threads 1`, core 0; pushd-load on core 1; the aiohttp backend
# in Benchmarks/peers/hook_backend.py unpinned):
# - a Socket.IO event with an acknowledgement answered in Swift (the demo app's "ping");
# - the same event answered by the event hook (`--event-hook`, `--hook-events ping`): the ack
#   waits for a round trip to the backend;
# - lifecycle records per second while 10,000 sockets connect (and join the demo's lobby), then
#   all drop at once.
# Prints a table; nothing is written to RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${HOOK_SESSIONS:-64}
storm=${HOOK_STORM:-10000}
source "$root/Benchmarks/common.sh"
bench_mode hooks.sh "${1:-}"
build_release /tmp/pushd-hooks-build.log pushd pushd-load
pushd_bin=$root/.build/release/pushd
load_bin=$root/.build/release/pushd-load
hard=$(ulimit -Hn); ulimit -n "$hard"
work=$(mktemp -d /tmp/pushd-hooks.XXXXXX)
results=$work/results.jsonl
secret=hook-bench-secret-0123456789
server_pid=""; backend_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null || true
}
trap cleanup EXIT
quiet_budget=$([ "$mode" = quick ] && echo 10 || echo 60)

backend_port=$(free_port)
python3 Benchmarks/peers/hook_backend.py "$backend_port" &
backend_pid=$!
wait_for_port "$backend_port" || { echo "hook backend did not start" >&2; exit 1; }
backend=http://127.0.0.1:$backend_port

start_pushd() { # LOG flags...
  local log=$1; shift
  port=$(free_port)
  "${pin0[@]}" "$pushd_bin" --host 127.0.0.1 --port "$port" --threads 1 --log-level warning \
    --max-messages-per-second 0 --hook-secret "$secret" "$@" >"$log" 2>&1 &
  server_pid=$!
  wait_for_port "$port" || { echo "pushd did not start" >&2; exit 1; }
}

stop_pushd() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

measure() { # ROW RUN -- pushd flags...
  local row=$1 run=$2; shift 3
  wait_quiet
  start_pushd "$work/$row-$run.log" "$@"
  local out
  out=$(timeout 300 "${pin1[@]}" "$load_bin" --port "$port" --server-pid "$server_pid" --label "$row" \
        --scenario socketio-ack --sessions "$sessions" --duration "$duration" --warmup "$warmup" 2>&1) || true
  printf '  [%s run %s] %s\n' "$row" "$run" "$(grep -v '^{' <<<"$out" | head -2)"
  grep '^{' <<<"$out" | tail -1 | sed "s/^{/{\"row\":\"$row\",\"run\":$run,/" >> "$results" || true
  stop_pushd
}

storm_run() { # RUN: 10,000 sockets connect, then drop at once; records/s at the backend
  local run=$1
  wait_quiet
  curl -s -X POST "$backend/reset" >/dev/null
  start_pushd "$work/storm-$run.log" --lifecycle-hook "$backend/lifecycle"
  timeout 300 "${pin1[@]}" "$load_bin" --port "$port" --scenario socketio-ack --sessions "$storm" \
    --duration 1 --warmup 0 --concurrency 500 >/dev/null 2>&1 || true
  # Every socket's connect, its join of the demo app's lobby, and its disconnect.
  local want=$storm
  python3 - "$backend" "$want" "$run" >> "$results" <<'PY'
import json, sys, time, urllib.request
backend, want, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + 120
while True:
    stats = json.loads(urllib.request.urlopen(backend + "/stats").read())
    if stats["disconnects"] >= want or time.monotonic() > deadline:
        break
    time.sleep(0.2)
span = (stats["last"] or 0) - (stats["first"] or 0)
print(json.dumps({"row": "storm", "run": run, "records": stats["records"], "batches": stats["batches"],
                  "unique": stats["unique"], "connects": stats["connects"], "disconnects": stats["disconnects"],
                  "rate": stats["records"] / span if span > 0 else None}))
PY
  stop_pushd
}

for run in $(seq 1 "$runs"); do
  say "run $run of $runs"
  measure swift-ack "$run" --
  measure hook-ack "$run" -- --event-hook "$backend/event" --hook-events ping
  storm_run "$run"
done

python3 - "$results" "$sessions" "$storm" <<'PY'
import json, statistics, sys
results, sessions, storm = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {}
for line in open(results):
    entry = json.loads(line)
    rows.setdefault(entry["row"], []).append(entry)
def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
def fmt(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"
print(f"| acknowledgement answered by | sessions | acks/s | p50 / p99 ms |")
print("|---|---:|---:|---:|")
for row, title in (("swift-ack", "Swift (the demo app's \"ping\")"), ("hook-ack", "the event hook (aiohttp backend)")):
    entries = rows.get(row, [])
    rate = med([e.get("rate") for e in entries])
    p50 = med([(e.get("latency_us") or {}).get("p50") for e in entries])
    p99 = med([(e.get("latency_us") or {}).get("p99") for e in entries])
    print(f"| {title} | {sessions} | {fmt(rate)} | {fmt(p50 and p50 / 1000, 2)} / {fmt(p99 and p99 / 1000, 2)} |")
storms = rows.get("storm", [])
print()
print(f"Lifecycle storm: {storm} sockets connect, then drop: records delivered per run "
      + ", ".join(f'{e["records"]} ({e["unique"]} distinct, {e["connects"]} connects, {e["disconnects"]} disconnects)' for e in storms)
      + " (node-start, then a connect, a join and a disconnect per socket), in "
      + ", ".join(str(e["batches"]) for e in storms) + " batches; "
      + f"{fmt(med([e.get('rate') for e in storms]))} records/s from the first record to the last (median)")
PY
