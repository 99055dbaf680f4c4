#!/usr/bin/env bash
# The README's demo: the seed's live-migration hook, done by HookRelay. Runs the real AOT
# binary as Ganeti would (emptied environment, cwd /, stdin a pipe) with environments captured
# from a real two-node Ganeti cluster, on a simulated master (node1) and non-master (node2),
# then shows the event written and what simulate and install would do. Touches nothing outside
# its own directory (artifacts/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(readlink -f "${1:-artifacts/publish/hookrelay/hookrelay}")
demo=$(pwd)/artifacts/demo
envs=tests/HookRelay.Tests/Fixtures/envs
rm -rf "$demo"; mkdir -p "$demo/hooks"

# The embedded default: examples/live-migration.yaml, with its paths moved into the demo directory.
sed -e "s#/var/log/hookrelay/events.jsonl#$demo/events.jsonl#" -e "s#/var/lib/hookrelay#$demo/state#" \
  examples/live-migration.yaml >"$demo/hookrelay.yaml"

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
     HOOKRELAY_CONFIG="$demo/hookrelay.yaml" HOOKRELAY_NODE="$node" "${vars[@]}" "$bin" </dev/null | cat)
  status=${PIPESTATUS[0]}
  set -e
  printf '  %-34s on %-18s exit %s\n' "$capture" "$node" "$status"
}

say "hookrelay $("$bin" version -c "$demo/hookrelay.yaml" | head -1 | cut -d' ' -f2-)"
say "configuration ($demo/hookrelay.yaml)"
grep -v '^#' "$demo/hookrelay.yaml"
"$bin" config check -c "$demo/hookrelay.yaml"

say "Ganeti runs the live migration's hooks on both nodes (pre, then post)"
for capture in instance-migrate-pre-node1-01 instance-migrate-post-node1-01; do
  run_hook "$capture" node1.lab.example
  run_hook "$capture" node2.lab.example
done
say "and a non-live migration, which the route does not want"
run_hook instance-migrate-post-node1-02 node1.lab.example

say "what was written: one event, from the master's post hook only"
wc -l <"$demo/events.jsonl" | sed 's/^/  lines: /'
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

say "install (dry run) into a scratch hooks root: exactly the directories the configuration needs"
"$bin" install --dry-run --hooks-root "$demo/hooks" -c "$demo/hookrelay.yaml" 2>/dev/null
echo
echo "demo files are in $demo"
