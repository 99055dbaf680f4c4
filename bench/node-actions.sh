#!/usr/bin/env bash
# The node actions against a real QEMU with 4 vCPUs (stopped with -S: no guest runs) and a raw
# disk attached as Ganeti names it (drive "disk-" + the disk UUID's first three parts): how long
# the Ganeti job waits for the post hook, and how long until the action is done and read back.
# Two ways, alternating run by run in one process (each run's input differs, which hyperfine's
# fixed command cannot express):
#   HookRelay: hookrelay-hook queues the action and exits (the job waits this long); the running
#     `hookrelay serve`, woken by the hook, runs it and writes its outcome to action-runs.jsonl
#   a site's post hook that does it itself, in python3 (QMP's usual tool), while the job waits
# disk_resize after grow-disk: each run first grows the disk file by 1 MiB, as Ganeti's storage
# layer does, and hands the new size in GANETI_POST_INSTANCE_DISK0_SIZE; QEMU is told and asked.
# cpu_pinning after instance-start: the 4 vCPU threads pinned (one CPU each where there are 4,
# else the node's CPUs) and read back.
# Usage: bench/node-actions.sh [path/to/hookrelay] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
runs=${2:-50}
capture=$root/tests/HookRelay.Tests/Fixtures/envs/disk-grow-post-node1-01.json
start_capture=$root/tests/HookRelay.Tests/Fixtures/envs/instance-start-post-node1-01.json
work=$(mktemp -d /tmp/hr-node-actions.XXXXXX)
qemu_pid= serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null; wait "$qemu_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
command -v qemu-system-x86_64 >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 >/dev/null; }

instance=web-1.lab.example   # the name both captures carry
uuid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["GANETI_INSTANCE_DISK0_UUID"])' "$capture")
device=disk-$(echo "$uuid" | cut -d- -f1-3)
mkdir -p "$work/ctrl"
truncate -s 1024M "$work/disk0"
qemu-system-x86_64 -machine q35,accel=kvm:tcg -nodefaults -display none -S -m 32 -smp 4 \
  -drive "file=$work/disk0,format=raw,if=none,id=$device,cache=none,aio=threads" -device "virtio-blk-pci,drive=$device,id=$device" \
  -qmp "unix:$work/ctrl/$instance.qmp,server=on,wait=off" >"$work/qemu.log" 2>&1 & qemu_pid=$!
for _ in $(seq 200); do [ -S "$work/ctrl/$instance.qmp" ] && break; sleep 0.05; done

cat >"$work/hookrelay.yaml" <<YAML
state_dir: $work/state
delivery: { without_daemon: keep }
actions:
  disk_resize: { control_dir: $work/ctrl, timeout: 5s }
  cpu_pinning: { control_dir: $work/ctrl, timeout: 5s }
YAML
HOOKRELAY_CONFIG=$work/hookrelay.yaml "$bin" serve >"$work/serve.log" 2>&1 & serve_pid=$!
sleep 1

cat >"$work/site-hook.py" <<'PY'
#!/usr/bin/python3
# A site's disk-grow post hook: tell the instance's QEMU itself, and check it took.
import json, os, socket, sys
if os.environ.get("GANETI_INSTANCE_HYPERVISOR") != "kvm": sys.exit(0)
disk = os.environ["GANETI_DISK"]
size = int(os.environ[f"GANETI_POST_INSTANCE_DISK{disk}_SIZE"]) * 1024 * 1024
device = "disk-" + "-".join(os.environ[f"GANETI_INSTANCE_DISK{disk}_UUID"].split("-")[:3])
s = socket.socket(socket.AF_UNIX); s.settimeout(10)
s.connect(os.path.join(os.environ["CTRL"], os.environ["GANETI_INSTANCE_NAME"] + ".qmp"))
f = s.makefile("rw")
def run(command, **arguments):
    f.write(json.dumps({"execute": command, "arguments": arguments} if arguments else {"execute": command}) + "\n"); f.flush()
    while True:
        m = json.loads(f.readline())
        if "error" in m: sys.exit(f"QEMU refused {command}: {m['error']['desc']}")
        if "return" in m: return m["return"]
f.readline(); run("qmp_capabilities")
run("block_resize", device=device, size=size)
if not any(b["device"] == device and b["inserted"]["image"]["virtual-size"] == size for b in run("query-block")): sys.exit("not resized")
PY
chmod +x "$work/site-hook.py"

cat >"$work/site-pin.py" <<'PY'
#!/usr/bin/python3
# A site's instance-start post hook: pin each vCPU thread of the instance's QEMU to a CPU of its own, and check.
import json, os, socket, sys
if os.environ.get("GANETI_INSTANCE_HYPERVISOR") != "kvm": sys.exit(0)
s = socket.socket(socket.AF_UNIX); s.settimeout(10)
s.connect(os.path.join(os.environ["CTRL"], os.environ["GANETI_INSTANCE_NAME"] + ".qmp"))
f = s.makefile("rw")
def run(command):
    f.write(json.dumps({"execute": command}) + "\n"); f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m: return m["return"]
f.readline(); run("qmp_capabilities")
cpus = sorted(os.sched_getaffinity(0))
for i, vcpu in enumerate(sorted(run("query-cpus-fast"), key=lambda c: c["cpu-index"])):
    want = {cpus[i]} if len(cpus) >= 4 else set(cpus)
    os.sched_setaffinity(vcpu["thread-id"], want)
    if os.sched_getaffinity(vcpu["thread-id"]) != want: sys.exit("not pinned")
PY
chmod +x "$work/site-pin.py"

PYTHONPATH=$here python3 - "$hook" "$work" "$capture" "$start_capture" "$runs" <<'PY'
import json, os, sys
import action_clock
hook, work, grow_capture, start_capture, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
journal = os.path.join(work, "state", "action-runs.jsonl")
common = dict(PATH="/usr/sbin:/usr/bin:/sbin:/bin", LC_CTYPE="C.UTF-8", GANETI_INSTANCE_HYPERVISOR="kvm")
size = 1024
def grow_env():
    global size
    size += 1
    os.truncate(os.path.join(work, "disk0"), size * 1024 * 1024)
    return dict(json.load(open(grow_capture))["env"], **common, GANETI_INSTANCE_DISK0_SIZE=str(size - 1),
                GANETI_POST_INSTANCE_DISK0_SIZE=str(size), GANETI_AMOUNT="1")
def start_env():
    return dict(json.load(open(start_capture))["env"], **common)
def hookrelay(env, check):
    env.update(HOOKRELAY_CONFIG=os.path.join(work, "hookrelay.yaml"), HOOKRELAY_NODE="node1.lab.example")
    return action_clock.hookrelay([hook], env, journal, check)
def site(script, env):
    env.update(CTRL=os.path.join(work, "ctrl"))
    return action_clock.site([os.path.join(work, script)], env)
action_clock.compare("disk_resize after grow-disk (disk 0 grown by 1 MiB before every run)", "done and read back", runs, {
    "hookrelay": lambda i: hookrelay(grow_env(), lambda reason: f"to {size} MiB" in reason),
    "site hook (python3, QMP itself)": lambda i: site("site-hook.py", grow_env())})
action_clock.compare("cpu_pinning after instance-start (4 vCPUs)", "done and read back", runs, {
    "hookrelay": lambda i: hookrelay(start_env(), lambda reason: "4 vCPUs pinned" in reason),
    "site hook (python3, QMP itself)": lambda i: site("site-pin.py", start_env())})
PY
