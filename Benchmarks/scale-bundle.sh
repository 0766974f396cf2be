#!/usr/bin/env bash
# What scale.sh needs on a many-core machine that has no toolchain and no network: pushd and
# pushd-load as static executables and uWebSockets' raw echo linked statically, stripped, in
# .scale-bin/ (about 25 MB, small enough to carry along), and the command that runs them there.
#
#   Benchmarks/scale-bundle.sh                   # here: builds .scale-bin/
#   Benchmarks/scale-bundle.sh run [quick|full]  # there, from the repository root
#
# `run` names the machine in the report from nproc and lscpu; extra settings pass through to
# scale.sh (SCALE_LOOPS, SCALE_GENERATORS, SCALE_RESULTS). uWebSockets comes from UWS_SRC (a
# checkout of uNetworking/uWebSockets with uSockets inside, default /tmp/uws-src, as for run.sh);
# without one the bundle has no uws_server and scale.sh measures pushd alone.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=$root/.scale-bin

if [ "${1:-}" = run ]; then
  for file in pushd pushd-load; do
    [ -x "$bin/$file" ] || { echo "$bin/$file is missing: run Benchmarks/scale-bundle.sh where Swift is installed" >&2; exit 1; }
  done
  model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
  uws=""; [ -x "$bin/uws_server" ] && uws=$bin/uws_server
  SCALE_MACHINE=${SCALE_MACHINE:-"$(nproc) cores${model:+, $model}"} PUSHD_BIN=$bin/pushd LOAD_BIN=$bin/pushd-load \
    UWS_BIN=$uws exec "$root/Benchmarks/scale.sh" "${2:-quick}"
fi

source "$root/Benchmarks/common.sh"
mkdir -p "$bin"
for product in pushd pushd-load; do
  say "building $product (release, static executable)"
  if ! swift build -c release -Xswiftc -static-executable --build-path /tmp/pushd-scale-static --product "$product" \
      > /tmp/pushd-scale-static.log 2>&1; then
    tail -20 /tmp/pushd-scale-static.log; exit 1
  fi
  strip -o "$bin/$product" "/tmp/pushd-scale-static/release/$product"
done

uws_src=${UWS_SRC:-/tmp/uws-src}
if [ -f "$uws_src/src/App.h" ] && [ -f "$uws_src/uSockets/src/libusockets.h" ]; then
  say "building uWebSockets from $uws_src (static)"
  (cd "$uws_src/uSockets" && make -s > /tmp/pushd-scale-usockets.log 2>&1)
  g++ -std=c++20 -O3 -flto -static -DLIBUS_NO_SSL -DUWS_NO_ZLIB -I"$uws_src/src" -I"$uws_src/uSockets/src" \
    "$root/Benchmarks/peers/uws_server.cpp" "$uws_src/uSockets/uSockets.a" -o "$bin/uws_server" 2> /tmp/pushd-scale-uws.log
  strip "$bin/uws_server"
else
  rm -f "$bin/uws_server"
  say "no uWebSockets checkout at $uws_src: the bundle measures pushd alone"
fi
ls -l "$bin"
echo "carry $bin to the other machine and run there: Benchmarks/scale-bundle.sh run [quick|full]"
