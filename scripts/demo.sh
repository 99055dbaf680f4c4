#!/usr/bin/env bash
# The README's demo: HookRelay on a real two-node Ganeti 3.0 cluster. Brings the cluster up on
# this machine (scripts/ganeti-lab.sh: namespaces, fake and kvm hypervisors), installs HookRelay on both
# nodes with examples/ganeti-tour.yaml, starts `hookrelay serve` on both and a local receiver
# that stands in for Slack and Grafana, then runs a short tour of gnt-* commands and prints what
# HookRelay saw, denied, delivered, and how long each hook run took inside the Ganeti jobs.
# Takes the cluster down again at the end (or on Ctrl-C); stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=$(readlink -f "${1:-artifacts/publish/hookrelay/hookrelay}")
export HOOKRELAY_LAB_DIR=/tmp/hookrelay-demo-lab
lab=$root/scripts/ganeti-lab.sh
LAB=$HOOKRELAY_LAB_DIR
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$lab" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
gnt() { # a gnt-* command on the master, shown with its wall time and, on failure, its output
  local start end status out
  start=$(date +%s%3N)
  set +e; out=$("$lab" sh 1 "$@" </dev/null 2>&1); status=$?; set -e
  end=$(date +%s%3N)
  printf '  %-72s %5d ms  exit %d\n' "$*" $((end - start)) "$status"
  [ "$status" -eq 0 ] || printf '%s\n' "$out" | grep -v '^\s*$' | sed 's/^/      | /'
}

say "a two-node Ganeti 3.0 cluster on this machine (each node in its own namespaces; fake hypervisor, and kvm where QEMU is installed)"
"$lab" down >/dev/null 2>&1 || true
start=$(date +%s)
"$lab" up 2>&1 | tail -1
echo "  up in $(( $(date +%s) - start )) s"
"$lab" sh 1 gnt-node list | sed 's/^/  /'

say "PowerDNS on node1 (127.0.0.1:5353, its API on :8081) for the dns sink, and a RAPI user for dns reconcile"
mkdir -p "$LAB/pdns"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()" \
  "$LAB/pdns/pdns.sqlite3" /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
pdns_key="pdns_demo_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$pdns_key" >"$LAB/etc-hookrelay/pdns.key"
printf 'launch=gsqlite3\ngsqlite3-database=%s\nlocal-address=127.0.0.1\nlocal-port=5353\napi=yes\napi-key=%s\nwebserver=yes\nwebserver-address=127.0.0.1\nwebserver-port=8081\nwebserver-allow-from=127.0.0.0/8\nsocket-dir=%s\nguardian=no\ndaemon=no\n' \
  "$LAB/pdns/pdns.sqlite3" "$pdns_key" "$LAB/pdns" >"$LAB/pdns/pdns.conf"
for zone in lab.example 192.in-addr.arpa; do pdnsutil --config-dir="$LAB/pdns" create-zone $zone ns1.lab.example >/dev/null 2>&1; done
"$lab" sh 1 /usr/sbin/pdns_server --config-dir="$LAB/pdns" >"$LAB/pdns/pdns.log" 2>&1 & pids+=($!)
rapi_password=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
printf '%s' "$rapi_password" >"$LAB/etc-hookrelay/rapi.password"
"$lab" sh 1 sh -c "echo 'hookrelay $rapi_password' >>/var/lib/ganeti/rapi/users"
dig_sees() { # NAME TYPE: what PowerDNS answers, once the delivery is done (a few tenths of a second)
  local seen
  for _ in $(seq 30); do seen=$("$lab" sh 1 dig @127.0.0.1 -p 5353 +short "$1" "$2" | tr '\n' ' '); [ "${3:-x}" = "$seen" ] && break; sleep 0.2; done
  printf '  %-66s %s\n' "dig $1 $2:" "${seen:-(nothing)}"
}

