#!/usr/bin/env python3
"""End-to-end latency, hook exit -> receiver, with `hookrelay serve` running, and the hook's
own wall time (what the Ganeti job waits), p50/p99 over N sequential hook runs.
Usage: bench/latency.py [path/to/hookrelay] [runs]. Stops only what it started."""
import json, os, shlex, socket, subprocess, sys, tempfile, time, urllib.request

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
cli = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else f"{root}/artifacts/publish/hookrelay/hookrelay")
hook = os.path.join(os.path.dirname(cli), "hookrelay-hook")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
capture = f"{root}/tests/HookRelay.Tests/Fixtures/envs/instance-migrate-post-node1-01.json"

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

receiver = subprocess.run([f"{here}/receiver-build.sh"], check=True, capture_output=True, text=True).stdout.strip()
work = tempfile.mkdtemp()
port = free_port()
procs = []
try:
    procs.append(subprocess.Popen([receiver, str(port)], stdout=subprocess.DEVNULL))
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://localhost:{port}/stats", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    config = f"{work}/hookrelay.yaml"
    with open(config, "w") as f:
        f.write(f"""state_dir: {work}/state
delivery: {{ without_daemon: keep }}
sinks: {{ receiver: {{ type: webhook, url: "http://localhost:{port}/hook" }} }}
routes: [ {{ name: all, on_node: master, to: [receiver] }} ]
""")
    procs.append(subprocess.Popen([cli, "serve", "--config", config], stderr=subprocess.DEVNULL))
    for _ in range(100):
        if os.path.exists(f"{work}/state/wake.sock"):
            break
        time.sleep(0.05)
    env = dict(json.load(open(capture))["env"], HOOKRELAY_CONFIG=config, HOOKRELAY_NODE="node1.lab.example")
    walls, exits = [], []
    for _ in range(runs):
        start = time.time_ns()
        subprocess.run([hook], env=env, cwd="/", stdin=subprocess.PIPE, check=True)
        end = time.time_ns()
        walls.append((end - start) / 1e6)
        exits.append(end)
        time.sleep(0.03)  # every event arrives before the next run: arrivals pair with exits in order
    time.sleep(1)
    arrivals = sorted(int(line.split()[1]) for line in urllib.request.urlopen(f"http://localhost:{port}/arrivals").read().decode().splitlines())
    assert len(arrivals) == runs, f"{len(arrivals)} of {runs} events arrived"
    latencies = [(a - e) / 1e6 for a, e in zip(arrivals, exits)]
    print(f"runs: {runs}")
    print(f"hook wall time (what the Ganeti job waits): p50 {pct(walls, 50):.2f} ms, p99 {pct(walls, 99):.2f} ms")
    print(f"hook exit -> receiver: p50 {pct(latencies, 50):.2f} ms, p99 {pct(latencies, 99):.2f} ms, max {max(latencies):.2f} ms")
finally:
    for p in procs:
        p.terminate()
        p.wait()
    subprocess.run(["rm", "-rf", work])
