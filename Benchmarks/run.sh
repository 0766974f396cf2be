#!/usr/bin/env bash
# pushd side by side with its peers, in one command:
#
#   Benchmarks/run.sh          full run (3 runs per server and scenario, ~20-25 minutes)
#   Benchmarks/run.sh quick    sanity pass (1 short run each, ~5 minutes)
#
# Installs what is missing (apt: node-ws, nginx-light, wrk; pip: websockets, python-socketio,
# uvicorn), builds pushd and pushd-load in release mode, and runs every scenario against pushd
# and its peers. Each server runs pinned to core 0 with one thread or worker; the load generator
# (or wrk) runs on core 1. Servers listen on 127.0.0.1 and are stopped by their PIDs. Medians,
# ratios and the raw lines go to Benchmarks/RESULTS.md, a bar chart of the ratios to
# Benchmarks/results.svg.
#
# uWebSockets is optional: set UWS_SRC to a checkout of uNetworking/uWebSockets with uSockets
# inside (default /tmp/uws-src; the binary is built in /tmp/uws-build). Without it, uWS is
# skipped. Peers' code is never copied into this repository.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-full}
case "$mode" in
  full)  runs=3; duration=5; warmup=2; idle_hold=3; wrk_seconds=8 ;;
  quick) runs=1; duration=2; warmup=1; idle_hold=2; wrk_seconds=3 ;;
  *) echo "usage: Benchmarks/run.sh [full|quick]" >&2; exit 2 ;;
esac
started_at=$(date +%s)

source "$root/Benchmarks/common.sh"

