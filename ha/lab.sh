#!/usr/bin/env bash
# TwinMail HA lab: a hot-standby pair, a client and a shared disk array on one Linux
# machine, built from network namespaces and loop devices. Needs root, iproute2,
# util-linux, e2fsprogs and iputils-arping. Nothing leaves the lab: every address is
# in 10.77.0.0/16 inside the lab's own namespaces, and the root namespace is untouched.
#
#   lab-sw   switch: bridge br-pub (10.77.0.254, the nodes' default gateway) and bridge br-hb
#   node-a   eth0 10.77.0.1/24 (public, default route via 10.77.0.254), eth1 10.77.1.1/24 (private heartbeat link)
#   node-b   eth0 10.77.0.2/24, eth1 10.77.1.2/24
#   client   eth0 10.77.0.10/24; reaches the service only through the VIP 10.77.0.100
#
# The array: data.img carries ext4 and is mounted only by the active node, in that
# node's own mount namespace, by the acquire hook (and unmounted by the release hook): the
# shipped examples ha/hooks/twinmail-acquire and twinmail-release themselves;
# lease.img is a small raw device both nodes open with O_DIRECT. Each node has its own
# loop device over each file, as two machines on a SAN have their own block devices.
# scratch.img (ext4, a loop device per node) is for tests of the hooks, never the data volume.
# The nodes configure no ping targets: they ping their default gateway, as by default.
#
# Usage (WORK is the lab's directory; every command but "up" reads WORK/lab.env):
#   ha/lab.sh up WORK                 build the lab and write node configs and hooks
#   ha/lab.sh start WORK NODE CP      start a node's JVM (classpath CP) in its namespaces
#   ha/lab.sh exec WORK NS CMD...     run CMD in namespace NS (node-a, node-b: with their mounts)
#   ha/lab.sh fault WORK KIND NODE    kill9 | kill9-all | stop | cont | term | cut-hb | heal-hb | cut-all | heal-all
#                                     | fs-shutdown | read-only | freeze | thaw | power-off | power-on
#   ha/lab.sh down WORK               tear everything down (also safe after a failed run)
#   ha/lab.sh check                   exit 0 if this machine can run the lab, else say why
set -euo pipefail

VIP=10.77.0.100
# The namespace names are global: one lab per machine. "up" takes this lock for the lab's
# lifetime (held by the lab's root process) and names its directory in $LOCK.owner; "down"
# of another directory leaves a running lab's namespaces alone.
LOCK=/run/twinmail-ha-lab.lock
GATEWAY=10.77.0.254
HA_DIR=$(cd "$(dirname "$0")" && pwd)
NODES=(node-a node-b)

die() { echo "lab: $*" >&2; exit 1; }

check() {
  [ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
  for c in ip losetup mkfs.ext4 nsenter unshare arping mount umount mountpoint findmnt lsblk blockdev timeout fsfreeze python3; do
    command -v "$c" >/dev/null || { echo "missing command $c"; return 1; }
  done
  local probe="twinmail-lab-probe-$$"
  ip netns add "$probe" 2>/dev/null || { echo "cannot create network namespaces"; return 1; }
  ip netns del "$probe"
  losetup -f >/dev/null 2>&1 || { echo "no free loop device"; return 1; }
  return 0
}

load() {
  W=$1
  [ -f "$W/lab.env" ] || die "no lab in $W (run: ha/lab.sh up $W)"
  # shellcheck disable=SC1091
  . "$W/lab.env"
}

ns_of() { case "$1" in a|node-a) echo node-a ;; b|node-b) echo node-b ;; *) echo "$1" ;; esac; }

# Run in a node's network namespace and its own persistent mount namespace.
in_node() {
  local n; n=$(ns_of "$1"); shift
  nsenter --net="/run/netns/$n" --mount="$W/ns/$n" -- "$@"
}

