#!/usr/bin/env bash
# Whether the hook's cost grows with the configuration (issue: the hook's cost must not grow with
# the configuration). One hyperfine run, each command started as Ganeti starts a hook (`env -i`,
# the GANETI_* variables of the captured live migration, cwd /), lean hookrelay-hook, configs of
# N routes each matching hook="instance-add" and one instance=~"^web-<i>-.*" (none matches the
# migration), N = 1, 10, 100, 1000, and 1000 with 200 gates on instance-add's pre phase:
#   no match:  the migration against each configuration (nothing to do)
#   match one: the same configurations plus one route for live migrations, which the migration
#              takes (queued to the outbox, no daemon)
#   pre phase: the migration's pre run against 1 route, and against 1000 routes and 200 gates
#              (gates decide pre runs: none of these is for a migration)
# Usage: bench/config-scaling.sh [path/to/hookrelay] [runs]
# BEFORE_BIN=other/hookrelay-hook adds that build's 1-route and largest rows, to compare builds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
[ -x "$hook" ] || hook=$bin
runs=${2:-100}
captures=$root/tests/HookRelay.Tests/Fixtures/envs
out=$here/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
for p in hyperfine sqlite3; do
  command -v "$p" >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
done

config() { # name routes gates with_live_route
  local name=$1 routes=$2 gates=$3 live=$4 i
  {
    echo "state_dir: $work/state-$name"
    echo "delivery: { without_daemon: keep }"
    echo "sinks: { timeline: { type: file, path: $work/events-$name.jsonl } }"
    echo "routes:"
    for ((i = 0; i < routes; i++)); do
      echo "  - { name: tenant-$i, matchers: ['hook=\"instance-add\"', 'instance=~\"^web-$i-.*\"'], to: [timeline] }"
    done
    [ "$live" = yes ] && echo "  - { name: live, on_node: master, matchers: ['hook=\"instance-migrate\"', 'phase=\"post\"', 'migrate_live=\"true\"'], to: [timeline] }"
    if [ "$gates" -gt 0 ]; then
      echo "gates:"
      for ((i = 0; i < gates; i++)); do
        echo "  - { name: gate-$i, matchers: ['hook=\"instance-add\"', 'tag=\"tenant-$i\"'], on_error: allow, deny_unless: { instance: '^web-$i-.*' } }"
      done
    fi
  } >"$work/$name.yaml"
}
for n in 1 10 100 1000; do
  config "routes-$n" "$n" 0 no
done
config routes-1000-gates-200 1000 200 no
config live-routes-1 1 0 yes
config live-routes-1000-gates-200 1000 200 yes

# `env -i` plus a capture's variables, quoted for hyperfine's word splitting.
run_env() {
  echo "env -i $(python3 - "$captures/$1.json" <<'PY'
import json, shlex, sys
env = json.load(open(sys.argv[1]))["env"]
print(" ".join(shlex.quote(f"{k}={v}") for k, v in sorted(env.items())))
PY
) HOOKRELAY_NODE=node1.lab.example"
}
post_env=$(run_env instance-migrate-post-node1-01)
pre_env=$(run_env instance-migrate-pre-node1-01)
rows=()
row() { rows+=(--command-name "$1" "${4:-$post_env} HOOKRELAY_CONFIG=$work/$2.yaml $3"); }
for n in 1 10 100 1000; do
  row "no match, $n routes" "routes-$n" "$hook"
done
row "no match, 1000 routes + 200 gates" routes-1000-gates-200 "$hook"
row "match one, 1 route + live" live-routes-1 "$hook"
row "match one, 1000 routes + 200 gates + live" live-routes-1000-gates-200 "$hook"
row "pre phase, 1 route" routes-1 "$hook" "$pre_env"
row "pre phase, 1000 routes + 200 gates" routes-1000-gates-200 "$hook" "$pre_env"
if [ -n "${BEFORE_BIN:-}" ]; then
  row "before: no match, 1 route" routes-1 "$BEFORE_BIN"
  row "before: no match, 1000 routes + 200 gates" routes-1000-gates-200 "$BEFORE_BIN"
  row "before: match one, 1 route + live" live-routes-1 "$BEFORE_BIN"
  row "before: match one, 1000 routes + 200 gates + live" live-routes-1000-gates-200 "$BEFORE_BIN"
fi

cd /
hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/config-scaling.json" --export-markdown "$out/config-scaling.md" "${rows[@]}"

# The matching runs must have queued: a row that silently did nothing would measure nothing.
for name in live-routes-1 live-routes-1000-gates-200; do
  queued=$(sqlite3 "$work/state-$name/outbox.db" "SELECT COUNT(*) FROM deliveries WHERE routes = 'live'")
  [ "$queued" -gt 0 ] || { echo "the $name runs queued nothing" >&2; exit 1; }
  echo "$name: $queued deliveries queued"
done
