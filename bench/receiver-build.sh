#!/usr/bin/env bash
# Publishes the benchmarks' webhook receiver (bench/Receiver) as a NativeAOT binary with the
# workstation GC and prints its path. Published rather than run under the JIT with the web SDK's
# server GC: the receiver shares the machine's two cores with the daemon it measures, and so it
# used half the CPU it does now (BENCHMARKS.md, 2026-12-03). Usage: bin=$(bench/receiver-build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/artifacts/bench/receiver
log=$(mktemp)
dotnet publish "$here/Receiver/Receiver.csproj" -c Release -r linux-x64 -o "$out" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
rm -f "$log"
echo "$out/bench-receiver"
