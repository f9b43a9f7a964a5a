#!/usr/bin/env bash
# Checks `dni train --execution mpi` (build: swift build --traits MPI) against the sequential run:
#  - the same delay K gives bit-identical epoch, probe and summary numbers (every field but the
#    timings), for dni and cdni at K = 1, 2, 3, with update probability 0.5, for GPipe-style
#    backprop with 2 micro-batches, on 2 ranks and on 3 (stage groups 1,2,1);
#  - a rank killed with SIGKILL, or stopped with SIGSTOP (stops answering), ends every rank
#    within 10 s, mpirun exiting non-zero with a line naming the rank.
# Every mpirun runs under `timeout`, so this script cannot hang.
#
#   Scripts/mpi-train-check.sh BINARY              # one host
#   Scripts/mpi-train-check.sh BINARY --hosts N    # N simulated hosts (network namespaces, TCP)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:?usage: mpi-train-check.sh BINARY [--hosts N]}")
shift
hosts=0
if [ "${1:-}" = "--hosts" ]; then hosts=${2:?--hosts needs a number}; fi
failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$hosts" -gt 0 ]; then
    "$here/simulated-hosts.sh" up "$hosts" >/dev/null || { echo "mpi-train-check: could not make $hosts simulated hosts"; exit 1; }
    trap 'rm -rf "$work"; "$here/simulated-hosts.sh" down >/dev/null' EXIT
    list=$(seq -s, -f 'simhost%g' 1 "$hosts")
    # shellcheck disable=SC2207
    launch=(ip netns exec sim-simhost1 mpirun $("$here/simulated-hosts.sh" flags) --host "$list")
else
    launch=(mpirun --allow-run-as-root --oversubscribe)
fi
# A small MNIST run on the bundled subset: 16 steps an epoch, probes every 5 steps.
common=(train --task mnist --examples 1024 --batch-size 64 --epochs 2 --probe-every 5 --threads 1 --json)

# Every JSON line with its timing fields (and the MPI run's message figures) removed.
strip() { sed -E 's/,"(seconds|elapsed_seconds|samples_per_second|bytes_sent_per_step|message_wait_seconds_per_step)":[^,}]*//g; s/,"execution":"[a-z]+"//; s/,"stage_groups":\[[0-9,]*\]//' "$1" | grep -v '"event":"data"'; }

compare() { # name ranks mpi-flags… -- sequential-flags…
    local name=$1 ranks=$2; shift 2
    local mpi_flags=() sequential_flags=()
    while [ "$1" != "--" ]; do mpi_flags+=("$1"); shift; done
    shift
    sequential_flags=("$@")
    "$binary" "${common[@]}" "${sequential_flags[@]}" >"$work/sequential" 2>"$work/sequential.err"
    timeout 180 "${launch[@]}" -np "$ranks" "$binary" "${common[@]}" --execution mpi "${mpi_flags[@]}" >"$work/mpi" 2>"$work/mpi.err"
    local rc=$?
    if [ $rc -ne 0 ]; then
        echo "mpi-train-check: FAIL: $name: mpirun exited $rc"; sed 's/^/    | /' "$work/mpi.err" | tail -5
        failures=$((failures + 1)); return
    fi
    if diff <(strip "$work/sequential") <(strip "$work/mpi") >"$work/diff"; then
        echo "mpi-train-check: ok: $name: $(strip "$work/mpi" | wc -l) lines identical to the sequential run"
    else
        echo "mpi-train-check: FAIL: $name differs from the sequential run"; head -6 "$work/diff" | sed 's/^/    | /'
        failures=$((failures + 1))
    fi
}

for method in dni cdni; do
    for delay in 1 2 3; do
        compare "$method K=$delay, 2 ranks" 2 --method "$method" --delay "$delay" -- --method "$method" --delay "$delay"
    done
done
compare "cdni K=2, update probability 0.5, 2 ranks" 2 --method cdni --update-probability 0.5 --delay 2 \
    -- --method cdni --update-probability 0.5 --delay 2
compare "backprop, 2 micro-batches, 2 ranks" 2 --method backprop --micro-batches 2 -- --method backprop --micro-batches 2
if [ "$hosts" -eq 0 ] || [ "$hosts" -ge 3 ]; then
    compare "cdni K=2, 3 ranks (groups 1,2,1)" 3 --method cdni --delay 2 --stage-groups 1,2,1 -- --method cdni --delay 2
    compare "dni K=3, 3 ranks (groups 1,2,1)" 3 --method dni --delay 3 --stage-groups 1,2,1 -- --method dni --delay 3
fi

# A rank that dies (SIGKILL) or stops answering (SIGSTOP): every rank must end within 10 s.
for signal in KILL STOP; do
    timeout 60 "${launch[@]}" -np 2 env DNI_MPI_TIMEOUT=6 "$binary" train --task mnist --method cdni --epochs 1000 \
        --examples 1024 --batch-size 64 --threads 1 --execution mpi >"$work/dead" 2>&1 &
    runner=$!
    victim=""
    for _ in $(seq 1 100); do
        for pid in $(pgrep -f "$binary train --task mnist --method cdni --epochs 1000" || true); do
            if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$pid; fi
        done
        [ -n "$victim" ] && break
        sleep 0.1
    done
    if [ -z "$victim" ]; then
        echo "mpi-train-check: FAIL: rank 1 never started"; failures=$((failures + 1)); wait $runner; continue
    fi
    sleep 2
    start=$(date +%s.%N)
    kill -s "$signal" "$victim"
    wait $runner
    rc=$?
    end=$(date +%s.%N)
    kill -s KILL "$victim" 2>/dev/null
    took=$(awk "BEGIN { printf \"%.2f\", $end - $start }")
    left=$(pgrep -f "$binary train --task mnist --method cdni --epochs 1000" | wc -l)
    if [ $rc -ne 0 ] && [ $rc -ne 124 ] && awk "BEGIN { exit !($took < 10) }" && [ "$left" -eq 0 ] \
        && grep -q "rank 1\|rank: 1\|rank 1 " "$work/dead"; then
        echo "mpi-train-check: ok: SIG$signal of rank 1: mpirun exited $rc after ${took}s, naming rank 1: $(grep -m1 'rank 1' "$work/dead" | cut -c1-160)"
    else
        echo "mpi-train-check: FAIL: SIG$signal of rank 1: exit $rc after ${took}s, $left processes left"; tail -5 "$work/dead" | sed 's/^/    | /'
        failures=$((failures + 1))
        pkill -KILL -f "$binary train --task mnist --method cdni --epochs 1000"
    fi
done

if [ $failures -gt 0 ]; then echo "mpi-train-check: $failures failed"; exit 1; fi
echo "mpi-train-check: all passed"
