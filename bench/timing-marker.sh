#!/usr/bin/env bash
# What pairing a post run with its pre run costs the pre hook: the pre hook of a live migration
# (a real capture, environment emptied as Ganeti's, cwd /) with a configuration whose route
# takes only other hooks (no marker: nothing to do) and one whose route takes the migration's
# post event (the pre run writes its start-time marker in state_dir/runs), and that one with the
# run journal (state_dir/hook-runs.jsonl) turned off, side by side in one hyperfine run.
# Usage: bench/timing-marker.sh [path/to/hookrelay] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
runs=${2:-300}
capture=$root/tests/HookRelay.Tests/Fixtures/envs/instance-migrate-pre-node1-01.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
for name in untimed timed nojournal; do
  matchers=$([ $name = untimed ] && echo "['hook=\"instance-reboot\"']" || echo "['hook=\"instance-migrate\"', 'phase=\"post\"']")
  journal=$([ $name = nojournal ] && echo false || echo true)
  cat >"$work/$name.yaml" <<YAML
state_dir: $work/state-$name
hook: { journal: $journal }
delivery: { without_daemon: keep }
sinks: { timeline: { type: file, path: $work/events.jsonl } }
routes:
  - { name: r, on_node: master, matchers: $matchers, to: [timeline] }
YAML
done
mapfile -t vars < <(python3 -c '
import json, sys
for k, v in sorted(json.load(open(sys.argv[1]))["env"].items()):
    if k.startswith("GANETI_"): print(f"{k}={v}")' "$capture")
printf '%q ' "${vars[@]}" >"$work/vars"
run() { echo "cd / && env -i PATH=/usr/bin:/bin LC_CTYPE=C.UTF-8 HOOKRELAY_CONFIG=$work/$1.yaml HOOKRELAY_NODE=node1.lab.example $(cat "$work/vars") $hook </dev/null"; }
hyperfine -N --warmup 20 --runs "$runs" --export-markdown "$here/results/timing-marker.md" \
  -n "pre hook, no route takes the post event" "sh -c '$(run untimed)'" \
  -n "pre hook, writes its start-time marker" "sh -c '$(run timed)'" \
  -n "pre hook, writes its marker, no journal" "sh -c '$(run nojournal)'"
ls "$work/state-timed/runs" | sed 's/^/marker: /'
