#!/usr/bin/env bash
# Cluster mode on one machine, in one command:
#
#   Benchmarks/cluster.sh          full run (3 runs per row, medians; about 5 minutes)
#   Benchmarks/cluster.sh quick    sanity pass (1 short run per row; about 2 minutes)
#
# Broadcast: 10,000 Socket.IO sockets (WebSocket) get every broadcast, on one pushd node, on one
# node joined to Redis (a cluster of one), and spread round-robin over three nodes sharing a
# Redis server. The publisher's `emit-all` event makes pushd's test app call
# `namespace.broadcastAll.emit`, which goes through the cluster adapter: local sockets at once,
# the other nodes through one Redis PUBLISH.
#
# Forwarding: a long-polling session is opened on node A of the three-node cluster, then every
# poll and POST goes either to A (direct) or to B, which forwards it to A over Redis and relays
# the answer. Engine-level echo (pushd's bench app), 1 and 100 sessions.
#
# Every pushd node and redis-server run on core 0 (`taskset -c 0`, one thread each), the load
# generator on core 1, as in Benchmarks/run.sh: one node and three nodes plus Redis get the same
# single core, so the comparison shows what the cluster path costs, not what more machines
# would gain. redis-server is Debian's (installed if missing), on a free port with its own
# temporary folder and no persistence. Everything listens on 127.0.0.1 and is stopped by PID.
#
# The figures go to the "Cluster" section of Benchmarks/RESULTS.md (report.py cluster); the
# raw lines and logs stay in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sessions=${CLUSTER_SESSIONS:-10000}
started_at=$(date +%s)
unset PUSHD_REDIS

source "$root/Benchmarks/common.sh"
bench_mode cluster.sh "${1:-}"

if ! command -v redis-server >/dev/null; then
  say "installing redis-server"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

build_release /tmp/pushd-cluster-build.log pushd pushd-load
pushd_bin=$root/.build/release/pushd
load_bin=$root/.build/release/pushd-load


hard=$(ulimit -Hn); ulimit -n "$hard"
work=$(mktemp -d /tmp/pushd-cluster.XXXXXX)
mkdir -p "$work/logs"
results=$work/results.jsonl
: > "$results"

# Every process started here, by PID, so that only they are stopped.
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Set by start_*: the ports of the nodes, and the PIDs of nodes and Redis.
node_ports=(); node_pids=(); redis_pid=""; redis_url=""

start_redis() {
  local port; port=$(free_port)
  local folder="$work/redis-$port"
  mkdir -p "$folder"
  "${pin0[@]}" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$folder" \
    --protected-mode yes --daemonize no --loglevel warning >"$work/logs/redis-$port.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  redis_url="redis://127.0.0.1:$port"
  wait_for_port "$port" || { echo "redis-server did not start" >&2; return 1; }
}

# start_nodes COUNT APP REDIS(yes|no)
start_nodes() {
  local count=$1 app=$2 redis=$3 i port
  node_ports=(); node_pids=(); redis_pid=""; redis_url=""
  [ "$redis" = yes ] && start_redis
  for i in $(seq 1 "$count"); do
    port=$(free_port)
    local args=(--host 127.0.0.1 --port "$port" --threads 1 --app "$app" --log-level warning --drain-timeout 1s)
    # As the bench app's preset: no copy may be dropped, no rate limit on the publisher.
    [ "$app" = test ] && args+=(--max-session-queue 256MiB --max-messages-per-second 0)
    [ "$redis" = yes ] && args+=(--redis "$redis_url")
    "${pin0[@]}" "$pushd_bin" "${args[@]}" >"$work/logs/node-$port.log" 2>&1 &
    node_pids+=($!); pids+=($!)
    node_ports+=("$port")
  done
  for port in "${node_ports[@]}"; do
    wait_for_port "$port" || { echo "pushd on $port did not start" >&2; return 1; }
  done
  # Nodes see each other after their second heartbeat scan (1 s apart).
  if [ "$redis" = yes ]; then sleep 2.2; else sleep 0.3; fi
}

stop_nodes() {
  local pid
  for pid in "${node_pids[@]}"; do stop_pid "$pid"; done
  [ -n "$redis_pid" ] && stop_pid "$redis_pid"
  node_pids=(); redis_pid=""
}

server_pid_list() { local all=("${node_pids[@]}"); [ -n "$redis_pid" ] && all+=("$redis_pid"); (IFS=,; echo "${all[*]}"); }

