#!/usr/bin/env bash
# Bring up an isolated Slurm 22.05 test lab on loopback: munge, MariaDB, slurmdbd,
# slurmctld, five slurmd (c5 is a powered-down CLOUD node), slurmrestd (unix socket
# + JWT over TCP), sshd and InfluxDB 1.6, all under one directory with ports picked
# at start. Writes <dir>/lab.json and a Slurmcast config <dir>/slurmcast.yaml; prints lab.json's
# path, then SLURMCAST_CONFIG=<config path> as the last line on stdout (progress on stderr).
#
# Usage: bash test/lab/up.sh [DIR]   (DIR defaults to ${SLURMCAST_LAB_DIR:-/tmp/slurmcast-lab})
# Needs root. Never touches /etc/slurm or /etc/munge. See docs/lab.md.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source=test/lab/lib.sh
source "$SCRIPT_DIR/lib.sh"

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

START_NS="$(date +%s%N)"
elapsed() {
  local now_ns
  now_ns="$(date +%s%N)"
  printf '%d.%d' "$(((now_ns - START_NS) / 1000000000))" "$((((now_ns - START_NS) / 100000000) % 10))"
}

CURRENT_STEP="start"
CURRENT_LOG=""
LAB_READY=0
LAB_STARTED_SOMETHING=0

step() {
  CURRENT_STEP="$1"
  CURRENT_LOG="${2:-}"
  printf '[lab %6ss] %s\n' "$(elapsed)" "$CURRENT_STEP" >&2
}

fail() {
  printf '[lab] error: %s\n' "$*" >&2
  exit 1
}

on_exit() {
  local rc=$?
  if ((LAB_READY == 0)); then
    ((rc != 0)) || rc=1
    printf '[lab] FAILED at step: %s (after %ss)\n' "$CURRENT_STEP" "$(elapsed)" >&2
    if [[ -n "$CURRENT_LOG" && -f "$CURRENT_LOG" ]]; then
      printf '[lab] last lines of %s:\n' "$CURRENT_LOG" >&2
      tail -n 40 -- "$CURRENT_LOG" >&2 || true
    fi
    if [[ "${SLURMCAST_LAB_KEEP_ON_FAIL:-0}" == "1" ]]; then
      printf '[lab] SLURMCAST_LAB_KEEP_ON_FAIL=1: leaving it running; stop it with test/lab/down.sh %s\n' "$LAB_DIR" >&2
    elif ((LAB_STARTED_SOMETHING == 1)); then
      printf '[lab] stopping what was started\n' >&2
      bash "$SCRIPT_DIR/down.sh" "$LAB_DIR" >&2 || true
    else
      lab_release_ports "${LAB_DIR:-}" 2>/dev/null || true
    fi
  fi
  exit "$rc"
}
trap on_exit EXIT

# wait_for TIMEOUT_S DESCRIPTION CMD...: run CMD until it succeeds.
wait_for() {
  local timeout_s="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    # A Slurm daemon (or sshd) that hit a fatal error will never answer: stop waiting.
    if [[ -n "$CURRENT_LOG" && -f "$CURRENT_LOG" ]] && grep -q 'fatal:' "$CURRENT_LOG"; then
      fail "$what: the log reports a fatal error"
    fi
    if ((SECONDS >= deadline)); then
      fail "timed out after ${timeout_s}s waiting for $what"
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------
step "checking privileges and packages"
[[ "$(id -u)" == "0" ]] || fail "run as root (the lab starts slurmd, sshd and MariaDB as root)"

PACKAGES=(munge slurmctld slurmd slurm-client slurmdbd slurmrestd slurm-wlm-basic-plugins
  mariadb-server influxdb openssh-server openssh-client curl perl util-linux iproute2 passwd tcsh)
missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  step "installing missing packages: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# ---------------------------------------------------------------------------
step "preparing lab directory"
LAB_DIR_ARG="${1:-${SLURMCAST_LAB_DIR:-/tmp/slurmcast-lab}}"
mkdir -p -- "$LAB_DIR_ARG"
LAB_DIR="$(cd -- "$LAB_DIR_ARG" && pwd -P)"
[[ "$LAB_DIR" != "/" ]] || fail "refusing to use / as the lab directory"
case "$LAB_DIR$PROJECT_ROOT" in
  *[[:space:]]* | *,* | *'"'* | *\\*) fail "lab directory and project path must not contain spaces, commas, quotes or backslashes (they end up in slurm.conf)" ;;
