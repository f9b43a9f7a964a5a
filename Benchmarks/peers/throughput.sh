#!/usr/bin/env bash
# Training-only throughput (samples/s) of backprop, dni and cdni on the 3x256 MNIST FCN,
# batch 256 and 32, for the numpy and PyTorch peers (and the Swift `dni` command when DNI_BIN
# is set). Each configuration runs REPEATS times as a fresh process: WARMUP untimed steps, then
# STEPS timed steps; the best (highest) samples/s of the repeats is reported, because the
# machine is shared and slower runs are interference, not the code.
#
# Environment (all optional):
#   STEPS=200 WARMUP=10 REPEATS=3      timed steps, untimed warm-up steps, repeats (best of)
#   THREADS="1 2"                      thread counts to measure (--threads / torch.set_num_threads)
#   METHODS="backprop dni cdni"  BATCHES="256 32"  PEERS="numpy torch"
#   DATA=/work/shared/data/mnist       MNIST IDX directory
#   PYTHON=python3
#   OUT=throughput.jsonl               every run's summary line plus one "best" line per config
#
#   ---- Swift hook -------------------------------------------------------------------------
#   DNI_BIN="swift run -c release dni"   (or a built binary, e.g. /work/main/.build/release/dni)
#   DNI_EXTRA_ARGS="--steps 200"         extra flags for the Swift command (default: --steps $STEPS
#                                        --warmup $WARMUP; adjust to the flags the Swift CLI has)
#   When DNI_BIN is set, each configuration also runs
#     $DNI_BIN train --task mnist --method M --layers 3 --batch-size B --data $DATA --json $DNI_EXTRA_ARGS
#   and the samples_per_second of its last {"event":"summary",...} line is taken. Its thread
#   count is not controlled here (the column says "-").
#   -----------------------------------------------------------------------------------------
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STEPS="${STEPS:-200}"
WARMUP="${WARMUP:-10}"
REPEATS="${REPEATS:-3}"
THREADS="${THREADS:-1 2}"
METHODS="${METHODS:-backprop dni cdni}"
BATCHES="${BATCHES:-256 32}"
PEERS="${PEERS:-numpy torch}"
DATA="${DATA:-/work/shared/data/mnist}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$HERE/throughput.jsonl}"
LAYERS=3
: > "$OUT"

# Prints the samples_per_second of the last summary line on stdin (empty if none).
sps() {
  "$PYTHON" -c '
import json, sys
v = ""
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == "summary" and "samples_per_second" in o:
            v = o["samples_per_second"]
print(v)'
}

# best_of LABEL_JSON CMD... : runs CMD REPEATS times, appends each summary to $OUT, echoes best.
best_of() {
  local meta="$1"; shift
  local best="" out v
  for ((r = 1; r <= REPEATS; r++)); do
    if ! out="$("$@" 2>/dev/null)"; then
      echo "  run failed: $*" >&2
      continue
    fi
    printf '%s\n' "$out" | grep '"event": *"summary"' | tail -1 >> "$OUT" || true
    v="$(printf '%s\n' "$out" | sps)"
    [[ -z "$v" ]] && continue
    if [[ -z "$best" ]] || "$PYTHON" -c "import sys; sys.exit(0 if $v > $best else 1)"; then best="$v"; fi
  done
  echo "{\"event\":\"best\",$meta,\"repeats\":$REPEATS,\"steps\":$STEPS,\"samples_per_second\":${best:-null}}" >> "$OUT"
  echo "$best"
}

declare -a ROWS
printf 'host: %s, %s cores, load before: %s\n' "$(hostname)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'steps=%s warmup=%s best-of=%s layers=%sx256\n\n' "$STEPS" "$WARMUP" "$REPEATS" "$LAYERS"
for B in $BATCHES; do
  for M in $METHODS; do
    for P in $PEERS; do
      for T in $THREADS; do
        meta="\"peer\":\"$P\",\"method\":\"$M\",\"batch_size\":$B,\"threads\":$T"
        best="$(best_of "$meta" "$PYTHON" "$HERE/mnist_dni_$P.py" --method "$M" --layers $LAYERS \
                 --batch-size "$B" --threads "$T" --steps "$STEPS" --warmup "$WARMUP" \
                 --data "$DATA" --json)"
        ROWS+=("$(printf '%-6s %-9s %-6s %-7s %12.0f' "$B" "$M" "$P" "$T" "${best:-0}")")
        echo "${ROWS[-1]}"
      done
    done
    # ---- Swift hook: runs only when DNI_BIN is set -------------------------------------
    if [[ -n "${DNI_BIN:-}" ]]; then
      meta="\"peer\":\"swift\",\"method\":\"$M\",\"batch_size\":$B,\"threads\":null"
      # shellcheck disable=SC2086  # DNI_BIN / DNI_EXTRA_ARGS are deliberately word-split
      best="$(best_of "$meta" $DNI_BIN train --task mnist --method "$M" --layers $LAYERS \
               --batch-size "$B" --data "$DATA" --json ${DNI_EXTRA_ARGS:---steps $STEPS --warmup $WARMUP})"
      ROWS+=("$(printf '%-6s %-9s %-6s %-7s %12.0f' "$B" "$M" "swift" "-" "${best:-0}")")
      echo "${ROWS[-1]}"
    fi
  done
done

echo
echo "samples/s, training only (best of $REPEATS x $STEPS steps after $WARMUP warm-up steps)"
printf '%-6s %-9s %-6s %-7s %12s\n' batch method peer threads samples/s
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "JSON lines ($OUT):"
grep '"event":"best"' "$OUT"
