#!/usr/bin/env bash
# Runs every fuzz target for the given seconds each (default 20), FUZZ_JOBS side by side.
#   Fuzz/run.sh [seconds-per-target] [target...]
# Builds first if needed. Each target starts from its working corpus (Fuzz/.build-fuzz/corpus/<t>,
# where new inputs are kept between runs) plus the committed seeds (Fuzz/corpus/<t>). Crashing
# inputs go to Fuzz/.build-fuzz/crashes, logs to Fuzz/.build-fuzz/logs. Prints exec/s and
# coverage per target; exits non-zero if any target crashed, leaked, timed out or ran out of memory.
# Environment: FUZZ_JOBS (targets run at once; default one per CPU), FUZZ_CPU (run them one at
# a time, pinned to this CPU), FUZZ_ARGS (extra libFuzzer flags), FUZZ_JUNIT (also write a JUnit XML report to this file: one
# test case per target, plus a failing "build" case if the build failed).
set -uo pipefail

fuzz=$(cd "$(dirname "$0")" && pwd)
out="$fuzz/.build-fuzz"
seconds=${1:-20}
shift $(( $# > 0 ? 1 : 0 ))
case "$seconds" in ''|*[!0-9]*) echo "usage: Fuzz/run.sh [seconds-per-target] [target...]" >&2; exit 2 ;; esac

all_targets=(http-request websocket-frame engineio-payload socketio-packet json query-path)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

dict_of() {
    case "$1" in
    http-request|query-path) echo http.dict ;;
    engineio-payload) echo engineio.dict ;;
    socketio-packet) echo socketio.dict ;;
    json) echo json.dict ;;
    esac
}

if [ -n "${FUZZ_CPU:-}" ]; then lanes=1; else lanes=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}; fi
case "$lanes" in ''|*[!0-9]*|0) echo "run.sh: FUZZ_JOBS must be a positive number" >&2; exit 2 ;; esac
pin=()
if [ -n "${FUZZ_CPU:-}" ] && command -v taskset >/dev/null; then pin=(taskset -c "$FUZZ_CPU"); fi

# JUnit report: <testcase> elements collected in $cases, written by write_junit.
cases=""
xml_escape() { tr -d '\000-\010\013\014\016-\037' | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
add_case() { # name seconds [failure-message [details]]
    cases+="  <testcase classname=\"fuzz\" name=\"$1\" time=\"$2\""
    if [ $# -ge 3 ]; then
        cases+="><failure message=\"$(xml_escape <<<"$3")\">$(xml_escape <<<"${4:-}")</failure></testcase>"$'\n'
    else
        cases+="/>"$'\n'
    fi
}
write_junit() { # tests failures
    [ -n "${FUZZ_JUNIT:-}" ] || return 0
    { printf '<?xml version="1.0" encoding="UTF-8"?>\n'
      printf '<testsuite name="fuzz" tests="%s" failures="%s" errors="0" skipped="0">\n' "$1" "$2"
      printf '%s' "$cases"
      printf '</testsuite>\n'; } > "$FUZZ_JUNIT"
}
[ -z "${FUZZ_JUNIT:-}" ] || rm -f "$FUZZ_JUNIT"

if ! FUZZ_CPU=${FUZZ_CPU:-} "$fuzz/build.sh" "${targets[@]}"; then
    echo "run.sh: build failed" >&2
    add_case build 0 "fuzz build failed"
    write_junit 1 1
    exit 2
fi
mkdir -p "$out/crashes" "$out/logs"

# The Swift runtime's own crash backtracer trips ASan; let libFuzzer report crashes instead.
export SWIFT_BACKTRACE=enable=no
failed=0
failures=0
summary=()
marker=$(mktemp)

# One target, in the background: its log, then its exit status and seconds in $log.status.
fuzz_one() { # target
    local target=$1 log="$out/logs/$1.log" started=$SECONDS status dict
    local args=("$out/corpus/$target" "$fuzz/corpus/$target"
                -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
                -artifact_prefix="$out/crashes/$target-")
    dict=$(dict_of "$target")
    [ -n "$dict" ] && args+=(-dict="$fuzz/dict/$dict")
    # shellcheck disable=SC2206
    args+=(${FUZZ_ARGS:-})
    "${pin[@]}" "$out/bin/$target" "${args[@]}" >"$log" 2>&1
    status=$?
    echo "$status $((SECONDS - started))" > "$log.status"
}

for target in "${targets[@]}"; do
    mkdir -p "$out/corpus/$target"
    rm -f "$out/logs/$target.log.status"
    while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do wait -n; done
    echo "==> $target (${seconds}s${FUZZ_CPU:+, cpu $FUZZ_CPU})"
    fuzz_one "$target" &
done
wait

for target in "${targets[@]}"; do
    log="$out/logs/$target.log"
    read -r status took < "$log.status" 2>/dev/null || { status=1; took=0; }
    new_artifacts=$(find "$out/crashes" -maxdepth 1 -name "$target-*" -newer "$marker" | sort)

    # libFuzzer's last status line has cov/ft; the final stats have runs and exec/s. (With
    # FUZZ_ARGS=-fork=N the status lines read "#runs: cov: ... corp: N exec/s: ...".)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -n 1)
    [ -n "$runs" ] || runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
    # Fork mode's lines give the rate of the last job only: average over the whole run instead.
    elapsed=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$last")
    [ -n "$rate" ] || { [ -n "$runs" ] && [ "${elapsed:-0}" -gt 0 ] && rate=$((runs / elapsed)); }
    [ -n "$rate" ] || rate=$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$last")

    result=ok
    if [ "$status" -ne 0 ] || [ -n "$new_artifacts" ]; then
        result="FAILED (exit $status)"
        failed=1
        failures=$((failures + 1))
        report=$(
            grep -E 'Fatal error|Precondition failed|Assertion failed|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|SUMMARY|deadly signal|timeout after' "$log" \
                | head -n 5
            for artifact in $new_artifacts; do echo "input: ${artifact#"$(dirname "$fuzz")"/}"; done
            echo "log:   ${log#"$(dirname "$fuzz")"/}")
        sed 's/^/    /' <<<"$report"
        add_case "$target" "$took" "$target $result" "$report"
    else
        add_case "$target" "$took"
    fi
    line=$(printf '%-18s %-20s runs %-10s exec/s %-7s cov %-6s ft %-7s corpus %s' \
        "$target" "$result" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
    echo "    $line"
    summary+=("$line")
done

rm -f "$marker"
echo
echo "fuzz summary (${seconds}s per target)"
printf '  %s\n' "${summary[@]}"
write_junit "${#targets[@]}" "$failures"
exit "$failed"