# Waits (from a bounded budget for the whole run) until the cores are nearly idle.
quiet_budget=$([ "$mode" = quick ] && echo 10 || echo 60)

# generate ROW RUN -- generator flags...: one generator run against the nodes running now
generate() {
  local row=$1 run=$2; shift 3
  local out status=0 alive=true pid
  out=$(timeout 300 "${pin1[@]}" "$load_bin" --server-pid "$(server_pid_list)" --label pushd \
        --duration "$duration" --warmup "$warmup" "$@" 2>&1) || status=$?
  for pid in "${node_pids[@]}" $redis_pid; do kill -0 "$pid" 2>/dev/null || alive=false; done
  printf '  [%s run %s] %s\n' "$row" "$run" "$(grep -v '^{' <<<"$out" | head -3)"
  local json; json=$(grep '^{' <<<"$out" | tail -1 || true)
  [ -n "$json" ] || json="{\"label\":\"pushd\",\"failed\":\"generator exited with status $status\"}"
  echo "$json" | sed "s/^{/{\"row\":\"$row\",\"run\":$run,\"server_alive\":$alive,\"nodes\":${#node_ports[@]},/" >> "$results"
  if [ $alive = false ]; then
    echo "  !! a process died during $row run $run; logs in $work/logs"
  fi
}

broadcast_flags=(--scenario socketio-broadcast --sessions "$sessions" --concurrency 200)

for run in $(seq 1 "$runs"); do
  say "run $run of $runs"

  # ------------------------------------------------------------ broadcast, one node
  wait_quiet
  start_nodes 1 test no
  generate cluster-broadcast-1 "$run" -- --port "${node_ports[0]}" "${broadcast_flags[@]}"
  stop_nodes

  # ------------------------------------------------------------ broadcast, one node on Redis
  wait_quiet
  start_nodes 1 test yes
  generate cluster-broadcast-1r "$run" -- --port "${node_ports[0]}" "${broadcast_flags[@]}"
  stop_nodes

  # ------------------------------------------------------------ broadcast, three nodes
  wait_quiet
  start_nodes 3 test yes
  generate cluster-broadcast-3 "$run" -- --port "$(IFS=,; echo "${node_ports[*]}")" "${broadcast_flags[@]}"
  stop_nodes

  # ------------------------------------------------------------ forwarded requests
  # Direct and forwarded alternate which goes first from run to run.
  wait_quiet
  start_nodes 3 bench yes
  a=${node_ports[0]}; b=${node_ports[1]}
  for c in 1 100; do
    if [ $((run % 2)) = 1 ]; then order="direct forwarded"; else order="forwarded direct"; fi
    for kind in $order; do
      flags=(--port "$a" --transport polling --scenario echo --sessions "$c")
      [ "$kind" = forwarded ] && flags+=(--forward-port "$b")
      generate "cluster-forward-$kind-$c" "$run" -- "${flags[@]}"
    done
  done
  stop_nodes
done

# ------------------------------------------------------------ report
finished_at=$(date +%s)
meta=$work/meta.json
python3 - "$meta" "$mode" "$runs" "$duration" "$warmup" "$started_at" "$finished_at" "$sessions" <<'PY'
import json, subprocess, sys, platform
meta_path, mode, runs, duration, warmup, started, finished, sessions = sys.argv[1:9]
def first_line(cmd):
    try:
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20)
        return ((r.stdout or "") + (r.stderr or "")).strip().splitlines()[0]
    except Exception:
        return "unknown"
model = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip(); break
json.dump({
    "mode": mode, "runs": int(runs), "duration": float(duration), "warmup": float(warmup),
    "started": int(started), "finished": int(finished), "sessions": int(sessions),
    "nproc": int(first_line("nproc")), "cpu_model": model, "kernel": platform.release(),
    "memory": first_line("free -g | awk '/Mem:/ {print $2 \" GiB\"}'"),
    "versions": {
        "swift": first_line("swift --version 2>&1 | grep -i 'swift version'"),
        "pushd": first_line("git log -1 --format='%h %s'")
                 + (" (with uncommitted changes to the sources)" if first_line("git status --porcelain Sources Package.swift | head -1") not in ("", "unknown") else ""),
        "redis": first_line("redis-server --version"),
    },
}, open(meta_path, "w"))
PY
python3 Benchmarks/report.py cluster "$results" "$meta" Benchmarks/RESULTS.md
say "done in $(( ($(date +%s) - started_at) / 60 )) min: the Cluster section of Benchmarks/RESULTS.md (raw lines and logs in $work)"
