#!/usr/bin/env bash
# The delivery daemon against a local receiver (bench/Receiver, Kestrel): an outbox pre-filled
# with N events over 200 instances, or INSTANCES (one real hook run, then copied by SQL with fresh ids), then
# `hookrelay serve` started and timed until the queue is empty. Also: the daemon's peak RSS and
# its CPU use over 10 s idle afterwards. With SINKS > 1, every event goes to that many webhook sinks
# (all to the same receiver), as one event to Slack, Grafana and a webhook does. With TYPE nats,
# mqtt or kafka the sinks publish to a nats-server with JetStream (a stream takes ganeti.>), to
# mosquitto, or to librdkafka's mock cluster (bench/KafkaMock holds it) instead, started here
# on loopback ports; what arrived is counted there (kafka: read back with kcat).
# SERVE_LOG=file keeps the daemon's log. PERF=file also records a perf profile while it drains.
# CALLGRIND=file instead runs a one-shot drainer (serve --drain) under valgrind's callgrind and
# prints the instructions it executed: a count this shared machine's noise does not move
# (bench/daemon-instructions.sh turns two of them into instructions per delivery).
# INSTANCES=n spreads the events over n instances instead of 200 (each instance is one ordering key).
# Usage: bench/daemon-throughput.sh [hookrelay] [events] [concurrency] [sinks] [webhook|nats|mqtt|kafka]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
hook=$(dirname "$bin")/hookrelay-hook
events=${2:-20000}
concurrency=${3:-16}
sinks=${4:-1}
type=${5:-webhook}
instances=${INSTANCES:-200}
capture=$root/tests/HookRelay.Tests/Fixtures/envs/instance-migrate-post-node1-01.json
work=$(mktemp -d)
receiver_pid= serve_pid= broker_pid=
cleanup() {
  for p in $serve_pid $receiver_pid $broker_pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${SERVE_LOG:-}" ] && cp "$work/serve.log" "$SERVE_LOG"
  rm -rf "$work"
}
trap cleanup EXIT

receiver=$("$here/receiver-build.sh")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$receiver" "$port" >"$work/receiver.log" 2>&1 & receiver_pid=$!
for _ in $(seq 100); do curl -sf "http://localhost:$port/stats" >/dev/null && break; sleep 0.1; done

broker_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# NATS's JetStream API in its own text protocol: a request on $JS.API.<what>, the answer's JSON.
js_api() {
  python3 - "$broker_port" "$1" "${2:-}" <<'PY'
import json, socket, sys
port, what, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.create_connection(("127.0.0.1", port)); f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false}\r\nSUB _INBOX.b 1\r\nPUB $JS.API.' + what.encode() + b' _INBOX.b ' + str(len(body)).encode() + b'\r\n' + body + b'\r\n')
while True:
    line = f.readline()
    if line.startswith(b"MSG"):
        print(f.read(int(line.split()[-1])).decode()); break
PY
}
case $type in
  webhook) sink_line="type: webhook, url: \"http://localhost:$port/hook\"" ;;
  nats)
    /usr/sbin/nats-server -a 127.0.0.1 -p "$broker_port" -js -sd "$work/nats" >"$work/broker.log" 2>&1 & broker_pid=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$broker_port) 2>/dev/null && break; sleep 0.05; done
    js_api STREAM.CREATE.GANETI '{"name":"GANETI","subjects":["ganeti.>"],"storage":"file"}' >/dev/null
    sink_line="type: nats, url: \"nats://127.0.0.1:$broker_port\"" ;;
  mqtt)
    printf 'user root\npersistence false\nlistener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n' "$broker_port" >"$work/mosquitto.conf"
    /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 & broker_pid=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$broker_port) 2>/dev/null && break; sleep 0.05; done
    sink_line="type: mqtt, host: 127.0.0.1, port: $broker_port" ;;
  kafka)
    dotnet build "$here/KafkaMock/KafkaMock.csproj" -c Release -o "$root/artifacts/bench/kafka-mock" >"$work/build-kafka.log" 2>&1 || { cat "$work/build-kafka.log"; exit 1; }
    mkfifo "$work/kafka.stdin"
    dotnet "$root/artifacts/bench/kafka-mock/bench-kafka-mock.dll" <"$work/kafka.stdin" >"$work/kafka.addr" 2>"$work/broker.log" & broker_pid=$!
    exec 4>"$work/kafka.stdin"   # held open: the mock cluster lives until this script ends
    for _ in $(seq 200); do [ -s "$work/kafka.addr" ] && break; sleep 0.05; done
    kafka=$(head -1 "$work/kafka.addr")
    sink_line="type: kafka, bootstrap_servers: \"$kafka\", topic: ganeti-bench" ;;
  *) echo "unknown sink type $type" >&2; exit 2 ;;
