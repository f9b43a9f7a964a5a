#!/usr/bin/env bash
# Fuzzes one of the file readers with libFuzzer and AddressSanitizer.
#
#   Scripts/fuzz.sh TARGET SECONDS [RUNS]      TARGET: idx | checkpoint | metrics | cifar
#
# Builds .build/fuzz/TARGET from Fuzz/Targets/*.swift and the library sources it reads
# (swiftc -sanitize=fuzzer,address, optimised), then runs it for SECONDS seconds (or RUNS runs,
# when given) on a copy of the committed seed corpus Fuzz/Corpus/TARGET, one job on one core.
# New inputs stay in .build/fuzz/corpus-TARGET; a crash is written to .build/fuzz/artifacts/.
#
# Exit status: 0 no finding; 1 a crash, a leak, a timeout or a build failure; 3 the toolchain has
# no libFuzzer runtime, so nothing was fuzzed (CI reports that as skipped, never as passed).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-}"
seconds="${2:-}"
runs="${3:-}"
case "$target" in
    idx) sources=(Sources/DNI/Errors.swift Sources/DNI/Data/IDXFile.swift Sources/DNI/Data/Gzip.swift
                  Sources/DNI/Data/FileBytes.swift Fuzz/Targets/IDXGzip.swift) ;;
    checkpoint) sources=(Sources/DNI/Errors.swift Sources/DNI/Checkpoint/*.swift Sources/DNI/Data/Gzip.swift
                         Sources/DNI/Data/FileBytes.swift Fuzz/Targets/Checkpoint.swift) ;;
    metrics) sources=(Sources/DNIReports/*.swift Fuzz/Targets/Metrics.swift) ;;
    # The CIFAR-10 reader builds a Linalg matrix: Matrix.swift is compiled into the same module
    # (its `import Linalg` lines are dropped from copies below).
    cifar) sources=(Sources/DNI/Errors.swift Sources/DNI/Data/CIFAR10Split.swift Sources/DNI/Data/FileBytes.swift
                    Sources/DNI/Data/OneHot.swift Sources/DNI/Layers/Convolution/SpatialShape.swift
                    Sources/Linalg/Matrix.swift Fuzz/Targets/CIFAR10.swift) ;;
    *) echo "usage: Scripts/fuzz.sh idx|checkpoint|metrics|cifar SECONDS [RUNS]" >&2; exit 2 ;;
esac
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2; exit 2
fi

build=.build/fuzz
mkdir -p "$build/artifacts" "$build/corpus-$target"

# Is there a libFuzzer runtime at all? Build an empty target to find out.
probe="$build/probe.swift"
printf '@_cdecl("LLVMFuzzerTestOneInput")\npublic func probe(_ d: UnsafePointer<UInt8>, _ n: Int) -> Int32 { 0 }\n' > "$probe"
if ! swiftc -sanitize=fuzzer,address -parse-as-library "$probe" -o "$build/probe" >"$build/probe.log" 2>&1; then
    echo "fuzz.sh: this toolchain cannot build libFuzzer targets (see $build/probe.log); skipped" >&2
    exit 3
fi

echo "fuzz.sh: building $target"
# One module: sources that import Linalg are compiled from copies without that line.
copies="$build/sources-$target"
rm -rf "$copies" && mkdir -p "$copies"
for index in "${!sources[@]}"; do
    if grep -q '^import Linalg$' "${sources[$index]}"; then
        copy="$copies/$(basename "${sources[$index]}")"
        grep -v '^import Linalg$' "${sources[$index]}" > "$copy"
        sources[$index]="$copy"
    fi
done
# (The linker's "cannot export local symbol __asan_…" warnings are harmless: kept in the log.)
if ! swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzTarget \
    -I Sources/CZlib "${sources[@]}" -o "$build/$target" >"$build/$target-build.log" 2>&1; then
    grep -v "Cannot export local symbol" "$build/$target-build.log" >&2
    echo "fuzz.sh: could not build $target" >&2
    exit 1
fi

cp -n Fuzz/Corpus/"$target"/* "$build/corpus-$target/" 2>/dev/null || true
limit=(-max_total_time="$seconds")
if [ -n "$runs" ]; then limit=(-runs="$runs"); fi
# -rss_limit_mb: the readers must stay bounded by their input's size; 2 GB is far above that.
# SWIFT_BACKTRACE=enable=no: a Swift trap is then reported by libFuzzer as a deadly signal with
# its "Fatal error: …" line; Swift's own backtracer trips AddressSanitizer and hides the cause.
set +e
SWIFT_BACKTRACE=enable=no "$build/$target" "${limit[@]}" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 \
    "$build/corpus-$target" >"$build/$target.log" 2>&1
status=$?
set -e
grep -E "^#[0-9]+ +DONE|ERROR|SUMMARY|Fatal error|deadly signal|Test unit written" "$build/$target.log" || true
if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: $target FOUND A PROBLEM (exit $status); see $build/$target.log and $build/artifacts/" >&2
    exit 1
fi
runs_done=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$build/$target.log" | grep -Eo '[0-9]+$')
limit_text="${seconds} s"
if [ -n "$runs" ]; then limit_text="$runs runs"; fi
elapsed=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$build/$target.log" | grep -Eo '[0-9]+ second' | grep -Eo '[0-9]+')
echo "fuzz.sh: $target: no crash in $runs_done runs, $elapsed s (limit: $limit_text)"
