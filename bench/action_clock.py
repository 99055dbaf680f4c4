"""How long a Ganeti job waits for a node action's post hook, and when the action is done.

Shared by the node-action benchmarks (node-actions.sh, shaping.sh). HookRelay: the hook queues
the action and exits (the job waits that long); the running `hookrelay serve` runs it and
writes its outcome to action-runs.jsonl, whose new line ends the clock. A site's own hook does
the work while the job waits. Ways alternate run by run, in one process: each run's input
differs, which hyperfine's fixed command line cannot express.
"""
import json
import statistics
import subprocess
import sys
import time


def journal_lines(path):
    try:
        with open(path) as f:
            return f.readlines()
    except FileNotFoundError:
        return []


def hookrelay(command, env, journal, check, timeout=10):
    """(job waits, done) in seconds; the outcome must be done and pass check(reason)."""
    seen = len(journal_lines(journal))
    t0 = time.perf_counter()
    subprocess.run(command, env=env, cwd="/", check=True, stdin=subprocess.DEVNULL)
    waited = time.perf_counter() - t0
    while len(journal_lines(journal)) <= seen:
        if time.perf_counter() > t0 + timeout:
            sys.exit(f"no action outcome within {timeout} s: see serve.log")
        time.sleep(0.0005)
    done = time.perf_counter() - t0
    last = json.loads(journal_lines(journal)[-1])
    assert last["outcome"] == "done" and check(last["reason"]), last
    return waited, done


def site(command, env, quiet=False):
    """A hook that does the work itself: the job waits until it is done."""
    t0 = time.perf_counter()
    subprocess.run(command, env=env, cwd="/", check=True, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL if quiet else None)
    took = time.perf_counter() - t0
    return took, took


def ms(values, q):
    return statistics.median(values) * 1000 if q == 50 else statistics.quantiles(values, n=100)[q - 1] * 1000


def compare(title, done_header, runs, ways):
    """Runs each way (name -> function of the run's index returning (waited, done)) alternately and prints the table."""
    results = {name: ([], []) for name in ways}
    names = list(ways)
    for i in range(runs):
        for name in (names if i % 2 == 0 else names[::-1]):
            waited, done = ways[name](i)
            results[name][0].append(waited)
            results[name][1].append(done)
    print(f"\n{title}: {runs} runs each, alternating")
    print(f"| | the Ganeti job waits: median [ms] | p95 [ms] | {done_header}: median [ms] | p95 [ms] |")
    print("|:---|---:|---:|---:|---:|")
    for name, (waits, done) in results.items():
        print(f"| {name} | {ms(waits, 50):.1f} | {ms(waits, 95):.1f} | {ms(done, 50):.1f} | {ms(done, 95):.1f} |")