say "HookRelay on both nodes: the binaries, one configuration (examples/ganeti-tour.yaml), install, serve"
mkdir -p "$LAB/bin"; cp "$bin" "$(dirname "$bin")/hookrelay-hook" "$LAB/bin/"
port=8088 token="glsa_demo_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf 'http://127.0.0.1:%s/services/T0/B0/demo\n' $port >"$LAB/etc-hookrelay/slack.url"
printf '%s\n' "$token" >"$LAB/etc-hookrelay/grafana.token"
sed "s#https://grafana.example.org#http://127.0.0.1:$port#" examples/ganeti-tour.yaml >"$LAB/etc-hookrelay/hookrelay.yaml"
echo "  (the receiver on node1's 127.0.0.1:$port stands in for Slack and Grafana; it refuses its first request)"
"$lab" sh 1 python3 "$root/scripts/demo-receiver.py" $port "$token" "$LAB/receiver.log" & pids+=($!)
"$lab" sh 1 "$LAB/bin/hookrelay" config check | sed 's/^/  /'
echo "  node1: hookrelay cluster push (the configuration and the secret files it names to every node, install everywhere, then cluster check)"
"$lab" sh 1 "$LAB/bin/hookrelay" cluster push | sed 's/^/    /'
for n in 1 2; do "$lab" sh $n "$LAB/bin/hookrelay" serve 2>>"$LAB/serve-node$n.log" & pids+=($!); done

say "the tour: gnt-* commands on the master, each a Ganeti job that runs the hooks"
N1=node1.lab.example N2=node2.lab.example OS=noop+default NC="--no-name-check --no-ip-check"
gnt gnt-instance add -t sharedfile -o $OS --disk 0:size=1G --disk 1:size=1G -B memory=256M,vcpus=2 --net 0:ip=192.0.2.10 --net 1 -n $N1 $NC web-1.lab.example
dig_sees web-1.lab.example A "192.0.2.10 "
dig_sees 10.2.0.192.in-addr.arpa PTR "web-1.lab.example. "
gnt gnt-instance add -t diskless -o $OS -B memory=128M -n $N2 $NC db-1.lab.example
gnt gnt-instance shutdown web-1.lab.example
gnt gnt-instance startup web-1.lab.example
gnt gnt-instance reboot db-1.lab.example
gnt gnt-instance modify -B memory=512M web-1.lab.example
gnt gnt-instance grow-disk web-1.lab.example 0 512M
gnt gnt-instance migrate -f web-1.lab.example
gnt gnt-instance failover -f web-1.lab.example
gnt gnt-instance shutdown web-1.lab.example
gnt gnt-instance rename --no-ip-check web-1.lab.example web-2.lab.example
dig_sees web-2.lab.example A "192.0.2.10 "
dig_sees web-1.lab.example A ""
dig_sees 10.2.0.192.in-addr.arpa PTR "web-2.lab.example. "
echo "  hookrelay dns reconcile --dry-run (every instance from the master's RAPI against the zones):"
"$lab" sh 1 "$LAB/bin/hookrelay" dns reconcile --dry-run | sed 's/^/    /'
gnt gnt-instance add -t diskless -o $OS -B memory=128M -n $N1 $NC test_vm.lab.example
gnt gnt-instance remove -f db-1.lab.example
gnt gnt-instance remove -f web-2.lab.example
dig_sees web-2.lab.example A ""
dig_sees 10.2.0.192.in-addr.arpa PTR ""
"$lab" sh 1 gnt-job list --no-headers -o id,status,summary | tail -3 | sed 's/^/  gnt-job list: /'

if [ -x /usr/bin/kvm ]; then
  say "grow-disk on a kvm instance: Ganeti 3.0 grows the disk file, HookRelay's disk_resize tells the running QEMU"
  gnt gnt-instance add -H kvm -t sharedfile -o $OS --disk 0:size=1G -B memory=128M,vcpus=1 --net 0 -n $N1 $NC web-3.lab.example
  qemu_sees() { "$lab" sh 1 python3 "$root/scripts/qmp.py" /run/ganeti/kvm-hypervisor/ctrl/web-3.lab.example.qmp query-block \
    | python3 -c 'import json,sys; print(", ".join(b["device"] + " " + str(b["inserted"]["image"]["virtual-size"] // 2**20) + " MiB" for b in json.load(sys.stdin) if "inserted" in b))'; }
  echo "  what the guest's disk is, by QEMU's own query-block: $(qemu_sees)"
  for _ in $(seq 100); do grep -q '"action":"shaping","subject":"web-3.lab.example"' "$LAB/node1/hookrelay/action-runs.jsonl" 2>/dev/null && break; sleep 0.1; done
  echo "  and its traffic, shaped by HookRelay on node1 (hookrelay shape status, tc's own counters):"
  "$lab" sh 1 "$LAB/bin/hookrelay" shape status | sed 's/^/    /'
  gnt gnt-instance grow-disk web-3.lab.example 0 512M
  for _ in $(seq 100); do grep -q '"subject":"web-3.lab.example"' "$LAB/node1/hookrelay/action-runs.jsonl" 2>/dev/null && break; sleep 0.1; done
  echo "  and after the post hook:                             $(qemu_sees)"
  grep '"subject":"web-3.lab.example"' "$LAB/node1/hookrelay/action-runs.jsonl" | tail -1 \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print("  node1 action-runs.jsonl:", r["action"], r["outcome"] + ":", r["reason"])'
  # The guest only halts: it cannot answer an ACPI shutdown, so do not wait the default 2 minutes for it.
  gnt gnt-instance remove -f --shutdown-timeout=0 web-3.lab.example
