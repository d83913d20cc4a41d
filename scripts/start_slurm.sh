#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine (as root), for the SLURM tests and for
# trying the `profiles/slurm` profile: Debian's slurm-wlm and munge, a munge key, one node
# with this machine's hostname, CPUs and memory, no accounting database, no cgroups
# (proctrack/linuxproc, task/none), then munged, slurmctld and slurmd.
#
# Idempotent: exits at once when `sinfo` already answers. Never fails its caller (CI goes on;
# the SLURM tests skip when `sinfo` does not answer): every problem is printed and the
# script exits 0. Needs root and apt; does nothing otherwise.
set -uo pipefail

log() { echo "start_slurm: $*" >&2; }

if sinfo -h >/dev/null 2>&1; then
    log "SLURM is already running"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
    log "not root: SLURM not started (the SLURM tests will skip)"; exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    log "installing slurm-wlm and munge"
    if ! (DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null 2>&1 \
          || { apt-get update -q >/dev/null 2>&1 \
               && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge \
                  >/dev/null 2>&1; }); then
        log "apt-get could not install slurm-wlm and munge: SLURM not started"; exit 0
    fi
fi

host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)

# munge: a key readable by munge only, and the daemon
mkdir -p /etc/munge /var/log/munge /var/lib/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
if id munge >/dev/null 2>&1; then
    chown munge:munge /etc/munge/munge.key /var/log/munge /var/lib/munge /run/munge
    munge_user=munge
else
    munge_user=root
fi
chmod 400 /etc/munge/munge.key
chmod 700 /var/log/munge /var/lib/munge
chmod 755 /run/munge
if ! pgrep -u "$munge_user" -x munged >/dev/null; then
    if [ "$munge_user" = munge ]; then
        runuser -u munge -- /usr/sbin/munged || log "munged did not start"
    else
        /usr/sbin/munged --force || log "munged did not start"
    fi
fi

# slurm.conf: the smallest configuration slurmctld and slurmd accept on one machine
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<EOF
# written by scripts/start_slurm.sh: a single-node cluster for tests
ClusterName=encode-accession-ci
SlurmctldHost=${host}
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=${host} CPUs=${cpus} RealMemory=${memory_mb} State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld || log "slurmctld did not start"
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd || log "slurmd did not start"

for _ in $(seq 30); do
    if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
        log "SLURM is up: $(sinfo -h -o '%P %D %T %c')"; exit 0
    fi
    sleep 1
done
log "SLURM did not come up (see /var/log/slurm/); the SLURM tests will skip"
exit 0
