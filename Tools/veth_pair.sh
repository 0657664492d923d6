#!/usr/bin/env bash
# Two "machines" on this one: network namespaces myelin-a and myelin-b joined by a veth pair,
# shaped by tc netem like a real link (default 1 Gbit/s each way with 0.5 ms of delay), and
# COMMAND run as 2 ranks of Open MPI, one in each namespace, talking TCP over that link alone.
# The addresses 10.77.0.1 and 10.77.0.2 exist only inside the two namespaces, which are removed
# on exit; nothing is sent anywhere else. Needs root, iproute2 and Open MPI.
#
#   Tools/veth_pair.sh .build/release/MyelinBench allreduce
#   RATE=10gbit DELAY=0.1ms Tools/veth_pair.sh .build/release/MyelinBench ddp     (RATE=off: no shaping)
#   Tools/veth_pair.sh .build/release/myelin train lenet --epochs 1 --out runs/lenet-veth
set -euo pipefail
if [ $# -eq 0 ]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
RATE=${RATE:-1gbit}
DELAY=${DELAY:-0.5ms}
A=myelin-a
B=myelin-b
AGENT=$(mktemp)
cleanup() {
    ip netns del "$A" 2> /dev/null || true
    ip netns del "$B" 2> /dev/null || true
    rm -f "$AGENT"
}
trap cleanup EXIT
cleanup
ip netns add "$A"
ip netns add "$B"
ip link add mveth-a type veth peer name mveth-b
ip link set mveth-a netns "$A"
ip link set mveth-b netns "$B"
# The same interface name on both sides, so one setting pins Open MPI to it everywhere.
ip -n "$A" link set mveth-a name mveth
ip -n "$B" link set mveth-b name mveth
ip -n "$A" addr add 10.77.0.1/24 dev mveth
ip -n "$B" addr add 10.77.0.2/24 dev mveth
SHAPE="$RATE each way, $DELAY delay (netem)"
for ns in "$A" "$B"; do
    ip -n "$ns" link set lo up
    ip -n "$ns" link set mveth up
    if [ "$RATE" = off ]; then
        SHAPE="not shaped"
        continue
    fi
    # netem shapes rate and delay; a kernel without it (sch_netem) still has tbf for the rate.
    if ! tc -n "$ns" qdisc add dev mveth root netem rate "$RATE" delay "$DELAY" 2> /dev/null; then
        tc -n "$ns" qdisc add dev mveth root tbf rate "$RATE" burst 256kb latency 50ms
        SHAPE="$RATE each way (tbf: this kernel has no netem, so no added delay)"
    fi
done
echo "Link: veth between namespaces $A (10.77.0.1) and $B (10.77.0.2), $SHAPE." >&2
if command -v ping > /dev/null; then ip netns exec "$A" ping -c 3 -q 10.77.0.2 | tail -1 >&2; fi

# Open MPI starts the remote rank through an rsh-like agent: "AGENT HOST COMMAND…". This one
# runs COMMAND in the namespace that owns HOST's address.
cat > "$AGENT" << AGENT
#!/bin/sh
host=\$1
shift
case \$host in
    10.77.0.1) ns=$A ;;
    10.77.0.2) ns=$B ;;
    *) echo "veth_pair.sh: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec \$ns sh -c "\$*"
AGENT
chmod +x "$AGENT"

# Each "host" would bind its rank to its first core, which is the same core here: --bind-to none.
ip netns exec "$A" mpirun --allow-run-as-root -np 2 --host 10.77.0.1,10.77.0.2 --bind-to none \
    --mca plm_rsh_agent "$AGENT" --mca btl tcp,self --mca btl_tcp_if_include mveth --mca oob_tcp_if_include mveth \
    -x PATH "$@"