up() {
  W=$1
  mkdir -p "$W"
  W=$(cd "$W" && pwd)
  reason=$(check) || die "this machine cannot run the lab: $reason"
  exec 9>>"$LOCK"
  flock -n 9 || die "another HA lab is up on this machine (namespaces are global): $(cat "$LOCK.owner" 2>/dev/null)"
  echo "$W (pid $$, $(date -u +%FT%TZ))" > "$LOCK.owner"
  mkdir -p "$W/ns" "$W/mnt" "$W/node-a/state" "$W/node-b/state"
  # the fence command must reach the peer's mount namespace from inside a node's: through
  # a process of this (the root) mount namespace that lives as long as the lab; it also
  # holds the lab's lock (fd 9) until "down" ends it
  setsid sleep infinity > /dev/null 2>&1 < /dev/null &
  ROOT_PID=$!
  exec 9>&-
  PYTHON=$(command -v /usr/bin/python3 || command -v python3)
  : > "$W/lab.env"
  echo "W=$W" >> "$W/lab.env"
  echo "ROOT_PID=$ROOT_PID" >> "$W/lab.env"

  # network: bridges in their own namespace, one veth per host and bridge
  ip netns add lab-sw
  ip -n lab-sw link add br-pub type bridge
  ip -n lab-sw link add br-hb type bridge
  ip -n lab-sw link set br-pub up
  ip -n lab-sw link set br-hb up
  ip -n lab-sw addr add "$GATEWAY/24" dev br-pub
  ip -n lab-sw link set lo up
  local i=1
  for n in node-a node-b client; do
    ip netns add "$n"
    ip -n "$n" link set lo up
    ip link add "p-$n" netns lab-sw type veth peer name eth0 netns "$n"
    ip -n lab-sw link set "p-$n" master br-pub up
    ip -n "$n" link set eth0 up
  done
  ip -n node-a addr add 10.77.0.1/24 dev eth0
  ip -n node-b addr add 10.77.0.2/24 dev eth0
  ip -n client addr add 10.77.0.10/24 dev eth0
  for n in node-a node-b; do
    ip link add "h-$n" netns lab-sw type veth peer name eth1 netns "$n"
    ip -n lab-sw link set "h-$n" master br-hb up
    ip -n "$n" link set eth1 up
  done
  ip -n node-a addr add 10.77.1.1/24 dev eth1
  ip -n node-b addr add 10.77.1.2/24 dev eth1
  # the nodes' default gateway, which they ping to tell isolation. Nothing leaves the lab, and nothing
  # waits for an answer from outside: two "unreachable" halves of the address space are more specific than
  # the default route, so a packet for the outside world (a DNS query of a mail filter) fails at once with
  # EHOSTUNREACH, as it did with no route at all, while the default route still names the gateway
  for n in node-a node-b; do
    ip -n "$n" route add default via "$GATEWAY" dev eth0
    ip -n "$n" route add unreachable 0.0.0.0/1
    ip -n "$n" route add unreachable 128.0.0.0/1
  done
  # the VIP answers ARP only from the node that holds it; the client follows gratuitous ARP at once
  ip netns exec client sysctl -qw net.ipv4.conf.all.arp_accept=1

  # the array: one backing file per volume, one loop device per node and volume
  # the data directory is made by mkfs (-d): the hooks only mount and unmount
  mkdir -p "$W/seed/data"
  truncate -s 256M "$W/data.img"
  mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 -d "$W/seed" "$W/data.img"
  truncate -s 1M "$W/lease.img"
  truncate -s 32M "$W/scratch.img"
  mkfs.ext4 -q -F "$W/scratch.img"
  mkdir -p "$W/scratch"
  for n in node-a node-b; do
    d=$(losetup -f --show "$W/data.img"); l=$(losetup -f --show "$W/lease.img"); s=$(losetup -f --show "$W/scratch.img")
    echo "DATA_${n//-/_}=$d" >> "$W/lab.env"
    echo "LEASE_${n//-/_}=$l" >> "$W/lab.env"
    echo "SCRATCH_${n//-/_}=$s" >> "$W/lab.env"
  done
  # persistent mount namespaces, one per node (the ns files live on a private mount)
  mount --bind "$W/ns" "$W/ns"
  mount --make-private "$W/ns"
  for n in node-a node-b; do
    touch "$W/ns/$n"
    unshare --mount="$W/ns/$n" --propagation slave true
  done
  # shellcheck disable=SC1091
  . "$W/lab.env"

  # hooks: the shipped ha/hooks examples mount and unmount in the node's own mount namespace (the JVM
  # runs there); the fence command is the lab's power switch for the peer: kill its processes, drop
  # its mount and its VIP, as an IPMI power-off would.
  cat > "$W/fence.sh" <<HOOK
#!/bin/sh
peer=\$1
# Power-off emulation. First the peer's filesystem stops writing at once, without
# flushing its journal or its cache (EXT4_IOC_SHUTDOWN, NOLOGFLUSH), as when power is
# cut: nothing it still caches may reach the volume after this node has mounted it.
# The hook runs in this node's mount namespace, where the peer's namespace file is not
# bound (the kernel does not copy mount-namespace files into new namespaces): reach the
# peer's mounts through the lab's root mount namespace.
peer_mnt() { nsenter --mount=/proc/$ROOT_PID/ns/mnt -- nsenter --mount="$W/ns/\$peer" -- "\$@"; }
peer_mnt sh -c 'mountpoint -q "\$1" && $PYTHON "\$2" "\$1"' - "$W/mnt" "$W/fs_shutdown.py" || true
# A frozen volume (fsfreeze: a hung array) must be thawed before its last user goes, or its
# superblock stays frozen after the unmount, out of reach, and the loop device can never be
# released. After the shutdown above, nothing the peer still has pending reaches the disk:
# its blocked writes fail when they wake.
peer_mnt fsfreeze --unfreeze "$W/mnt" 2>/dev/null
# the supervisor first: a power-off takes the whole machine, nothing may hand over for the JVM afterwards
for f in supervisor.pid pid; do [ -f "$W/\$peer/\$f" ] && kill -9 "\$(cat "$W/\$peer/\$f")" 2>/dev/null; done
i=0; while peer_mnt mountpoint -q "$W/mnt" && [ \$i -lt 5 ]; do peer_mnt umount -l "$W/mnt" 2>/dev/null; i=\$((i+1)); done
ip -n "\$peer" addr del $VIP/24 dev eth0 2>/dev/null
echo "fenced \$peer"
exit 0
HOOK
  # the fence device's power status (fence_ipmilan -o status): exit code 2 when the peer is off, 0 when
  # on. The lab's power-off fault marks the node off once every process of it is dead; power-on clears it.
  cat > "$W/fence-status.sh" <<HOOK
#!/bin/sh
if [ -e "$W/\$1/powered-off" ]; then echo "Status: OFF"; exit 2; fi
echo "Status: ON"; exit 0
HOOK
  chmod +x "$W/fence-status.sh"
  # EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_NOLOGFLUSH: the filesystem refuses all I/O from now on
  cat > "$W/fs_shutdown.py" <<'PY'
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.ioctl(fd, 0x8004587D, struct.pack("I", 2))
PY
  chmod +x "$W/fence.sh"
  # the pair's heartbeat secret: one file both nodes read (on two machines, a copy on each)
  ( umask 077; head -c 32 /dev/urandom > "$W/cluster.key" )

  for n in node-a node-b; do
    if [ $n = node-a ]; then me=1; peer=2; slot=0; other=node-b; else me=2; peer=1; slot=1; other=node-a; fi
    dv="DATA_${n//-/_}"; lv="LEASE_${n//-/_}"
    cat > "$W/$n/twinmail.yaml" <<CFG
hostname: $n.lab.example
dataDir: $W/mnt/data
smtp: { listen: ["0.0.0.0:25"] }
pop3: { listen: ["0.0.0.0:110"] }
http: { listen: ["127.0.0.1:8080"] }
auth: { argon2MemoryKiB: 1024, argon2Iterations: 1, plaintextAuth: always }
# the lab's client is one address opening a connection per message, 10-30 a second for minutes: a load
# generator, which the new-connection rate limit (300 a minute) would refuse after about ten seconds on one node
limits: { exemptNetworks: ["10.77.0.10/32"] }
cluster:
  nodeId: $n
  peerId: $other
  slot: $slot
  stateDir: $W/$n/state
  leaseDevice: ${!lv}
  channels:
    - "private 10.77.1.$me:7946 10.77.1.$peer:7946"
    - "public 10.77.0.$me:7947 10.77.0.$peer:7947"
  heartbeatSecretFile: $W/cluster.key
  # the timings (heartbeat, lease, self-fence margin, health probes) are the defaults, as a new pair has them
  acquireHook: "$HA_DIR/hooks/twinmail-acquire ${!dv} $W/mnt"
  releaseHook: "$HA_DIR/hooks/twinmail-release $W/mnt"
  fenceCommand: "$W/fence.sh $other"
  fenceStatusCommand: "$W/fence-status.sh $other"
  hookTimeout: 10s
  vip: $VIP/24
  vipInterface: eth0
CFG
  done
  echo "lab up in $W"
}

