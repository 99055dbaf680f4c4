#!/usr/bin/env bash
# The README's demo: the seed's live-migration hook, done by HookRelay. Runs the real AOT hook
# binary as Ganeti would (emptied environment, cwd /, stdin a pipe) with environments captured
# from a real two-node Ganeti cluster, on a simulated master (node1) and non-master (node2):
# the hook only queues; `hookrelay serve` delivers to a local receiver standing in for Slack and
# Grafana (it refuses the first request, to show the retry) and to a timeline file. Then simulate,
# test-send and install. Touches nothing outside artifacts/demo; stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(readlink -f "${1:-artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
demo=$(pwd)/artifacts/demo
envs=tests/HookRelay.Tests/Fixtures/envs
rm -rf "$demo"; mkdir -p "$demo/hooks"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# The embedded default: examples/live-migration.yaml, with its paths moved into the demo
# directory and its secrets written there; `keep` so the queue can be shown before serve starts.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token="glsa_demo_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf 'http://127.0.0.1:%s/services/T0/B0/demo\n' "$port" >"$demo/slack.url"
printf '%s\n' "$token" >"$demo/grafana.token"
sed -e "s#/var/log/hookrelay/events.jsonl#$demo/events.jsonl#" -e "s#/var/lib/hookrelay#$demo/state#" \
  -e "s#https://grafana.example.org#http://127.0.0.1:$port#" \
  -e "s#/etc/hookrelay/#$demo/#g" -e "s#without_daemon: spawn#without_daemon: keep   \# the demo shows the queue, then starts serve#" \
  examples/live-migration.yaml >"$demo/hookrelay.yaml"
python3 scripts/demo-receiver.py "$port" "$token" "$demo/receiver.log" & pids+=($!)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Runs the binary with exactly the environment Ganeti gives a hook, from a capture.
run_hook() { # capture node
  local capture=$1 node=$2 status
  mapfile -t vars < <(python3 -c '
import json, sys
for k, v in sorted(json.load(open(sys.argv[1]))["env"].items()):
    if k.startswith("GANETI_"): print(f"{k}={v}")' "$envs/$capture.json")
  set +e
  (cd / && env -i PATH=/sbin:/bin:/usr/sbin:/usr/bin LC_CTYPE=C.UTF-8 \
     HOOKRELAY_CONFIG="$demo/hookrelay.yaml" HOOKRELAY_NODE="$node" "${vars[@]}" "$hook" </dev/null | cat)
  status=${PIPESTATUS[0]}
  set -e
  printf '  %-34s on %-18s exit %s\n' "$capture" "$node" "$status"
}

say "hookrelay $("$bin" version -c "$demo/hookrelay.yaml" | head -1 | cut -d' ' -f2-)"
say "configuration ($demo/hookrelay.yaml)"
grep -v '^#' "$demo/hookrelay.yaml"
"$bin" config check -c "$demo/hookrelay.yaml"

say "Ganeti runs the live migration's hooks on both nodes: pre, the migration (a second here), post"
for capture in instance-migrate-pre-node1-01 instance-migrate-post-node1-01; do
  run_hook "$capture" node1.lab.example
  run_hook "$capture" node2.lab.example
  [ "${capture#*-pre-}" != "$capture" ] && sleep 1
done
say "and a non-live migration, which the route does not want"
run_hook instance-migrate-post-node1-02 node1.lab.example

say "the hooks returned at once; the master's post hook queued one event for three sinks"
"$bin" status -c "$demo/hookrelay.yaml" | sed 's/^/  /'

say "hookrelay serve delivers it (the receiver refuses the first try: the daemon backs off and retries)"
"$bin" serve -c "$demo/hookrelay.yaml" 2>"$demo/serve.log" & pids+=($!)
for _ in $(seq 100); do [ "$(grep -c ' got: ' "$demo/receiver.log" 2>/dev/null)" = 2 ] && [ -s "$demo/events.jsonl" ] && break; sleep 0.1; done
cat "$demo/receiver.log"
sed 's/^/  daemon: /' "$demo/serve.log"
"$bin" status -c "$demo/hookrelay.yaml" | sed 's/^/  /'

say "the timeline file: the same event, as CloudEvents JSON"
python3 - "$demo/events.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line); d = e["data"]; i = d["instance"]; m = d["migrate"]
    print(f'  {e["type"]}  id {e["id"]}  opkey {e["opkey"]}')
    print(f'  {i["name"]} migrated {"live" if m["live"] else "non-live"} from {m["old_primary"]} to {m["new_primary"]} on {d["cluster"]}')
    print(f'  seen on {d["node"]["name"]} as {", ".join(d["node"]["roles"])}; {len(i["disks"])} disks {[x["size_mib"] for x in i["disks"]]} MiB, tags {i["tags"]}')
    print(f'  {len(line)} bytes of CloudEvents JSON; every GANETI_* variable is kept under data.env')
PY

say "simulate on the master: why the route applies"
"$bin" simulate instance-migrate --phase post --env-file "$envs/instance-migrate-post-node1-01.json" \
  --node node1.lab.example -c "$demo/hookrelay.yaml"
say "simulate on node2: why it does not"
"$bin" simulate instance-migrate --phase post --env-file "$envs/instance-migrate-post-node1-01.json" \
  --node node2.lab.example -c "$demo/hookrelay.yaml" | sed -n '/^routes/,/^gates/p' | head -2

say "test-send: one sample event to the Slack sink now, to check the URL before relying on it"
"$bin" test-send slack -c "$demo/hookrelay.yaml"
sleep 0.2; tail -1 "$demo/receiver.log"

say "install (dry run) into a scratch hooks root: exactly the directories the configuration needs"
"$bin" install --dry-run --hooks-root "$demo/hooks" -c "$demo/hookrelay.yaml" 2>/dev/null
echo
echo "demo files are in $demo"
