#!/usr/bin/env bash
# How much staleness costs: test error after 10 epochs of MNIST (the task's defaults) at delay
# K = 1, 2 and 4, for cdni over seeds 1-5 and dni over seeds 1-3 (its runs take over 10 minutes
# a seed at K=4 on one core). K is the only difference between rows: a synthesizer learns from
# the target of batch b just before it predicts for batch b + K. The execution does not change
# the numbers (sequential, pipelined and MPI give the same bits for the same K), only the time;
# EXECUTION="--execution pipelined --threads 2" runs them faster on two cores.
# Each row's JSON Lines go to docs/runs/staleness-<method>-k<K>.jsonl through a temporary file
# and a rename; the mean ± sd rows are printed at the end (`dni table`).
#
# Usage: Scripts/staleness-table.sh [DATA_DIR]   (default: $DNI_DATA; one of them is needed)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${DNI_DATA:?give the MNIST directory as the first argument or in DNI_DATA}}"
execution="${EXECUTION:---threads 1}"
swift build -c release --product dni >/dev/null
dni=.build/release/dni
files=()
for method in cdni dni; do
    seeds=1,2,3,4,5
    [ "$method" = dni ] && seeds=1,2,3
    for delay in 1 2 4; do
        out="docs/runs/staleness-$method-k$delay.jsonl"
        # shellcheck disable=SC2086
        "$dni" compare --task mnist --data "$data" --methods "$method" --seeds "$seeds" --delay "$delay" \
            --probe-every 0 $execution --json >"$out.partial"
        mv "$out.partial" "$out"
        files+=("$out")
    done
done
"$dni" table "${files[@]}"