start() {
  load "$1"; local n; n=$(ns_of "$2"); local cp=$3
  local java; java=${JAVA:-java}
  # The node runs under its supervisor (twinmail supervise), as in production: if the JVM dies while
  # active, the supervisor releases the volume and hands over at once. setsid and nsenter exec in place,
  # so $! is the supervisor's pid; it writes the JVM's (the target of the kill9/stop faults) to WORK/NODE/pid.
  rm -f "$W/$n/pid"
  setsid nsenter --net="/run/netns/$n" --mount="$W/ns/$n" -- \
    "$java" -Xmx48m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dtwinmail.log.level=INFO -cp "$cp" org.twinmail.server.cli.Main \
    supervise --config "$W/$n/twinmail.yaml" --pid-file "$W/$n/pid" -- \
    "$java" -Xmx256m -Dtwinmail.log.level=INFO -cp "$cp" org.twinmail.server.cli.Main serve --config "$W/$n/twinmail.yaml" \
    >> "$W/$n/server.log" 2>&1 < /dev/null &
  echo $! > "$W/$n/supervisor.pid"
  for _ in $(seq 1 300); do [ -s "$W/$n/pid" ] && break; sleep 0.1; done
  [ -s "$W/$n/pid" ] || die "$n: the supervisor (pid $(cat "$W/$n/supervisor.pid")) started no node within 30 s"
  echo "$n started, supervisor pid $(cat "$W/$n/supervisor.pid"), node pid $(cat "$W/$n/pid")"
}

