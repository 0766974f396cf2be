#!/usr/bin/env bash
# Throughput as loops are added: pushd `--threads T` against uWebSockets (one process per core,
# SO_REUSEPORT on one port), T = 1, 2, 4, 8 (SCALE_LOOPS), in one command:
#
#   Benchmarks/scale.sh [full|quick]
#
# Servers run on cores 0..T-1; the load comes from SCALE_GENERATORS pushd-load processes
# (default: one per core left over, at most 8), each pinned to its own core, each with its share
# of the sessions, started together; their rates are summed, so the generators are not the
# limit. Rows: echo with one message in flight (c=4000) and pipelined echo, 16 in flight
# (c=800). Server CPU per message is the servers' CPU time over the measured window divided by
# every generator's messages.
#
# Binaries: PUSHD_BIN, LOAD_BIN and UWS_BIN name prebuilt ones (static builds carried to another
# machine); otherwise pushd and pushd-load are built here and uWS is skipped unless UWS_BIN is
# set. SCALE_MACHINE names the machine in the report. Results: a table on stdout and the
# "Scaling" section of Benchmarks/RESULTS.md (SCALE_RESULTS names another file).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-full}
case "$mode" in
  full)  runs=3; duration=5; warmup=2 ;;
  quick) runs=1; duration=3; warmup=1 ;;
  *) echo "usage: Benchmarks/scale.sh [full|quick]" >&2; exit 2 ;;
esac
cores=$(nproc)
loops_list=${SCALE_LOOPS:-"1 2 4 8"}
source "$root/Benchmarks/common.sh"
if [ -z "${PUSHD_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then
  build_release /tmp/pushd-scale-build.log pushd pushd-load
fi
pushd_bin=${PUSHD_BIN:-$root/.build/release/pushd}
load_bin=${LOAD_BIN:-$root/.build/release/pushd-load}
uws_bin=${UWS_BIN:-}
hard=$(ulimit -Hn); ulimit -n "$hard" 2>/dev/null || ulimit -n 20000 2>/dev/null || true
work=$(mktemp -d /tmp/pushd-scale.XXXXXX)
results=$work/results.jsonl
: > "$results"
server_pids=()
cleanup() { for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

max_loops=0; for t in $loops_list; do [ "$t" -gt "$max_loops" ] && max_loops=$t; done
[ "$max_loops" -le "$cores" ] || { echo "SCALE_LOOPS needs $max_loops cores, this machine has $cores" >&2; exit 2; }
spare=$((cores - max_loops)); [ "$spare" -ge 1 ] || spare=1
generators=${SCALE_GENERATORS:-$(( spare < 8 ? spare : 8 ))}
# Generators take the highest cores (on a 2-core machine they share core 1 with the servers).
generator_core() { echo $(( cores - 1 - ($1 % (cores - max_loops > 0 ? cores - max_loops : 1)) )); }

start_server() { # NAME LOOPS PORT
  local name=$1 loops=$2 port=$3 i
  server_pids=()
  case "$name" in
    pushd)
      taskset -c "0-$((loops - 1))" "$pushd_bin" --host 127.0.0.1 --port "$port" --threads "$loops" --app bench \
        --log-level warning --drain-timeout 1s >"$work/server.log" 2>&1 &
      server_pids+=($!) ;;
    uws)
      for i in $(seq 0 $((loops - 1))); do
        taskset -c "$i" "$uws_bin" "$port" >"$work/uws-$i.log" 2>&1 &
        server_pids+=($!)
      done ;;
  esac
  wait_for_port "$port" || { echo "$name did not start" >&2; cat "$work/server.log" >&2 || true; return 1; }
  sleep 0.5
}

stop_server() {
  local pid
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  server_pids=()
}

measure() { # ROW NAME LOOPS RUN SESSIONS -- generator flags...
  local row=$1 name=$2 loops=$3 run=$4 sessions=$5; shift 6
  local port; port=$(free_port)
  start_server "$name" "$loops" "$port" || return 0
  local pids_csv; pids_csv=$(IFS=,; echo "${server_pids[*]}")
  local share=$(( (sessions + generators - 1) / generators )) g outs=()
  local extra=(); [ "$name" = uws ] && extra=(--protocol raw)
  for g in $(seq 0 $((generators - 1))); do
    taskset -c "$(generator_core "$g")" "$load_bin" --port "$port" --sessions "$share" --duration "$duration" \
      --warmup "$warmup" --server-pid "$pids_csv" --label "$name" --concurrency 100 --quiet "$@" "${extra[@]}" \
      >"$work/gen-$g.out" 2>&1 &
    outs+=($!)
  done
  for g in "${outs[@]}"; do wait "$g" || true; done
  python3 - "$work" "$generators" "$row" "$name" "$loops" "$run" >> "$results" <<'PY'
import json, sys
work, generators, row, name, loops, run = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7]
lines = []
for g in range(generators):
    for raw in open(f"{work}/gen-{g}.out"):
        if raw.startswith("{"):
            lines.append(json.loads(raw))
