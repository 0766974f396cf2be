#!/usr/bin/env bash
# HTTP GET of the same small static file, keep-alive, 100 connections: pushd against nginx.
# Each server is pinned to core 0 with one worker; wrk runs on core 1. Prints requests/s per
# run, the medians and the ratio. Usage: Benchmarks/http_vs_nginx.sh [seconds] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
runs=${2:-3}
for tool in wrk nginx; do
  command -v $tool >/dev/null || { echo "installing $tool"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$([ $tool = nginx ] && echo nginx-light || echo wrk)" >/dev/null; }
done
[ -x .build/release/pushd ] || swift build -c release --product pushd >/dev/null
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/public"
cp Public/index.html "$work/public/index.html"
# nginx workers run as an unprivileged user: mktemp's 0700 folder would answer 403.
chmod 755 "$work" "$work/public"; chmod 644 "$work/public/index.html"
file=/index.html
size=$(stat -c %s "$work/public/index.html")

source Benchmarks/common.sh
nginx_port=$(free_port)
write_nginx_conf "$work" "$nginx_port"
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.stderr" &
echo $! > "$work/nginx-master.pid"
pushd_port=$(free_port)
taskset -c 0 .build/release/pushd --host 127.0.0.1 --port "$pushd_port" --threads 1 --public "$work/public" --log-level warning &
echo $! > "$work/pushd.pid"
sleep 1

measure() { # url -> requests/s
  taskset -c 1 wrk -t1 -c100 -d"${seconds}s" "$1" | awk '/Requests\/sec/ {print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "file: $file ($size bytes); wrk -t1 -c100 -d${seconds}s; servers on core 0, wrk on core 1"
: > "$work/pushd.txt"; : > "$work/nginx.txt"
for run in $(seq 1 "$runs"); do
  p=$(measure "http://127.0.0.1:$pushd_port$file"); echo "$p" >> "$work/pushd.txt"
  n=$(measure "http://127.0.0.1:$nginx_port$file"); echo "$n" >> "$work/nginx.txt"
  printf 'run %d: pushd %10.0f req/s   nginx %10.0f req/s\n' "$run" "$p" "$n"
done
p=$(median < "$work/pushd.txt"); n=$(median < "$work/nginx.txt")
printf 'median: pushd %.0f req/s, nginx %.0f req/s, ratio pushd/nginx %.2f\n' "$p" "$n" "$(echo "$p / $n" | bc -l)"