esac

cat >"$work/hookrelay.yaml" <<YAML
state_dir: $work/state
delivery: { without_daemon: keep }
sinks:
$(for i in $(seq "$sinks"); do echo "  receiver$i: { $sink_line, concurrency: $concurrency }"; done)
routes: [ { name: all, on_node: all, to: [$(seq -s, -f 'receiver%g' "$sinks")] } ]
YAML

# One real hook run makes the outbox and the template event.
ganeti_env=$(python3 -c 'import json,shlex,sys; print(" ".join(shlex.quote(f"{k}={v}") for k,v in json.load(open(sys.argv[1]))["env"].items()))' "$capture")
eval "env -i $ganeti_env HOOKRELAY_CONFIG=$work/hookrelay.yaml HOOKRELAY_NODE=node1.lab.example $hook"
db=$work/state/outbox.db
[ "$(sqlite3 "$db" 'SELECT COUNT(*) FROM events')" = 1 ] || { echo "the seed hook run queued nothing" >&2; exit 1; }
sqlite3 "$db" >/dev/null <<SQL
DELETE FROM deliveries;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $events)
INSERT INTO events(event_id, created_ms, type, subject, body)
  SELECT printf('bench-%07d', i), created_ms - ${events} + i, type, subject,
         CAST(json_set(CAST(body AS TEXT), '\$.id', printf('bench-%07d', i), '\$.vars.GANETI_INSTANCE_NAME', 'vm-' || (i % $instances)) AS BLOB)
  FROM events e, n WHERE e.id = 1;
DELETE FROM events WHERE id = 1;
WITH RECURSIVE s(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM s WHERE j < $sinks)
INSERT INTO deliveries(event, sink, routes, okey, next_ms)
  SELECT id, 'receiver' || j, 'all', json_extract(CAST(body AS TEXT), '\$.vars.GANETI_INSTANCE_NAME'), created_ms FROM events, s ORDER BY id, j;
SQL
echo "outbox: $(sqlite3 "$db" 'SELECT COUNT(*) FROM deliveries WHERE state = 0') pending deliveries, $(du -k "$db" | cut -f1) KiB"

