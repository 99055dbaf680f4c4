#!/usr/bin/env bash
# How long the Ganeti job waits on a post hook when the receiver is slow (answers after 1 s) or
# down (connection refused): the seed's sh+curl hook against hookrelay-hook with `hookrelay serve`
# running, side by side in one hyperfine run (-i: the seed's curl exits 7 when the receiver is down). Usage: bench/slow-receiver.sh [path/to/hookrelay]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
capture=$root/tests/HookRelay.Tests/Fixtures/envs/instance-migrate-post-node1-01.json
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
slow=$(free_port); down=$(free_port)   # nothing ever listens on $down
python3 "$here/receiver.py" "$slow" --delay 1 & pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null -m 3 -X POST "http://127.0.0.1:$slow/" && break; sleep 0.1; done

for name in slow down; do
  port=${!name}
  cat >"$work/$name.yaml" <<YAML
state_dir: $work/state-$name
delivery: { without_daemon: keep }
sinks: { chat: { type: webhook, url: "http://127.0.0.1:$port/", timeout: 5s } }
routes:
  - { name: live, on_node: master, matchers: ['hook="instance-migrate"', 'phase="post"'], to: [chat] }
YAML
  "$bin" serve --config "$work/$name.yaml" 2>/dev/null & pids+=($!)
  for _ in $(seq 100); do [ -S "$work/state-$name/wake.sock" ] && break; sleep 0.05; done
done

ganeti_env=$(python3 - "$capture" <<'PY'
import json, shlex, sys
print(" ".join(shlex.quote(f"{k}={v}") for k, v in sorted(json.load(open(sys.argv[1]))["env"].items())))
PY
)
run_env="env -i $ganeti_env HOOK_NODE=node1.lab.example HOOKRELAY_NODE=node1.lab.example"
cd /
hyperfine -N -i --warmup 2 --runs "${RUNS:-10}" --export-markdown "$here/results/slow-receiver.md" \
  --command-name "seed sh+curl, receiver slow (1 s)" "$run_env SLACK_URL=http://127.0.0.1:$slow/ /bin/sh $here/seed-hook.sh" \
  --command-name "seed sh+curl, receiver down" "$run_env SLACK_URL=http://127.0.0.1:$down/ /bin/sh $here/seed-hook.sh" \
  --command-name "hookrelay, receiver slow (1 s)" "$run_env HOOKRELAY_CONFIG=$work/slow.yaml $hook" \
  --command-name "hookrelay, receiver down" "$run_env HOOKRELAY_CONFIG=$work/down.yaml $hook"
sleep 2
echo "queued for the slow receiver: $(sqlite3 "$work/state-slow/outbox.db" 'SELECT COUNT(*) FROM deliveries') rows, delivered $(sqlite3 "$work/state-slow/outbox.db" 'SELECT COUNT(*) FROM deliveries WHERE state = 1')" " (one instance: delivered in order, one a second)"
echo "queued for the down receiver: $(sqlite3 "$work/state-down/outbox.db" 'SELECT COUNT(*) FROM deliveries WHERE state = 0') rows waiting (retrying with backoff), none lost"
