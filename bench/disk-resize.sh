#!/usr/bin/env bash
# After `gnt-instance grow-disk` on a kvm instance: how long the Ganeti job waits for the post
# hook, and how long until the running QEMU sees the new size, read back. Two ways, alternating
# run by run in one process (each run's input differs, which hyperfine's fixed command cannot do):
#   HookRelay: hookrelay-hook queues disk_resize and exits (the job waits this long); the running
#     `hookrelay serve`, woken by the hook, runs it over QMP and reads the size back
#   a site's post hook that does it itself, in python3 (QMP's usual tool): connect, block_resize,
#     query-block to verify, all while the job waits
# Against a real QEMU (stopped with -S: no guest runs) with a raw disk attached as Ganeti names it
# (drive "disk-" + the disk UUID's first three parts); each run first grows the disk file by 1 MiB,
# as Ganeti's storage layer does, and hands the new size in GANETI_POST_INSTANCE_DISK0_SIZE.
# Usage: bench/disk-resize.sh [path/to/hookrelay] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
runs=${2:-50}
capture=$root/tests/HookRelay.Tests/Fixtures/envs/disk-grow-post-node1-01.json
work=$(mktemp -d /tmp/hr-disk-resize.XXXXXX)
qemu_pid= serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null; wait "$qemu_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
command -v qemu-system-x86_64 >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 >/dev/null; }

instance=web-1.lab.example
uuid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["GANETI_INSTANCE_DISK0_UUID"])' "$capture")
device=disk-$(echo "$uuid" | cut -d- -f1-3)
mkdir -p "$work/ctrl"
truncate -s 1024M "$work/disk0"
qemu-system-x86_64 -machine q35,accel=kvm:tcg -nodefaults -display none -S -m 32 \
  -drive "file=$work/disk0,format=raw,if=none,id=$device,cache=none,aio=threads" -device "virtio-blk-pci,drive=$device,id=$device" \
  -qmp "unix:$work/ctrl/$instance.qmp,server=on,wait=off" >"$work/qemu.log" 2>&1 & qemu_pid=$!
for _ in $(seq 200); do [ -S "$work/ctrl/$instance.qmp" ] && break; sleep 0.05; done

cat >"$work/hookrelay.yaml" <<YAML
state_dir: $work/state
delivery: { without_daemon: keep }
actions:
  disk_resize: { control_dir: $work/ctrl, timeout: 5s }
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

python3 - "$hook" "$work" "$capture" "$runs" "$instance" <<'PY'
import json, os, statistics, subprocess, sys, time
hook, work, capture, runs, instance = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
journal = os.path.join(work, "state", "action-runs.jsonl")
base = {k: v for k, v in json.load(open(capture))["env"].items()}
base["GANETI_INSTANCE_HYPERVISOR"] = "kvm"
size = 1024
def grow():
    global size
    size += 1
    os.truncate(os.path.join(work, "disk0"), size * 1024 * 1024)
    env = dict(base, GANETI_INSTANCE_DISK0_SIZE=str(size - 1), GANETI_POST_INSTANCE_DISK0_SIZE=str(size), GANETI_AMOUNT="1",
               PATH="/usr/sbin:/usr/bin:/sbin:/bin", LC_CTYPE="C.UTF-8")
    return env
def lines():
    try:
        with open(journal) as f: return f.readlines()
    except FileNotFoundError: return []
results = {"hookrelay": ([], []), "site hook (python3, QMP itself)": ([], [])}
for i in range(runs):
    for variant in (["hookrelay", "site"] if i % 2 == 0 else ["site", "hookrelay"]):
        env = grow()
        if variant == "hookrelay":
            env.update(HOOKRELAY_CONFIG=os.path.join(work, "hookrelay.yaml"), HOOKRELAY_NODE="node1.lab.example")
            seen = len(lines())
            t0 = time.perf_counter()
            subprocess.run([hook], env=env, cwd="/", check=True, stdin=subprocess.DEVNULL)
            waited = time.perf_counter() - t0
            deadline = t0 + 10
            while len(lines()) <= seen:
                if time.perf_counter() > deadline: sys.exit("no action outcome within 10 s: see serve.log")
                time.sleep(0.0005)
            done = time.perf_counter() - t0
            last = json.loads(lines()[-1])
            assert last["outcome"] == "done" and f"to {size} MiB" in last["reason"], last
            results["hookrelay"][0].append(waited); results["hookrelay"][1].append(done)
        else:
            env.update(CTRL=os.path.join(work, "ctrl"))
            t0 = time.perf_counter()
            subprocess.run([os.path.join(work, "site-hook.py")], env=env, cwd="/", check=True, stdin=subprocess.DEVNULL)
            took = time.perf_counter() - t0
            results["site hook (python3, QMP itself)"][0].append(took); results["site hook (python3, QMP itself)"][1].append(took)
def ms(values, q):
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if q != 50 else statistics.median(values) * 1000
print(f"{runs} grow-disk post runs each, alternating; disk 0 grown by 1 MiB before every run")
print("| | the Ganeti job waits: median [ms] | p95 [ms] | QEMU sees the new size, read back: median [ms] | p95 [ms] |")
print("|:---|---:|---:|---:|---:|")
for name, (waits, done) in results.items():
    print(f"| {name} | {ms(waits, 50):.1f} | {ms(waits, 95):.1f} | {ms(done, 50):.1f} | {ms(done, 95):.1f} |")
PY
