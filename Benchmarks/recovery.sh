#!/usr/bin/env bash
# What connection state recovery costs, in one command:
#
#   Benchmarks/recovery.sh          full run (3 runs per row, medians; about 3 minutes)
#   Benchmarks/recovery.sh quick    sanity pass (1 short run per row)
#
# Against one pushd (`--app test --threads 1`, core 0; the generators on core 1):
# - broadcast to 10,000 Socket.IO sockets (WebSocket), `--recovery-window 0` against `2m`:
#   deliveries per second and server CPU per delivery (target: at most 1.10x with recovery on;
#   each broadcast is logged once and its offset spliced once, nothing per recipient);
# - memory per dropped recoverable socket, and a reconnect storm: 10,000 sockets cut at once,
#   10 broadcasts while they are away, all 10,000 coming back at once with their pid and offset
#   (Benchmarks/recovery_storm.py): time until every one is recovered with all it missed,
#   and how many were not (missing must be 0);
# - the same broadcast in cluster mode (`--redis`, a cluster of one node; redis-server on core 0
#   too) with recovery off and on: each recoverable broadcast is numbered among the node's
#   events, published once, and its offset carries the log's origin numbers.
# Results go to the "Connection state recovery" section of RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${RECOVERY_SESSIONS:-10000}
source "$root/Benchmarks/common.sh"
bench_mode recovery.sh "${1:-}"
if [ -z "${PUSHD_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then build_release /tmp/pushd-recovery-build.log pushd pushd-load; fi
pushd_bin=${PUSHD_BIN:-$root/.build/release/pushd}
load_bin=${LOAD_BIN:-$root/.build/release/pushd-load}
hard=$(ulimit -Hn); ulimit -n "$hard"
work=$(mktemp -d /tmp/pushd-recovery.XXXXXX)
results=$work/results.jsonl
server_pid=""
redis_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true' EXIT
quiet_budget=$([ "$mode" = quick ] && echo 10 || echo 60)

start_pushd() { # PORT LOG WINDOW [FLAGS...]
  "${pin0[@]}" "$pushd_bin" --host 127.0.0.1 --port "$1" --threads 1 --app test --log-level warning \
    --recovery-window "$3" --max-session-queue 256MiB --max-messages-per-second 0 "${@:4}" >"$2" 2>&1 &
  server_pid=$!
  wait_for_port "$1" || { echo "pushd did not start" >&2; exit 1; }
}

stop_pushd() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

broadcast() { # ROW RUN WINDOW [FLAGS...]
  local row=$1 run=$2 window=$3 port out
  port=$(free_port)
  wait_quiet
  start_pushd "$port" "$work/$row-$run.log" "$window" "${@:4}"
  out=$(timeout 300 "${pin1[@]}" "$load_bin" --port "$port" --server-pid "$server_pid" --label pushd \
        --duration "$duration" --warmup "$warmup" --scenario socketio-broadcast --sessions "$sessions" \
        --concurrency 200 2>&1) || true
  printf '  [%s run %s] %s\n' "$row" "$run" "$(grep -v '^{' <<<"$out" | head -2)"
  grep '^{' <<<"$out" | tail -1 | sed "s/^{/{\"row\":\"$row\",\"run\":$run,/" >> "$results" || true
  stop_pushd
}

storm() { # RUN
  local run=$1 port out
  port=$(free_port)
  wait_quiet
  start_pushd "$port" "$work/storm-$run.log" 2m
  out=$(timeout 300 "${pin1[@]}" python3 "$root/Benchmarks/recovery_storm.py" --port "$port" \
        --server-pid "$server_pid" --sockets "$sessions" --missed 10 2>&1) || true
  printf '  [storm run %s] %s\n' "$run" "$(grep -v '^{' <<<"$out" | head -2)"
  grep '^{' <<<"$out" | tail -1 | sed "s/^{/{\"row\":\"storm\",\"run\":$run,/" >> "$results" || true
  stop_pushd
}

redis_url=""
if command -v redis-server >/dev/null; then
  redis_port=$(free_port)
  mkdir -p "$work/redis"
  "${pin0[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/redis" \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  wait_for_port "$redis_port" && redis_url="redis://127.0.0.1:$redis_port"
else
  echo "redis-server not installed: no cluster rows" >&2
fi

for run in $(seq 1 "$runs"); do
  say "run $run of $runs"
  broadcast off "$run" 0
  broadcast on "$run" 2m
  if [ -n "$redis_url" ]; then
    broadcast cluster-off "$run" 0 --redis "$redis_url"
    broadcast cluster-on "$run" 2m --redis "$redis_url"
  fi
  storm "$run"
done

python3 - "$results" Benchmarks/RESULTS.md "$mode" "$sessions" <<'PY'
import sys, time
sys.path.insert(0, "Benchmarks")
from results_section import Runs, fmt, replace_section
results, md_path, mode, sessions = sys.argv[1:5]
runs = Runs(results)
start, end = "<!-- recovery section: Benchmarks/recovery.sh -->", "<!-- end of recovery section -->"
lines = [start, "## Connection state recovery", "",
         f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (`Benchmarks/recovery.sh{' quick' if mode == 'quick' else ''}`), "
         "pushd `--app test --threads 1` on core 0, the generators on core 1, medians.", "",
         "| broadcast to sockets over WebSocket | sockets | deliveries/s | p50 / p99 ms | missing | server CPU per delivery |",
         "|---|---:|---:|---:|---:|---:|"]
for row, title in (("off", "`--recovery-window 0` (off)"), ("on", "`--recovery-window 2m`")):
    lines.append(runs.broadcast_line(row, title, sessions, cpu_digits=3))
if runs.get("cluster-on"):
    for row, title in (("cluster-off", "`--redis`, `--recovery-window 0`"), ("cluster-on", "`--redis`, `--recovery-window 2m`")):
        lines.append(runs.broadcast_line(row, title, sessions, cpu_digits=3))
on, off = runs.med("on", "server_cpu_us_per_msg"), runs.med("off", "server_cpu_us_per_msg")
if on and off:
    lines += ["", f"With recovery on, a delivery costs pushd {on / off:.2f}x the CPU (target: at most 1.10x)."]
con, coff = runs.med("cluster-on", "server_cpu_us_per_msg"), runs.med("cluster-off", "server_cpu_us_per_msg")
if con and coff:
    lines += ["", f"In cluster mode (one node on Redis), recovery on costs {con / coff:.2f}x the CPU per delivery."]
storms = runs.get("storm")
if storms:
    lines += ["", "| dropped sockets | missed events each | store bytes per dropped socket | RSS per live socket | "
              "reconnect storm: all recovered in | recovered | missing | duplicates (sample of 200) |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|",
              f"| {sessions} | 10 | {fmt(runs.med('storm', 'store_bytes_per_dropped_socket'))} B | "
              f"{fmt(runs.med('storm', 'rss_live_kib_per_socket'), 2)} KiB | {fmt(runs.med('storm', 'storm_seconds'), 2)} s | "
              f"{fmt(runs.med('storm', 'recovered'))} | {sum(r.get('missing', 0) for r in storms)} | "
              f"{sum(r.get('duplicates_in_sample_of_200', 0) for r in storms)} |",
              "", "A dropped socket costs the store its snapshot (id, rooms, data, pid); RSS does not shrink when "
              "connections close (the allocator keeps freed pages), so the store's own count is the figure."]
lines.append(end)
print(replace_section(md_path, start, end, lines))
PY
