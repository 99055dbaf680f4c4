#!/usr/bin/env bash
# Pre-hook wall time with gates, side by side in one hyperfine run, started as Ganeti starts a
# hook (`env -i`, the 80-odd GANETI_* variables of the captured instance-add pre hook on the
# master, cwd /):
#   the empty NativeAOT program (the floor) | hookrelay-hook, no gate applies | six local
#   policies that allow | a local denial whose verdict is queued as an event | the seed-style
#   sh+curl policy check | an http policy on loopback, asked through hookrelay (what installs
#   run) | the same asked in process by the full hookrelay used as the hook
# The policy server is bench/Receiver answering {"result": {"allow": true}} at once.
# Usage: bench/gates.sh [path/to/hookrelay] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
runs=${2:-200}
capture=$root/tests/HookRelay.Tests/Fixtures/envs/instance-add-pre-node1-01.json
out=$here/results
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"
for p in hyperfine curl; do
  command -v "$p" >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
done

dotnet publish "$here/empty-aot/EmptyAot.csproj" -c Release -r linux-x64 -o "$root/artifacts/bench/empty-aot" >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log"; exit 1; }
empty=$root/artifacts/bench/empty-aot/empty-aot
receiver=$("$here/receiver-build.sh")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$receiver" "$port" --answer '{"result": {"allow": true}}' >"$work/server.log" 2>&1 & server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/stats" >/dev/null && break; sleep 0.1; done
policy_url=http://127.0.0.1:$port/v1/data/ganeti/allow

local_policies='
    deny_unless: { instance: "^[a-z0-9-]+\\.lab\\.example$" }
    limits: { memory_mib: 65536, vcpus: 16, disks: 4, disk_mib: 2097152, nics: 4 }
    require_tags: ["^env:"]
    allow: { disk_template: [sharedfile, drbd], hypervisor: [fake, kvm] }
    protect_tag: protected
    freeze: { timezone: Europe/Berlin, windows: [ { from: "2020-12-20", to: "2021-01-06" } ] }'
# Every config keeps its state inside $work: a benchmark must never touch /var/lib/hookrelay.
config() { # name gate-body [routes]
  cat <<YAML
state_dir: $work/state-$1
delivery: { without_daemon: keep }
sinks: { timeline: { type: file, path: $work/events-$1.jsonl } }
routes: [ ${3:-} ]
gates:
  - name: g
    matchers: ['hook="instance-add"', 'phase="pre"']
    on_error: deny$2
YAML
}
config nogate "$local_policies" >"$work/nogate.yaml"
sed -i 's/hook="instance-add"/hook="instance-remove"/' "$work/nogate.yaml"
config local "$local_policies" >"$work/local.yaml"
config deny "${local_policies/lab\\\\.example/example\\\\.org}" "{ name: denials, matchers: ['verdict=\"deny\"'], to: [timeline] }" >"$work/deny.yaml"
config http "
    http: { url: \"$policy_url\", timeout: 2s }" >"$work/http.yaml"

ganeti_env=$(python3 -c 'import json,shlex,sys; print(" ".join(shlex.quote(f"{k}={v}") for k,v in sorted(json.load(open(sys.argv[1]))["env"].items())))' "$capture")
run_env="env -i $ganeti_env HOOKRELAY_NODE=node1.lab.example POLICY_URL=$policy_url"

# Each row must do what its name says before it is timed.
expect() { # exit-code description command...
  local want=$1 what=$2; shift 2
  set +e; output=$(eval "$*" 2>&1); got=$?; set -e
  [ "$got" = "$want" ] || { echo "$what: exit $got, expected $want: $output" >&2; exit 1; }
  echo "  ok  $what: exit $got ${output:+($output)}"
}
echo "checks:"
expect 0 "no gate applies" "$run_env HOOKRELAY_CONFIG=$work/nogate.yaml $hook"
expect 0 "six local policies allow" "$run_env HOOKRELAY_CONFIG=$work/local.yaml $hook"
expect 1 "a local policy denies" "$run_env HOOKRELAY_CONFIG=$work/deny.yaml $hook"
[ -s "$work/state-deny/outbox.db" ] || { echo "the denial was not queued" >&2; exit 1; }
expect 0 "seed sh+curl policy check" "$run_env /bin/sh $here/seed-gate.sh"
expect 0 "http policy through hookrelay" "$run_env HOOKRELAY_CONFIG=$work/http.yaml $hook"
expect 0 "http policy in process" "$run_env HOOKRELAY_CONFIG=$work/http.yaml $bin"
asked=$(curl -s "http://127.0.0.1:$port/stats" | cut -d' ' -f1)
[ "$asked" -ge 3 ] || { echo "the policy server was asked $asked times, expected 3" >&2; exit 1; }

cd /
hyperfine -N --warmup 10 --runs "$runs" --ignore-failure \
  --export-json "$out/gates.json" --export-markdown "$out/gates.md" \
  --command-name "empty NativeAOT program (floor)" "$run_env $empty" \
  --command-name "hookrelay-hook, no gate applies" "$run_env HOOKRELAY_CONFIG=$work/nogate.yaml $hook" \
  --command-name "hookrelay-hook, six local policies allow" "$run_env HOOKRELAY_CONFIG=$work/local.yaml $hook" \
  --command-name "hookrelay-hook, local deny + verdict queued" "$run_env HOOKRELAY_CONFIG=$work/deny.yaml $hook" \
  --command-name "seed-style sh+curl policy check" "$run_env /bin/sh $here/seed-gate.sh" \
  --command-name "hookrelay-hook, http policy (asks via hookrelay)" "$run_env HOOKRELAY_CONFIG=$work/http.yaml $hook" \
  --command-name "hookrelay as the hook, http policy in process" "$run_env HOOKRELAY_CONFIG=$work/http.yaml $bin"
