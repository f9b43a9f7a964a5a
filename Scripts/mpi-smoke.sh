#!/usr/bin/env bash
# Runs dni-mpi-smoke (swift build --traits MPI --product dni-mpi-smoke) under mpirun and checks:
#  - `check` (broadcast, barrier, content-checked ping-pong and ring) exits 0;
#  - `dead-rank` with a rank that exits abruptly (_exit) and with one that hangs: mpirun must exit
#    non-zero, within 10 s of the death, with a line naming the dead rank, leaving no rank behind.
# Every mpirun runs under `timeout`, so this script cannot hang.
#
#   Scripts/mpi-smoke.sh BINARY              # one host: 2 and 3 ranks (shared memory)
#   Scripts/mpi-smoke.sh BINARY --hosts N    # N simulated hosts (network namespaces, TCP), 1 rank each
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:?usage: mpi-smoke.sh BINARY [--hosts N]}")
shift
hosts=0
if [ "${1:-}" = "--hosts" ]; then hosts=${2:?--hosts needs a number}; fi
guard=60          # seconds any one mpirun may take before `timeout` ends it (that counts as a hang)
limit=10          # seconds from a rank's death to the end of every rank
failures=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if [ "$hosts" -gt 0 ]; then
    "$here/simulated-hosts.sh" up "$hosts" >/dev/null || { echo "mpi-smoke: could not make $hosts simulated hosts"; exit 1; }
    trap 'rm -f "$log"; "$here/simulated-hosts.sh" down >/dev/null' EXIT
    list=$(seq -s, -f 'simhost%g' 1 "$hosts")
    # shellcheck disable=SC2207
    launch=(ip netns exec sim-simhost1 mpirun $("$here/simulated-hosts.sh" flags) --host "$list")
    sizes=("$hosts")
    where="$hosts simulated hosts (TCP)"
else
    launch=(mpirun --allow-run-as-root --oversubscribe)
    sizes=(2 3)
    where="one host"
fi

fail() { echo "mpi-smoke: FAIL: $*"; sed 's/^/    | /' "$log"; failures=$((failures + 1)); }

for ranks in "${sizes[@]}"; do
    timeout "$guard" "${launch[@]}" -np "$ranks" "$binary" check >"$log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || [ "$(grep -c ': ok$' "$log")" -ne "$ranks" ]; then
        fail "check, $ranks ranks on $where: exit $rc"
    else
        echo "mpi-smoke: check, $ranks ranks on $where: ok ($(grep -c ': ok$' "$log") ranks report ok)"
        [ "$hosts" -gt 0 ] && grep ': ok$' "$log" | sed 's/^/    /'
    fi

    victim=$((ranks - 1))
    for mode in exit hang; do
        timeout "$guard" "${launch[@]}" -np "$ranks" "$binary" dead-rank --mode "$mode" --timeout 3 >"$log" 2>&1
        rc=$?
        end=$(date +%s.%N)
        death=$(sed -n 's/.*at unix time \([0-9.]*\).*/\1/p' "$log" | head -1)
        what="dead-rank ($mode), $ranks ranks on $where, rank $victim stops"
        if [ $rc -eq 0 ] || [ $rc -eq 124 ] || [ -z "$death" ]; then
            fail "$what: exit $rc (0: finished; 124: hung until the guard)"; continue
        fi
        elapsed=$(awk -v a="$death" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
        if grep -Eq "no answer from rank $victim[ ,]" "$log"; then
            named="by the ranks' own timeout: $(grep -m1 -o "rank [0-9]*: no answer from rank $victim[^(]*" "$log")"
        elif grep -Eq "Process name: \[\[[0-9]+,[0-9]+\],$victim\]" "$log"; then
            named="by mpirun: process [[…],$victim] exited with code $(sed -n 's/ *Exit code: *//p' "$log" | head -1)"
        else
            fail "$what: no line names rank $victim"; continue
        fi
        sleep 1
        if pgrep -f "$binary dead-rank" >/dev/null; then fail "$what: a rank is still running"; continue; fi
        if awk -v e="$elapsed" -v l="$limit" 'BEGIN { exit !(e >= l) }'; then
            fail "$what: every rank ended only $elapsed s after the death (limit $limit s)"; continue
        fi
        echo "mpi-smoke: $what: mpirun exit $rc, $elapsed s after the death; named $named"
    done
done

[ $failures -eq 0 ] && echo "mpi-smoke: all passed on $where" || echo "mpi-smoke: $failures failed on $where"
[ $failures -eq 0 ]
