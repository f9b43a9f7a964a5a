#!/usr/bin/env bash
# Re-runs the rows of the MNIST table in docs/reproducing-the-paper.md (all but the long DNI
# runs, whose commands are in the table) on the full data set, one thread per run, and writes each run's JSON Lines to
# docs/runs/<name>.jsonl. Prints one line per run: name, test error (%), training seconds.
#
# Usage: Scripts/mnist-table.sh [DATA_DIR] [NAME...]
#   DATA_DIR defaults to $DNI_DATA, then /work/shared/data/mnist; NAMEs pick rows (default: all).
#   JOBS=2 runs two rows at once (the table's times were taken that way on a 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${DNI_DATA:-/work/shared/data/mnist}}"
shift || true
swift build -c release >/dev/null
dni=.build/release/dni
declare -A rows=(
    [mnist-bp10]="--method backprop --epochs 10 --decay-epochs 8"
    [mnist-cdni10]="--method cdni --epochs 10 --decay-epochs 8 --probe-every 200"
    [mnist-dni10-final]="--method dni --epochs 10 --decay-epochs 8 --probe-every 200"
    [mnist-fa10]="--method fa --epochs 10 --decay-epochs 8"
    [mnist-dfa10]="--method dfa --epochs 10 --decay-epochs 8"
    [mnist-bp6]="--method backprop --layers 6 --epochs 10 --decay-epochs 8"
    [mnist-cdni6-20]="--method cdni --layers 6 --epochs 20 --decay-epochs 15 --probe-every 400"
    [mnist-dni6-final]="--method dni --layers 6 --epochs 10 --decay-epochs 8 --probe-every 200"
    [mnist-cdni4p02]="--method cdni --layers 4 --update-probability 0.2 --epochs 20 --decay-epochs 16"
    [mnist-cdni6]="--method cdni --layers 6 --epochs 10 --decay-epochs 8"
    [mnist-dni10]="--method dni --epochs 10 --decay-epochs 8 --learning-rate 1e-3"
    [mnist-dni10-lr1e-4]="--method dni --epochs 10 --decay-epochs 8 --learning-rate 1e-4"
    [mnist-dni6]="--method dni --layers 6 --epochs 10 --decay-epochs 8 --learning-rate 1e-3"
)
names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=(mnist-bp10 mnist-cdni10 mnist-dni10-final mnist-fa10 mnist-dfa10 mnist-bp6 mnist-cdni6-20 mnist-dni6-final
                                    mnist-cdni4p02 mnist-cdni6 mnist-dni10 mnist-dni10-lr1e-4 mnist-dni6)
run() {
    local name="$1"
    # Into a temporary file first: a run that fails or is interrupted leaves the old record.
    # shellcheck disable=SC2086
    "$dni" train --task mnist ${rows[$name]} --threads 1 --data "$data" --json > "docs/runs/.$name.jsonl.partial"
    mv "docs/runs/.$name.jsonl.partial" "docs/runs/$name.jsonl"
    tail -n 1 "docs/runs/$name.jsonl" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print("'"$name"' %.2f%% %.0f s" % (100 * (1 - d["test_accuracy"]), d["seconds"]))'
}
jobs="${JOBS:-1}"
for name in "${names[@]}"; do
    [[ -n "${rows[$name]:-}" ]] || { echo "unknown row: $name" >&2; exit 2; }
    run "$name" &
    while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
done
wait