if [ -n "${CALLGRIND:-}" ]; then
  command -v valgrind >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
  # Without the .dbg beside it: Debian 12's valgrind cannot read its DWARF 5 and gives up.
  mkdir "$work/vg" && cp "$bin" "$(dirname "$bin")"/*.so "$work/vg/" 2>/dev/null || cp "$bin" "$work/vg/"
  valgrind --tool=callgrind --callgrind-out-file="$CALLGRIND" "$work/vg/$(basename "$bin")" serve --drain --config "$work/hookrelay.yaml" 2>"$work/serve.log" \
    || { tail -20 "$work/serve.log" >&2; exit 1; }
  left=$(sqlite3 "$db" 'SELECT COUNT(*) FROM deliveries WHERE state <> 1')
  [ "$left" = 0 ] || { echo "the drainer left $left deliveries undelivered" >&2; exit 1; }
  echo "instructions: $(awk '/^totals:|^summary:/ {print $2; exit}' "$CALLGRIND") for $events deliveries to $type, start-up and exit included"
  exit 0
fi

start=$(date +%s%N)
"$bin" serve --config "$work/hookrelay.yaml" 2>"$work/serve.log" & serve_pid=$!
# PERF=file: a call-graph profile of the whole machine over the first 2.5 s of draining (the
# daemon's threads start after it, so -p would miss them): perf report -i file --pid (printed).
[ -n "${PERF:-}" ] && { echo "perf: the daemon is pid $serve_pid"; perf record -a -F 999 -g -o "$PERF" -- sleep 2.5 >/dev/null 2>&1 & }
end=$("$here/queue-empty.py" "$db" 300) || exit 1
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }
elapsed_ms=$(( (end - start) / 1000000 ))
case $type in
  webhook)
    echo "CPU time while draining: daemon $(cpu_ms $serve_pid) ms, receiver $(cpu_ms $receiver_pid) ms"
    read -r requests distinct < <(curl -s "http://localhost:$port/stats")
    echo "delivered: $distinct distinct events in $requests requests, $elapsed_ms ms from daemon start to empty queue (start-up included)" ;;
  nats)
    echo "CPU time while draining: daemon $(cpu_ms $serve_pid) ms, nats-server $(cpu_ms $broker_pid) ms"
    requests=$(js_api STREAM.INFO.GANETI | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"]["messages"])')
    echo "delivered: $requests messages in the stream, $elapsed_ms ms from daemon start to empty queue (start-up included)" ;;
  kafka)
    echo "CPU time while draining: daemon $(cpu_ms $serve_pid) ms, mock cluster $(cpu_ms $broker_pid) ms"
    # The mock cluster keeps only its newest segments: count what was appended (each partition's end offset), not what is still readable.
    partitions=$(kcat -L -J -b "$kafka" -t ganeti-bench | python3 -c 'import json,sys; print(" ".join(str(p["partition"]) for p in json.load(sys.stdin)["topics"][0]["partitions"]))')
    requests=$(for p in $partitions; do kcat -Q -b "$kafka" -t "ganeti-bench:$p:-1" | awk '{print $NF}'; done | python3 -c 'import sys; print(sum(int(l) for l in sys.stdin))')
    echo "delivered: $requests messages appended (partition end offsets, by kcat), $elapsed_ms ms from daemon start to empty queue (start-up included)" ;;
  mqtt)
    echo "CPU time while draining: daemon $(cpu_ms $serve_pid) ms, mosquitto $(cpu_ms $broker_pid) ms"
    requests=$(sqlite3 "$db" 'SELECT COUNT(*) FROM deliveries WHERE state = 1')
    echo "delivered: $requests PUBACKed publishes, $elapsed_ms ms from daemon start to empty queue (start-up included)" ;;
esac
echo "throughput: $(( requests * 1000 / elapsed_ms )) deliveries/s to $type (concurrency $concurrency, $instances instances, $sinks sinks)"
echo "daemon peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$serve_pid/status)"
ticks() { awk '{print $14 + $15}' /proc/$serve_pid/stat; }
hz=$(getconf CLK_TCK)
t0=$(ticks); sleep 10; t1=$(ticks)
echo "daemon idle CPU over 10 s: $(( (t1 - t0) * 1000 / hz )) ms of CPU time ($(awk -v t=$((t1 - t0)) -v hz=$hz 'BEGIN {printf "%.2f", t * 100 / hz / 10}') %)"
echo "daemon RSS when idle: $(awk '/VmRSS/ {print $2, $3}' /proc/$serve_pid/status)"
echo "daemon threads: $(awk '/^Threads/ {print $2}' /proc/$serve_pid/status)"
[ -n "${SMAPS:-}" ] && awk '/^[0-9a-f]+-/ {name=$6} /^Rss:/ {rss[name]+=$2} END {for (n in rss) if (rss[n] > 1000) print "  rss", rss[n], "kB", n}' /proc/$serve_pid/smaps
if [ "$type" = webhook ]; then
  [ "$distinct" -eq "$events" ] || { echo "expected $events distinct events at the receiver" >&2; exit 1; }
else
  [ "$requests" -eq $((events * sinks)) ] || { echo "expected $((events * sinks)) messages at the $type broker" >&2; exit 1; }
fi
