#!/usr/bin/env bash
# `hookrelay dns reconcile` of 10,000 instances against PowerDNS 4.7 (gsqlite3, its HTTP API),
# both on loopback: the instances come from a RAPI stand-in (bench/rapi_standin.py: HTTPS, basic
# auth, the certificate pinned by fingerprint, as the real RAPI would be read), since no Ganeti
# here holds 10,000 instances. Each instance has one NIC with an IPv4 address: an A record, a PTR
# and two owner TXT records (40,000 RRsets). Measured with hyperfine: a reconcile with nothing to
# change, and with 10 and 1,000 instances whose address changed (each run flips those instances
# between two addresses, so every run has exactly that many to change); the first fill of the
# empty zones is timed once. Writes: the RRsets the plan changed, and the PATCH requests.
# Usage: bench/dns-reconcile.sh [path/to/hookrelay] [instances] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
instances=${2:-10000}
runs=${3:-10}
work=$(mktemp -d /tmp/hr-dnsbench.XXXXXX)
pdns_pid= rapi_pid=
cleanup() {
  for p in $pdns_pid $rapi_pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dns_port=$(free_port) api_port=$(free_port) rapi_port=$(free_port)
key=bench-pdns-key

python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()" \
  "$work/pdns.sqlite3" /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
cat >"$work/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$work/pdns.sqlite3
local-address=127.0.0.1
local-port=$dns_port
api=yes
api-key=$key
webserver=yes
webserver-address=127.0.0.1
webserver-port=$api_port
webserver-allow-from=127.0.0.0/8
socket-dir=$work
guardian=no
daemon=no
CONF
for zone in bench.example 10.in-addr.arpa; do pdnsutil --config-dir="$work" create-zone "$zone" ns1.bench.example >/dev/null; done
/usr/sbin/pdns_server --config-dir="$work" >"$work/pdns.log" 2>&1 & pdns_pid=$!

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/rapi.key" -out "$work/rapi.pem" -days 2 -subj /CN=ganeti.example.com >/dev/null 2>&1
fingerprint=$(openssl x509 -in "$work/rapi.pem" -noout -fingerprint -sha256 | cut -d= -f2)
# Two states of the cluster: state B differs from A in the addresses of the first CHANGED instances.
make_state() {
  python3 - "$instances" "$2" "$1" <<'PY'
import json, sys
n, changed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def ip(i, moved):
    base = 1 if not moved else 128
    return f"10.{base + i // 65536}.{(i // 256) % 256}.{i % 256}"
json.dump([{"name": f"vm-{i:05d}.bench.example", "nic.ips": [ip(i, i < changed)], "nic.macs": ["aa:00:00:00:00:01"], "nic.networks.names": [None]}
           for i in range(n)], open(out, "w"))
PY
}
make_state "$work/state-a.json" 0
cp "$work/state-a.json" "$work/instances.json"
printf '%s' rapi-bench-secret >"$work/rapi.password"
python3 "$here/rapi_standin.py" "$rapi_port" "$work/rapi.pem" "$work/rapi.key" hookrelay rapi-bench-secret "$work/instances.json" cluster.bench.example \
  >"$work/rapi.log" 2>&1 & rapi_pid=$!
for _ in $(seq 100); do curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$api_port/api/v1/servers/localhost" >/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do grep -q ready "$work/rapi.log" && break; sleep 0.1; done

cat >"$work/hookrelay.yaml" <<YAML
state_dir: $work/state
sinks:
  dns:
    type: powerdns
    api: http://127.0.0.1:$api_port
    key: $key
    zones: [bench.example, 10.in-addr.arpa]
    timeout: 120s
    rapi: { url: "https://127.0.0.1:$rapi_port", user: hookrelay, password: "\${file:$work/rapi.password}", fingerprint: "$fingerprint", timeout: 120s }
routes:
  - { name: dns, on_node: master, matchers: ['hook=~"instance-.*"', 'phase="post"'], to: [dns] }
YAML
reconcile() { "$bin" --config "$work/hookrelay.yaml" dns reconcile --json; }
summary() { python3 "$work/summary.py"; }
cat >"$work/summary.py" <<'PY'
import json, sys
s = json.load(sys.stdin)["sinks"][0]
zones = {}
for c in s["changes"]:
    zone = "10.in-addr.arpa" if c["name"].endswith(".in-addr.arpa.") else "bench.example"
    zones[zone] = zones.get(zone, 0) + 1
patches = sum(-(-n // 2000) for n in zones.values())
kinds = {}
for c in s["changes"]:
    kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
print(f'{s["instances"]} instances, {len(s["changes"])} RRsets written ({", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) or "none"}) in {patches} PATCH requests; read {s["read_ms"]} ms, zones + plan {s["plan_ms"]} ms, writes {s["write_ms"]} ms')
PY

echo "machine: $(nproc) cores, $(uname -r), PowerDNS $(pdns_server --version 2>&1 | grep -o '4\.[0-9.]*' | head -1)"
start=$(date +%s.%N); out=$(reconcile); end=$(date +%s.%N)
echo "first fill of empty zones: $(python3 -c "print(f'{$end - $start:.2f}')") s; $(echo "$out" | summary)"
echo "nothing to change: $(reconcile | summary)"
# What one event's delivery reads: its names one by one (rrset_name), against the whole zone a reconcile reads.
api="http://127.0.0.1:$api_port/api/v1/servers/localhost/zones/bench.example."
whole=$(curl -s -o /dev/null -w '%{time_total}' -H "X-API-Key: $key" "$api")
one=$(curl -s -o /dev/null -w '%{time_total}' -H "X-API-Key: $key" "$api?rrset_name=vm-00042.bench.example.")
echo "PowerDNS GET of the forward zone ($instances instances): whole $(python3 -c "print(f'{$whole*1000:.0f}')") ms, one name (rrset_name) $(python3 -c "print(f'{$one*1000:.1f}')") ms"
for changed in 10 1000; do
  make_state "$work/state-b-$changed.json" "$changed"
  echo "$changed changed: $(cp "$work/state-b-$changed.json" "$work/instances.json"; reconcile | summary)"
  echo "  dig: vm-00000.bench.example A $(dig @127.0.0.1 -p "$dns_port" +short vm-00000.bench.example A), PTR of it: $(dig @127.0.0.1 -p "$dns_port" +short -x "$(dig @127.0.0.1 -p "$dns_port" +short vm-00000.bench.example A)")"
  cp "$work/state-a.json" "$work/instances.json"; reconcile >/dev/null
done
# Each run flips the changed instances between state A and state B: every run has exactly that many to change.
cat >"$work/flip.sh" <<SH
#!/bin/sh
if cmp -s "$work/instances.json" "$work/state-a.json"; then cp "$work/state-b-\$1.json" "$work/instances.json"; else cp "$work/state-a.json" "$work/instances.json"; fi
SH
chmod +x "$work/flip.sh"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/hyperfine.json" \
  --prepare true --prepare "$work/flip.sh 10" --prepare "$work/flip.sh 1000" \
  -n "reconcile $instances, 0 changes" -n "reconcile $instances, 10 changes" -n "reconcile $instances, 1000 changes" \
  "$bin --config $work/hookrelay.yaml dns reconcile" "$bin --config $work/hookrelay.yaml dns reconcile" "$bin --config $work/hookrelay.yaml dns reconcile" 2>&1 | grep -v "^\s*$"
mkdir -p "$here/results" && cp "$work/hyperfine.json" "$here/results/dns-reconcile.json"
