#!/usr/bin/env bash
# Fuzzes the file readers (docs/reliability.md, "Fuzzing"): builds the libFuzzer targets of tests/fuzz with
# clang, AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/, runs each in turn for N seconds on a
# copy of its corpus, with its dictionary, and prints what each reached. Crashes are kept in
# build-fuzz/crashes/<target>/, the grown corpora in build-fuzz/corpus/<target>/ (never in the repository), the
# logs in build-fuzz/logs/<target>.log.
#
# usage: tools/fuzz/run.sh [--seconds N] [--no-build] [TARGET...]
#   --seconds N   how long to fuzz each target (default 60)
#   --no-build    use the programs already in build-fuzz/
#   TARGET        safetensors, openpose_json, ... (tests/fuzz/fuzz_targets.h); default every target
# FUZZ_BUILD_JOBS (default 2) caps the build's parallel jobs; FUZZ_ARGS adds libFuzzer flags.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

all=(safetensors openpose_json deepfashion_keypoints deepfashion_pairs pts edit_document face_parameters graph_model image face_model)
seconds=60
build=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --seconds=*) seconds=${1#*=}; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *)
            if [[ ! " ${all[*]} " == *" $1 "* ]]; then echo "unknown target $1 (targets: ${all[*]})" >&2; exit 2; fi
            targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

if [ "$build" = 1 ]; then
    # -O1 and line tables: fast enough to fuzz, and sanitizer reports name the line. No NDEBUG: asserts stay on.
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
        -DMARIONETTE_SANITIZE=address,undefined -DMARIONETTE_FUZZ=ON >/dev/null
    cmake --build build-fuzz --parallel "${FUZZ_BUILD_JOBS:-2}" --target "${targets[@]/#/fuzz_}"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1
mkdir -p build-fuzz/logs

# What libFuzzer left in the crash folder: crashes, leaks, timeouts, out-of-memory.
count() { find "$1" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l; }

rows=()
for target in "${targets[@]}"; do
    corpus=build-fuzz/corpus/$target
    crashes=build-fuzz/crashes/$target
    log=build-fuzz/logs/$target.log
    mkdir -p "$corpus" "$crashes"
    cp -n tests/fuzz/corpus/"$target"/* "$corpus"/  # the seeds and regressions; what earlier runs found stays
    dict=()
    [ -f tests/fuzz/dict/"$target".dict ] && dict=(-dict=tests/fuzz/dict/"$target".dict)
    before=$(count "$crashes")
    echo "fuzzing $target for $seconds s (log: $log)"
    status=0
    # shellcheck disable=SC2086
    build-fuzz/tests/fuzz/fuzz_"$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 \
        -rss_limit_mb=2560 -artifact_prefix="$crashes"/ "${dict[@]}" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1 ||
        status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 | awk '{print $2 "/" $4}')
    found=$(($(count "$crashes") - before))
    rows+=("$(printf '%-22s %12s %14s %8s %s' "$target" "${execs:-?}" "${cov:-?}" "$found" \
        "$([ "$status" = 0 ] || echo "(exit $status: see $log)")")")
done

# crashes: the new ones of this run
printf '\n%-22s %12s %14s %8s\n' target executions cov/ft crashes
printf '%s\n' "${rows[@]}"
