#!/usr/bin/env bash
# Builds every fuzz target into Fuzz/.build-fuzz/bin with libFuzzer and AddressSanitizer.
#
# The package's modules are compiled straight from Sources/ with swiftc, instrumented, as
# libraries: CPushSys (clang), PushCore, then Transports (each one whole-module, -O,
# -enable-testing). Each target is its harness file plus Targets/Shared, linked against them;
# harnesses use @testable import, so they reach internal API such as
# StaticFileEndpoint.safeRelativePath. Whole modules rather than hand-picked files keep the build
# working when files move between folders or modules; only what a target calls is executed.
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
clang="$toolbin/clang"

pin=()
if [ -n "${FUZZ_CPU:-}" ] && command -v taskset >/dev/null; then pin=(taskset -c "$FUZZ_CPU"); fi

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
# Targets that only need PushCore link less and start faster.
needs_transports() { case "$1" in query-path) return 0 ;; *) return 1 ;; esac; }

mkdir -p "$out/bin" "$out/lib" "$out/modules" "$out/include/CPushSys" "$out/stamps" "$out/tmp"

# Rebuild when the list of inputs, their sizes or their times changed (paths relative to the root).
stamp_of() { (cd "$root" && ls -l --time-style=+%s.%N "$@" Fuzz/build.sh | awk '{print $5, $6, $7}' | cksum); }
up_to_date() { # output stamp-name inputs...
    local output=$1 stamp="$out/stamps/$2"; shift 2
    [ -e "$output" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_of "$@")" ]
}
# swiftc leaves debug-info modules in its working directory: compile in $out/tmp, absolute paths.
absolute() { for f in "$@"; do echo "$root/$f"; done; }
swift_files() { (cd "$root" && find "$@" -name '*.swift' | sort); }

build_cpushsys() {
    local inputs=(Sources/CPushSys/shim.c Sources/CPushSys/include/CPushSys.h)
    # SwiftPM makes the module map of a C target; do the same.
    printf 'module CPushSys {\n    header "%s"\n    export *\n}\n' \
        "$root/Sources/CPushSys/include/CPushSys.h" > "$out/include/CPushSys/module.modulemap"
    up_to_date "$out/lib/CPushSys.o" CPushSys "${inputs[@]}" && return
    echo "  CPushSys"
    "${pin[@]}" "$clang" -O1 -g -fsanitize=address,fuzzer-no-link -I "$root/Sources/CPushSys/include" \
        -c "$root/Sources/CPushSys/shim.c" -o "$out/lib/CPushSys.o"
    stamp_of "${inputs[@]}" > "$out/stamps/CPushSys"
}

# What the EmbedClient plugin adds to Transports in a SwiftPM build, made by the same tool from
# the same files (Plugins/EmbedClient/EmbedClient.swift lists them).
embedded_client() {
    local inputs=(Sources/embed-files/main.swift Public/client.js Public/client.mjs Public/client.d.ts Public/client.d.mts)
    mkdir -p "$out/gen"
    up_to_date "$out/gen/EmbeddedClientFiles.swift" embedded "${inputs[@]}" && return
    (cd "$out/tmp" && "$swiftc" -O "$root/Sources/embed-files/main.swift" -o "$out/bin/embed-files")
    # shellcheck disable=SC2046
    "$out/bin/embed-files" "$out/gen/EmbeddedClientFiles.swift" $(absolute "${inputs[@]:1}")
    stamp_of "${inputs[@]}" > "$out/stamps/embedded"
}

build_module() { # name, after the modules it imports
    local name=$1 sources generated=()
    sources=$(swift_files "Sources/$name")
    if [ "$name" = Transports ]; then embedded_client; generated=("$out/gen/EmbeddedClientFiles.swift"); fi
    # A module is stale when its sources changed or a module it imports was rebuilt after it.
    # shellcheck disable=SC2086
    if up_to_date "$out/lib/$name.o" "$name" $sources \
        && { [ "$name" = PushCore ] || [ "$out/lib/$name.o" -nt "$out/lib/PushCore.o" ]; } \
        && { [ ${#generated[@]} -eq 0 ] || [ "$out/lib/$name.o" -nt "${generated[0]}" ]; }; then
        return
    fi
    echo "  $name (library)"
    # shellcheck disable=SC2046,SC2086
    (cd "$out/tmp" && "${pin[@]}" "$swiftc" "${flags[@]}" -enable-testing -module-name "$name" \
        -I "$out/modules" -I "$out/include/CPushSys" \
        -emit-module -emit-module-path "$out/modules/$name.swiftmodule" \
        -c $(absolute $sources) "${generated[@]}" -o "$out/lib/$name.o")
    # shellcheck disable=SC2086
    stamp_of $sources > "$out/stamps/$name"
}

build_target() {
    local name=$1 harness sources libraries
    harness=$(harness_of "$name")
    sources="Fuzz/Targets/$harness $(swift_files Fuzz/Targets/Shared)"
    libraries=("$out/lib/PushCore.o")
    needs_transports "$name" && libraries+=("$out/lib/Transports.o" "$out/lib/CPushSys.o")
    # shellcheck disable=SC2086
    if up_to_date "$out/bin/$name" "$name" $sources; then
        local stale=0 library
        for library in "${libraries[@]}"; do [ "$out/bin/$name" -nt "$library" ] || stale=1; done
        [ "$stale" = 0 ] && return
    fi
    echo "  $name"
    # shellcheck disable=SC2046,SC2086
    (cd "$out/tmp" && "${pin[@]}" "$swiftc" "${flags[@]}" "${link[@]}" -module-name "Fuzz_${name//-/_}" \
        -I "$out/modules" -I "$out/include/CPushSys" $(absolute $sources) "${libraries[@]}" \
        -o "$out/bin/$name")
    # shellcheck disable=SC2086
    stamp_of $sources > "$out/stamps/$name"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for name in "${targets[@]}"; do harness_of "$name" >/dev/null; done
echo "building fuzz targets into ${out#"$root"/}/bin"
build_cpushsys
build_module PushCore
for name in "${targets[@]}"; do
    if needs_transports "$name"; then build_module Transports; break; fi
done
for name in "${targets[@]}"; do build_target "$name"; done
