#!/usr/bin/env bash
# Builds every fuzz target into Fuzz/.build-fuzz/bin with libFuzzer and AddressSanitizer.
#
# PushCore, where every parser lives, is compiled straight from Sources/ with swiftc,
# instrumented, as a library (whole module, -O, -enable-testing, code generated on one thread
# per CPU). Each target is its harness file plus Targets/Shared, linked against it; harnesses use
# @testable import, so they reach internal API. The whole module rather than hand-picked files
# keeps the build working when files move between folders; only what a target calls is executed.
#
# Something is rebuilt only when one of its inputs (or this script) changed.
#   Fuzz/build.sh [target...]        # default: all targets
# Environment: SWIFTC (default: swiftc on PATH), FUZZ_CPU (pin the compiler to this CPU).
set -euo pipefail

fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
out="$fuzz/.build-fuzz"
swiftc=${SWIFTC:-$(command -v swiftc || true)}
[ -x "$swiftc" ] || { echo "build.sh: swiftc not found (set SWIFTC)" >&2; exit 2; }
toolbin=$(dirname "$(readlink -f "$swiftc")")

pin=()
threads=$(nproc 2>/dev/null || echo 1)
if [ -n "${FUZZ_CPU:-}" ] && command -v taskset >/dev/null; then pin=(taskset -c "$FUZZ_CPU"); threads=1; fi

# -assert-config Debug keeps precondition messages (and file:line) in the optimized build.
flags=(-swift-version 6 -package-name pushd -parse-as-library -sanitize=fuzzer,address -O -assert-config Debug -g -wmo)
link=()
[ -x "$toolbin/ld.lld" ] && link=(-use-ld=lld)

all_targets=(http-request websocket-frame engineio-payload socketio-packet json query-path)
harness_of() {
    case "$1" in
    http-request) echo HTTPRequestFuzzer.swift ;;
    websocket-frame) echo WebSocketFrameFuzzer.swift ;;
    engineio-payload) echo EngineIOPayloadFuzzer.swift ;;
    socketio-packet) echo SocketIOPacketFuzzer.swift ;;
    json) echo JSONFuzzer.swift ;;
    query-path) echo QueryPathFuzzer.swift ;;
    *) echo "build.sh: unknown target $1 (targets: ${all_targets[*]})" >&2; return 1 ;;
    esac
}
mkdir -p "$out/bin" "$out/lib" "$out/modules" "$out/stamps" "$out/tmp"

# Rebuild when the list of inputs, their sizes or their times changed (paths relative to the root).
stamp_of() { (cd "$root" && ls -l --time-style=+%s.%N "$@" Fuzz/build.sh | awk '{print $5, $6, $7}' | cksum); }
up_to_date() { # output stamp-name inputs...
    local output=$1 stamp="$out/stamps/$2"; shift 2
    [ -e "$output" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_of "$@")" ]
}
# swiftc leaves debug-info modules in its working directory: compile in $out/tmp, absolute paths.
absolute() { for f in "$@"; do echo "$root/$f"; done; }
swift_files() { (cd "$root" && find "$@" -name '*.swift' | sort); }

build_pushcore() {
    local sources objects="$out/lib/PushCore"
    sources=$(swift_files Sources/PushCore)
    # shellcheck disable=SC2086
    up_to_date "$objects.stamp" PushCore $sources && return
    echo "  PushCore (library)"
    rm -rf "$objects" "$objects.stamp" && mkdir -p "$objects"
    # Code generated on several threads needs an object file per source file, named in a map.
    # shellcheck disable=SC2086
    (cd "$root" && for f in $sources; do b=${f##*/}; printf '"%s": {"object": "%s"},\n' "$root/$f" "$objects/${b%.swift}.o"; done) \
        | { printf '{'; sed '$ s/,$//'; printf '}\n'; } > "$out/tmp/PushCore.map.json"
    # shellcheck disable=SC2046,SC2086
    (cd "$out/tmp" && "${pin[@]}" "$swiftc" "${flags[@]}" -num-threads "$threads" -enable-testing -module-name PushCore \
        -emit-module -emit-module-path "$out/modules/PushCore.swiftmodule" \
        -c $(absolute $sources) -output-file-map "$out/tmp/PushCore.map.json")
    # shellcheck disable=SC2086
    stamp_of $sources > "$out/stamps/PushCore"
    touch "$objects.stamp"
}

build_target() {
    local name=$1 harness sources
    harness=$(harness_of "$name")
    sources="Fuzz/Targets/$harness $(swift_files Fuzz/Targets/Shared)"
    # shellcheck disable=SC2086
    if up_to_date "$out/bin/$name" "$name" $sources && [ "$out/bin/$name" -nt "$out/lib/PushCore.stamp" ]; then
        return
    fi
    echo "  $name"
    # shellcheck disable=SC2046,SC2086
    (cd "$out/tmp" && "${pin[@]}" "$swiftc" "${flags[@]}" "${link[@]}" -module-name "Fuzz_${name//-/_}" \
        -I "$out/modules" $(absolute $sources) "$out/lib/PushCore"/*.o \
        -o "$out/bin/$name")
    # shellcheck disable=SC2086
    stamp_of $sources > "$out/stamps/$name"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for name in "${targets[@]}"; do harness_of "$name" >/dev/null; done
echo "building fuzz targets into ${out#"$root"/}/bin"
build_pushcore
for name in "${targets[@]}"; do build_target "$name"; done
