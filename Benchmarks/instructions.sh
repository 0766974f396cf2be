#!/usr/bin/env bash
# User-space instructions and allocations per message, pushd against uWebSockets, counted by
# callgrind: the same figures for the same binaries and load whatever else the machine runs,
# so they compare builds where timings on a shared machine cannot.
#
#   Benchmarks/instructions.sh [full|quick]
#
# For each server and scenario (echo c=100, pipelined echo c=100 with 16 in flight, broadcast
# c=1000, WebSocket connections opened and closed 50 at a time) the server runs under callgrind
# while `pushd-load` drives it; for the message scenarios the same server is then run again
# with the sessions opened but idle, and that run's instructions are taken off, which leaves
# the messages' own cost. Divided by the messages the generator counted: the instructions (Ir),
# calls to malloc, and retains of reference counts per message (per delivery for broadcast, per
# connection for connect: upgrade, open packet, close). pushd runs `--threads 1 --app bench`
# with Engine.IO framing, uWebSockets its raw echo (Benchmarks/peers/uws_server.cpp, built by
# run.sh; skipped when absent). PUSHD_BIN names another pushd build (e.g. an older commit's, to
# compare).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source "$root/Benchmarks/common.sh"
bench_mode instructions.sh "${1:-full}"
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
if [ -z "${PUSHD_BIN:-}" ]; then build_release /tmp/pushd-instructions-build.log pushd pushd-load; fi
swift build -c release --product pushd-load > /tmp/pushd-instructions-load.log 2>&1
pushd_bin=${PUSHD_BIN:-$root/.build/release/pushd}
load_bin=$root/.build/release/pushd-load
uws_bin=/tmp/uws-build/uws_server
work=$(mktemp -d /tmp/pushd-instructions.XXXXXX)
seconds=$(( duration + 1 ))

measure() { # NAME SCENARIO SESSIONS TAG -> callgrind file and generator JSON under $work
  local name=$1 scenario=$2 sessions=$3 tag=$4 port vpid framing=()
  port=$(free_port)
  case "$name" in
    pushd) valgrind --tool=callgrind --callgrind-out-file="$work/$tag.cg" "$pushd_bin" --host 127.0.0.1 --port "$port" \
             --threads 1 --app bench --log-level warning >"$work/$tag.log" 2>&1 & ;;
    uws)   valgrind --tool=callgrind --callgrind-out-file="$work/$tag.cg" "$uws_bin" "$port" >"$work/$tag.log" 2>&1 &
           framing=(--protocol raw) ;;
  esac
  vpid=$!
  wait_for_port "$port" || { echo "$name did not start under valgrind" >&2; cat "$work/$tag.log" >&2; exit 1; }
  callgrind_control -z "$vpid" >/dev/null
  local shape=(--sessions "$sessions")
  [ "$scenario" = connect ] && shape=(--sessions 1 --concurrency "$sessions")
  "$load_bin" --port "$port" --scenario "$scenario" "${shape[@]}" --duration "$seconds" --warmup 0 \
    --drain-timeout 1 --quiet "${framing[@]}" | tail -1 > "$work/$tag.json"
  callgrind_control -d "$vpid" >/dev/null
  sleep 0.5
  kill -INT "$vpid" 2>/dev/null || true; sleep 1; kill -9 "$vpid" 2>/dev/null || true; wait "$vpid" 2>/dev/null || true
}

servers="pushd"; [ -x "$uws_bin" ] && servers="pushd uws" || say "uWebSockets not built (run Benchmarks/run.sh once); pushd only"
rows=()
for scenario in "echo 100" "pipelined 100" "broadcast 1000" "connect 50"; do
  set -- $scenario
  for name in $servers; do
    for run in $(seq 1 "$runs"); do
      say "$name $1 c=$2, run $run"
      measure "$name" "$1" "$2" "$name-$1-$run"
      # A connection is the whole cost of connect: no idle sessions to take off.
      [ "$1" = connect ] || measure "$name" idle "$2" "$name-$1-$run-idle"
      rows+=("$name $1 $2 $run")
    done
  done
done

python3 - "$work" "${rows[@]}" <<'PY'
import glob, json, re, subprocess, sys, statistics
work, rows = sys.argv[1], sys.argv[2:]

def totals(tag):
    """Instructions, malloc calls and swift_retain calls in the dump taken after the load."""
    dump = sorted(f for f in glob.glob(f"{work}/{tag}.cg.*"))[0]
    text = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", "--tree=caller", dump],
                          capture_output=True, text=True).stdout
    ir = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", text).group(1).replace(",", ""))
    def calls(function):
        block, count = [], 0
        for line in text.splitlines():
            if not line.strip():
                block = []
                continue
            block.append(line)
            if re.search(r"\*\s+\S*:" + re.escape(function) + r" ", line):
                count = sum(int(m.replace(",", "")) for l in block for m in re.findall(r"\(([\d,]+)x\)", l))
                break
        return count
    return ir, calls("malloc"), calls("swift_retain")

figures = {}
for row in rows:
    name, scenario, sessions, run = row.split()
    tag = f"{name}-{scenario}-{run}"
    messages = json.loads(open(f"{work}/{tag}.json").read())["messages"]
    ir, mallocs, retains = totals(tag)
    idle_ir, idle_mallocs, idle_retains = totals(tag + "-idle") if scenario != "connect" else (0, 0, 0)
    if messages <= 0:
        continue
    figures.setdefault((scenario, sessions, name), []).append(
        ((ir - idle_ir) / messages, (mallocs - idle_mallocs) / messages, (retains - idle_retains) / messages))

print()
print("| scenario | server | instructions / message | mallocs / message | retains / message |")
print("|---|---|---:|---:|---:|")
for (scenario, sessions, name), values in figures.items():
    med = [statistics.median(v[i] for v in values) for i in range(3)]
    shape = f"{sessions} at a time" if scenario == "connect" else f"c={sessions}"
    print(f"| {scenario} {shape} | {name} | {med[0]:,.0f} | {round(med[1], 2) + 0.0:.2f} | {round(med[2], 2) + 0.0:.2f} |")
PY
rm -rf "$work"