esac

# A directory is reused only when it is empty or was made by this script.
if [[ -n "$(ls -A -- "$LAB_DIR")" ]]; then
  [[ -f "$LAB_DIR/.slurmcast-lab" ]] || fail "$LAB_DIR is not empty and is not a lab directory"
  for pidfile in "$LAB_DIR"/run/*.pid; do
    [[ -f "$pidfile" ]] || continue
    pid="$(lab_read_pid "$pidfile")"
    if [[ -n "$pid" ]] && lab_pid_is_ours "$pid" "$LAB_DIR"; then
      fail "a lab is already running in $LAB_DIR (pid $pid from $pidfile); run test/lab/down.sh $LAB_DIR first"
    fi
  done
  lab_release_ports "$LAB_DIR"
  find "$LAB_DIR" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
fi
: >"$LAB_DIR/.slurmcast-lab"
chmod 0755 "$LAB_DIR"
mkdir -p "$LAB_DIR"/{run,log,state,spool,dev,munge,mysql,influx,ssh,rest}
for node in c1 c2 c3 c4 c5; do mkdir -p "$LAB_DIR/spool/$node"; done
chmod 0700 "$LAB_DIR/ssh"

id slurm >/dev/null 2>&1 || fail "user 'slurm' is missing (the slurmctld package creates it); slurmrestd must run as it"
chown slurm:slurm "$LAB_DIR/rest"
setpriv --reuid=slurm --regid=slurm --clear-groups test -x "$LAB_DIR" ||
  fail "user slurm cannot reach $LAB_DIR (a parent directory is not world-searchable); use a directory under /tmp"

LAB_TEST_USER="${SLURMCAST_LAB_USER:-labuser}"
if ! id "$LAB_TEST_USER" >/dev/null 2>&1; then
  step "creating test user $LAB_TEST_USER"
  # Two labs starting at once may race here; the loser just finds the user.
  useradd --create-home --shell /bin/bash "$LAB_TEST_USER" 2>/dev/null || id "$LAB_TEST_USER" >/dev/null
fi

# A user whose login shell is tcsh: the ssh transport must carry every argument byte-exact even
# when sshd hands the command to a shell that is not POSIX.
LAB_TCSH_USER="${SLURMCAST_LAB_TCSH_USER:-labtcsh}"
if ! id "$LAB_TCSH_USER" >/dev/null 2>&1; then
  step "creating tcsh test user $LAB_TCSH_USER"
  useradd --create-home --shell /usr/bin/tcsh "$LAB_TCSH_USER" 2>/dev/null || id "$LAB_TCSH_USER" >/dev/null
fi
# With UsePAM no, sshd refuses accounts whose password is locked ("!", useradd's default).
usermod -p '*' "$LAB_TCSH_USER"

export SLURMCAST_LAB_OWNER="$LAB_DIR"
export SLURM_CONF="$LAB_DIR/slurm.conf"
unset SLURM_JWT

# ---------------------------------------------------------------------------
step "picking free ports"
mkdir -p "$LAB_PORT_REGISTRY"
chmod 0755 "$LAB_PORT_REGISTRY"
PORT_NAMES=(CTLD DBD MYSQL REST SSH INFLUX INFLUX_RPC NODE_C1 NODE_C2 NODE_C3 NODE_C4 NODE_C5)
declare -A PORT=()
port_is_taken() {
  local port="$1" claim owner
  claim="$LAB_PORT_REGISTRY/$port"
  if [[ -f "$claim" ]]; then
    owner=""
    read -r owner <"$claim" || true
    # A claim stays valid while its lab still lists the port.
    if [[ -n "$owner" && -f "$owner/ports.env" ]] && grep -q "=$port\$" "$owner/ports.env"; then
      return 0
    fi
  fi
  grep -qx "$port" <<<"$PORTS_IN_USE"
}
{
  flock -w 30 9 || fail "could not lock the port registry $LAB_PORT_REGISTRY"
  PORTS_IN_USE="$(ss -Htanu 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' | sort -u)"
  read -r low_port _ </proc/sys/net/ipv4/ip_local_port_range
  # Stay below the ephemeral range so outgoing connections never take a lab port.
  range_hi=$((low_port - 1))
  range_lo=20000
  ((range_hi > range_lo + 1000)) || range_lo=10000
  : >"$LAB_DIR/ports.env"
  for name in "${PORT_NAMES[@]}"; do
    for _attempt in $(seq 1 200); do
      candidate=$((range_lo + (SRANDOM % (range_hi - range_lo))))
      if ! port_is_taken "$candidate" && ! grep -q "=$candidate\$" "$LAB_DIR/ports.env"; then
        PORT[$name]="$candidate"
        printf '%s\n' "$LAB_DIR" >"$LAB_PORT_REGISTRY/$candidate"
        printf 'PORT_%s=%s\n' "$name" "$candidate" >>"$LAB_DIR/ports.env"
        break
      fi
    done
    [[ -n "${PORT[$name]:-}" ]] || fail "no free port found for $name"
  done
} 9>"$LAB_PORT_REGISTRY/.lock"

# ---------------------------------------------------------------------------
step "writing configuration"
HOST_SHORT="$(uname -n)"
HOST_SHORT="${HOST_SHORT%%.*}"
RESUME_PROGRAM="$PROJECT_ROOT/plugins/power/lab-resume.sh"
SUSPEND_PROGRAM="$PROJECT_ROOT/plugins/power/lab-suspend.sh"
[[ -x "$RESUME_PROGRAM" && -x "$SUSPEND_PROGRAM" ]] ||
  fail "power programs missing or not executable: $RESUME_PROGRAM $SUSPEND_PROGRAM"

# Fake GPUs: character devices like /dev/null, so slurmd's gres/gpu plugin is satisfied.
for i in 0 1 2 3; do mknod -m 0666 "$LAB_DIR/dev/a100_$i" c 1 3; done
for i in 0 1; do mknod -m 0666 "$LAB_DIR/dev/h100_$i" c 1 3; done

head -c 32 /dev/urandom >"$LAB_DIR/jwt.key"
chmod 0600 "$LAB_DIR/jwt.key"

if [[ -f "$PROJECT_ROOT/plugins/job_submit.lua" ]]; then
  cp -- "$PROJECT_ROOT/plugins/job_submit.lua" "$LAB_DIR/job_submit.lua"
else
  cat >"$LAB_DIR/job_submit.lua" <<'LUA'
-- Pass-through job_submit plugin for the test lab (plugins/job_submit.lua was absent).
function slurm_job_submit(job_desc, part_list, submit_uid)
  return slurm.SUCCESS
end

function slurm_job_modify(job_desc, job_rec, part_list, modify_uid)
  return slurm.SUCCESS
end

return slurm.SUCCESS
LUA
fi

cat >"$LAB_DIR/slurm.conf" <<CONF
# Generated by test/lab/up.sh for the lab in $LAB_DIR
ClusterName=lab
SlurmctldHost=$HOST_SHORT(127.0.0.1)
SlurmctldPort=${PORT[CTLD]}
SlurmdPort=${PORT[NODE_C1]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$LAB_DIR/munge/munge.sock
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$LAB_DIR/jwt.key
CredType=cred/munge
StateSaveLocation=$LAB_DIR/state
SlurmdSpoolDir=$LAB_DIR/spool/%n
SlurmctldPidFile=$LAB_DIR/run/slurmctld.pid
SlurmdPidFile=$LAB_DIR/run/slurmd-%n.pid
SlurmctldLogFile=$LAB_DIR/log/slurmctld.log
SlurmdLogFile=$LAB_DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
DefMemPerCPU=256
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=5,bf_interval=5
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=2
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=${PORT[DBD]}
AccountingStoragePass=$LAB_DIR/munge/munge.sock
AccountingStorageEnforce=associations
AccountingStorageTRES=gres/gpu,gres/gpu:a100,gres/gpu:h100
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
GresTypes=gpu
JobSubmitPlugins=lua
ReturnToService=2
MailProg=/bin/true
MinJobAge=300
KillWait=5
InactiveLimit=0
MessageTimeout=10
SlurmctldTimeout=30
SlurmdTimeout=60
TreeWidth=65533
PrivateData=cloud
SlurmctldParameters=idle_on_node_suspend
ResumeProgram=$RESUME_PROGRAM
SuspendProgram=$SUSPEND_PROGRAM
Prolog=$LAB_DIR/gpu-sample.sh
Epilog=$LAB_DIR/gpu-sample.sh
SuspendTime=30
SuspendTimeout=15
ResumeTimeout=60
SuspendExcNodes=c[1-4]

NodeName=c1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=${PORT[NODE_C1]} CPUs=8 Sockets=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=16000 Gres=gpu:a100:4 Features=ib State=UNKNOWN
NodeName=c2 NodeHostname=localhost NodeAddr=127.0.0.1 Port=${PORT[NODE_C2]} CPUs=8 Sockets=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=16000 Gres=gpu:h100:2 Features=ib,bigmem State=UNKNOWN
NodeName=c3 NodeHostname=localhost NodeAddr=127.0.0.1 Port=${PORT[NODE_C3]} CPUs=8 Sockets=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=16000 Features=bigmem State=UNKNOWN
NodeName=c4 NodeHostname=localhost NodeAddr=127.0.0.1 Port=${PORT[NODE_C4]} CPUs=8 Sockets=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=16000 State=UNKNOWN
NodeName=c5 NodeHostname=localhost NodeAddr=127.0.0.1 Port=${PORT[NODE_C5]} CPUs=8 Sockets=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=16000 State=CLOUD

PartitionName=cpu Nodes=c3,c4,c5 Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=c1,c2 MaxTime=INFINITE State=UP
PartitionName=all Nodes=c1,c2,c3,c4,c5 MaxTime=INFINITE State=UP
CONF

cat >"$LAB_DIR/gres.conf" <<CONF
AutoDetect=off
NodeName=c1 Name=gpu Type=a100 File=$LAB_DIR/dev/a100_[0-3]
NodeName=c2 Name=gpu Type=h100 File=$LAB_DIR/dev/h100_[0-1]
CONF

# GPU use (docs/gpu-use.md): a fake nvidia-smi for the device files above, whose readings tests set
# in gpu-state/<node>, and the sampler as Prolog and Epilog, through a wrapper that puts the fake on
# its PATH (slurmd gives its Prolog a minimal environment) and names the lab's spool.
mkdir -p "$LAB_DIR/bin" "$LAB_DIR/gpu-state" "$LAB_DIR/spool/gpu-use"
install -m 0755 "$SCRIPT_DIR/fake-nvidia-smi" "$LAB_DIR/bin/nvidia-smi"
cat >"$LAB_DIR/gpu-sample.sh" <<SH
#!/bin/sh
PATH="$LAB_DIR/bin:/usr/sbin:/usr/bin:/sbin:/bin" SLURMCAST_GPU_SPOOL_DIR="$LAB_DIR/spool/gpu-use" \\
  exec "$PROJECT_ROOT/plugins/gpu/gpu-sample.sh"
SH
chmod 0755 "$LAB_DIR/gpu-sample.sh"

DB_PASSWORD="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
cat >"$LAB_DIR/slurmdbd.conf" <<CONF
# Generated by test/lab/up.sh
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=${PORT[DBD]}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$LAB_DIR/munge/munge.sock
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$LAB_DIR/jwt.key
PidFile=$LAB_DIR/run/slurmdbd.pid
LogFile=$LAB_DIR/log/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=${PORT[MYSQL]}
StorageUser=slurm
StoragePass=$DB_PASSWORD
StorageLoc=slurm_acct_db
CONF
chmod 0600 "$LAB_DIR/slurmdbd.conf"
chmod 0644 "$LAB_DIR/slurm.conf" "$LAB_DIR/gres.conf" "$LAB_DIR/job_submit.lua"

cat >"$LAB_DIR/influx/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:${PORT[INFLUX_RPC]}"

[meta]
  dir = "$LAB_DIR/influx/meta"

[data]
  dir = "$LAB_DIR/influx/data"
  wal-dir = "$LAB_DIR/influx/wal"
  query-log-enabled = false
  # The inmem index of InfluxDB 1.6 can drop a series created after a DROP SERIES when another is
  # dropped; Slurmcast's imports drop replaced generations, so the lab uses tsi1 (docs/store.md).
  index-version = "tsi1"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${PORT[INFLUX]}"
  auth-enabled = false
  log-enabled = false
CONF

# start_bg LOG PIDFILE CMD...: start a foreground daemon detached from this shell,
# with its output in LOG and its pid in PIDFILE.
start_bg() {
  local log="$1" pidfile="$2"
  shift 2
  setsid "$@" </dev/null >>"$log" 2>&1 &
  printf '%s\n' "$!" >"$pidfile"
  LAB_STARTED_SOMETHING=1
}

# ---------------------------------------------------------------------------
step "starting munged" "$LAB_DIR/log/munged.log"
mungekey --create --keyfile="$LAB_DIR/munge/munge.key" >/dev/null
LAB_STARTED_SOMETHING=1
munged --socket="$LAB_DIR/munge/munge.sock" --key-file="$LAB_DIR/munge/munge.key" \
  --pid-file="$LAB_DIR/run/munged.pid" --log-file="$LAB_DIR/log/munged.log" \
  --seed-file="$LAB_DIR/munge/munged.seed" </dev/null >>"$LAB_DIR/log/munged.log" 2>&1
munge_roundtrip() {
  munge -n --socket="$LAB_DIR/munge/munge.sock" | unmunge --socket="$LAB_DIR/munge/munge.sock"
}
wait_for 15 "munged" munge_roundtrip

# InfluxDB and sshd do not depend on Slurm: start them now, check them at the end.
step "starting influxd" "$LAB_DIR/log/influxd.log"
start_bg "$LAB_DIR/log/influxd.log" "$LAB_DIR/run/influxd.pid" \
  influxd run -config "$LAB_DIR/influx/influxdb.conf"

step "starting sshd" "$LAB_DIR/log/sshd.log"
ssh-keygen -q -t ed25519 -N '' -C "slurmcast-lab-host" -f "$LAB_DIR/ssh/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C "slurmcast-lab-client" -f "$LAB_DIR/ssh/id_ed25519"
cp -- "$LAB_DIR/ssh/id_ed25519.pub" "$LAB_DIR/ssh/authorized_keys"
chmod 0600 "$LAB_DIR/ssh/authorized_keys"
# sshd reads a user's authorized_keys as that user: the tcsh user's copy lives in a directory it owns.
mkdir -p "$LAB_DIR/ssh-users/$LAB_TCSH_USER"
cp -- "$LAB_DIR/ssh/id_ed25519.pub" "$LAB_DIR/ssh-users/$LAB_TCSH_USER/authorized_keys"
chown -R "$LAB_TCSH_USER" "$LAB_DIR/ssh-users/$LAB_TCSH_USER"
chmod 0700 "$LAB_DIR/ssh-users/$LAB_TCSH_USER"
chmod 0600 "$LAB_DIR/ssh-users/$LAB_TCSH_USER/authorized_keys"
read -r host_key_type host_key_b64 _ <"$LAB_DIR/ssh/ssh_host_ed25519_key.pub"
printf '[127.0.0.1]:%s %s %s\n' "${PORT[SSH]}" "$host_key_type" "$host_key_b64" >"$LAB_DIR/known_hosts"
cat >"$LAB_DIR/ssh/sshd_config" <<CONF
# Generated by test/lab/up.sh
Port ${PORT[SSH]}
ListenAddress 127.0.0.1
HostKey $LAB_DIR/ssh/ssh_host_ed25519_key
PidFile $LAB_DIR/run/sshd.pid
AuthorizedKeysFile $LAB_DIR/ssh/authorized_keys $LAB_DIR/ssh-users/%u/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers root $LAB_TCSH_USER
X11Forwarding no
PrintMotd no
LogLevel INFO
Subsystem sftp internal-sftp
CONF
# sshd's privilege-separation directory is compiled in.
mkdir -p /run/sshd
chmod 0755 /run/sshd
/usr/sbin/sshd -t -f "$LAB_DIR/ssh/sshd_config" >>"$LAB_DIR/log/sshd.log" 2>&1
/usr/sbin/sshd -f "$LAB_DIR/ssh/sshd_config" -E "$LAB_DIR/log/sshd.log" </dev/null >>"$LAB_DIR/log/sshd.log" 2>&1

# ---------------------------------------------------------------------------
step "initialising MariaDB" "$LAB_DIR/log/mariadb-install.log"
mariadb-install-db --no-defaults --user=root --datadir="$LAB_DIR/mysql/data" \
  --auth-root-authentication-method=socket --skip-test-db >"$LAB_DIR/log/mariadb-install.log" 2>&1

step "starting MariaDB" "$LAB_DIR/log/mariadb.log"
start_bg "$LAB_DIR/log/mariadb.log" "$LAB_DIR/run/mariadbd.pid" \
  mariadbd --no-defaults --user=root --datadir="$LAB_DIR/mysql/data" \
  --socket="$LAB_DIR/mysql/mysqld.sock" --port="${PORT[MYSQL]}" --bind-address=127.0.0.1 \
  --pid-file="$LAB_DIR/mysql/mariadbd.pid" --log-error="$LAB_DIR/log/mariadb.log" \
  --skip-log-bin --skip-name-resolve --innodb-buffer-pool-size=64M \
  --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-log-file-size=32M
mysql_ping() {
  mariadb-admin --no-defaults --socket="$LAB_DIR/mysql/mysqld.sock" --user=root ping
}
wait_for 60 "MariaDB" mysql_ping
mariadb --no-defaults --socket="$LAB_DIR/mysql/mysqld.sock" --user=root <<SQL
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

# ---------------------------------------------------------------------------
step "starting slurmdbd" "$LAB_DIR/log/slurmdbd.log"
LAB_STARTED_SOMETHING=1
slurmdbd </dev/null >>"$LAB_DIR/log/slurmdbd.log" 2>&1
wait_for 60 "slurmdbd to answer sacctmgr" sacctmgr -n -P list cluster

step "adding cluster, accounts and users" "$LAB_DIR/log/slurmdbd.log"
sacctmgr -i add cluster lab >/dev/null
sacctmgr -i add account research,physics Cluster=lab Description=lab Organization=lab >/dev/null
sacctmgr -i add user root Account=research,physics DefaultAccount=research >/dev/null
sacctmgr -i add user slurm Account=research DefaultAccount=research >/dev/null
sacctmgr -i add user "$LAB_TEST_USER" Account=physics,research DefaultAccount=physics >/dev/null

# ---------------------------------------------------------------------------
step "starting slurmctld" "$LAB_DIR/log/slurmctld.log"
slurmctld </dev/null >>"$LAB_DIR/log/slurmctld.log" 2>&1
wait_for 30 "slurmctld to answer" scontrol ping

step "starting slurmd c1-c4" "$LAB_DIR/log/slurmd-c1.log"
for node in c1 c2 c3 c4; do
  slurmd -N "$node" </dev/null >>"$LAB_DIR/log/slurmd-$node.log" 2>&1
done
node_ready() {
  local line
  line="$(scontrol -o show node "$1")"
  [[ "$line" == *" State=IDLE "* && "$line" =~ SlurmdStartTime=[0-9] ]]
}
for node in c1 c2 c3 c4; do
  CURRENT_LOG="$LAB_DIR/log/slurmd-$node.log"
  wait_for 60 "node $node to register IDLE" node_ready "$node"
done
cloud_node_down() {
  scontrol -o show node c5 | grep -q 'State=IDLE+CLOUD+POWERED_DOWN '
}
CURRENT_LOG="$LAB_DIR/log/slurmctld.log"
wait_for 30 "c5 to be IDLE+CLOUD+POWERED_DOWN" cloud_node_down
wait_for 30 "sacct to answer" sacct -n -a -X -S now-1hour
# sacct answering only shows slurmdbd is up. Jobs reach accounting through slurmctld's own link to
# slurmdbd, which is up once slurmctld has registered there (the cluster row then names its port).
ctld_registered() {
  [[ "$(sacctmgr -n -P show cluster lab format=ControlPort)" == "${PORT[CTLD]}" ]]
}
wait_for 30 "slurmctld to register with slurmdbd" ctld_registered

# ---------------------------------------------------------------------------
step "starting slurmrestd (unix socket + JWT on TCP)" "$LAB_DIR/log/slurmrestd-local.log"
# Two daemons: one slurmrestd cannot serve both listeners. rest_auth/jwt needs
# SLURM_JWT=daemon in slurmrestd's environment, and with it set every request that
# arrives through rest_auth/local fails ("slurmctld config is unable to load").
REST_SOCKET="$LAB_DIR/rest/slurmrestd.sock"
rm -f -- "$REST_SOCKET"
start_bg "$LAB_DIR/log/slurmrestd-local.log" "$LAB_DIR/run/slurmrestd-local.pid" \
  setpriv --reuid=slurm --regid=slurm --clear-groups -- \
  slurmrestd -a rest_auth/local "unix:$REST_SOCKET"
CURRENT_LOG="$LAB_DIR/log/slurmrestd-jwt.log"
start_bg "$LAB_DIR/log/slurmrestd-jwt.log" "$LAB_DIR/run/slurmrestd-jwt.pid" \
  setpriv --reuid=slurm --regid=slurm --clear-groups -- \
  env SLURM_JWT=daemon slurmrestd -a rest_auth/jwt "127.0.0.1:${PORT[REST]}"

TOKEN_LIFESPAN_S=$((365 * 24 * 3600))
token_line="$(scontrol token username=root lifespan="$TOKEN_LIFESPAN_S")"
JWT="${token_line#SLURM_JWT=}"
[[ -n "$JWT" && "$JWT" != "$token_line" ]] || fail "scontrol token gave no token"
(
  umask 077
  printf '%s\n' "$JWT" >"$LAB_DIR/jwt.token"
)
chmod 0600 "$LAB_DIR/jwt.token"

rest_socket_ok() {
  curl -fsS --max-time 5 --unix-socket "$REST_SOCKET" http://lab/slurm/v0.0.38/ping | grep -q '"ping": "UP"'
}
rest_tcp_ok() {
  # The token goes through stdin so it never shows in a process listing.
  printf 'X-SLURM-USER-NAME: root\nX-SLURM-USER-TOKEN: %s\n' "$JWT" |
    curl -fsS --max-time 5 -H @- "http://127.0.0.1:${PORT[REST]}/slurm/v0.0.38/ping" | grep -q '"ping": "UP"'
}
rest_tcp_refuses_anonymous() {
  local code
  code="$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[REST]}/slurm/v0.0.38/ping")"
  [[ "$code" == "401" ]]
}
CURRENT_LOG="$LAB_DIR/log/slurmrestd-local.log"
wait_for 30 "slurmrestd on its unix socket" rest_socket_ok
CURRENT_LOG="$LAB_DIR/log/slurmrestd-jwt.log"
wait_for 30 "slurmrestd on TCP with JWT" rest_tcp_ok
rest_tcp_refuses_anonymous || fail "slurmrestd on TCP answered a request without a token"

# ---------------------------------------------------------------------------
step "checking sshd" "$LAB_DIR/log/sshd.log"
ssh_ok() {
  ssh -n -p "${PORT[SSH]}" -i "$LAB_DIR/ssh/id_ed25519" \
    -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$LAB_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o ConnectTimeout=5 root@127.0.0.1 true
}
wait_for 20 "sshd to accept the lab key" ssh_ok
ssh_tcsh_ok() {
  ssh -n -p "${PORT[SSH]}" -i "$LAB_DIR/ssh/id_ed25519" \
    -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$LAB_DIR/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o ConnectTimeout=5 "$LAB_TCSH_USER@127.0.0.1" true
}
wait_for 10 "sshd to accept the lab key for the tcsh user $LAB_TCSH_USER" ssh_tcsh_ok

step "checking influxd" "$LAB_DIR/log/influxd.log"
influx_ping() {
  local code
  code="$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT[INFLUX]}/ping")"
  [[ "$code" == "204" ]]
}
wait_for 30 "influxd /ping" influx_ping
curl -fsS --max-time 10 -o /dev/null -X POST "http://127.0.0.1:${PORT[INFLUX]}/query" \
  --data-urlencode "q=CREATE DATABASE slurmcast_test"

# ---------------------------------------------------------------------------
# A Slurmcast config for this lab, so `slurmcast --config <it> doctor|collect|…` work at once. The
# local transport is active; the ssh and REST sections are there so switching is one word, and the
# store is the embedded one in the lab directory, with the lab's InfluxDB filled in for kind: influx.
# Paths are written as JSON strings, which YAML reads as double-quoted scalars.
step "writing the Slurmcast config"
json_str() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}
SLURMCAST_CONFIG_FILE="$LAB_DIR/slurmcast.yaml"
mkdir -p "$LAB_DIR/slurmcast/spool"
{
  printf '# Generated by test/lab/up.sh for the lab in %s (docs/lab.md).\n' "$LAB_DIR"
  printf '# slurmcast --config %s doctor\n' "$SLURMCAST_CONFIG_FILE"
  printf 'cluster: lab\n'
  printf 'timeZone: UTC\n'
  printf 'slurm:\n'
  printf '  transport: local # local | ssh | rest: every section below is filled in\n'
  printf '  env:\n'
  printf '    SLURM_CONF: %s\n' "$(json_str "$LAB_DIR/slurm.conf")"
  printf '  ssh:\n'
  printf '    host: 127.0.0.1\n'
  printf '    port: %d\n' "${PORT[SSH]}"
  printf '    username: root\n'
  printf '    privateKeyPath: %s\n' "$(json_str "$LAB_DIR/ssh/id_ed25519")"
  printf '    knownHostsPath: %s\n' "$(json_str "$LAB_DIR/known_hosts")"
  printf '  rest:\n'
  printf '    socket: %s\n' "$(json_str "$REST_SOCKET")"
  printf '    apiVersion: v0.0.38\n'
  printf '    writesVia: local # v0.0.38 cannot write reservations or nodes: scontrol does\n'
  printf 'store:\n'
  printf '  kind: embedded # embedded | influx\n'
  printf '  path: %s\n' "$(json_str "$LAB_DIR/slurmcast/history.db")"
  printf '  spoolDir: %s\n' "$(json_str "$LAB_DIR/slurmcast/spool")"
  printf '  influx:\n'
  printf '    host: 127.0.0.1\n'
  printf '    port: %d\n' "${PORT[INFLUX]}"
  printf '    database: slurmcast\n'
} >"$SLURMCAST_CONFIG_FILE.tmp"
mv -- "$SLURMCAST_CONFIG_FILE.tmp" "$SLURMCAST_CONFIG_FILE"

# ---------------------------------------------------------------------------
step "writing lab.json"
LAB_JSON="$LAB_DIR/lab.json"
{
  printf '{\n'
  printf '  "dir": %s,\n' "$(json_str "$LAB_DIR")"
  printf '  "clusterName": "lab",\n'
  printf '  "slurmConf": %s,\n' "$(json_str "$LAB_DIR/slurm.conf")"
  printf '  "env": { "SLURM_CONF": %s },\n' "$(json_str "$LAB_DIR/slurm.conf")"
  printf '  "rest": { "socket": %s, "url": %s, "apiVersion": "v0.0.38", "user": "root", "tokenFile": %s },\n' \
    "$(json_str "$REST_SOCKET")" "$(json_str "http://127.0.0.1:${PORT[REST]}")" "$(json_str "$LAB_DIR/jwt.token")"
  printf '  "ssh": { "host": "127.0.0.1", "port": %d, "username": "root", "privateKeyPath": %s, "knownHostsPath": %s, "tcshUsername": %s },\n' \
    "${PORT[SSH]}" "$(json_str "$LAB_DIR/ssh/id_ed25519")" "$(json_str "$LAB_DIR/known_hosts")" "$(json_str "$LAB_TCSH_USER")"
  printf '  "influx": { "host": "127.0.0.1", "port": %d, "database": "slurmcast_test" },\n' "${PORT[INFLUX]}"
  printf '  "mysql": { "socket": %s, "port": %d },\n' "$(json_str "$LAB_DIR/mysql/mysqld.sock")" "${PORT[MYSQL]}"
  printf '  "slurm": { "slurmctldPort": %d, "slurmdbdPort": %d, "testUser": %s, "accounts": ["research", "physics"] },\n' \
    "${PORT[CTLD]}" "${PORT[DBD]}" "$(json_str "$LAB_TEST_USER")"
  printf '  "nodes": ["c1", "c2", "c3", "c4", "c5"],\n'
  printf '  "gpuNodes": { "c1": { "type": "a100", "count": 4 }, "c2": { "type": "h100", "count": 2 } },\n'
  printf '  "cloudNodes": ["c5"],\n'
  printf '  "slurmcastConfig": %s\n' "$(json_str "$SLURMCAST_CONFIG_FILE")"
  printf '}\n'
} >"$LAB_JSON.tmp"
mv -- "$LAB_JSON.tmp" "$LAB_JSON"

LAB_READY=1
printf '[lab %6ss] ready: %s\n' "$(elapsed)" "$LAB_JSON" >&2
# stdout: lab.json's path, then the config as the last line (test/integration/lab-output.ts reads both).
printf '%s\n' "$LAB_JSON"
printf 'SLURMCAST_CONFIG=%s\n' "$SLURMCAST_CONFIG_FILE"