fi

# Deliveries finish in the background; give them a moment (the receiver's refusal means one retry).
for _ in $(seq 100); do
  pending=$("$lab" sh 1 "$LAB/bin/hookrelay" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue"]["pending"])')
  [ "$pending" = 0 ] && break; sleep 0.2
done

say "what the far end got (the receiver standing in for Slack and Grafana)"
cat "$LAB/receiver.log"

say "timeline: every hook run Ganeti made, on which node, what HookRelay did, how long it took"
python3 - "$LAB" <<'PY'
import json, statistics, sys
lab = sys.argv[1]
runs = []
for n in (1, 2):
    try:
        runs += [json.loads(l) for l in open(f"{lab}/node{n}/hookrelay/hook-runs.jsonl")]
    except FileNotFoundError:
        pass
runs.sort(key=lambda r: r["time"])
for r in runs:
    print(f'  {r["time"][11:23]}  {r["node"].split(".")[0]}  {r["hook"] + "-" + r["phase"]:<26} {r.get("target", "-"):<22} '
          f'exit {r["exit"]}  {r["ms"]:6.2f} ms  {r["outcome"]}')
ms = [r["ms"] for r in runs]
print(f'\n  {len(runs)} hook runs on {len({r["node"] for r in runs})} nodes; HookRelay took {statistics.median(ms):.2f} ms (median), '
      f'{max(ms):.2f} ms at most, inside the Ganeti jobs (after its own process start, about 3 ms: BENCHMARKS.md)')
denied = [r for r in runs if r["outcome"].startswith("denied")]
print(f'  denied: {", ".join(r.get("target", "?") + " (" + r["outcome"].split(";")[0] + ")" for r in denied) or "nothing"}')
queued = [r for r in runs if "queued" in r["outcome"]]
print(f'  queued: {len(queued)} events, all from {", ".join(sorted({r["node"] for r in queued}))} (the routes are master-only)')
PY

say "hookrelay status on the master"
"$lab" sh 1 "$LAB/bin/hookrelay" status | sed 's/^/  /'
say "what Prometheus scrapes on the master (GET /metrics), and the last runs there (hookrelay events tail)"
"$lab" sh 1 curl -s http://127.0.0.1:9786/metrics | grep -E '^hookrelay_(deliveries_total\{[^}]*"delivered"|hook_runs_total)' | sort | head -14 | sed 's/^/  /'
"$lab" sh 1 "$LAB/bin/hookrelay" events tail -n 5 | sed 's/^/  /'
say "the master's page (GET /), as headless Chromium draws it inside node1"
# The page asks the same API for the timeline, the sinks and the dead letters; give its script a moment.
mkdir -p "$root/artifacts"
"$lab" sh 1 timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1400 \
  --virtual-time-budget=4000 --screenshot="$root/artifacts/demo-page.png" http://127.0.0.1:9786/ >/dev/null 2>&1 \
  && echo "  artifacts/demo-page.png ($(stat -c %s "$root/artifacts/demo-page.png") bytes); on a node, forward the port: ssh -L 9786:127.0.0.1:9786 node1" \
  || echo "  (chromium could not draw it here; the page is at http://127.0.0.1:9786/ on node1)"
say "taking the cluster down"
