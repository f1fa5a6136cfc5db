# Helpers for the LXC hook's real-LXC test and benchmark (lxc_hook.sh, bench/hook_bench.sh). Sourced.
# Expects runtime.sh to be sourced first (skip, fail, busybox_path, cap_mask ...).

# The policy the tests confine containers with. Privileged (no idmap: the CI hosts have no subordinate id
# ranges for root), but with a small capability set, no_new_privs, a syscall allow-list and
# an MCS pair per container.
hook_write_policy() {   # hook_write_policy FILE [NAME]
  local file=$1 name=${2:-hooked}
  cat >"$file" <<EOF
// Written by tests/integration/lib/hook_common.sh.
import "std/base";
import "std/syscalls";

policy $name {
  use base.kernel_masks, base.standard_devices;

  identity {
    privileged "the test hosts have no subordinate id ranges for root";
    no_new_privs on;
  }
  capabilities { keep chown, kill, setgid, setuid, net_bind_service; }
  network { unix off; }
  syscalls {
    default errno ENOSYS;
    foreign kill;
    allow @system-service;
    deny @debug, @mount, @reboot;
    deny clone(flags & CLONE_NEWUSER == CLONE_NEWUSER);   // CVE-CGROUP-RA where no LSM is enabled
  }
  selinux { categories auto; }
  limits { pids 256; memory 256MiB; nofile 1024; }
  verify {
    accept NS-PRIVILEGED "the test hosts have no subordinate id ranges for root";
    accept NS-HOST-NS "privileged: the host's user namespace (NS-PRIVILEGED)";
    accept CVE-RUNC-EXE "test fixture: privileged on hosts without SELinux; LXC 5 runs from a sealed memfd";
  }
}
EOF
  chmod 0644 "$file"
}

# hook_require_lxc [CMD...]: root, LXC's tools (and CMD...), the busybox template, busybox-static and a built
# ward, or skip (a failure under CI=true). Sets BUSYBOX.
hook_require_lxc() {
  require_root
  require_cmds lxc-create lxc-start lxc-stop lxc-info lxc-destroy "$@"
  [ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
  BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"
  [ -x "$WARD_EXE" ] || skip "ward is not built ($WARD_EXE)"
}

# hook_scratch NAME: TMP, a temporary directory (0755: a mapped container root must reach its rootfs), with
# LXCPATH, a private lxcpath in it. On exit the containers listed in CREATED are stopped and destroyed and
# TMP is removed.
hook_scratch() {
  TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 0755 "$TMP"
  LXCPATH=$TMP/lxcpath
  mkdir -p "$LXCPATH"
  CREATED=()
  trap hook_cleanup EXIT
  trap 'exit 130' INT TERM
}
hook_cleanup() {
  local n
  for n in "${CREATED[@]}"; do lxc-stop -P "$LXCPATH" -n "$n" -k >/dev/null 2>&1 || true; done
  for n in "${CREATED[@]}"; do lxc-destroy -P "$LXCPATH" -n "$n" -f >/dev/null 2>&1 || true; done
  rm -rf "$TMP"
}

# hook_create LXCPATH NAME LOG: a busybox container with an empty network.
hook_create() {
  local lxcpath=$1 name=$2 log=$3 conf
  conf=$(mktemp "${TMPDIR:-/tmp}/ward-hook-create.XXXXXX")
  echo "lxc.net.0.type = empty" >"$conf"
  lxc-create -P "$lxcpath" -t busybox -n "$name" -f "$conf" -- --busybox-path "$BUSYBOX" >"$log" 2>&1
  local rc=$?
  rm -f "$conf"
  return $rc
}

# hook_state LXCPATH NAME: RUNNING, STOPPED, ...
hook_state() { lxc-info -P "$1" -n "$2" -sH 2>/dev/null; }

# hook_init_status LXCPATH NAME FIELD: a field of the container init's /proc/PID/status.
hook_init_status() {
  local pid
  pid=$(lxc-info -P "$1" -n "$2" -pH 2>/dev/null) || return 1
  [ -n "$pid" ] || return 1
  awk -v f="$3:" '$1 == f {print $2}' "/proc/$pid/status"
}

# hook_values FILE KEY: the values of "KEY = VALUE" lines.
hook_values() { sed -n "s/^$2 = \(.*\)\$/\1/p" "$1"; }
