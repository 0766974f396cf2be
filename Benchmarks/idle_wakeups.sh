#!/usr/bin/env bash
# What idle sessions cost a server while nothing is sent: how often it wakes (poller waits per
# second, counted by strace) and its CPU time, pushd against uWebSockets in the same run.
#
#   Benchmarks/idle_wakeups.sh [SESSIONS [SECONDS [THREADS]]]      (10, 10, 4)
#
# Each server gets SESSIONS WebSocket sessions from `pushd-load --scenario idle` (Engine.IO for
# pushd, which answers its pings; raw for uWebSockets), then, after 3 s to settle, is watched for
# SECONDS: strace counts its epoll waits, /proc its CPU time. pushd runs `--threads THREADS
# --app bench` with its defaults (metrics on: each loop's lag probe is a timer every 100 ms),
# then with `--metrics=false`; uWebSockets is one thread. PUSHD_BIN and LOAD_BIN name other
# builds. Needs strace.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source "$root/Benchmarks/common.sh"
sessions=${1:-10}; seconds=${2:-10}; threads=${3:-4}
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
uws_bin=/tmp/uws-build/uws_server
if [ -z "${PUSHD_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then build_release /tmp/pushd-idle-build.log pushd pushd-load; fi
pushd_bin=${PUSHD_BIN:-$root/.build/release/pushd}
load_bin=${LOAD_BIN:-$root/.build/release/pushd-load}
work=$(mktemp -d /tmp/pushd-idle.XXXXXX)
trap 'rm -rf "$work"' EXIT

watch() { # NAME [pushd flags...] -> one table row
  local name=$1 port pid load framing=() before after tag
  shift
  tag=${name//[^A-Za-z0-9]/_}
  port=$(free_port)
  case "$name" in
    pushd*) "$pushd_bin" --host 127.0.0.1 --port "$port" --threads "$threads" --app bench --log-level warning "$@" \
              >"$work/$tag.log" 2>&1 & ;;
    uWebSockets) "$uws_bin" "$port" >"$work/$tag.log" 2>&1 &
                 framing=(--protocol raw --path /) ;;
  esac
  pid=$!
  wait_for_port "$port" || { echo "$name did not start" >&2; cat "$work/$tag.log" >&2; exit 1; }
  "$load_bin" --port "$port" --scenario idle --sessions "$sessions" "${framing[@]}" \
    --duration $(( seconds + 5 )) --quiet >"$work/$tag-load.json" 2>&1 &
  load=$!
  sleep 3
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  timeout "$seconds" strace -c -f -p "$pid" -o "$work/$tag.strace" 2>/dev/null || true
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  wait "$load" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$name" "$work/$tag.strace" "$seconds" $(( after - before )) "$(getconf CLK_TCK)" <<'PY'
import re, sys
name, path, seconds, ticks, hz = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
calls = {}
for line in open(path):
    fields = line.split()
    if len(fields) >= 5 and re.match(r"^[\d.]+$", fields[0]) and fields[-1] != "total":
        calls[fields[-1]] = int(fields[3])
waits = sum(n for call, n in calls.items() if call.startswith("epoll"))
total = sum(calls.values())
print(f"| {name} | {waits / seconds:,.1f} | {total / seconds:,.1f} | {ticks / hz * 1000 / seconds:.1f} |")
PY
}

say "idle: $sessions sessions, watched $seconds s (pushd --threads $threads)"
echo "| server | poller waits / s | system calls / s | CPU ms / s |"
echo "|---|---:|---:|---:|"
watch pushd
watch "pushd --metrics=false" --metrics=false
if [ -x "$uws_bin" ]; then watch uWebSockets; else echo "(uWebSockets is not built: run Benchmarks/run.sh once)"; fi
