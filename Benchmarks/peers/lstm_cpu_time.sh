#!/bin/sh
# CPU time per window of the recurrent Copy task, swift-dni against the PyTorch peer (same
# settings as lstm_side_by_side.sh: T=3, hidden 256, batch 64, one thread each). Each figure is
# `perf stat -e task-clock` of a LONG-window run minus that of a SHORT-window run, divided by
# LONG − SHORT: the difference cancels start-up (PyTorch's import alone is seconds of CPU), and
# CPU time is less disturbed than wall time when other work shares the cores. Needs `perf`.
#
#   Benchmarks/peers/lstm_cpu_time.sh            # REPEATS=3 rounds, SHORT=500, LONG=1500
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DNI_BIN=${DNI_BIN:-$root/.build/release/dni}
SHORT=${SHORT:-500}
LONG=${LONG:-1500}
REPEATS=${REPEATS:-3}
PYTHON=${PYTHON:-python3}
[ -x "$DNI_BIN" ] || { echo "no $DNI_BIN: run 'swift build -c release' first" >&2; exit 2; }
cpu_ms() {  # prints the task-clock milliseconds of the command "$@"
  perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | grep task-clock | cut -d, -f1
}
echo "ms of CPU per window; ratios: speed swift/torch, cost dni/bptt"
echo "round  swift bptt  torch bptt  swift dni  torch dni  swift/torch bptt  swift/torch dni  dni/bptt swift  dni/bptt torch"
for round in $(seq 1 "$REPEATS"); do
  set --
  for method in bptt dni; do
    for peer in swift torch; do
      for n in "$SHORT" "$LONG"; do
        if [ "$peer" = swift ]; then
          t=$(cpu_ms env DNI_GEMM_THREADS=1 "$DNI_BIN" train --task copy --method "$method" --truncation 3 --hidden 256 \
              --batch-size 64 --threads 1 --steps "$n" --warmup 20 --json)
        else
          t=$(cpu_ms env OMP_NUM_THREADS=1 "$PYTHON" "$here/lstm_copy_torch.py" --method "$method" --truncation 3 \
              --hidden 256 --batch-size 64 --threads 1 --steps "$n" --warmup 20 --json)
        fi
        set -- "$@" "$t"
      done
    done
  done
  "$PYTHON" -c '
import sys
r, short, long_ = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
v = [float(x) for x in sys.argv[4:]]
per = lambda i: (v[i + 1] - v[i]) / (long_ - short)
sb, tb, sd, td = per(0), per(2), per(4), per(6)
print(f"{r:5d}  {sb:10.2f}  {tb:10.2f}  {sd:9.2f}  {td:9.2f}  {tb/sb:16.2f}  {td/sd:15.2f}  {sd/sb:14.2f}  {td/tb:14.2f}")
' "$round" "$SHORT" "$LONG" "$@"
done
