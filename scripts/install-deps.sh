#!/usr/bin/env bash
# Installs what building and testing HookRelay needs on a fresh Debian 12 machine (as root).
# Idempotent: skips apt entirely when everything is already there.
set -euo pipefail
packages=(clang lld zlib1g-dev libsqlite3-dev sqlite3 hyperfine curl python3 git make)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v dotnet >/dev/null; then
  echo "install-deps: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
