#!/usr/bin/env bash
# Installs what building and testing HookRelay needs on a fresh Debian 12 machine (as root).
# Idempotent: skips apt entirely when everything is already there.
set -euo pipefail
# Build: clang lld zlib1g-dev libsqlite3-dev. Tests against real services: Alertmanager, an SMTP
# server (aiosmtpd), a real QEMU (node actions talk QMP to it), the kernel's traffic control
# (tc, nftables; iperf3 measures the shaping between namespaces), the brokers the broker sinks
# publish to (mosquitto and mosquitto_sub, nats-server, RabbitMQ; kcat reads what reached the
# Kafka mock cluster, since Debian has no Kafka broker), the DNS servers the DNS sinks write
# (PowerDNS with its sqlite backend and HTTP API, BIND with TSIG; dig and nsupdate check and write
# beside them), Prometheus (scrapes the daemon's /metrics; promtool tests the shipped alerting
# rules), Chromium with its driver (the daemon's page, driven headless), socat (a port into a lab
# node's namespace), and a real two-node Ganeti
# cluster (ganeti, openssh-server; namespaces with iproute2 and util-linux, see
# scripts/ganeti-lab.sh); systemd-analyze checks the units in packaging/ (no running systemd
# needed); dpkg-dev, binutils and lintian build and check the .deb (scripts/build-deb.sh). The
# tests start their own instances and stop them by pid.
packages=(clang lld zlib1g-dev libsqlite3-dev sqlite3 hyperfine curl python3 git make
  prometheus-alertmanager python3-aiosmtpd ganeti openssh-server iproute2 util-linux
  qemu-system-x86 qemu-utils nftables iperf3 mosquitto mosquitto-clients nats-server rabbitmq-server kcat systemd
  pdns-server pdns-backend-sqlite3 bind9 bind9-utils bind9-dnsutils
  lintian dpkg-dev binutils prometheus chromium chromium-driver socat)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  # Service packages start their daemon on install where they can (no systemd: through
  # invoke-rc.d). Nothing here may leave a daemon behind, so starts are refused meanwhile;
  # a policy-rc.d the machine already has is left as it is.
  policy=/usr/sbin/policy-rc.d ours=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; ours=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ -n "$ours" ]; then rm -f "$policy"; fi
fi
if ! command -v dotnet >/dev/null; then
  echo "install-deps: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