rate = sum(l.get("rate") or 0 for l in lines)
cpu = [l.get("server_cpu_pct") for l in lines if l.get("server_cpu_pct") is not None]
cpu_pct = sorted(cpu)[len(cpu) // 2] if cpu else None
print(json.dumps({"row": row, "label": name, "loops": int(loops), "run": int(run), "generators": len(lines),
                  "rate": rate, "server_cpu_pct": cpu_pct,
                  "server_cpu_us_per_msg": (cpu_pct / 100 * 1e6 / rate) if cpu_pct and rate else None,
                  "client_cpu_pct": [round(l.get("client_cpu_pct") or 0) for l in lines],
                  "errors": sum(l.get("errors") or 0 for l in lines),
                  "open": sum(l.get("open") or 0 for l in lines)}))
PY
  printf '  [%s %s T=%s run %s] %s\n' "$row" "$name" "$loops" "$run" "$(tail -1 "$results")"
  stop_server
}

servers="pushd"; [ -n "$uws_bin" ] && servers="pushd uws"
say "scale: loops $loops_list, $generators generators, servers: $servers"
for run in $(seq 1 "$runs"); do
  for loops in $loops_list; do
    for name in $servers; do
      measure echo "$name" "$loops" "$run" 4000 -- --scenario echo
      measure pipelined "$name" "$loops" "$run" 800 -- --scenario pipelined --depth 16
    done
  done
done

python3 - "$results" "${SCALE_RESULTS:-Benchmarks/RESULTS.md}" "${SCALE_MACHINE:-$(nproc) cores}" "$mode" "$generators" \
  "$(( cores - max_loops ))" <<'PY'
import json, statistics, sys, time
results, md_path, machine, mode, generators, spare_cores = sys.argv[1:7]
rows = [json.loads(l) for l in open(results) if l.strip()]
def med(row, label, loops, key):
    v = [r[key] for r in rows if r["row"] == row and r["label"] == label and r["loops"] == loops and r.get(key) is not None]
    return statistics.median(v) if v else None
loops_all = sorted({r["loops"] for r in rows})
labels = sorted({r["label"] for r in rows}, key=lambda l: l != "pushd")
start, end = "<!-- scaling section: Benchmarks/scale.sh -->", "<!-- end of scaling section -->"
out = [start, "## Scaling across cores", "",
       f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine} (`Benchmarks/scale.sh{' quick' if mode == 'quick' else ''}`): "
       f"servers on cores 0..T-1 (pushd `--threads T --app bench`; uWebSockets one process per core on one port), "
       f"{generators} pushd-load process{'' if generators == '1' else 'es'} on other cores, rates summed, medians."
       + (" **No core was left for the generators**: they share the highest cores with the servers, so the rows "
          "with the most loops measure the servers and generators contending for those cores, not scaling; compare "
          "the servers with each other there, and CPU per message more than throughput." if int(spare_cores) < 1 else ""), "",
       "| case | T | " + " | ".join(f"{l} msg/s | {l} x T=1 | {l} us CPU/msg" for l in labels) + (" | pushd/uWS |" if "uws" in labels else ""),
       "|---|---:|" + "---:|---:|---:|" * len(labels) + ("---:|" if "uws" in labels else "")]
for row in ("echo", "pipelined"):
    for t in loops_all:
        cells = []
        for l in labels:
            rate, base = med(row, l, t, "rate"), med(row, l, loops_all[0], "rate")
            cpu = med(row, l, t, "server_cpu_us_per_msg")
            cells.append(f"{rate:,.0f}" if rate else "n/a")
            cells.append(f"{rate / base:.2f}" if rate and base else "n/a")
            cells.append(f"{cpu:.2f}" if cpu else "n/a")
        ratio = ""
        if "uws" in labels:
            p, u = med(row, "pushd", t, "rate"), med(row, "uws", t, "rate")
            ratio = f" {p / u:.2f} |" if p and u else " n/a |"
        name = {"echo": "echo c=4000, 1 in flight", "pipelined": "pipelined c=800, 16 in flight"}[row]
        out.append(f"| {name} | {t} | " + " | ".join(cells) + " |" + ratio)
errors = sum(r.get("errors") or 0 for r in rows)
out += ["", f"Errors over every run: {errors}.", end]
section = "\n".join(out) + "\n"
try:
    text = open(md_path).read()
except FileNotFoundError:
    text = ""
if start in text:
    text = text[:text.index(start)] + section + text[text.index(end) + len(end) + 1:]
else:
    text = text.rstrip("\n") + ("\n\n" if text else "") + section
open(md_path, "w").write(text)
print(section)
PY
