#!/usr/bin/env bash
# The MNIST CNN rows of issue 11 on the full data set, one thread per run: the paper's CNN
# (`--network cnn`: 3 convolutional stages, 10 epochs, the preset's defaults) by backprop and by
# cDNI over seeds 1,2,3, and by DNI with seed 1. Each row is one
# `dni compare --task mnist --network cnn --methods M --seeds … --json`, whose JSON Lines (every
# seed's epochs, probes and summary, then the mean ± sd aggregate) go to docs/runs/<row>.jsonl
# through a temporary file and a rename, so an interrupted row leaves the old record. At the
# end it prints the rows' mean ± sd as Markdown (`dni table`).
#
# This takes hours on a 2-core machine (one epoch of cdni is many minutes): run it in the
# background, e.g. `nohup Scripts/cnn-table.sh /data/mnist > cnn-table.log 2>&1 &`.
#
# Usage: Scripts/cnn-table.sh [DATA_DIR] [ROW...]
#   DATA_DIR defaults to $DNI_DATA (one of them is needed); ROWs pick rows (default: all).
#   JOBS=2 runs two rows at once. SEEDS=1,2 overrides the seeds of the 3-seed rows.
#   LIST=1 prints the rows and their commands without running anything. EXTRA="--epochs 1"
#   appends flags to every row (smoke tests; the records it writes are then not the table's).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${DNI_DATA:?give the MNIST directory as the first argument or in DNI_DATA}}"
shift || true
seeds="${SEEDS:-1,2,3}"

# Row name → flags of `dni compare --task mnist --network cnn` and its seeds.
declare -A rows=(
    [mnist-cnn-bp10]="--methods backprop"
    [mnist-cnn-cdni10]="--methods cdni --probe-every 200"
    [mnist-cnn-dni10]="--methods dni --probe-every 200"
)
declare -A row_seeds=([mnist-cnn-bp10]="$seeds" [mnist-cnn-cdni10]="$seeds" [mnist-cnn-dni10]=1)
order=(mnist-cnn-bp10 mnist-cnn-cdni10 mnist-cnn-dni10)
names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=("${order[@]}")
for name in "${names[@]}"; do
    [[ -n "${rows[$name]:-}" ]] || { echo "unknown row: $name (rows: ${order[*]})" >&2; exit 2; }
done

if [[ -n "${LIST:-}" ]]; then
    for name in "${names[@]}"; do
        echo "$name: dni compare --task mnist --network cnn ${rows[$name]} --seeds ${row_seeds[$name]} --threads 1 --data $data --json ${EXTRA:-}"
    done
    exit 0
fi

swift build -c release >/dev/null
dni=.build/release/dni
run() {
    local name="$1"
    local partial="docs/runs/.$name.jsonl.partial"
    local -a flags extra
    read -ra flags <<< "${rows[$name]}"
    read -ra extra <<< "${EXTRA:-}"
    "$dni" compare --task mnist --network cnn "${flags[@]}" --seeds "${row_seeds[$name]}" --threads 1 --data "$data" \
        --json "${extra[@]}" > "$partial"
    mv "$partial" "docs/runs/$name.jsonl"
    echo "$name done" >&2
}
jobs="${JOBS:-1}"
for name in "${names[@]}"; do
    run "$name" &
    while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
done
wait
files=()
for name in "${names[@]}"; do files+=("docs/runs/$name.jsonl"); done
"$dni" table "${files[@]}"
