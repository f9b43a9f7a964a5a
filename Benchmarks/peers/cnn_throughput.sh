#!/bin/sh
# Training throughput of the paper's MNIST CNN (3 conv stages, backprop, Adam), swift-dni beside
# PyTorch, side by side in one run: ROUNDS rounds, each running `dni bench conv` (step only) and
# cnn_torch.py one after the other with the same batch sizes, thread count, steps and repeats.
# Prints JSON lines ({"event":"cnn_step","peer":...,"samples_per_second":...}), one per peer,
# batch size and round. Build first: swift build -c release.
#   ROUNDS=3 THREADS=1 BATCHES=64,256 STEPS=5 REPEAT=3 Benchmarks/peers/cnn_throughput.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dni=${DNI_BIN:-$here/../../.build/release/dni}
rounds=${ROUNDS:-3}
threads=${THREADS:-1}
batches=${BATCHES:-64,256}
steps=${STEPS:-5}
repeat=${REPEAT:-3}
round=1
while [ "$round" -le "$rounds" ]; do
    "$dni" bench conv --skip-layers --json --threads "$threads" --batch-sizes "$batches" --steps "$steps" --repeat "$repeat" \
        | sed "s/}\$/,\"round\":$round}/"
    python3 "$here/cnn_torch.py" --json --threads "$threads" --batch-sizes "$batches" --steps "$steps" --repeat "$repeat" \
        | sed "s/}\$/, \"round\": $round}/"
    round=$((round + 1))
done
