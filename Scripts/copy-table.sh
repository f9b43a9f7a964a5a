#!/usr/bin/env bash
# Runs the Copy / Repeat Copy table of docs/recurrent.md: truncated BPTT against DNI on the same
# budget of windows (the fair unit between methods), one thread per run, and writes each run's
# JSON Lines to docs/runs/recurrent/<name>.jsonl. Prints one line per run: name,
# max_length_solved, windows, training seconds. The default budget (100,000 windows) takes about
# 15 minutes per run on this 2-core machine; the whole table is several hours. Not run by CI.
#
# Usage: Scripts/copy-table.sh [NAME...]        (default: every row)
#   WINDOWS=100000   the budget per run          SEEDS="1 2 3"  seeds of the T = 3 rows
#   JOBS=2           runs two rows at once (one thread each)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
dni=.build/release/dni
windows="${WINDOWS:-100000}"
seeds="${SEEDS:-1 2 3}"
common="--hidden 256 --batch-size 64 --steps $windows --threads 1 --probe-every 5000 --report-every 1000 --json"
declare -A rows=()
for seed in $seeds; do
    rows[copy-t3-bptt-s$seed]="--task copy --truncation 3 --method bptt --seed $seed"
    rows[copy-t3-dni-s$seed]="--task copy --truncation 3 --method dni --seed $seed"
    # The same-norm noise control: DNI's injected norm, random directions.
    rows[copy-t3-dni-noise-s$seed]="--task copy --truncation 3 --method dni --synthetic-gradient-noise --seed $seed"
    # The linear synthesizer factored through 64 columns: the cheaper window.
    rows[copy-t3-dni-rank64-s$seed]="--task copy --truncation 3 --method dni --synthesizer-rank 64 --seed $seed"
    rows[copy-t3-dni-aux-s$seed]="--task copy --truncation 3 --method dni --aux --seed $seed"
    # The replayed noise control needs DNI's norms (25 MB a run, kept out of git in .build/):
    # run the norms row (the same run as copy-t3-dni-s$seed), then the replayed row.
    rows[copy-t3-dni-norms-s$seed]="--task copy --truncation 3 --method dni --seed $seed --record-injected-norms .build/copy-t3-dni-s$seed.norms"
    rows[copy-t3-dni-noise-replayed-s$seed]="--task copy --truncation 3 --method dni --synthetic-gradient-noise --noise-norms .build/copy-t3-dni-s$seed.norms --seed $seed"
done
for t in 2 4; do
    # More seeds for the T = 2 and 4 rows (seed 1 is the row without a suffix).
    for seed in 2 3; do
        rows[copy-t$t-bptt-s$seed]="--task copy --truncation $t --method bptt --seed $seed"
        rows[copy-t$t-dni-s$seed]="--task copy --truncation $t --method dni --seed $seed"
    done
done
for t in 2 4 5; do
    rows[copy-t$t-bptt]="--task copy --truncation $t --method bptt"
    rows[copy-t$t-dni]="--task copy --truncation $t --method dni"
    rows[copy-t$t-dni-aux]="--task copy --truncation $t --method dni --aux"
    # β = 1, the default before: its synthesizer ran away at T = 4 and 5.
    rows[copy-t$t-dni-aux-w1]="--task copy --truncation $t --method dni --aux --aux-weight 1"
done
rows[repeat-copy-t3-bptt]="--task repeat-copy --truncation 3 --method bptt"
rows[repeat-copy-t3-dni]="--task repeat-copy --truncation 3 --method dni"
rows[repeat-copy-t3-dni-aux]="--task repeat-copy --truncation 3 --method dni --aux"
rows[repeat-copy-t3-dni-aux-w1]="--task repeat-copy --truncation 3 --method dni --aux --aux-weight 1"
# What diverged in the issue's PyTorch trial: the synthetic gradient injected unscaled.
rows[copy-t3-dni-unscaled]="--task copy --truncation 3 --method dni --synthetic-gradient-scale 1"

names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(printf '%s\n' "${!rows[@]}" | sort)
mkdir -p docs/runs/recurrent
run() {
    local name=$1
    local options=${rows[$name]:?unknown row $name}
    # shellcheck disable=SC2086
    "$dni" train $options $common > "docs/runs/recurrent/$name.jsonl.tmp" || true
    mv "docs/runs/recurrent/$name.jsonl.tmp" "docs/runs/recurrent/$name.jsonl"
    python3 - "$name" "docs/runs/recurrent/$name.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
s = next((l for l in reversed(lines) if l.get("event") == "summary"), None)
if s is None:
    print(f"{sys.argv[1]}: no summary (failed)")
else:
    print(f"{sys.argv[1]}: max_length_solved {s['max_length_solved']}, windows {s['steps']}, {s['seconds']:.0f} s")
PY
}
jobs_allowed="${JOBS:-1}"
for name in "${names[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_allowed" ]; do wait -n; done
    run "$name" &
done
wait