# ---------------------------------------------------------------- dependencies
apt_missing=()
command -v wrk >/dev/null || apt_missing+=(wrk)
command -v nginx >/dev/null || apt_missing+=(nginx-light)
[ -f /usr/share/nodejs/ws/package.json ] || apt_missing+=(node-ws)
command -v node >/dev/null || apt_missing+=(nodejs)
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing ${apt_missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi
pip_missing=()
python3 -c 'import websockets' 2>/dev/null || pip_missing+=(websockets)
python3 -c 'import socketio' 2>/dev/null || pip_missing+=(python-socketio)
python3 -c 'import uvicorn' 2>/dev/null || pip_missing+=(uvicorn)
if [ ${#pip_missing[@]} -gt 0 ]; then
  say "installing ${pip_missing[*]}"
  python3 -m pip install -q "${pip_missing[@]}"
fi
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

# ---------------------------------------------------------------- builds
build_release /tmp/pushd-bench-build.log pushd pushd-load
pushd_bin=$root/.build/release/pushd
load_bin=$root/.build/release/pushd-load

uws_src=${UWS_SRC:-/tmp/uws-src}
uws_bin=/tmp/uws-build/uws_server
if [ -f "$uws_src/src/App.h" ] && [ -f "$uws_src/uSockets/src/libusockets.h" ]; then
  if [ ! -x "$uws_bin" ] || [ "$root/Benchmarks/peers/uws_server.cpp" -nt "$uws_bin" ]; then
    say "building uWebSockets from $uws_src"
    mkdir -p /tmp/uws-build
    (cd "$uws_src/uSockets" && make -s >/tmp/uws-build/usockets.log 2>&1) || true
    g++ -std=c++20 -O3 -flto -DLIBUS_NO_SSL -DUWS_NO_ZLIB -I"$uws_src/src" -I"$uws_src/uSockets/src" \
      "$root/Benchmarks/peers/uws_server.cpp" "$uws_src/uSockets/uSockets.a" -o "$uws_bin" 2>/tmp/uws-build/build.log || rm -f "$uws_bin"
  fi
fi
have_uws=0; [ -x "$uws_bin" ] && have_uws=1
[ $have_uws = 1 ] || say "uWebSockets not available (set UWS_SRC); skipping it"

# ---------------------------------------------------------------- bookkeeping
hard=$(ulimit -Hn); ulimit -n "$hard"
work=$(mktemp -d /tmp/pushd-bench.XXXXXX)
mkdir -p "$work/logs" "$work/public"
cp Public/index.html "$work/public/index.html"
# nginx workers run as an unprivileged user: the static folder must be readable by them.
chmod 755 "$work" "$work/public"; chmod 644 "$work/public/index.html"
results=$work/results.jsonl
: > "$results"
server_pid=""
cleanup() {
  for pidfile in "$work"/*.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT

# start_server NAME PORT LOG: sets server_pid (the process whose CPU and memory are read)
start_server() {
  local name=$1 port=$2 log=$3
  case "$name" in
    pushd)        "${pin0[@]}" "$pushd_bin" --host 127.0.0.1 --port "$port" --threads 1 --app bench --log-level warning --drain-timeout 1s >"$log" 2>&1 & ;;
    pushd-sio)    "${pin0[@]}" "$pushd_bin" --host 127.0.0.1 --port "$port" --threads 1 --app default --log-level warning --drain-timeout 1s >"$log" 2>&1 & ;;
    node-ws)      "${pin0[@]}" node Benchmarks/peers/node_ws_server.js "$port" >"$log" 2>&1 & ;;
    py-websockets) "${pin0[@]}" python3 Benchmarks/peers/python_ws_server.py "$port" >"$log" 2>&1 & ;;
    py-socketio)  "${pin0[@]}" python3 Benchmarks/peers/python_socketio_server.py "$port" >"$log" 2>&1 & ;;
    uws)          "${pin0[@]}" "$uws_bin" "$port" >"$log" 2>&1 & ;;
    *) echo "unknown server $name" >&2; return 1 ;;
  esac
  server_pid=$!
  echo "$server_pid" > "$work/server.pid"
  wait_for_port "$port" || { echo "$name did not start; log:" >&2; tail -5 "$log" >&2; return 1; }
  sleep 0.3
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -f "$work/server.pid"
}

# Other work on the machine skews every figure. Before each run, wait (from a bounded budget of
# seconds for the whole suite) until the cores are nearly idle; the generator reports the CPU
# others used during each run anyway.
quiet_budget=$([ "$mode" = quick ] && echo 15 || echo 90)

# measure ROW SERVER RUN -- generator flags...: one generator run against a fresh server
measure() {
  local row=$1 name=$2 run=$3; shift 4
  local port; port=$(free_port)
  local log="$work/logs/$row-$name-$run.log"
  local label=$name; [ "$name" = pushd-sio ] && label=pushd
  wait_quiet
  if ! start_server "$name" "$port" "$log"; then
    echo "{\"row\":\"$row\",\"run\":$run,\"label\":\"$label\",\"failed\":\"server did not start\"}" >> "$results"
    stop_server; return 0
  fi
  local out status=0
  out=$(timeout 300 "${pin1[@]}" "$load_bin" --port "$port" --server-pid "$server_pid" --label "$label" \
        --duration "$duration" --warmup "$warmup" "$@" 2>&1) || status=$?
  local alive=true
  kill -0 "$server_pid" 2>/dev/null || alive=false
  printf '  [%s run %s] %s\n' "$row" "$run" "$(grep -v '^{' <<<"$out" | head -3)"
  local json; json=$(grep '^{' <<<"$out" | tail -1 || true)
  if [ -z "$json" ]; then
    json="{\"label\":\"$label\",\"failed\":\"generator exited with status $status\"}"
  fi
  echo "$json" | sed "s/^{/{\"row\":\"$row\",\"run\":$run,\"server_alive\":$alive,/" >> "$results"
  if [ $alive = false ]; then
    echo "  !! $name died during $row run $run; last log lines:"; tail -5 "$log" | sed 's/^/     /'
    cp "$log" "$work/crash-$row-$name-$run.log"
  fi
  stop_server
}

# scenario ROW "SERVERS" -- generator flags...: every run, servers interleaved
scenario() {
  local row=$1 servers=$2; shift 3
  say "$row"
  for run in $(seq 1 "$runs"); do
    for name in $servers; do
      local extra=()
      case "$name" in node-ws|py-websockets|uws) extra=(--protocol raw) ;; esac
      measure "$row" "$name" "$run" -- "$@" "${extra[@]}"
    done
  done
}

ws_servers="pushd node-ws py-websockets"
[ $have_uws = 1 ] && ws_servers="$ws_servers uws"

# ---------------------------------------------------------------- WebSocket scenarios
scenario ws-echo-100        "$ws_servers" -- --scenario echo --sessions 100
scenario ws-echo-5000       "$ws_servers" -- --scenario echo --sessions 5000
scenario ws-pipelined-100   "$ws_servers" -- --scenario pipelined --sessions 100 --depth 16
scenario ws-broadcast-1000  "$ws_servers" -- --scenario broadcast --sessions 1000
scenario ws-broadcast-10000 "$ws_servers" -- --scenario broadcast --sessions 10000
scenario ws-connect         "$ws_servers" -- --scenario connect --concurrency 50

# ---------------------------------------------------------------- idle memory
scenario idle-ws-10000      "$ws_servers"         -- --scenario idle --sessions 10000 --duration "$idle_hold"
scenario idle-sse-10000     "pushd"               -- --scenario idle --sessions 10000 --duration "$idle_hold" --transport sse
scenario idle-polling-10000 "pushd py-socketio"   -- --scenario idle --sessions 10000 --duration "$idle_hold" --transport polling
scenario idle-socketio-10000 "pushd-sio py-socketio" -- --scenario socketio-idle --sessions 10000 --duration "$idle_hold"

# ---------------------------------------------------------------- Socket.IO
scenario socketio-ack-100   "pushd-sio py-socketio" -- --scenario socketio-ack --sessions 100

# ---------------------------------------------------------------- per transport (pushd only)
for transport in websocket sse polling short-polling; do
  scenario "transport-echo-$transport"      "pushd" -- --scenario echo --sessions 100 --transport "$transport" --poll-interval 50
  scenario "transport-broadcast-$transport" "pushd" -- --scenario broadcast --sessions 1000 --transport "$transport" --poll-interval 50
done

# ---------------------------------------------------------------- HTTP GET keep-alive vs nginx
say "http-get"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
http_run() { # NAME RUN
  local name=$1 run=$2 port pid target; port=$(free_port)
  wait_quiet
  if [ "$name" = nginx ]; then
    write_nginx_conf "$work" "$port"
    "${pin0[@]}" nginx -c "$work/nginx.conf" -p "$work" >"$work/logs/nginx.log" 2>&1 &
    server_pid=$!
    wait_for_port "$port" || true
    sleep 0.3
    pid=$(pgrep -P "$server_pid" | head -1 || true)   # the worker
    [ -n "$pid" ] || pid=$server_pid
  else
    "${pin0[@]}" "$pushd_bin" --host 127.0.0.1 --port "$port" --threads 1 --app bench --public "$work/public" --log-level warning --drain-timeout 1s >"$work/logs/http-pushd-$run.log" 2>&1 &
    server_pid=$!
    wait_for_port "$port" || true
    sleep 0.3
    pid=$server_pid
  fi
  local before; before=$(cpu_ticks "$pid")
  local out; out=$("${pin1[@]}" wrk -t1 -c100 -d"${wrk_seconds}s" --latency "http://127.0.0.1:$port/index.html" 2>&1 || true)
  local after; after=$(cpu_ticks "$pid")
  local alive=true; kill -0 "$pid" 2>/dev/null || alive=false
  stop_server
  python3 - "$name" "$run" "$wrk_seconds" "$before" "$after" "$alive" "$out" >> "$results" <<'PY'
import json, re, sys, os
name, run, seconds, before, after, alive, out = sys.argv[1:8]
def latency(q):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % q, out, re.M)
    if not m: return None
    v = float(m.group(1)); return v * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
sock = re.search(r"Socket errors: (.*)", out)
tick = os.sysconf("SC_CLK_TCK")
print(json.dumps({"row": "http-get", "run": int(run), "label": "pushd" if name == "pushd" else "nginx",
  "scenario": "http-get", "rate": float(rate.group(1)) if rate else None,
  "latency_us": {"p50": latency(50), "p90": latency(90), "p99": latency(99)},
  "server_cpu_pct": 100 * (int(after) - int(before)) / tick / float(seconds),
  "server_cpu_us_per_msg": (int(after) - int(before)) / tick * 1e6 / (float(rate.group(1)) * float(seconds)) if rate and float(rate.group(1)) > 0 else None,
  "errors": int(errors.group(1)) if errors else 0, "socket_errors": sock.group(1) if sock else None,
  "server_alive": alive == "true", "missing": 0}))
PY
  printf '  [http-get run %s] %s %s req/s\n' "$run" "$name" "$(grep -o 'Requests/sec: *[0-9.]*' <<<"$out" | awk '{print $2}')"
}
for run in $(seq 1 "$runs"); do
  http_run pushd "$run"
  http_run nginx "$run"
done

# ---------------------------------------------------------------- report
finished_at=$(date +%s)
meta=$work/meta.json
python3 - "$meta" "$mode" "$runs" "$duration" "$warmup" "$started_at" "$finished_at" "$have_uws" "$uws_src" <<'PY'
import json, subprocess, sys, platform
meta_path, mode, runs, duration, warmup, started, finished, have_uws, uws_src = sys.argv[1:10]
def first_line(cmd):
    try:
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20)
        return ((r.stdout or "") + (r.stderr or "")).strip().splitlines()[0]
    except Exception:
        return "unknown"
def pyversion(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return "not installed"
model = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip(); break
ws_version = "unknown"
try:
    ws_version = json.load(open("/usr/share/nodejs/ws/package.json"))["version"]
except Exception:
    pass
uws_version = None
if have_uws == "1":
    try:
        uws_version = open(uws_src + "/VERSION").read().strip()
    except Exception:
        uws_version = "unknown commit"
meta = {
    "mode": mode, "runs": int(runs), "duration": float(duration), "warmup": float(warmup),
    "started": int(started), "finished": int(finished),
    "nproc": int(first_line("nproc")), "cpu_model": model, "kernel": platform.release(),
    "memory": first_line("free -g | awk '/Mem:/ {print $2 \" GiB\"}'"),
    "versions": {
        "swift": first_line("swift --version 2>&1 | grep -i 'swift version'"),
        "pushd": first_line("git log -1 --format='%h %s'")
                 + (" (with uncommitted changes to the sources)" if first_line("git status --porcelain Sources Package.swift | head -1") not in ("", "unknown") else ""),
        "node": first_line("node --version"), "ws": ws_version,
        "python": first_line("python3 --version"), "websockets": pyversion("websockets"),
        "python-socketio": pyversion("python-socketio"), "python-engineio": pyversion("python-engineio"),
        "uvicorn": pyversion("uvicorn"), "nginx": first_line("nginx -v 2>&1"),
        "wrk": first_line("wrk -v 2>&1"), "uWebSockets": uws_version,
    },
}
json.dump(meta, open(meta_path, "w"))
PY
python3 Benchmarks/report.py "$results" "$meta" Benchmarks/RESULTS.md Benchmarks/results.svg
ls "$work"/crash-* >/dev/null 2>&1 && { say "server crash logs:"; ls "$work"/crash-*; }
say "done in $(( ($(date +%s) - started_at) / 60 )) min: Benchmarks/RESULTS.md, Benchmarks/results.svg (raw lines and logs in $work)"
