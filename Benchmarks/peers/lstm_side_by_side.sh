#!/bin/sh
# Windows per second of the recurrent Copy task, swift-dni against the PyTorch peer, side by side
# in one run: T=3, hidden 256, batch 64, one-hot over 8 symbols, forward + backward + update,
# BPTT and DNI, one thread each. Each of REPEATS rounds runs the five in turn (swift bptt,
# torch bptt, swift dni, torch dni, swift dni with the synthesizer factored through RANK columns,
# default 64) BEST_OF times, interleaved, so all of them see the same machine
# load, and reports each one's best (the machine is shared: the best of a few interleaved short
# runs is the least disturbed one).
#
#   Benchmarks/peers/lstm_side_by_side.sh                       # 3 rounds, best of 3 × 500 windows
#   STEPS=300 REPEATS=1 BEST_OF=1 Benchmarks/peers/lstm_side_by_side.sh  # a quick one
#   DNI_BIN=/path/to/dni Benchmarks/peers/lstm_side_by_side.sh
#
# Prints one JSON line per run and a table of windows/s with the ratios swift/torch and dni/bptt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DNI_BIN=${DNI_BIN:-$root/.build/release/dni}
STEPS=${STEPS:-500}
BEST_OF=${BEST_OF:-3}
export BEST_OF
WARMUP=${WARMUP:-20}
REPEATS=${REPEATS:-3}
RANK=${RANK:-64}
export RANK
PYTHON=${PYTHON:-python3}
[ -x "$DNI_BIN" ] || { echo "no $DNI_BIN: run 'swift build -c release' first" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq 1 "$REPEATS"); do
 for attempt in $(seq 1 "$BEST_OF"); do
  for method in bptt dni; do
    DNI_GEMM_THREADS=1 "$DNI_BIN" train --task copy --method "$method" --truncation 3 --hidden 256 \
      --batch-size 64 --steps "$STEPS" --warmup "$WARMUP" --threads 1 --json \
      | tail -n 1 | sed "s/^{/{\"peer\":\"swift\",\"round\":$round,\"name\":\"$method\",/" | tee -a "$out"
    OMP_NUM_THREADS=1 "$PYTHON" "$here/lstm_copy_torch.py" --method "$method" --truncation 3 --hidden 256 \
      --batch-size 64 --steps "$STEPS" --warmup "$WARMUP" --threads 1 --json \
      | sed "s/^{/{\"round\": $round, \"name\": \"$method\", /" | tee -a "$out"
  done
  DNI_GEMM_THREADS=1 "$DNI_BIN" train --task copy --method dni --synthesizer-rank "$RANK" --truncation 3 --hidden 256 \
    --batch-size 64 --steps "$STEPS" --warmup "$WARMUP" --threads 1 --json \
    | tail -n 1 | sed "s/^{/{\"peer\":\"swift\",\"round\":$round,\"name\":\"dni-rank\",/" | tee -a "$out"
 done
done
"$PYTHON" - "$out" <<'PY'
import json, os, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
rounds = sorted({r["round"] for r in rows})
print(f"\nwindows/s, best of {os.environ.get('BEST_OF', '3')} interleaved runs per round")
rank = os.environ.get("RANK", "64")
print(f"round  swift bptt  torch bptt  swift dni  torch dni  swift/torch bptt  swift/torch dni  dni cost/bptt swift  dni cost/bptt torch  swift dni r{rank}  dni r{rank} cost/bptt swift")
for k in rounds:
    w = {}
    for r in rows:
        if r["round"] == k:
            key = (r["peer"], r["name"])
            w[key] = max(w.get(key, 0.0), r["windows_per_second"])
    sb, tb, sd, td = w[("swift", "bptt")], w[("torch", "bptt")], w[("swift", "dni")], w[("torch", "dni")]
    sr = w[("swift", "dni-rank")]
    print(f"{k:5d}  {sb:10.1f}  {tb:10.1f}  {sd:9.1f}  {td:9.1f}  {sb/tb:16.2f}  {sd/td:15.2f}  {sb/sd:19.2f}  {tb/td:19.2f}  {sr:13.1f}  {sb/sr:{len(rank) + 25}.2f}")
PY
