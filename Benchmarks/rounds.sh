#!/usr/bin/env bash
# pushd against uWebSockets on one core each, in alternating rounds: the single-core figures as
# the targets state them (server CPU per message, pushd's ratio to uWS), round by round.
#
#   Benchmarks/rounds.sh [SCENARIO SESSIONS ROUNDS [pushd-load arguments...]]
#   Benchmarks/rounds.sh pipelined 100 5
#   Benchmarks/rounds.sh broadcast 1000 3
#
# Each round starts a fresh pushd (`--threads 1 --app bench`) and a fresh uWebSockets raw echo
# (Benchmarks/peers/uws_server.cpp, built by run.sh into /tmp/uws-build) on core 0, one after
# the other, each driven by pushd-load on core 1 for 3 s after 1 s of warm-up. Alternating
# rounds put both servers through the same spells of a shared machine's noise, which moves
# figures by a fifth between runs; the spread of the rounds shows how much. Printed per round:
# each server's rate and server CPU per message, and pushd's ratios (uWS CPU / pushd CPU, and
# pushd rate / uWS rate: above 1 pushd does better); then their medians. PUSHD_BIN and LOAD_BIN
# name other builds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source "$root/Benchmarks/common.sh"
scenario=${1:-echo}; sessions=${2:-100}; rounds=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
uws_bin=/tmp/uws-build/uws_server
[ -x "$uws_bin" ] || { echo "uWebSockets is not built: run Benchmarks/run.sh once (see its header)" >&2; exit 1; }
if [ -z "${PUSHD_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then build_release /tmp/pushd-rounds-build.log pushd pushd-load; fi
pushd_bin=${PUSHD_BIN:-$root/.build/release/pushd}
load_bin=${LOAD_BIN:-$root/.build/release/pushd-load}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
work=$(mktemp -d /tmp/pushd-rounds.XXXXXX)
trap 'rm -rf "$work"' EXIT

round() { # NAME ROUND [pushd-load arguments...] -> one JSON line in $work/NAME-ROUND.json
  local name=$1 n=$2 port pid framing=()
  shift 2
  port=$(free_port)
  case "$name" in
    pushd) "${pin0[@]}" "$pushd_bin" --host 127.0.0.1 --port "$port" --threads 1 --app bench --log-level warning \
             >"$work/$name.log" 2>&1 & ;;
    uws)   "${pin0[@]}" "$uws_bin" "$port" >"$work/$name.log" 2>&1 &
           framing=(--protocol raw --path /) ;;
  esac
  pid=$!
  wait_for_port "$port" || { echo "$name did not start" >&2; cat "$work/$name.log" >&2; exit 1; }
  "${pin1[@]}" "$load_bin" --port "$port" --scenario "$scenario" --sessions "$sessions" "${framing[@]}" \
    --duration 3 --warmup 1 --drain-timeout 1 --server-pid "$pid" --quiet "$@" | tail -1 > "$work/$name-$n.json"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

say "$scenario, $sessions sessions, $rounds rounds (pushd $pushd_bin)"
for n in $(seq 1 "$rounds"); do
  round pushd "$n" "$@"
  round uws "$n" "$@"
done

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
rows = []
print("| round | pushd msg/s | pushd CPU µs/msg | uWS msg/s | uWS CPU µs/msg | CPU ratio | rate ratio | other CPU % |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in range(1, rounds + 1):
    p = json.load(open(f"{work}/pushd-{n}.json"))
    u = json.load(open(f"{work}/uws-{n}.json"))
    bad = [f"{name}: {r['errors']} errors, {r['missing']} missing" for name, r in (("pushd", p), ("uws", u))
           if r.get("errors") or r.get("missing")]
    cpu = u["server_cpu_us_per_msg"] / p["server_cpu_us_per_msg"]
    rate = p["rate"] / u["rate"]
    rows.append((cpu, rate))
    print(f"| {n} | {p['rate']:,.0f} | {p['server_cpu_us_per_msg']:.2f} | {u['rate']:,.0f} | "
          f"{u['server_cpu_us_per_msg']:.2f} | {cpu:.2f} | {rate:.2f} | "
          f"{max(p['other_cpu_pct'], u['other_cpu_pct']):.0f} |" + (f" {'; '.join(bad)}" if bad else ""))
print(f"\nmedians: CPU ratio {statistics.median(r[0] for r in rows):.2f}, "
      f"rate ratio {statistics.median(r[1] for r in rows):.2f} (above 1: pushd does better)")
PY
