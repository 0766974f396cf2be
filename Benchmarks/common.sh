# Shell helpers shared by the benchmark scripts (sourced, not run). The caller has `root` set
# to the repository and runs with `set -euo pipefail`.

say() { printf '\033[1m%s\033[0m\n' "$*"; }

# bench_mode SCRIPT [full|quick]: sets mode, runs, duration and warmup (3 runs of 5 s after 2 s
# of warm-up, or 1 of 2 s after 1 s); anything else prints the script's usage and exits.
bench_mode() {
  mode=${2:-full}
  case "$mode" in
    full)  runs=3; duration=5; warmup=2 ;;
    quick) runs=1; duration=2; warmup=1 ;;
    *) echo "usage: Benchmarks/$1 [full|quick]" >&2; exit 2 ;;
  esac
}

# build_release LOG PRODUCT...: release builds; on failure prints the log's tail and exits.
build_release() {
  local log=$1 product; shift
  say "building $* (release)"
  for product in "$@"; do
    if ! swift build -c release --product "$product" > "$log" 2>&1; then
      tail -20 "$log"; echo "swift build --product $product failed" >&2; exit 1
    fi
  done
}

# Servers go on core 0 (pin0), generators on core 1 (pin1). Benchmark processes run at a
# higher priority than other work when allowed (root), so background jobs take less from the
# two pinned cores. With autogroup scheduling a process's nice value only counts inside its
# session's group, so the group's weight is raised too; moderately: background work slows down
# but keeps running.
pin0=(taskset -c 0); pin1=(taskset -c 1)
if nice -n -5 true 2>/dev/null; then pin0=(nice -n -5 taskset -c 0); pin1=(nice -n -5 taskset -c 1); fi
[ -w /proc/self/autogroup ] && echo -5 > /proc/self/autogroup 2>/dev/null || true

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for_port() { # port -> 0 once something accepts on it (at most 15 s)
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

busy_pct() { # CPU busy on the machine over 0.3 s, in per cent of one core
  local a b c d e f g h t1 i1 t2 i2
  read -r _ a b c d e f g h _ < /proc/stat; t1=$((a+b+c+d+e+f+g+h)); i1=$((d+e))
  sleep 0.3
  read -r _ a b c d e f g h _ < /proc/stat; t2=$((a+b+c+d+e+f+g+h)); i2=$((d+e))
  local total=$((t2 - t1)); [ "$total" -gt 0 ] || { echo 0; return; }
  echo $(( ( (total - (i2 - i1)) * 100 * $(nproc) ) / total ))
}

# wait_quiet: waits (within the caller's `quiet_budget` of 0.7 s steps) for the machine to be
# below 40 % busy, so a run does not start on the tail of the previous one.
wait_quiet() {
  while [ "$quiet_budget" -gt 0 ]; do
    [ "$(busy_pct)" -lt 40 ] && return 0
    sleep 0.7
    quiet_budget=$((quiet_budget - 1))
  done
}

# write_nginx_conf DIR PORT: DIR/nginx.conf for one nginx worker serving DIR/public on
# 127.0.0.1:PORT, tuned as a fair peer (no access log, sendfile, endless keep-alive).
write_nginx_conf() {
  local dir=$1 port=$2
  cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000000;
  include /etc/nginx/mime.types;
  server { listen 127.0.0.1:$port; root $dir/public; }
}
CONF
}