fault() {
  load "$1"; local kind=$2 n; n=$(ns_of "$3")
  local pid; pid=$(cat "$W/$n/pid" 2>/dev/null || true)
  local dv="DATA_${n//-/_}"
  case "$kind" in
    kill9) kill -9 "$pid" ;;
    # the JVM and its supervisor at once (the OOM killer, an operator): no one releases, the kernel closes the ports
    kill9-all) kill -9 "$(cat "$W/$n/supervisor.pid")" "$pid" ;;
    term) kill -TERM "$pid" ;;
    stop) kill -STOP "$pid" ;;
    cont) kill -CONT "$pid" ;;
    # detach the bridge port: the node's link stays up and it notices nothing, as with a cut cable behind a switch
    cut-hb) ip -n lab-sw link set "h-$n" nomaster ;;
    heal-hb) ip -n lab-sw link set "h-$n" master br-hb ;;
    cut-all) ip -n lab-sw link set "h-$n" nomaster; ip -n lab-sw link set "p-$n" nomaster ;;
    heal-all) ip -n lab-sw link set "h-$n" master br-hb; ip -n lab-sw link set "p-$n" master br-pub ;;
    # storage faults, in the node's own view of the volume
    fs-shutdown) in_node "$n" python3 "$W/fs_shutdown.py" "$W/mnt" ;;
    # the array turns the volume read-only for this node only: a read-only bind mount over the
    # node's mount, in its own mount namespace. (Remounting the node's mount itself read-only is
    # refused with EBUSY while the store holds files open for writing; the stacked mount makes
    # every new open for writing fail with EROFS, which the volume probe does.)
    # Both steps can meet EBUSY while mail flows: the bind while the node's own mount work settles,
    # the read-only remount while a file (a blob, a spool file) is open for writing through the
    # new bind. Each step is retried for at most 5 s; the last attempt's error is reported.
    read-only) in_node "$n" sh -c 'ok=; for _ in $(seq 50); do mount --bind "$1" "$1" 2>/dev/null && { ok=1; break; }; sleep 0.1; done
                                   [ -n "$ok" ] || mount --bind "$1" "$1" || exit 1
                                   for _ in $(seq 50); do mount -o remount,ro,bind "$1" 2>/dev/null && exit 0; sleep 0.1; done
                                   exec mount -o remount,ro,bind "$1"' - "$W/mnt" ;;
    # a hung array: every write to the volume blocks (uninterruptibly) until thawed. The fence
    # and "down" thaw it; "thaw" is for a run that wants it back itself
    freeze) in_node "$n" fsfreeze --freeze "$W/mnt" ;;
    thaw) in_node "$n" sh -c 'mountpoint -q "$1" && fsfreeze --unfreeze "$1" || true' - "$W/mnt" ;;
    # abnormal shutdown (power cut, kernel panic): every process of the node dies at once, the
    # JVM and whatever else runs there, the volume loses what was not yet on disk (a shutdown
    # without journal flush) and the node's links go dark. The links go first: a machine without
    # power answers nothing, while a kernel whose processes were killed first answers the peer's
    # probes with ICMP port unreachable for a moment (which a standby rightly takes as "process
    # gone", a fast path that real power loss never offers)
    # Every process of the node is stopped (SIGSTOP) at once with the links, so that nothing of it
    # writes its lease slot or anything else while the lab shuts its filesystem down (a python start,
    # up to a second on a loaded machine): power loss stops everything in the same instant. Then
    # the filesystem, without flushing (the cache is lost), then SIGKILL for all.
    power-off)
      ip -n "$n" link set eth0 down; ip -n "$n" link set eth1 down
      # shellcheck disable=SC2046
      kill -STOP $(ip netns pids "$n") 2>/dev/null || true
      # from here the machine is off for the fence device's status query (a BMC says so at once)
      : > "$W/$n/powered-off"
      in_node "$n" sh -c 'mountpoint -q "$1" && python3 "$2" "$1" || true' - "$W/mnt" "$W/fs_shutdown.py"
      for _ in 1 2 3 4 5; do
        pids=$(ip netns pids "$n")
        [ -z "$pids" ] && break
        # shellcheck disable=SC2086
        kill -9 $pids 2>/dev/null || true
        sleep 0.1
      done
      [ -z "$(ip netns pids "$n")" ] || die "processes of $n survived: $(ip netns pids "$n" | tr '\n' ' ')" ;;
    # the links come back; the default route went with the link, and the machine's network set-up restores it at boot
    power-on) rm -f "$W/$n/powered-off"; ip -n "$n" link set eth0 up; ip -n "$n" link set eth1 up; ip -n "$n" route replace default via "$GATEWAY" dev eth0 ;;
    *) die "unknown fault $kind" ;;
  esac
}

