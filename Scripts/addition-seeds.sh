#!/usr/bin/env bash
# Reproduces the README's binary-addition tables over seeds 1-5: every method with the default
# settings at 8 bits, and the post's other size (12 bits) with 10,000 and 50,000 examples. Each
# row is one `dni compare --seeds 1,2,3,4,5 --json`, written to docs/runs/<row>.jsonl through a
# temporary file and a rename; at the end it prints the mean ± sd Markdown rows (`dni table`).
#
# Usage: Scripts/addition-seeds.sh [ROW...] [-- extra dni compare flags...]
#   ROWs: addition-8bit addition-12bit addition-12bit-50k (default: all). SEEDS=1,2 overrides
#   the seeds. LIST=1 prints the commands without running them.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${SEEDS:-1,2,3,4,5}"
declare -A rows=(
    [addition-8bit]=""
    [addition-12bit]="--bits 12"
    [addition-12bit-50k]="--bits 12 --examples 50000"
)
order=(addition-8bit addition-12bit addition-12bit-50k)
names=()
while [[ $# -gt 0 && $1 != "--" ]]; do names+=("$1"); shift; done
[[ ${1:-} == "--" ]] && shift
[[ ${#names[@]} -eq 0 ]] && names=("${order[@]}")
for name in "${names[@]}"; do
    [[ -v "rows[$name]" ]] || { echo "unknown row: $name (rows: ${order[*]})" >&2; exit 2; }
done
if [[ -n "${LIST:-}" ]]; then
    for name in "${names[@]}"; do
        echo "$name: dni compare --task addition --methods backprop,cdni,dni ${rows[$name]} --seeds $seeds --json $*"
    done
    exit 0
fi
swift build -c release >/dev/null
dni=.build/release/dni
files=()
for name in "${names[@]}"; do
    partial="docs/runs/.$name.jsonl.partial"
    # shellcheck disable=SC2086
    "$dni" compare --task addition --methods backprop,cdni,dni ${rows[$name]} --seeds "$seeds" --json "$@" > "$partial"
    mv "$partial" "docs/runs/$name.jsonl"
    files+=("docs/runs/$name.jsonl")
done
"$dni" table "${files[@]}"
