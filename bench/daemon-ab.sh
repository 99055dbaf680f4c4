#!/usr/bin/env bash
# Two daemon builds side by side: bench/daemon-throughput.sh for each sink type, the builds
# alternating, the whole loop ROUNDS times (this machine is shared: one build's run right after
# the other's). One line per run: daemon CPU, what the far end used, deliveries/s, peak RSS.
# Usage: bench/daemon-ab.sh A/hookrelay B/hookrelay [rounds] [types...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
a=$1 b=$2 rounds=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
types=${*:-webhook nats kafka mqtt}
for round in $(seq "$rounds"); do
  for type in $types; do
    for bin in "$a" "$b"; do
      result=$("$here/daemon-throughput.sh" "$bin" 20000 16 1 "$type" 2>&1 | grep -E "CPU time|throughput|peak RSS" \
        | sed 's/CPU time while draining: //; s/throughput: //; s/ deliveries\/s.*/\/s/; s/daemon peak RSS: //' | tr '\n' ' ')
      echo "$round $type $bin: $result"
    done
  done
done
