#!/usr/bin/env bash
# Re-runs every row of the MNIST table in docs/reproducing-the-paper.md (and the README) over
# several seeds on the full data set, one thread per run: seeds 1-5, or 1-3 for the rows that take
# over 10 minutes a run. Each row is one `dni compare --methods M --seeds … --json`, whose JSON
# Lines (every seed's epochs, probes and summary, then the mean ± sd aggregate) go to
# docs/runs/<row>.jsonl through a temporary file and a rename, so an interrupted row leaves the
# old record. At the end it prints the rows' mean ± sd as Markdown (`dni table`).
#
# Usage: Scripts/mnist-table.sh [DATA_DIR] [ROW...]
#   DATA_DIR defaults to $DNI_DATA (one of them is needed); ROWs pick rows (default: all).
#   JOBS=2 runs two rows at once. SEEDS=1,2 and LONG_SEEDS=1 override the seed lists.
#   LIST=1 prints the rows and their commands without running anything. EXTRA="--epochs 1"
#   appends flags to every row (smoke tests; the records it writes are then not the table's).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${DNI_DATA:?give the MNIST directory as the first argument or in DNI_DATA}}"
shift || true
seeds="${SEEDS:-1,2,3,4,5}"
long_seeds="${LONG_SEEDS:-1,2,3}"

# Row name → flags of `dni compare --task mnist` (the defaults: 3 layers, 10 epochs, ×0.1 at epoch 8).
declare -A rows=(
    [mnist-bp10]="--methods backprop"
    [mnist-cdni10]="--methods cdni --probe-every 200"
    [mnist-dni10-final]="--methods dni --probe-every 200"
    [mnist-fa10]="--methods fa"
    [mnist-dfa10]="--methods dfa"
    [mnist-bp6]="--methods backprop --layers 6"
    [mnist-cdni6-20]="--methods cdni --layers 6 --epochs 20 --decay-epochs 15 --probe-every 400"
    [mnist-dni6-final]="--methods dni --layers 6 --probe-every 200"
    [mnist-cdni4p02]="--methods cdni --layers 4 --update-probability 0.2 --epochs 20 --decay-epochs 16"
    [mnist-cdni6]="--methods cdni --layers 6"
    [mnist-dni10]="--methods dni --learning-rate 1e-3"
    [mnist-dni10-lr1e-4]="--methods dni --learning-rate 1e-4"
    [mnist-dni6]="--methods dni --layers 6 --learning-rate 1e-3"
    [mnist-dni-140epochs]="--methods dni --epochs 140 --decay-epochs 90,120 --probe-every 500"
)
# Rows whose single run takes over 10 minutes on the 2-core machine: fewer seeds.
declare -A long=([mnist-dni-140epochs]=1)
order=(mnist-bp10 mnist-cdni10 mnist-dni10-final mnist-fa10 mnist-dfa10 mnist-bp6 mnist-cdni6-20 mnist-dni6-final
       mnist-cdni4p02 mnist-cdni6 mnist-dni10 mnist-dni10-lr1e-4 mnist-dni6 mnist-dni-140epochs)
names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=("${order[@]}")
for name in "${names[@]}"; do
    [[ -n "${rows[$name]:-}" ]] || { echo "unknown row: $name (rows: ${order[*]})" >&2; exit 2; }
done

seeds_of() { if [[ -n "${long[$1]:-}" ]]; then echo "$long_seeds"; else echo "$seeds"; fi; }

if [[ -n "${LIST:-}" ]]; then
    for name in "${names[@]}"; do
        echo "$name: dni compare --task mnist ${rows[$name]} --seeds $(seeds_of "$name") --threads 1 --data $data --json ${EXTRA:-}"
    done
    exit 0
fi

swift build -c release >/dev/null
dni=.build/release/dni
run() {
    local name="$1"
    local partial="docs/runs/.$name.jsonl.partial"
    # shellcheck disable=SC2086
    "$dni" compare --task mnist ${rows[$name]} --seeds "$(seeds_of "$name")" --threads 1 --data "$data" --json ${EXTRA:-} > "$partial"
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
