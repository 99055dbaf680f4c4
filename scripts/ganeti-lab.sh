#!/usr/bin/env bash
# A real two-node Ganeti 3.0 cluster on this one Debian 12 machine, for the demo and the
# end-to-end tests. Each node is a set of namespaces (UTS, mount, network) held open by a
# sleeping process: its own hostname, /etc/ganeti, /var/lib/ganeti, sshd, and its own
# /var/lib/hookrelay (outbox) and /etc/hookrelay (node1's is $LAB/etc-hookrelay, node2's
# $LAB/node2/etc-hookrelay: each node has its own copy of the configuration, as on a real fleet,
# kept equal by `hookrelay cluster push` or by whoever set the lab up). A bridge in a third namespace joins them. Fake hypervisor, sharedfile
# storage both nodes see, so instances migrate, fail over and grow disks; and, where QEMU is
# installed, Ganeti's real kvm hypervisor beside it (`gnt-instance add -H kvm ...`): QEMU under
# KVM (TCG without /dev/kvm), a disk that boots into a halt so an idle guest costs no CPU.
#   ganeti-lab.sh up | down | status | sh NODE [CMD...] | dir     (NODE is 1 or 2)
# Needs root, Debian's ganeti and openssh-server (scripts/install-deps.sh). Touches nothing of the
# host but its own directory and, if they are missing, two empty mount points (/etc/hookrelay,
# /var/lib/hookrelay) that `down` removes again. Stops only what it started, by pid.
set -euo pipefail
LAB=${HOOKRELAY_LAB_DIR:-/tmp/hookrelay-ganeti-lab}
NET=10.78.0; DOMAIN=lab.example; CLUSTER=cluster.$DOMAIN

