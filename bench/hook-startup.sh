#!/usr/bin/env bash
# Whole-process start-up of the hook, side by side in one hyperfine run, each command started
# with an environment emptied as Ganeti's (PATH, LC_CTYPE and the GANETI_* variables of a real
# capture, through `env -i`, whose own exec every row pays alike), cwd /:
#   /bin/sh -c true | the empty NativeAOT program (the floor) | the seed's sh+curl hook |
#   hookrelay with no matching rule | hookrelay matching and queuing to the outbox with no
#   daemon (rows kept) | the same with `hookrelay serve` running (queue + wake-up datagram)
# then peak RSS with /usr/bin/time. Usage: bench/hook-startup.sh [path/to/hookrelay] [runs]
# EXTRA_BIN=other/hookrelay adds that build's two hookrelay rows to the same run, to compare build settings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
# What `hookrelay install` links into the hooks directories: the lean hook binary beside it.
hook=$(dirname "$bin")/hookrelay-hook
[ -x "$hook" ] || hook=$bin
runs=${2:-300}
capture=$root/tests/HookRelay.Tests/Fixtures/envs/instance-migrate-post-node1-01.json
out=$here/results
work=$(mktemp -d)
receiver_pid=
serve_pid=
cleanup() {
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

for p in hyperfine curl time sqlite3; do
  command -v "$p" >/dev/null || [ -x "/usr/bin/$p" ] || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
done

dotnet publish "$here/empty-aot/EmptyAot.csproj" -c Release -r linux-x64 -o "$root/artifacts/bench/empty-aot" >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log"; exit 1; }
empty=$root/artifacts/bench/empty-aot/empty-aot

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$here/receiver.py" "$port" & receiver_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null -X POST "http://127.0.0.1:$port/" && break; sleep 0.1; done

# Every config keeps its state inside $work: a benchmark must never touch /var/lib/hookrelay.
config() { # name route-matchers without_daemon [fsync]
  cat <<YAML
state_dir: $work/state-$1
delivery: { without_daemon: $3, fsync: ${4:-true} }
sinks: { timeline: { type: file, path: $work/events-$1.jsonl } }
routes:
  - { name: r, on_node: master, matchers: $2, to: [timeline] }
YAML
}
config nomatch "['hook=\"instance-add\"']" keep >"$work/nomatch.yaml"
config keep "['hook=\"instance-migrate\"', 'phase=\"post\"', 'migrate_live=\"true\"']" keep >"$work/match.yaml"
config serve "['hook=\"instance-migrate\"', 'phase=\"post\"', 'migrate_live=\"true\"']" keep >"$work/match-serve.yaml"
# The same outbox with SQLite synchronous=NORMAL instead of FULL (delivery.fsync: false), to weigh the fsync.
config serve "['hook=\"instance-migrate\"', 'phase=\"post\"', 'migrate_live=\"true\"']" keep false >"$work/match-serve-nosync.yaml"
"$bin" serve --config "$work/match-serve.yaml" 2>"$work/serve.log" & serve_pid=$!
for _ in $(seq 100); do [ -S "$work/state-serve/wake.sock" ] && break; sleep 0.05; done
[ -S "$work/state-serve/wake.sock" ] || { cat "$work/serve.log"; echo "hookrelay serve did not start" >&2; exit 1; }

# `env -i` plus the capture's variables, quoted for hyperfine's word splitting.
ganeti_env=$(python3 - "$capture" <<'PY'
import json, shlex, sys
env = json.load(open(sys.argv[1]))["env"]
print(" ".join(shlex.quote(f"{k}={v}") for k, v in sorted(env.items())))
PY
)
run_env="env -i $ganeti_env HOOK_NODE=node1.lab.example HOOKRELAY_NODE=node1.lab.example SLACK_URL=http://127.0.0.1:$port/"

# The variant is another build: its own copies of the files, so that the two builds do not
# replace each other's compiled snapshots between rows.
for c in nomatch match-serve; do cp "$work/$c.yaml" "$work/variant-$c.yaml"; done
# Compile every file before anything is measured: a build's first run after an edit compiles
# (hookrelay-hook asks hookrelay, whose memory the RSS rows would otherwise count), and once more
# after the file's change settled (a snapshot then trusts the file's identity alone).
prime() {
  for c in nomatch match match-serve match-serve-nosync; do eval "$run_env HOOKRELAY_CONFIG=$work/$c.yaml $hook" >/dev/null 2>&1 || true; done
  if [ -n "${EXTRA_BIN:-}" ]; then
    for c in nomatch match-serve; do eval "$run_env HOOKRELAY_CONFIG=$work/variant-$c.yaml $EXTRA_BIN" >/dev/null 2>&1 || true; done
  fi
}
prime; sleep 1.2; prime

cd /
hyperfine -N --warmup 20 --runs "$runs" \
  --export-json "$out/hook-startup.json" --export-markdown "$out/hook-startup.md" \
  --command-name "sh -c true" "$run_env /bin/sh -c true" \
  --command-name "empty NativeAOT program (floor)" "$run_env $empty" \
  --command-name "seed sh+curl hook, receiver up" "$run_env /bin/sh $here/seed-hook.sh" \
  --command-name "hookrelay, no matching rule" "$run_env HOOKRELAY_CONFIG=$work/nomatch.yaml $hook" \
  --command-name "hookrelay, match + enqueue, no daemon" "$run_env HOOKRELAY_CONFIG=$work/match.yaml $hook" \
  --command-name "hookrelay, match + enqueue + wake serve" "$run_env HOOKRELAY_CONFIG=$work/match-serve.yaml $hook" \
  --command-name "hookrelay, same with fsync: false" "$run_env HOOKRELAY_CONFIG=$work/match-serve-nosync.yaml $hook" \
  ${EXTRA_BIN:+--command-name "variant: no matching rule" "$run_env HOOKRELAY_CONFIG=$work/variant-nomatch.yaml $EXTRA_BIN"} \
  ${EXTRA_BIN:+--command-name "variant: match + enqueue + wake serve" "$run_env HOOKRELAY_CONFIG=$work/variant-match-serve.yaml $EXTRA_BIN"}

echo
echo "peak RSS over 20 runs (KiB, max):"
rss() { local max=0 v; for _ in $(seq 20); do v=$(eval "/usr/bin/time -f %M $1" 2>&1 >/dev/null | tail -1); [ "$v" -gt "$max" ] && max=$v; done; echo "$max"; }
printf '  %-44s %s\n' "empty NativeAOT program" "$(rss "$run_env $empty")"
printf '  %-44s %s\n' "hookrelay, no matching rule" "$(rss "$run_env HOOKRELAY_CONFIG=$work/nomatch.yaml $hook")"
printf '  %-44s %s\n' "hookrelay, match + enqueue, no daemon" "$(rss "$run_env HOOKRELAY_CONFIG=$work/match.yaml $hook")"
printf '  %-44s %s\n' "hookrelay, match + enqueue + wake serve" "$(rss "$run_env HOOKRELAY_CONFIG=$work/match-serve.yaml $hook")"

queued=$(sqlite3 "$work/state-keep/outbox.db" "SELECT COUNT(*) FROM deliveries")
[ "$queued" -gt 0 ] || { echo "the matching runs queued no event" >&2; exit 1; }
sleep 1
delivered=$(wc -l <"$work/events-serve.jsonl")
[ "$delivered" -gt 0 ] || { echo "the daemon delivered no event" >&2; exit 1; }
echo "queued without a daemon: $queued rows; delivered by serve: $delivered events"
