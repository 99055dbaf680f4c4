#!/usr/bin/env bash
# Shaping one instance on a node that runs 64: HookRelay's shaping action against a seed-style
# hook that regenerates all of it, as the seed's shaping script does when used as a hook (root
# qdisc deleted and rebuilt with a class per tap for 64 taps, the whole mangle chain flushed and
# one rule per tap added again). In namespaces this script makes: a node with a bridge, the
# uplink up0 and 64 taps (veth pairs), nothing shaped is measured with traffic, only the time.
# Each run changes one instance's rate (its tag alternates 50mbit/60mbit), so every HookRelay run
# must really replace one class. Alternating run by run, in one process:
#   HookRelay: hookrelay-hook queues the action and exits (the Ganeti job waits this long); the
#     `hookrelay serve` running in the node's namespace applies it and journals the outcome
#   seed-style: the post hook regenerates everything for 64 taps while the job waits
# The seed shapes on an uplink of its own (up1), so neither sees the other's root qdisc.
# The seed relies on tc's fw classifier, which this kind of kernel lacks: its rules here are
# iptables CLASSIFY in mangle FORWARD (the same number of iptables and tc calls).
# Usage: bench/shaping.sh [path/to/hookrelay] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
runs=${2:-20}
taps=64
capture=$root/tests/HookRelay.Tests/Fixtures/envs/instance-start-post-node1-01.json
work=$(mktemp -d /tmp/hr-shaping.XXXXXX)
ns=hrbench$$
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true; fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
command -v iptables >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables >/dev/null; }

ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link add br0 type bridge; in_ns ip link set br0 up
# up0 is HookRelay's uplink, up1 the seed's: each rebuilds or keeps its own root qdisc.
for up in up0 up1; do in_ns ip link add $up type veth peer name ${up}p; in_ns ip link set $up master br0 up; in_ns ip link set ${up}p up; done
for i in $(seq 0 $((taps - 1))); do
  in_ns ip link add "tap$i" type veth peer name "tap${i}p"
  in_ns ip link set "tap$i" master br0 up; in_ns ip link set "tap${i}p" up
  mkdir -p "$work/nic/web-$i.lab.example"; echo "tap$i" >"$work/nic/web-$i.lab.example/0"
done

cat >"$work/hookrelay.yaml" <<YAML
state_dir: $work/state
delivery: { without_daemon: keep }
actions:
  shaping: { device: up0, default_egress: 100mbit, default_ingress: 1gbit, nic_dir: $work/nic }
YAML
in_ns "$bin" shape reconcile --config "$work/hookrelay.yaml" >/dev/null
HOOKRELAY_CONFIG=$work/hookrelay.yaml ip netns exec "$ns" "$bin" serve >"$work/serve.log" 2>&1 & serve_pid=$!
sleep 1

# The seed's way, as a post hook: everything for every tap, again.
cat >"$work/seed-shaping.sh" <<'SH'
#!/bin/sh
DEV=up1
tc qdisc del dev $DEV root 2>/dev/null
tc qdisc add dev $DEV root handle 1: htb default 0 r2q 32
iptables -t mangle -F FORWARD
i=0
while [ $i -lt 64 ]; do
  rate=100mbit; [ "tap$i" = "$SHAPED_TAP" ] && rate=$SHAPED_RATE
  tc class add dev $DEV parent 1: classid 1:$((i + 10)) htb rate $rate ceil $rate burst 125000
  iptables -t mangle -A FORWARD -m physdev --physdev-in tap$i -j CLASSIFY --set-class 1:$((i + 10))
  i=$((i + 1))
done
SH
chmod +x "$work/seed-shaping.sh"

PYTHONPATH=$here python3 - "$hook" "$work" "$capture" "$runs" "$ns" <<'PY'
import json, os, sys
import action_clock
hook, work, capture, runs, ns = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
journal = os.path.join(work, "state", "action-runs.jsonl")
instance, tap = "web-7.lab.example", "tap7"
def env(rate):
    captured = json.load(open(capture))["env"]
    captured.pop("GANETI_POST_INSTANCE_TAGS", None)   # the tags after the run win over these
    return dict(captured, PATH="/usr/sbin:/usr/bin:/sbin:/bin", LC_CTYPE="C.UTF-8",
                GANETI_INSTANCE_NAME=instance, GANETI_INSTANCE_HYPERVISOR="kvm", GANETI_INSTANCE_TAGS=f"hookrelay:egress:{rate}")
def rate(i):
    return "50mbit" if i % 2 == 0 else "60mbit"
def hookrelay(i):
    e = env(rate(i))
    e.update(HOOKRELAY_CONFIG=os.path.join(work, "hookrelay.yaml"), HOOKRELAY_NODE="node1.lab.example")
    return action_clock.hookrelay(["ip", "netns", "exec", ns, hook], e, journal, lambda reason: f"out {rate(i)}" in reason)
def seed(i):
    e = env(rate(i))
    e.update(SHAPED_TAP=tap, SHAPED_RATE=rate(i))
    return action_clock.site(["ip", "netns", "exec", ns, os.path.join(work, "seed-shaping.sh")], e, quiet=True)
action_clock.compare("one instance's rate changed on a node with 64 shaped taps", "applied", runs, {
    "hookrelay (the action, one instance)": hookrelay,
    "seed-style hook (regenerate all 64 taps)": seed})
PY
