#!/usr/bin/env bash
# MNIST training throughput with the stages on 2 MPI ranks (one thread each) against sequential
# execution on one thread, side by side: the two runs alternate, ROUNDS times (default 3), and
# every line is printed. Also prints rank 0's message bytes and waiting time per step.
#
#   Scripts/mpi-throughput.sh BINARY DATA_DIR [METHOD] [BATCH]     (defaults: cdni 256)
# BINARY: dni built with `swift build -c release --traits MPI`.
set -euo pipefail
binary=${1:?usage: mpi-throughput.sh BINARY DATA_DIR [METHOD] [BATCH]}
data=${2:?usage: mpi-throughput.sh BINARY DATA_DIR [METHOD] [BATCH]}
method=${3:-cdni}
batch=${4:-256}
rounds=${ROUNDS:-3}
flags=(train --task mnist --data "$data" --method "$method" --batch-size "$batch" --steps 300 --warmup 30 --threads 1 --json)
field() { grep '"event":"summary"' | grep -o "\"$1\":[^,}]*" | cut -d: -f2; }
for round in $(seq 1 "$rounds"); do
    sequential=$("$binary" "${flags[@]}" 2>/dev/null | field samples_per_second)
    line=$(timeout 300 mpirun --allow-run-as-root -np 2 "$binary" "${flags[@]}" --execution mpi 2>/dev/null | grep '"event":"summary"')
    mpi=$(echo "$line" | field samples_per_second)
    bytes=$(echo "$line" | field bytes_sent_per_step)
    wait=$(echo "$line" | field message_wait_seconds_per_step)
    groups=$(echo "$line" | grep -o '"stage_groups":\[[0-9,]*\]')
    awk -v r="$round" -v s="$sequential" -v m="$mpi" -v b="$bytes" -v w="$wait" -v g="$groups" -v meth="$method" -v bs="$batch" 'BEGIN {
        printf "round %d %s batch %d: sequential 1 thread %.0f samples/s, mpi 2 ranks %.0f (%.2fx), %s, rank 0 sends %.0f KB and waits %.2f ms per step\n",
            r, meth, bs, s, m, m / s, g, b / 1024, w * 1000 }'
done
