#!/usr/bin/env python3
"""Regenerates src/HookRelay/Samples/*.env (simulate's built-in environments) and the test
fixtures from the Ganeti lab captures: one sample per hooks path and phase, preferring the
master's (node1) first capture. Usage: scripts/make-samples.py ../shared/reference/ganeti-lab/envs"""
import json, os, shutil, sys, glob

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/ganeti-lab/envs"
here = os.path.dirname(os.path.abspath(__file__))
samples = os.path.join(here, "..", "src", "HookRelay", "Samples")
fixtures = os.path.join(here, "..", "tests", "HookRelay.Tests", "Fixtures", "envs")
os.makedirs(samples, exist_ok=True)
os.makedirs(fixtures, exist_ok=True)
chosen = {}
for path in sorted(glob.glob(os.path.join(src, "*.json"))):
    shutil.copy(path, fixtures)
    cap = json.load(open(path))
    key = (cap["hpath"], cap["phase"])
    if key not in chosen or (cap["node"].startswith("node1") and not chosen[key][0].startswith("node1")):
        chosen[key] = (cap["node"], cap["env"])
for (hpath, phase), (_, env) in sorted(chosen.items()):
    with open(os.path.join(samples, f"{hpath}-{phase}.env"), "w") as f:
        for k in sorted(env):
            if k.startswith("GANETI_"):
                assert "\n" not in env[k]
                f.write(f"{k}={env[k]}\n")
print(f"{len(chosen)} samples, {len(glob.glob(os.path.join(fixtures, '*.json')))} fixtures")
