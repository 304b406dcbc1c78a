#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine (as root, no systemd needed): for trying the job
# array in packaging/slurm and for the tests labelled 'cluster'.
#
#   scripts/slurm-local.sh start    install slurm-wlm and munge if missing, write a one-node
#                                   /etc/slurm/slurm.conf for this host, start munged, slurmctld
#                                   and slurmd, and wait until the node is idle
#   scripts/slurm-local.sh stop     shut the daemons down (the configuration stays)
#   scripts/slurm-local.sh status   say whether the cluster answers (exit 0) or not (exit 1)
#
# State, spool and logs live in $DROPOUTLAB_SLURM_DIR (default /tmp/dropoutlab-slurm). An existing
# /etc/slurm/slurm.conf that this script did not write is never touched: start refuses instead.
set -euo pipefail

readonly kMarker="# Written by DropoutLab's scripts/slurm-local.sh"
readonly kConf=/etc/slurm/slurm.conf
state_dir=${DROPOUTLAB_SLURM_DIR:-/tmp/dropoutlab-slurm}

say() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { printf 'slurm-local: error: %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root: the one-node cluster runs its daemons as root (SlurmUser=root)"
}

install_packages() {
  local missing=()
  for pkg in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

write_config() {
  if [ -e "$kConf" ] && ! grep -qF "$kMarker" "$kConf"; then
    die "$kConf exists and was not written by this script; not touching it (move it away to use this one-node cluster)"
  fi
  local host cpus memory
  host=$(hostname -s)
  cpus=$(nproc)
  # What the node offers jobs: all but 1 GiB of the machine's memory.
  memory=$(awk '/^MemTotal:/ { m = int($2 / 1024) - 1024; print (m > 512 ? m : 512) }' /proc/meminfo)
  mkdir -p "$state_dir/state" "$state_dir/spool" /etc/slurm
  cat > "$kConf" <<EOF
$kMarker: a one-node cluster on $host.
ClusterName=dropoutlab
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state_dir/jobcomp.log
ReturnToService=2
MinJobAge=3600
StateSaveLocation=$state_dir/state
SlurmdSpoolDir=$state_dir/spool
SlurmctldPidFile=$state_dir/slurmctld.pid
SlurmdPidFile=$state_dir/slurmd.pid
SlurmctldLogFile=$state_dir/slurmctld.log
SlurmdLogFile=$state_dir/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  say "wrote $kConf ($host: $cpus CPUs, $memory MiB)"
}

start_munge() {
  if pgrep -x munged >/dev/null; then return; fi
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  su -s /bin/sh munge -c /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
}

answers() { timeout 5 sinfo -h -o '%T' 2>/dev/null | grep -q .; }

start() {
  need_root
  install_packages
  write_config
  start_munge
  # slurmd and slurmctld run in the background (-D keeps them from forking twice; setsid detaches
  # them from this shell and its process group, so a caller's job control cannot stop them).
  pgrep -x slurmctld >/dev/null || setsid /usr/sbin/slurmctld -D >>"$state_dir/slurmctld.out" 2>&1 < /dev/null &
  pgrep -x slurmd >/dev/null || setsid /usr/sbin/slurmd -D >>"$state_dir/slurmd.out" 2>&1 < /dev/null &
  local state=""
  for _ in $(seq 1 60); do
    state=$(timeout 5 sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
    case "$state" in
      idle|mixed|allocated) say "node $(hostname -s) is $state; try: sinfo; sbatch --wrap hostname"; return ;;
      down*|drain*) scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true ;;
    esac
    sleep 1
  done
  die "the node did not become idle within 60 s (state '${state:-no answer}'); see $state_dir/slurmctld.log and slurmd.log"
}

stop() {
  need_root
  if answers; then scontrol shutdown >/dev/null 2>&1 || true; fi
  for _ in $(seq 1 20); do
    pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break
    sleep 0.5
  done
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  if [ -r /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if answers; then sinfo; exit 0; fi
    say "no Slurm answers on this machine (start one with: scripts/slurm-local.sh start)"; exit 1 ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
