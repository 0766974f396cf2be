#!/usr/bin/env bash
# Connection flood and reconnect storm: 19,000 sessions on one pushd, mixed across the four
# transports (4 generator processes); all drop at once, then all reconnect at once. Samples
# /health latency and RSS throughout and prints them. Usage: Benchmarks/flood.sh [sessions]
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-19000}
per=$((total / 4))
[ -x .build/release/pushd ] && [ -x .build/release/pushd-load ] || swift build -c release --product pushd --product pushd-load >/dev/null
ulimit -n 20000 2>/dev/null || true
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
.build/release/pushd --host 127.0.0.1 --port "$port" --log-level warning --max-connections 19990 &
server=$!
trap 'kill $server 2>/dev/null; kill $(jobs -p) 2>/dev/null || true' EXIT
sleep 1
rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }
probe() { # health latency in ms
  python3 - "$port" <<'PY'
import sys, time, urllib.request
t = time.perf_counter()
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=10).read()
print(f"{(time.perf_counter() - t) * 1000:.1f}")
PY
}
wave() { # one wave: every transport, `per` sessions each, held $1 seconds
  for transport in websocket sse polling short-polling; do
    .build/release/pushd-load --port "$port" --transport "$transport" --scenario idle --sessions "$per" \
      --duration "$1" --concurrency 500 --quiet > "/tmp/pushd-flood-$transport.json" 2>&1 &
  done
}
echo "baseline: rss $(rss) KiB, health $(probe) ms"
wave 12
for second in 2 4 6 8 10; do
  sleep 2
  echo "t+${second}s: sessions $(curl -s 127.0.0.1:$port/health | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"])'), rss $(rss) KiB, health $(probe) ms"
done
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
echo "all dropped at once: rss $(rss) KiB, health $(probe) ms"
wave 8
sleep 4
echo "reconnect storm, t+4s: sessions $(curl -s 127.0.0.1:$port/health | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"])'), rss $(rss) KiB, health $(probe) ms"
wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
# Sessions on HTTP transports expire pingInterval + pingTimeout (45 s) after their last request.
for second in 10 20 30 40 50 60; do
  sleep 10
  echo "after they left, t+${second}s: $(curl -s 127.0.0.1:$port/health | python3 -c 'import json,sys; h=json.load(sys.stdin); print("sessions", h["sessions"], "heap", h["heapBytes"] // 1024, "KiB")'), rss $(rss) KiB"
done
for transport in websocket sse polling short-polling; do
  echo "$transport: $(grep -o '"opened":[0-9]*\|"errors":[0-9]*' /tmp/pushd-flood-$transport.json | tr '\n' ' ')"
done
if [ -n "${FLOOD_SMAPS:-}" ]; then
  awk '/^[0-9a-f]+-[0-9a-f]+ / {name=$6; if (name=="") name="[anon]"} /^Rss:/ {rss[name]+=$2} END {for (n in rss) if (rss[n] > 1000) print rss[n], n}' /proc/$server/smaps | sort -rn | head
fi