node_name() { echo "node$1.$DOMAIN"; }
holder_pid() { cat "$LAB/node$1/holder.pid" 2>/dev/null; }
alive() { local p; p=$(holder_pid "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
in_node() { local n=$1; shift; nsenter -t "$(holder_pid "$n")" -u -m -n -- "$@"; }

# A sleeping process holds each set of namespaces; everything else enters them.
hold() { unshare "$@" --fork sleep infinity </dev/null >/dev/null 2>&1 & echo $!; }
# unshare --fork ignores SIGTERM while it waits: SIGKILL its child (found by parent pid), then it.
stop_holder() {
  local pid=${1:-} child
  [ -n "$pid" ] || return 0
  for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Mount points the host lacks are made once and listed, so `down` removes exactly those.
mount_point() {
  [ -d "$1" ] && return 0
  mkdir -p "$1"; echo "$1" >>"$LAB/created-mount-points"
}

switch_up() {
  [ -e "$LAB/sw.pid" ] && kill -0 "$(cat "$LAB/sw.pid")" 2>/dev/null && return 0
  hold --net >"$LAB/sw.pid"; sleep 0.3
  nsenter -t "$(cat "$LAB/sw.pid")" -n sh -ec 'ip link add br0 type bridge; ip link set br0 up'
}

# A do-nothing OS definition (API 20): the fake hypervisor boots no image. For kvm, create writes
# a boot sector that halts (cli; hlt; jmp back) to disk 0: the vCPUs idle instead of spinning in
# the BIOS looking for something to boot.
make_noop_os() {
  local d="$LAB/os/noop" s
  mkdir -p "$d"
  for s in import export rename verify; do printf '#!/bin/sh\nexit 0\n' >"$d/$s"; chmod +x "$d/$s"; done
  cat >"$d/create" <<'SH'
#!/bin/sh
[ "${HYPERVISOR:-}" = kvm ] && [ -n "${DISK_0_PATH:-}" ] || exit 0
printf '\372\364\353\375' | dd of="$DISK_0_PATH" conv=notrunc status=none
printf '\125\252' | dd of="$DISK_0_PATH" bs=1 seek=510 conv=notrunc status=none
SH
  chmod +x "$d/create"
  echo 20 >"$d/ganeti_api_version"; echo default >"$d/variants.list"; : >"$d/parameters.list"
}

node_up() { # n
  local n=$1 d="$LAB/node$1" sw
  alive "$n" && return 0
  mkdir -p "$d"/{etc-ganeti,lib,run,log,ssh,etc-ssh,file-storage,hookrelay,etc-hookrelay}
  local etc_hookrelay="$d/etc-hookrelay"
  [ "$n" = 1 ] && etc_hookrelay="$LAB/etc-hookrelay"
  cp -a /etc/ganeti/. "$d/etc-ganeti/"; cp -a /etc/ssh/. "$d/etc-ssh/"; rm -f "$d"/etc-ssh/ssh_host_*
  # Ganeti refuses file storage outside the paths listed here.
  printf '/srv/ganeti/file-storage\n/srv/ganeti/shared-file-storage\n' >"$d/etc-ganeti/file-storage-paths"
  hold --uts --mount --net --propagation private >"$d/holder.pid"; sleep 0.3
  sw=$(cat "$LAB/sw.pid")
  ip link add "hrl$n" type veth peer name "hrl${n}p"
  ip link set "hrl$n" netns "$(holder_pid "$n")"; ip link set "hrl${n}p" netns "$sw"
  nsenter -t "$sw" -n ip link set "hrl${n}p" master br0 up
  in_node "$n" sh -ec "
    hostname $(node_name "$n")
    mount -t sysfs sysfs /sys   # so Ganeti's /sys/class/net shows this node's interfaces
    ip link set lo up; ip link set hrl$n name eth0; ip addr add $NET.1$n/24 dev eth0; ip link set eth0 up
    ip link add gnt0 type bridge; ip link set gnt0 up   # instances' NICs attach here
    mount --bind '$LAB/hosts' /etc/hosts
    mount --bind '$d/etc-ganeti' /etc/ganeti
    mount --bind '$d/lib' /var/lib/ganeti
    mkdir -p /run/ganeti /srv/ganeti/file-storage /srv/ganeti/shared-file-storage /srv/ganeti/os
    # Mount points the packages may not have made (a fresh root has no ~/.ssh); empty, harmless on the host.
    mkdir -p /root/.ssh /etc/hookrelay /var/lib/hookrelay
    chmod 700 /root/.ssh
    mount --bind '$d/run' /run/ganeti
    mount --bind '$d/log' /var/log/ganeti
    mount --bind '$d/ssh' /root/.ssh
    mount --bind '$d/etc-ssh' /etc/ssh
    mount --bind '$d/file-storage' /srv/ganeti/file-storage
    mount --bind '$LAB/shared-storage' /srv/ganeti/shared-file-storage
    mount --bind '$LAB/os' /srv/ganeti/os
    mount --bind '$etc_hookrelay' /etc/hookrelay
    mount --bind '$d/hookrelay' /var/lib/hookrelay
    mkdir -p /run/sshd; ssh-keygen -A >/dev/null
    /usr/sbin/sshd -o PermitRootLogin=prohibit-password -o UseDNS=no -o PidFile=/run/ganeti/sshd.pid
  "
}

up() {
  for tool in gnt-cluster /usr/sbin/sshd nsenter unshare; do
    command -v "$tool" >/dev/null || { echo "ganeti-lab: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
  done
  mkdir -p "$LAB/shared-storage" "$LAB/etc-hookrelay"; make_noop_os
  mount_point /etc/hookrelay; mount_point /var/lib/hookrelay
  # The cluster's name, and a second one with a master IP of its own, so the cluster can be renamed
  # and back (Ganeti takes the new name's canonical name from its address: on the same address it
  # would come back as the old name, "neither the name nor the IP address has changed").
  { printf '127.0.0.1 localhost\n%s.10 %s\n%s.20 cluster-b.%s\n%s.11 %s\n%s.12 %s\n' \
      "$NET" "$CLUSTER" "$NET" "$DOMAIN" "$NET" "$(node_name 1)" "$NET" "$(node_name 2)"
    # Instance names must resolve for Ganeti's name check (rename asks on a tty without it).
    for i in $(seq 1 99); do printf '%s.%d web-%d.%s db-%d.%s\n' "$NET" $((100+i)) "$i" "$DOMAIN" "$i" "$DOMAIN"; done
  } >"$LAB/hosts"
  switch_up; node_up 1; node_up 2
  if [ ! -e "$LAB/node1/lib/config.data" ]; then
    # One root key on both nodes so the ssh host keys can be scanned before init.
    [ -e "$LAB/id_rsa" ] || ssh-keygen -q -t rsa -b 2048 -N '' -f "$LAB/id_rsa"
    for n in 1 2; do
      cp "$LAB/id_rsa" "$LAB/id_rsa.pub" "$LAB/node$n/ssh/"; cp "$LAB/id_rsa.pub" "$LAB/node$n/ssh/authorized_keys"
      chmod 700 "$LAB/node$n/ssh"; chmod 600 "$LAB/node$n/ssh/"*
    done
    in_node 1 sh -c "ssh-keyscan -H $(node_name 1) $(node_name 2) 2>/dev/null >/root/.ssh/known_hosts"
    # kvm beside fake where Debian's qemu-system-x86 is installed (/usr/bin/kvm, Ganeti's kvm_path):
    # no kernel of its own (the disk boots), no VNC, no serial console, no chroot.
    local hypervisors=fake kvm_params=()
    if [ -x /usr/bin/kvm ]; then
      hypervisors=fake,kvm
      kvm_params=(-H kvm:kernel_path=,initrd_path=,vnc_bind_address=,serial_console=false,use_chroot=false)
    fi
    in_node 1 gnt-cluster init --enabled-hypervisors=$hypervisors "${kvm_params[@]}" --enabled-disk-templates=sharedfile,file,diskless \
      --master-netdev=eth0 --nic-parameters=mode=bridged,link=gnt0 \
      --file-storage-dir=/srv/ganeti/file-storage --shared-file-storage-dir=/srv/ganeti/shared-file-storage \
      --no-etc-hosts "$CLUSTER" </dev/null
    # init gave node1 a new root key: let it into node2, then join node2.
    cat "$LAB/node1/ssh/id_rsa.pub" >>"$LAB/node2/ssh/authorized_keys"
    in_node 1 gnt-node add --no-ssh-key-check "$(node_name 2)" </dev/null
  fi
  echo "ganeti-lab: cluster $CLUSTER up in $LAB (master $(node_name 1))"
}

down() {
  local n p
  [ -d "$LAB" ] || return 0
  for n in 1 2; do
    alive "$n" || continue
    # hookrelay serve, if one was started in this node (its pid file is in the node's state dir).
    p=$(awk '{print $2}' "$LAB/node$n/hookrelay/serve.pid" 2>/dev/null || true)
    [ -n "$p" ] && in_node "$n" sh -c "kill $p 2>/dev/null" || true
    # Ganeti's daemons going does not stop the QEMUs they started: each by the pid Ganeti wrote.
    for p in "$LAB/node$n"/run/kvm-hypervisor/pid/*; do
      [ -e "$p" ] || continue
      p=$(cat "$p" 2>/dev/null || true)
      [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    in_node "$n" /usr/lib/ganeti/daemon-util stop-all >/dev/null 2>&1 || true
    in_node "$n" sh -c 'kill $(cat /run/ganeti/sshd.pid 2>/dev/null) 2>/dev/null' || true
    stop_holder "$(holder_pid "$n")"
  done
  [ -e "$LAB/sw.pid" ] && stop_holder "$(cat "$LAB/sw.pid")"
  sleep 0.2
  if [ -e "$LAB/created-mount-points" ]; then
    while read -r p; do rmdir "$p" 2>/dev/null || echo "ganeti-lab: left $p (not empty)" >&2; done <"$LAB/created-mount-points"
  fi
  rm -rf "$LAB"
  echo "ganeti-lab: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  dir) echo "$LAB" ;;
  status) for n in 1 2; do if alive "$n"; then echo "node$n: up"; else echo "node$n: down"; fi; done
          if alive 1; then in_node 1 gnt-node list 2>/dev/null || true; fi ;;
  # exec: the caller's pid is the command's, so it can be stopped by that pid.
  sh) n=$2; shift 2; alive "$n" || { echo "ganeti-lab: node$n is not up" >&2; exit 1; }
      if [ $# -eq 0 ]; then set -- bash; fi
      exec nsenter -t "$(holder_pid "$n")" -u -m -n -- "$@" ;;
  *) echo "usage: $0 up|down|status|dir|sh NODE [CMD...]" >&2; exit 2 ;;
esac
