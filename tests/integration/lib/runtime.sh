# shellcheck shell=bash
# Shared helpers for the real-consumer tests of the LXC and OCI backends (lxc_execute.sh, runc.sh).
# Sourced, not run. Expects WARD_SOURCE_DIR / WARD_BINARY_DIR / WARD_EXE from ctest (or sets defaults).

WARD_SOURCE_DIR=${WARD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
WARD_BINARY_DIR=${WARD_BINARY_DIR:-$WARD_SOURCE_DIR/build}
WARD_EXE=${WARD_EXE:-$WARD_BINARY_DIR/ward}

# Skip (exit 77) with a reason; under CI=true a missing prerequisite is a failure instead.
skip() {
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: $* (CI=true: the real-consumer tests must run)" >&2
    exit 1
  fi
  echo "SKIP: $*" >&2
  exit 77
}

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((${FAILURES:-0} + 1))
}

require_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (uid $(id -u))"; }

require_cmds() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"; done
}

# busybox-static's binary (the rootfs has no libraries).
busybox_path() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    [ -x "$b" ] && { echo "$b"; return 0; }
  done
  return 1
}

# Produces artifacts to test in $1/compiled (from `ward compile tests/integration/policies/*.ward`: policies
# that start on any host; examples/ bind host paths and name host devices) and $1/samples (hand-built
# IR, written by test_backend's CommonSamples test). Prints the directories that got artifacts.
# WARD_ARTIFACT_DIRS (space-separated) overrides both.
produce_artifacts() {
  local out=$1 dirs=()
  if [ -n "${WARD_ARTIFACT_DIRS:-}" ]; then
    echo "$WARD_ARTIFACT_DIRS"
    return 0
  fi
  local examples=("$WARD_SOURCE_DIR"/tests/integration/policies/*.ward)
  if [ -x "$WARD_EXE" ] && [ -e "${examples[0]}" ]; then
    mkdir -p "$out/compiled"
    if "$WARD_EXE" compile "${examples[@]}" -o "$out/compiled" --state-dir "$out/state" >"$out/compile.log" 2>&1; then
      dirs+=("$out/compiled")
    else
      echo "ward compile failed:" >&2
      cat "$out/compile.log" >&2
      [ "${CI:-}" = "true" ] && return 1
    fi
  fi
  local writer=${WARD_SAMPLE_WRITER:-$WARD_BINARY_DIR/tests/test_backend}
  if [ -x "$writer" ]; then
    mkdir -p "$out/samples"
    if WARD_SAMPLE_DIR="$out/samples" "$writer" --gtest_filter='CommonSamples.*' --gtest_also_run_disabled_tests >"$out/samples.log" 2>&1; then
      dirs+=("$out/samples")
    else
      echo "sample writer failed:" >&2
      cat "$out/samples.log" >&2
      return 1
    fi
  fi
  echo "${dirs[*]}"
}

# capabilities(7) numbers, the test's own oracle (independent of the backend's table).
CAP_NAMES=(chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap linux_immutable
  net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio sys_chroot
  sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod lease
  audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm block_suspend audit_read
  perfmon bpf checkpoint_restore)

cap_number() {
  local n=${1,,} i
  n=${n#cap_}
  for i in "${!CAP_NAMES[@]}"; do [ "${CAP_NAMES[$i]}" = "$n" ] && { echo "$i"; return 0; }; done
  return 1
}

# The CapBnd mask (16 hex digits, as /proc/self/status prints it) for a list of names, limited to the
# running kernel's cap_last_cap; "ALL" means every capability the kernel knows.
cap_mask() {
  local last mask=0 n
  last=$(cat /proc/sys/kernel/cap_last_cap)
  if [ "${1:-}" = "ALL" ]; then
    mask=$(( (1 << (last + 1)) - 1 ))
  else
    for name in "$@"; do
      n=$(cap_number "$name") || { echo "unknown capability $name" >&2; return 1; }
      [ "$n" -le "$last" ] && mask=$((mask | (1 << n)))
    done
  fi
  printf '%016x\n' "$mask"
}

# The /proc/<pid>/limits row label of an rlimit name.
rlimit_label() {
  case $1 in
    as) echo "Max address space" ;; core) echo "Max core file size" ;; cpu) echo "Max cpu time" ;;
    data) echo "Max data size" ;; fsize) echo "Max file size" ;; locks) echo "Max file locks" ;;
    memlock) echo "Max locked memory" ;; msgqueue) echo "Max msgqueue size" ;;
    nice) echo "Max nice priority" ;; nofile) echo "Max open files" ;; nproc) echo "Max processes" ;;
    rss) echo "Max resident set" ;; rtprio) echo "Max realtime priority" ;;
    rttime) echo "Max realtime timeout" ;; sigpending) echo "Max pending signals" ;;
    stack) echo "Max stack size" ;; *) return 1 ;;
  esac
}

# "SOFT HARD" of one rlimit row in a /proc/<pid>/limits dump.
limits_row() {
  local file=$1 label=$2
  grep "^$label " "$file" | sed "s/^$label *//" | awk '{print $1, $2}'
}

# The host path of a process's cgroup for one v1 controller (or "unified" for v2), "" when absent.
host_cgroup_dir() {
  local pid=$1 ctrl=$2 line path
  if [ "$ctrl" = "unified" ]; then
    line=$(grep '^0::' "/proc/$pid/cgroup" || true)
    path=${line#0::}
    for root in /sys/fs/cgroup/unified /sys/fs/cgroup; do
      if [ -f "$root/cgroup.controllers" ]; then echo "$root$path"; return 0; fi
    done
    return 0
  fi
  line=$(grep -E "^[0-9]+:([^:]*,)?$ctrl(,[^:]*)?:" "/proc/$pid/cgroup" || true)
  [ -n "$line" ] || return 0
  path=${line#*:*:}
  local mnt
  mnt=$(awk -v c="$ctrl" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") {print $2; exit}' /proc/mounts)
  [ -n "$mnt" ] && echo "$mnt$path"
}

cgroup2_only() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

# A busybox rootfs for runc: busybox-static and its applet links, /etc/passwd and group.
#   busybox_rootfs ROOT BUSYBOX
busybox_rootfs() {
  local root=$1 busybox=$2 c
  mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/etc"
  cp "$busybox" "$root/bin/busybox"
  for c in $("$root/bin/busybox" --list); do
    [ "$c" = busybox ] || ln -sf busybox "$root/bin/$c"
  done
  echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"
}

apparmor_enabled() { [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = "Y" ]; }
selinux_enabled() { [ -e /sys/fs/selinux/enforce ]; }

# Waits until FILE contains LINE (up to N tenths of a second, or until process PID exits).
wait_for_line() {
  local file=$1 line=$2 n=${3:-200} pid=${4:-}
  while [ "$n" -gt 0 ]; do
    grep -qx "$line" "$file" 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      grep -qx "$line" "$file" 2>/dev/null && return 0
      return 1
    fi
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

# check_root_writes PROBE_OUT READONLY TMPFS: the probe's writes to / and /tmp. READONLY 1: the write to /
# fails with EROFS; else it succeeds. TMPFS 1: the write to /tmp (a tmpfs of the policy) succeeds.
check_root_writes() {
  local root tmp
  root=$(sed -n 's/^root write: //p' "$1") tmp=$(sed -n 's/^tmp write: //p' "$1")
  if [ "$2" = 1 ]; then
    case $root in
      *"Read-only file system"*) echo "  ok   write to / fails: $root" ;;
      *) fail "write to / on a read-only root: expected EROFS (Read-only file system), got '$root'" ;;
    esac
  else
    check_eq "write to / (writable root)" ok "$root"
  fi
  [ "$3" = 1 ] && check_eq "write to /tmp (tmpfs)" ok "$tmp"
  return 0
}

check_eq() {   # check_eq WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    echo "  ok   $1: $3"
  else
    fail "$1: expected '$2', got '$3'"
  fi
}
