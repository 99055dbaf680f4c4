#!/usr/bin/env bash
# Instructions the daemon executes per delivery, counted by valgrind's callgrind: a one-shot
# drainer (serve --drain) of SMALL and then LARGE pre-filled events (bench/daemon-throughput.sh
# with CALLGRIND), the difference divided by the difference in events, so start-up and exit
# cancel out. Unlike CPU time on this shared machine, the count hardly moves between runs, so
# two builds can be told apart by a few percent. Each build and type in turn.
# Usage: bench/daemon-instructions.sh "A/hookrelay B/hookrelay" [types] [small] [large]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bins=$1 types=${2:-nats webhook kafka} small=${3:-300} large=${4:-1300}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() { CALLGRIND="$out/cg.$RANDOM" "$here/daemon-throughput.sh" "$1" "$2" 16 1 "$3" | awk '/^instructions:/ {print $2}'; }
for type in $types; do
  for bin in $bins; do
    a=$(count "$bin" "$small" "$type") b=$(count "$bin" "$large" "$type")
    echo "$type $bin: $a instructions for $small deliveries, $b for $large: $(( (b - a) / (large - small) )) per delivery"
  done
done
