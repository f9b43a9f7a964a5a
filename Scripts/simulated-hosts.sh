#!/usr/bin/env bash
# Simulated hosts on one machine, for multi-host MPI tests: each host is a Linux network namespace
# with its own network stack, joined by a bridge, so Open MPI must talk TCP between them exactly as
# between machines (no shared-memory shortcut). Needs root, iproute2 and Open MPI.
#
#   simulated-hosts.sh up N         # hosts simhost1..N at 10.99.0.1..N
#   simulated-hosts.sh flags        # prints the mpirun options that launch ranks on those hosts
#   simulated-hosts.sh down         # removes namespaces, bridge and /etc/hosts lines
#
# Example (2 simulated hosts, 1 rank each):
#   sudo Scripts/simulated-hosts.sh up 2
#   ip netns exec sim-simhost1 mpirun $(Scripts/simulated-hosts.sh flags) -np 2 \
#       --host simhost1,simhost2 ./my-mpi-program
#   sudo Scripts/simulated-hosts.sh down
# Measured here (Open MPI 4.1.4): a 2-rank MPI_Allreduce across two simulated hosts works over the
# TCP transport (~25 ms per 1 MB allreduce: veth TCP here is slow, so time nothing on it); a dead rank
# on one "host" can be tested by killing its process from the root namespace. This kernel has no netem,
# so link delay and bandwidth cannot be shaped: model them on paper.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bridge=dnisimbr0
mark="# simulated-hosts"
agent=${TMPDIR:-/tmp}/simulated-hosts-rsh

up() {
  local n=${1:?how many hosts}
  case $n in ''|*[!0-9]*) echo "up: N must be a number, got '$n'" >&2; exit 2;; esac
  down >/dev/null 2>&1 || true
  ip link add "$bridge" type bridge
  ip link set "$bridge" up
  for i in $(seq 1 "$n"); do
    local ns=sim-simhost$i
    ip netns add "$ns"
    ip link add "simv$i" type veth peer name "simp$i"
    ip link set "simp$i" master "$bridge" up
    ip link set "simv$i" netns "$ns"
    ip -n "$ns" addr add "10.99.0.$i/24" dev "simv$i"
    ip -n "$ns" link set "simv$i" up
    ip -n "$ns" link set lo up
    echo "10.99.0.$i simhost$i $mark" >> /etc/hosts
  done
  # Open MPI starts its daemon on a "remote" host through this agent: run it inside that namespace.
  printf '#!/bin/sh\nhost=$1; shift\nexec ip netns exec "sim-$host" sh -c "$*"\n' > "$agent"
  chmod +x "$agent"
  echo "up: $n simulated hosts (simhost1..$n, 10.99.0.1..$n)"
}

flags() {
  echo "--allow-run-as-root --mca plm_rsh_agent $agent --mca btl tcp,self" \
       "--mca btl_tcp_if_include 10.99.0.0/24 --mca oob_tcp_if_include 10.99.0.0/24"
}

down() {
  for ns in $(ip netns list | awk '/^sim-simhost/{print $1}'); do ip netns del "$ns"; done
  ip link del "$bridge" 2>/dev/null || true
  sed -i "/$mark\$/d" /etc/hosts
  rm -f "$agent"
  echo "down"
}

case ${1:-} in
  up) shift; up "$@";;
  flags) flags;;
  down) down;;
  *) sed -n '2,19p' "$0"; exit 2;;
esac
