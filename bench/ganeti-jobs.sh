#!/usr/bin/env bash
# What hooks add to real Ganeti jobs: `gnt-instance reboot` of one instance on a real two-node
# Ganeti cluster (scripts/ganeti-lab.sh), with no hook, with the seed's kind of script (sh + curl,
# bench/seed-reboot-hook.sh, pre and post), and with HookRelay (hookrelay-hook linked for pre and
# post, a master-only route to a webhook, `hookrelay serve` on both nodes), while the receiver
# answers at once, after 1 s, or is down. Rounds interleave the three hook set-ups so a busy
# moment of this shared machine hits them alike. Wall time of the gnt command, per job; medians.
# Usage: bench/ganeti-jobs.sh [path/to/hookrelay] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(readlink -f "${1:-$root/artifacts/publish/hookrelay/hookrelay}")
rounds=${2:-7}
export HOOKRELAY_LAB_DIR=/tmp/hookrelay-bench-lab-$$
lab=$root/scripts/ganeti-lab.sh
LAB=$HOOKRELAY_LAB_DIR
out=$here/results; mkdir -p "$out"
pids=()
receiver_pid=
cleanup() {
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$lab" down >/dev/null
}
trap cleanup EXIT
"$lab" up >/dev/null
mkdir -p "$LAB/bin"; cp "$bin" "$(dirname "$bin")/hookrelay-hook" "$LAB/bin/"
port=8089
cat >"$LAB/etc-hookrelay/hookrelay.yaml" <<YAML
delivery: { without_daemon: keep }
sinks: { chat: { type: webhook, url: "http://127.0.0.1:$port/hook", timeout: 5s } }
routes:
  - { name: reboots, on_node: master, matchers: ['hook="instance-reboot"'], to: [chat] }
YAML
# Each node has its own /etc/hookrelay: the same file on both.
cp "$LAB/etc-hookrelay/hookrelay.yaml" "$LAB/node2/etc-hookrelay/"
for n in 1 2; do "$lab" sh $n "$LAB/bin/hookrelay" serve 2>/dev/null & pids+=($!); done
sed "s#http://127.0.0.1:9/hook#http://127.0.0.1:$port/hook#" "$here/seed-reboot-hook.sh" >"$LAB/seed-reboot-hook.sh"; chmod +x "$LAB/seed-reboot-hook.sh"
"$lab" sh 1 gnt-instance add -t diskless -o noop+default -B memory=128M -n node1.lab.example \
  --no-name-check --no-ip-check web-1.lab.example </dev/null >/dev/null

hooks() { # none | seed | hookrelay, on both nodes
  local n phase d
  for n in 1 2; do for phase in pre post; do
    d=$LAB/node$n/etc-ganeti/hooks/instance-reboot-$phase.d
    rm -rf "$d"; mkdir -p "$d"
    case $1 in
      seed) cp "$LAB/seed-reboot-hook.sh" "$d/50-seed" ;;
      hookrelay) ln -s "$LAB/bin/hookrelay-hook" "$d/hookrelay" ;;
    esac
  done; done
}
receiver() { # up | slow | down
  if [ -n "$receiver_pid" ]; then kill "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; receiver_pid=; fi
  case $1 in
    up) "$lab" sh 1 python3 "$here/receiver.py" $port & receiver_pid=$! ;;
    slow) "$lab" sh 1 python3 "$here/receiver.py" $port --delay 1 & receiver_pid=$! ;;
  esac
  sleep 0.5
}
now_ms() { date +%s%3N; }
results=$LAB/jobs.txt
for state in up slow down; do
  receiver $state
  for round in $(seq "$rounds"); do
    for setup in none seed hookrelay; do
      hooks $setup
      start=$(now_ms)
      "$lab" sh 1 gnt-instance reboot web-1.lab.example </dev/null >/dev/null
      echo "$state $setup $(( $(now_ms) - start ))" >>"$results"
    done
  done
done
python3 - "$results" "$rounds" <<'PY' | tee "$out/ganeti-jobs.md"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"gnt-instance reboot wall time, median (min-max) of {sys.argv[2]} jobs each, in ms\n")
print("| receiver | no hook | seed sh + curl | HookRelay |")
print("|---|---|---|---|")
for state in ("up", "slow", "down"):
    cells = []
    for setup in ("none", "seed", "hookrelay"):
        ms = sorted(int(r[2]) for r in rows if r[0] == state and r[1] == setup)
        cells.append(f"{statistics.median(ms):.0f} ({ms[0]}-{ms[-1]})")
    label = {"up": "answers at once", "slow": "answers after 1 s", "down": "down"}[state]
    print(f"| {label} | " + " | ".join(cells) + " |")
PY
