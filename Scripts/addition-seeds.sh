#!/usr/bin/env bash
# Reproduces the README's binary-addition tables: every method with the default settings for
# seeds 1-5 (8 bits), and the post's other size (12 bits). Prints one line per run:
#   method bits seed test_exact test_bit_accuracy seconds
# Usage: Scripts/addition-seeds.sh [extra dni train flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
dni=.build/release/dni
summary() { tail -n 1 | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print("%.3f %.4f %.1f" % (d["test_exact"], d["test_bit_accuracy"], d["seconds"]))'; }
for method in backprop cdni dni; do
    for seed in 1 2 3 4 5; do
        echo "$method 8 $seed $("$dni" train --task addition --method "$method" --seed "$seed" --json "$@" | summary)"
    done
done
for method in backprop cdni dni; do
    echo "$method 12 1 $("$dni" train --task addition --method "$method" --bits 12 --json "$@" | summary)"
    echo "$method 12 1 $("$dni" train --task addition --method "$method" --bits 12 --examples 50000 --json "$@" | summary) (50,000 examples)"
done