down() {
  W=$1
  [ -d "$W" ] || return 0
  W=$(cd "$W" && pwd)
  owner=$(cut -d' ' -f1 "$LOCK.owner" 2>/dev/null || true)
  if [ -n "$owner" ] && [ "$owner" != "$W" ] && ! flock -n "$LOCK" true; then
    # this directory's "up" never got the lab (it was busy): nothing here is ours to tear down
    echo "lab down: the namespaces belong to the lab in $owner; left alone"
    return 0
  fi
  for n in node-a node-b; do
    for f in supervisor.pid pid; do
      if [ -f "$W/$n/$f" ]; then
        p=$(cat "$W/$n/$f"); kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true
      fi
    done
    [ -f "$W/ns/$n" ] && nsenter --mount="$W/ns/$n" fsfreeze --unfreeze "$W/mnt" 2>/dev/null || true
    [ -f "$W/ns/$n" ] && nsenter --mount="$W/ns/$n" umount -R "$W/scratch" 2>/dev/null || true
    # every layer (the read-only fault stacks one); bounded, so a failing umount cannot loop
    for _ in 1 2 3 4 5; do
      [ -f "$W/ns/$n" ] && nsenter --mount="$W/ns/$n" mountpoint -q "$W/mnt" || break
      nsenter --mount="$W/ns/$n" umount -l "$W/mnt" 2>/dev/null || true
    done
  done
  for n in node-a node-b client lab-sw; do ip netns del "$n" 2>/dev/null || true; done
  if [ -f "$W/lab.env" ]; then
    r=$(sed -n 's/^ROOT_PID=//p' "$W/lab.env"); [ -n "$r" ] && kill "$r" 2>/dev/null || true
  fi
  for n in node-a node-b; do umount "$W/ns/$n" 2>/dev/null || true; done
  umount "$W/ns" 2>/dev/null || true
  if [ -f "$W/lab.env" ]; then
    grep -E '^(DATA|LEASE|SCRATCH)_' "$W/lab.env" | cut -d= -f2 | while read -r dev; do losetup -d "$dev" 2>/dev/null || true; done
  fi
  rm -f "$W/data.img" "$W/lease.img" "$W/scratch.img"
  [ "$owner" = "$W" ] && rm -f "$LOCK.owner"
  echo "lab down"
}

cmd=${1:-}; shift || true
case "$cmd" in
  up) up "$@" ;;
  start) start "$@" ;;
  exec) load "$1"; n=$(ns_of "$2"); shift 2
        if [ "$n" = node-a ] || [ "$n" = node-b ]; then in_node "$n" "$@"; else ip netns exec "$n" "$@"; fi ;;
  fault) fault "$@" ;;
  down) down "$@" ;;
  check) check ;;
  *) sed -n '2,30p' "$0"; exit 2 ;;
esac
