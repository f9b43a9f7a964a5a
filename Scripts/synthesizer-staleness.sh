#!/usr/bin/env bash
# Does the recurrent linear synthesizer's one-update staleness matter? Copy, T = 3, DNI, seeds
# 1–3: the synthesizer regresses either the prediction it made one update earlier (stale) or
# M(s₀) recomputed when it learns (recomputed). Same window budget for both. Writes the JSON
# Lines of every run to OUT (default docs/runs/synthesizer-staleness.jsonl) and prints one line
# per run: mode, seed, max_length_solved, error at the current length, mean probe cosine, ‖c‖.
#
# Usage: Scripts/synthesizer-staleness.sh [WINDOWS] [OUT]   (needs swift build -c release)
set -euo pipefail
windows=${1:-4000}
out=${2:-docs/runs/synthesizer-staleness.jsonl}
dni=.build/release/dni
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
: > "$tmp"
for seed in 1 2 3; do
    for mode in stale recomputed; do
        nice -n 10 "$dni" train --task copy --method dni --truncation 3 --steps "$windows" --threads 1 \
            --seed "$seed" --synthesizer-prediction "$mode" --probe-every 1000 --report-every 1000 --json \
            2>/dev/null | sed "s/^{/{\"staleness_mode\":\"$mode\",\"run_seed\":$seed,/" >> "$tmp"
    done
done
mv "$tmp" "$out"
trap - EXIT
python3 - "$out" <<'PY'
import json, sys
runs = {}
for line in open(sys.argv[1]):
    record = json.loads(line)
    key = (record["staleness_mode"], record["run_seed"])
    run = runs.setdefault(key, {"cos": [], "cell": None, "summary": None})
    if record["event"] == "probe":
        run["cos"].append(record.get("cosine", float("nan")))
        run["cell"] = record.get("cell_norm")
    elif record["event"] == "summary":
        run["summary"] = record
print("mode        seed  max_length_solved  bits_at_current_length  train_loss  mean_cosine  cell_norm  windows/s")
for (mode, _), run in sorted(runs.items()):
    s = run["summary"]
    cosine = sum(run["cos"]) / len(run["cos"]) if run["cos"] else float("nan")
    print(f"{mode:10s}  {s['seed']:4d}  {s['max_length_solved']:17d}  {s['recent_bits_per_step']:22.3f}"
          f"  {s['train_loss']:10.4f}  {cosine:11.3f}  {run['cell'] or float('nan'):9.2f}  {s['windows_per_second']:9.1f}")
PY
