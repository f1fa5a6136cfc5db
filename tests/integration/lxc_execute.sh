#!/usr/bin/env bash
# Real-consumer test 2: every P.lxc.conf is used by lxc-execute on a busybox container (network type
# empty, or a bridge inside a private network namespace). Inside, /proc/self/status must show the CapBnd
# the snippet keeps, Seccomp 2 and NoNewPrivs 1; the cgroup v1 (or v2) limits must be in place on the
# host's cgroup of the running container; rlimits and sysctls must read back; with an lxc.idmap, uid 0
# inside must be the mapped host uid (checked inside via uid_map and outside via /proc/PID/status).
#
# Harmless to the host: containers live in a private lxcpath under a temporary directory and are destroyed
# on exit; /etc/subuid and /etc/subgid are only replaced inside a private mount namespace; bridges are
# created inside a private network namespace. Skips (77) without root or LXC, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"

require_root
require_cmds lxc-create lxc-execute lxc-info lxc-stop lxc-destroy unshare nsenter
[ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"

TMP=$(mktemp -d /tmp/ward-lxc.XXXXXX)
chmod 0755 "$TMP"   # a mapped container root must be able to reach its rootfs
LXCPATH=$TMP/lxcpath
mkdir -p "$LXCPATH"
CREATED=()
RUNNERS=()
cleanup() {
  local n p
  for n in "${CREATED[@]}"; do
    lxc-stop -P "$LXCPATH" -n "$n" -k >/dev/null 2>&1 || true
  done
  for p in "${RUNNERS[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in "${CREATED[@]}"; do
    lxc-destroy -P "$LXCPATH" -n "$n" -f >/dev/null 2>&1 || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DIRS=$(produce_artifacts "$TMP/artifacts") || { echo "FAIL: could not produce artifacts" >&2; exit 1; }
CONFS=()
for d in $DIRS; do
  for f in "$d"/*.lxc.conf; do [ -e "$f" ] && CONFS+=("$f"); done
done
[ ${#CONFS[@]} -gt 0 ] || skip "no .lxc.conf artifacts: build ward (and test_backend) first"

PROBE=$(cat "$HERE/lib/probe.sh")
FAILURES=0
HOST_CGROUP2_ONLY=0
cgroup2_only && HOST_CGROUP2_ONLY=1

# value_of CONF KEY: the values of every "KEY = VALUE" line, one per line (empty values skipped).
values_of() { sed -n "s/^$2 = \(.*\)\$/\1/p" "$1"; }

run_one() {
  local conf=$1 policy name out err log
  policy=$(basename "$conf" .lxc.conf)
  name="ward-$$-${policy//[^A-Za-z0-9-]/-}"
  out=$TMP/$policy.out err=$TMP/$policy.err log=$TMP/$policy.log
  echo "== $policy ($conf)"

  # Creation config: an empty network and the snippet's id maps, so that the template builds a rootfs
  # owned by the mapped root.
  local create=$TMP/$policy.create.conf
  { echo "lxc.net.0.type = empty"; grep '^lxc.idmap = [ug] ' "$conf"; } >"$create"
  if ! lxc-create -P "$LXCPATH" -t busybox -n "$name" -f "$create" -- --busybox-path "$BUSYBOX" \
      >"$TMP/$policy.create.log" 2>&1; then
    fail "$policy: lxc-create failed"; cat "$TMP/$policy.create.log" >&2; return
  fi
  CREATED+=("$name")
  local config=$LXCPATH/$name/config
  # The snippet sets the id maps; the container's own copies would duplicate them (the kernel rejects
  # overlapping maps) and the snippet cannot clear them (docs/lxc-output.md).
  sed -i '/^lxc\.idmap/d' "$config"
  echo "lxc.include = $conf" >>"$config"

  # AppArmor: LXC ignores lxc.apparmor.profile when AppArmor is disabled (as on these machines). When
  # it is enabled, the profile must be loaded; load P.apparmor if the compile wrote one, else run
  # unconfined (and say so).
  local profile; profile=$(values_of "$conf" lxc.apparmor.profile | tail -n1)
  if apparmor_enabled && [ -n "$profile" ] && ! grep -q "^$profile " /sys/kernel/security/apparmor/profiles 2>/dev/null; then
    local aa; aa="$(dirname "$conf")/$policy.apparmor"
    if [ -f "$aa" ] && apparmor_parser -r -W "$aa" >/dev/null 2>&1; then
      echo "  note AppArmor enabled: loaded $aa"
    else
      echo "lxc.apparmor.profile = unconfined" >>"$config"
      echo "  note AppArmor enabled and profile $profile not loadable: running unconfined"
    fi
  fi

  # id maps: LXC uses newuidmap when it is installed, and then insists that root owns the ranges in
  # /etc/subuid and /etc/subgid. Give root the snippet's ranges in an overlay on /etc inside a private
  # mount namespace (the host's files are not touched).
  local setup=""
  if grep -q '^lxc.idmap = [ug] ' "$conf"; then
    local ov=$TMP/$policy.etc
    mkdir -p "$ov/upper" "$ov/work"
    for m in u g; do
      { cat /etc/sub${m}id 2>/dev/null
        values_of "$conf" lxc.idmap | awk -v k=$m '$1 == k {print "root:" $3 ":" $4}'; } >"$ov/upper/sub${m}id"
    done
    setup+="mount -t overlay overlay -o lowerdir=/etc,upperdir=$ov/upper,workdir=$ov/work /etc && "
  fi
  # A dedicated bridge: create it inside a private network namespace.
  local nsflags="-m --propagation private" bridge
  bridge=$(values_of "$conf" lxc.net.0.link | tail -n1)
  if [ -n "$bridge" ]; then
    nsflags+=" -n"
    # LXC looks the bridge up in /sys/class/net, which shows the network namespace sysfs was mounted
    # in: show a sysfs of the private namespace there (the rest of /sys, with the cgroup mounts, stays).
    mkdir -p "$TMP/$policy.sysfs"
    setup+="ip link add $bridge type bridge && ip link set $bridge up && ip link set lo up && "
    setup+="mount -t sysfs sysfs $TMP/$policy.sysfs && mount --bind $TMP/$policy.sysfs/class/net /sys/class/net && "
    setup+="mount --bind $TMP/$policy.sysfs/devices/virtual/net /sys/devices/virtual/net && "
  fi

  # sysctls: "KEY=VALUE" lines, from lxc.sysctl.* keys and from the start-host hook's writes
  sysctl_list() {
    sed -n 's/^lxc\.sysctl\.\([^ ]*\) = \(.*\)/\1=\2/p' "$conf"
    grep '^lxc.hook.start-host = ' "$conf" | grep -o 'printf "%s\\n" "[^"]*" > /proc/sys/[^;'"'"']*' |
      sed 's|^printf "%s\\n" "\([^"]*\)" > /proc/sys/\(.*\)$|\2=\1|' | sed 's|/|.|g'
  }
  local sysctls
  sysctls=$(sysctl_list | cut -d= -f1 | tr '\n' ' ')
  # shellcheck disable=SC2086
  unshare $nsflags bash -c "$setup exec lxc-execute -P '$LXCPATH' -n '$name' -l DEBUG -o '$log' -- \
      /bin/sh -c \"\$0\" probe $sysctls" "$PROBE" >"$out" 2>"$err" &
  local runner=$!
  RUNNERS+=("$runner")
  if ! wait_for_line "$out" ward-ready 300 "$runner"; then
    fail "$policy: lxc-execute did not start the container"
    sed 's/^/  | /' "$err" >&2
    grep -E "ERROR|WARN" "$log" 2>/dev/null | tail -n 15 | sed 's/^/  | /' >&2
    kill "$runner" 2>/dev/null; wait "$runner" 2>/dev/null
    return
  fi
  # LXC's command socket is abstract, so per network namespace: ask from the runner's.
  local pid; pid=$(nsenter --net="/proc/$runner/ns/net" lxc-info -P "$LXCPATH" -n "$name" -pH)
  if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
    fail "$policy: no pid for the running container"
    kill "$runner" 2>/dev/null; wait "$runner" 2>/dev/null
    return
  fi
  echo "  container init is host pid $pid"
  grep -E "WARN|ERROR" "$log" | grep -v "Inherited fd" | sed 's/.* - //' | sort -u | sed 's/^/  lxc: /'

  # ---- capabilities, seccomp, no_new_privs
  local keep expected
  keep=$(values_of "$conf" lxc.cap.keep | tr '\n' ' ')
  if [ -z "${keep// /}" ]; then expected=$(cap_mask ALL)
  elif [ "${keep// /}" = "none" ]; then expected=$(cap_mask)
  else
    # shellcheck disable=SC2086
    expected=$(cap_mask $keep)
  fi
  check_eq "CapBnd" "$expected" "$(sed -n 's/^CapBnd: //p' "$out")"
  check_eq "CapEff" "$expected" "$(sed -n 's/^CapEff: //p' "$out")"
  if grep -q '^lxc.seccomp.profile = ' "$conf"; then
    check_eq "Seccomp" 2 "$(sed -n 's/^Seccomp: //p' "$out")"
  fi
  check_eq "NoNewPrivs" "$(values_of "$conf" lxc.no_new_privs | tail -n1)" "$(sed -n 's/^NoNewPrivs: //p' "$out")"
  echo "  info apparmor label inside: $(sed -n 's/^apparmor: //p' "$out")"

  # ---- id maps
  local umap; umap=$(values_of "$conf" lxc.idmap | awk '$1 == "u" {print $2, $3, $4; exit}')
  local host_uid; host_uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  if [ -n "$umap" ]; then
    check_eq "uid_map inside" "$umap" "$(sed -n 's/^uid_map: //p' "$out")"
    check_eq "host uid of container root" "$(echo "$umap" | awk '{print $2}')" "$host_uid"
    [ "$host_uid" != 0 ] || fail "container root is host root despite lxc.idmap"
  else
    check_eq "uid_map inside (privileged)" "0 0 4294967295" "$(sed -n 's/^uid_map: //p' "$out")"
    check_eq "host uid of container root (privileged)" 0 "$host_uid"
  fi

  # ---- cgroups, read on the host from the running container's cgroup
  local prefix=lxc.cgroup ctrl key value dir actual
  [ "$HOST_CGROUP2_ONLY" = 1 ] && prefix=lxc.cgroup2
  while IFS= read -r line; do
    key=${line%% = *}; key=${key#"$prefix".}; value=${line#* = }
    if [ "$prefix" = lxc.cgroup2 ]; then ctrl=unified; else ctrl=${key%%.*}; fi
    [ "$ctrl" = devices ] && [ "$key" != devices.allow ] && continue
    [ "$ctrl" = unified ] && [[ $key == devices.* ]] && continue   # BPF program, no file
    dir=$(host_cgroup_dir "$pid" "$ctrl")
    if [ -z "$dir" ]; then fail "no $ctrl cgroup for pid $pid"; continue; fi
    if [ "$key" = devices.allow ]; then
      grep -qxF "$value" "$dir/devices.list" && echo "  ok   devices.list has $value" || fail "devices.list lacks '$value'"
      continue
    fi
    actual=$(cat "$dir/$key" 2>&1)
    check_eq "cgroup $key" "$value" "$actual"
  done < <(grep -E "^$prefix\.[a-z]" "$conf")
  if [ "$prefix" = lxc.cgroup ]; then
    dir=$(host_cgroup_dir "$pid" devices)
    if [ -n "$dir" ] && grep -q '^lxc.cgroup.devices.deny = a' "$conf"; then
      grep -qx 'a \*:\* rwm' "$dir/devices.list" && fail "devices cgroup still allows everything" \
        || echo "  ok   devices.list is an allow-list ($(wc -l <"$dir/devices.list") entries)"
    fi
  fi

  # ---- rlimits (inside, /proc/self/limits)
  local name_ lim soft hard label row
  while IFS= read -r line; do
    name_=${line#lxc.prlimit.}; name_=${name_%% = *}; lim=${line#* = }
    soft=${lim%%:*}; hard=${lim#*:}
    label=$(rlimit_label "$name_") || { fail "unknown rlimit $name_"; continue; }
    row=$(grep "^limits: $label " "$out" | sed "s/^limits: $label *//" | awk '{print $1, $2}')
    check_eq "rlimit $name_" "$soft $hard" "$row"
  done < <(grep '^lxc.prlimit\.' "$conf")

  # ---- sysctls (inside)
  while IFS= read -r line; do
    key=${line%%=*}; value=${line#*=}
    check_eq "sysctl $key" "$value" "$(sed -n "s/^sysctl $key=//p" "$out")"
  done < <(sysctl_list)

  # ---- masked paths
  local f
  for f in kcore keys timer_list; do
    if [ -e "/proc/$f" ] && grep -q "^lxc.mount.entry = /dev/null proc/$f " "$conf"; then
      check_eq "/proc/$f masked by /dev/null" "1:3" "$(sed -n "s/^mask $f: //p" "$out")"
    fi
  done

  # ---- the root file system: read-only exactly with lxc.rootfs.options = ro; a /tmp tmpfs writable
  local rootro=0 tmpfs=0
  [ "$(values_of "$conf" lxc.rootfs.options | tail -n1)" = ro ] && rootro=1
  grep -q '^lxc.mount.entry = tmpfs tmp tmpfs ' "$conf" && tmpfs=1
  check_root_writes "$out" "$rootro" "$tmpfs"

  nsenter --net="/proc/$runner/ns/net" lxc-stop -P "$LXCPATH" -n "$name" -k >/dev/null 2>&1 || kill "$pid"
  wait "$runner" 2>/dev/null
  lxc-destroy -P "$LXCPATH" -n "$name" -f >/dev/null 2>&1
}

for conf in "${CONFS[@]}"; do run_one "$conf"; done

if [ "$FAILURES" -gt 0 ]; then
  echo "lxc_execute: $FAILURES check(s) failed" >&2
  exit 1
fi
echo "lxc_execute: all ${#CONFS[@]} configs accepted and enforced"
