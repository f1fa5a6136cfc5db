#!/usr/bin/env bash
# Real workloads still run under ward's default and the example policies (issue 4, item 7). For each
# policy, a busybox container started by lxc-execute with ward's P.lxc.conf runs tests/conformance/
# workload.sh inside:
#   - a script doing file I/O, forks, pipes and a FIFO;
#   - busybox httpd serving a page on 127.0.0.1:8080 in the container's own network namespace, fetched
#     from inside with busybox wget;
#   - redis-server from Debian (package redis-server), its binary, redis-cli, /usr/lib and ld.so.cache bound
#     in read-only, answering PING, SET and GET over loopback (busybox nc).
# Both servers must listen on loopback only (the workload checks /proc/net/tcp and tcp6), and the
# container's network namespace must not be the host's (checked here).
# Policies: std/base `unprivileged` (the default, plus the network its servers need) and every policy of
# examples/*.ward. What an example names that this host lacks is provided, with a note, and never on the
# host itself: everything below happens in the private mount (and network) namespace lxc-execute runs in:
#   - bind sources (e.g. /srv/www/example.org, /lib/modules, /run/systemd/journal/socket): created in an
#     overlay (upper layer on a tmpfs) over their nearest existing ancestor directory;
#   - hook programs (e.g. /usr/local/lib/ward/sys1-prestart): a stand-in in the same kind of overlay that
#     records its call; the test asserts that every such hook ran;
#   - bridges (lxc.net.N.link, e.g. br-db): created in a private network namespace, so the example's veth
#     is set up as written without touching the host's network;
#   - block devices the limits name (e.g. 8:0 for io.read_bps) that this host lacks: replaced by the root
#     disk's MAJ:MIN in a copy of the compiled P.lxc.conf (LXC refuses to start with an absent device).
# lxc-execute runs no init, and LXC brings loopback up only for an `empty` network device with flags up:
# every container gets one more such device (lxc.net.9), as an init would bring lo up.
#
# A policy that by design cannot run a workload is listed in NO_INET below with its reason; the workload
# then asserts that the policy refuses it (httpd cannot listen) and runs redis on a unix socket instead.
#
# Usage: run_workloads.sh   (WARD_EXE, WARD_SOURCE_DIR, WARD_BINARY_DIR from ctest)
#   WARD_WORKLOADS_ONLY="ward_default web": run only these policies (debugging).
# Exit 77 (with the reason) when not root or without LXC, busybox or ward, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/conformance.sh"

# Policies that by design have no inet sockets: policy name -> reason (printed).
declare -A NO_INET=(
  [ci_build]="network { none; }: an empty network namespace and no inet sockets (socket(AF_INET) is EAFNOSUPPORT by design)"
)

require_root
require_cmds lxc-create lxc-execute lxc-destroy unshare ip python3 mountpoint
[ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
REDIS=$(command -v redis-server || true)
REDIS_CLI=$(command -v redis-cli || true)
if [ -z "$REDIS" ] || [ -z "$REDIS_CLI" ]; then
  [ "${CI:-}" = "true" ] && { echo "FAIL: redis-server is not installed (scripts/setup.sh; apt-get install redis-server)" >&2; exit 1; }
  echo "note: redis-server is not installed: the redis workload is skipped (apt-get install redis-server)"
  REDIS=""
fi
PROBE=$(find_probe) || PROBE=$BUSYBOX   # lxc_new binds a probe; any file will do here
HOST_NETNS=$(readlink /proc/self/ns/net)   # the network namespace this test (and the host side of LXC) runs in

conf_init ward-conf-work
conf_probe "$PROBE"
FAILURES=0

# ---- compile: the default and the examples -------------------------------------------------------------------
POL=$CONF_TMP/policies
mkdir -p "$POL"
# The default plus the network the workloads need (base has no network section, so no inet sockets): httpd
# on 8080 and redis on 6379, reached over loopback from inside.
printf 'import "std/base";\npolicy ward_default extends base.unprivileged {\n  network { listen tcp 8080, 6379; connect tcp "127.0.0.1" 8080, 6379; }\n}\n' >"$POL/default.ward"
ART=$CONF_TMP/artifacts
if ! "$WARD_EXE" compile "$POL/default.ward" -o "$ART/default" --state-dir "$CONF_TMP/state" >"$CONF_TMP/compile.log" 2>&1; then
  echo "FAIL: ward compile (default):" >&2; cat "$CONF_TMP/compile.log" >&2; exit 1
fi
CONFS=("$ART/default/ward_default.lxc.conf")
for ex in "$WARD_SOURCE_DIR"/examples/*.ward; do
  d=$ART/$(basename "$ex" .ward)
  if "$WARD_EXE" compile "$ex" -o "$d" --state-dir "$CONF_TMP/state" >"$CONF_TMP/compile.log" 2>&1; then
    for f in "$d"/*.lxc.conf; do [ -e "$f" ] && CONFS+=("$f"); done
  else
    fail "ward compile $ex failed"; sed 's/^/  | /' "$CONF_TMP/compile.log" >&2
  fi
done

# ---- what every container gets ----------------------------------------------------------------------------------
WORKLOAD=$HERE/workload.sh
install -m 0755 "$WORKLOAD" "$CONF_TMP/bin/workload.sh"
# PRE comes before ward's P.lxc.conf (so that ward's own mounts below /lib, e.g. /lib/modules, stay on top):
# the host's libraries for redis-server, as lxc-busybox binds them (/lib and /lib64 may be symlinks into
# /usr: the bind follows them, and ld.so's own symlink points into /lib). EXTRA comes after it.
PRE=""
EXTRA="lxc.mount.entry = $CONF_TMP/bin/workload.sh usr/local/bin/workload.sh none ro,bind,create=file 0 0
lxc.net.9.type = empty
lxc.net.9.flags = up"
if [ -n "$REDIS" ]; then
  for d in lib usr/lib lib64 usr/lib64; do
    [ -d "/$d" ] && PRE+="lxc.mount.entry = /$d $d none ro,bind,create=dir 0 0
"
  done
  EXTRA+="
lxc.mount.entry = $REDIS usr/local/bin/redis-server none ro,bind,create=file 0 0
lxc.mount.entry = $REDIS_CLI usr/local/bin/redis-cli none ro,bind,create=file 0 0
lxc.mount.entry = /etc/ld.so.cache etc/ld.so.cache none ro,bind,create=file 0 0"
fi
echo "note: every container also gets lxc.net.9 (type empty, flags up): lxc-execute runs no init, and LXC brings loopback up only for such a device"

# The whole disk holding / (MAJ:MIN), for block-device limits that name a disk this host does not have.
root_disk() {
  local d
  d=$(mountpoint -d / 2>/dev/null) || return 1
  if [ "${d%%:*}" != 0 ] && [ -e "/sys/dev/block/$d" ]; then
    [ -e "/sys/dev/block/$d/partition" ] && d=$(cat "$(readlink -f "/sys/dev/block/$d")/../dev")
    echo "$d"; return 0
  fi
  # / on a filesystem without a block device (overlay, btrfs subvolume, ...): the first real disk.
  d=$(lsblk -dn -o MAJ:MIN,TYPE 2>/dev/null | awk '$2 == "disk" && $1 !~ /^(1|7|253):/ {print $1; exit}')
  [ -n "$d" ] && echo "${d// /}"
}
ROOT_DISK=$(root_disk || true)
ONLINE_CPUS=$(cat /sys/devices/system/cpu/online 2>/dev/null || echo 0)

# cpus_within LIST ONLINE: LIST (e.g. 2-5,8) names only CPUs in ONLINE.
cpus_within() {
  python3 - "$1" "$2" <<'PY'
import sys
def cpus(s):
    out = set()
    for part in s.split(","):
        a, _, b = part.strip().partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
sys.exit(0 if cpus(sys.argv[1]) <= cpus(sys.argv[2]) else 1)
PY
}

# v1_missing KEY (a cgroup v1 file, e.g. blkio.weight): prints why this host cannot set it, if it cannot:
# its controller is not mounted, or neither the hierarchy's root nor any cgroup below it has the file
# (files such as cpu.shares exist only below the root). Prints nothing when it exists or cannot be told.
v1_missing() {
  local key=$1 ctrl=${1%%.*} mp d any=""
  mp=$(awk -v c="$ctrl" '{ split($0, h, " - "); split(h[2], t, " "); if (t[1] != "cgroup") next;
         n = split(t[3], o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo)
  if [ -z "$mp" ]; then echo "the $ctrl controller is not mounted on this host"; return; fi
  [ -e "$mp/$key" ] && return
  for d in "$mp"/*/; do
    [ -d "$d" ] || continue
    any=1
    [ -e "$d$key" ] && return
  done
  [ -n "$any" ] && echo "this kernel's $ctrl controller has no $key file"
}

# ---- per policy: what this host lacks -------------------------------------------------------------------------
# prepare POLICY CONF: sets USE_CONF (CONF or an adjusted copy), SETUP (commands for the private mount
# namespace), UNSHARE (more unshare options), STANDINS (hook programs replaced by stand-ins); prints notes.
# Returns 1 (with a FAIL) when something cannot be provided.
prepare() {
  local policy=$1 conf=$2 key dev rootmnt src opts kind path anc real top
  USE_CONF=$conf SETUP="" UNSHARE="" STANDINS=()
  local -A provide=()   # path -> dir | file | socket | hook
  local copy=$CONF_TMP/confs/$policy.lxc.conf why val
  # Host-specific cgroup settings are adjusted in a copy of the compiled file (LXC refuses to start when it
  # cannot write one), each with a note.
  adjust() {
    if [ "$USE_CONF" != "$copy" ]; then mkdir -p "$CONF_TMP/confs"; cp "$conf" "$copy"; USE_CONF=$copy; fi
  }
  # Block devices named by io limits that do not exist here: the root disk instead.
  while read -r dev; do
    [ -e "/sys/dev/block/$dev" ] && continue
    if [ -z "$ROOT_DISK" ]; then fail "$policy: block device $dev does not exist and no root disk was found"; return 1; fi
    adjust
    sed -i "s/^\(lxc\.cgroup2\{0,1\}\.[a-z_.]* = \)$dev /\1$ROOT_DISK /" "$USE_CONF"
    echo "  note: block device $dev (named by the policy's io limits) does not exist on this host: the limit is applied to the root disk $ROOT_DISK instead (in a copy of $(basename "$conf"))"
  done < <(sed -n 's/^lxc\.cgroup2\{0,1\}\.[a-z_.]* = \([0-9]\{1,\}:[0-9]\{1,\}\) .*/\1/p' "$conf" | sort -u)
  # A cpuset naming CPUs this host does not have: the host's online CPUs instead.
  while read -r key val; do
    cpus_within "$val" "$ONLINE_CPUS" && continue
    adjust
    sed -i "s/^\($key = \).*/\1$ONLINE_CPUS/" "$USE_CONF"
    echo "  note: $key $val names CPUs this host does not have: set to the online CPUs $ONLINE_CPUS instead (in a copy of $(basename "$conf"))"
  done < <(sed -n 's/^\(lxc\.cgroup2\{0,1\}\.cpuset\.cpus\) = \(.*\)/\1 \2/p' "$conf" | sort -u)
  # cgroup v1 files this host's kernel does not have (e.g. blkio.weight without CFQ, hugetlb not mounted):
  # left out. (On a pure cgroup2 host LXC ignores the v1 keys.)
  if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
    while read -r key; do
      why=$(v1_missing "$key")
      [ -n "$why" ] || continue
      adjust
      sed -i "/^lxc\.cgroup\.${key//./\\.} = /d" "$USE_CONF"
      echo "  note: lxc.cgroup.$key is left out: $why (in a copy of $(basename "$conf"))"
    done < <(sed -n 's/^lxc\.cgroup\.\([A-Za-z0-9_.]*\) = .*/\1/p' "$conf" | sort -u)
  fi
  # Bind sources. Sources under lxc.rootfs.mount are the container's own paths (read-only binds of /proc
  # paths onto themselves): LXC resolves them in the container.
  rootmnt=$(sed -n 's/^lxc\.rootfs\.mount = //p' "$conf" | tail -n 1)
  while read -r src opts; do
    [ -e "$src" ] && continue
    [ -n "$rootmnt" ] && [[ $src == "$rootmnt"/* ]] && continue
    case $src,$opts in
      */socket,* | *.sock,*) kind="socket" ;;
      *create=file*) kind="file" ;;
      *) kind="dir" ;;
    esac
    provide[$src]=$kind
    echo "  note: bind source $src does not exist on this host: an empty $kind is provided in the private mount namespace"
  done < <(awk '$1 == "lxc.mount.entry" && $3 ~ /^\// && $5 == "none" && $6 ~ /(^|,)r?bind(,|$)/ {print $3, $6}' "$conf")
  # Hook programs.
  while read -r key path; do
    [ -x "$path" ] && continue
    provide[$path]=hook
    STANDINS+=("$key $path")
    echo "  note: $key program $path does not exist on this host: a stand-in that records its call is provided in the private mount namespace"
  done < <(sed -n 's/^\(lxc\.hook\.[a-z-]*\) = \([^ ]*\).*/\1 \2/p' "$conf")
  # Overlays over the nearest existing ancestors (symlinks resolved, so /lib/modules lands in /usr/lib),
  # shortest first: an overlay hides the mounts below its lower directory. The upper layers live on a tmpfs
  # mounted in the private namespace only.
  if ((${#provide[@]})); then
    local -A ovl=()
    for path in "${!provide[@]}"; do
      anc=$path
      while [ ! -e "$anc" ]; do anc=$(dirname "$anc"); done
      real=$(readlink -f "$anc")
      if [ "$real" = / ] || [ ! -d "$real" ]; then
        fail "$policy: cannot provide $path (its nearest existing ancestor is $real)"; return 1
      fi
      ovl[$real]=1
    done
    local i=0 setup="mount -t tmpfs -o mode=0755 ward-conf-ovl '$CONF_TMP/ovl' && "
    mkdir -p "$CONF_TMP/ovl"
    while read -r top; do
      [ -n "$top" ] || continue
      i=$((i + 1))
      setup+="mkdir -p '$CONF_TMP/ovl/$i/u' '$CONF_TMP/ovl/$i/w' && mount -t overlay ward-conf-ovl -o 'lowerdir=$top,upperdir=$CONF_TMP/ovl/$i/u,workdir=$CONF_TMP/ovl/$i/w' '$top' && "
    done < <(printf '%s\n' "${!ovl[@]}" | awk '{print length($0), $0}' | sort -n | cut -d' ' -f2-)
    for path in "${!provide[@]}"; do
      case ${provide[$path]} in
        dir) setup+="mkdir -p '$path' && chmod 0755 '$path' && " ;;
        file) setup+="mkdir -p '$(dirname "$path")' && : >'$path' && " ;;
        socket) setup+="mkdir -p '$(dirname "$path")' && python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' '$path' && " ;;
        hook) setup+="mkdir -p '$(dirname "$path")' && printf '%s\n' '#!/bin/sh' 'echo \"\$0 \$*\" >>$CONF_TMP/hooks.log' >'$path' && chmod 0755 '$path' && " ;;
      esac
    done
    SETUP=$setup
  fi
  # Bridges: a private network namespace with the bridges the config links its devices to.
  local bridges
  bridges=$(sed -n 's/^lxc\.net\.[0-9]*\.link = //p' "$conf" | sort -u)
  if [ -n "$bridges" ]; then
    # LXC checks /sys/class/net/BRIDGE/bridge: /sys must be a sysfs mounted in the private network
    # namespace. A whole one, with the cgroup hierarchies bound back in: in a user namespace the kernel
    # mounts the container's own sysfs only if a fully visible one exists (no binds over sysfs paths).
    UNSHARE=--net
    mkdir -p "$CONF_TMP/sysfs"
    SETUP+="mount -t sysfs ward-conf-sysfs '$CONF_TMP/sysfs' && mount --rbind /sys/fs/cgroup '$CONF_TMP/sysfs/fs/cgroup' && "
    SETUP+="mount --move '$CONF_TMP/sysfs' /sys && "
    for b in $bridges; do
      SETUP+="ip link add '$b' type bridge && ip link set '$b' up && "
      echo "  note: bridge $b is created in a private network namespace (the host's network is not touched)"
    done
  fi
  return 0
}

# ---- run ----------------------------------------------------------------------------------------------------------
RAN=0
for conf in "${CONFS[@]}"; do
  policy=$(basename "$conf" .lxc.conf)
  if [ -n "${WARD_WORKLOADS_ONLY:-}" ] && [[ " $WARD_WORKLOADS_ONLY " != *" $policy "* ]]; then continue; fi
  name="ward-work-$$-${policy//[^A-Za-z0-9-]/-}"
  echo "== $policy ($conf)"
  prepare "$policy" "$conf" || continue
  net=inet redis=tcp
  if [ -n "${NO_INET[$policy]:-}" ]; then
    net=no-inet redis=unix
    echo "  exempt from httpd and redis over TCP: ${NO_INET[$policy]}; asserted instead: httpd cannot listen; redis runs on a unix socket"
  fi
  [ -n "$REDIS" ] || redis=none
  if ! lxc_new "$name" "${PRE}lxc.include = $USE_CONF
$EXTRA"; then
    fail "$policy: lxc-create failed"; continue
  fi
  out=$CONF_TMP/$policy.out
  : >"$CONF_TMP/hooks.log"
  CONF_SETUP=$SETUP CONF_UNSHARE=$UNSHARE lxc_run "$name" "$out" /usr/local/bin/workload.sh "$net" "$redis"
  rc=$?
  RAN=$((RAN + 1))
  sed 's/^/  | /' "$out"
  wants="ok-script"
  [ "$net" = inet ] && wants+=" ok-httpd" || wants+=" ok-no-inet"
  [ "$redis" != none ] && wants+=" ok-redis"
  for want in $wants; do
    grep -qx "$want" "$out" || fail "$policy: $want missing (exit $rc)"
  done
  # The hostname the policy sets (sysctl kernel.hostname, which ward writes as lxc.uts.name) is the container's.
  want_host=$(sed -n 's/^lxc\.uts\.name = //p' "$conf" | tail -n 1)
  got_host=$(sed -n 's/^hostname //p' "$out")
  if [ -n "$want_host" ] && [ "$got_host" != "$want_host" ]; then fail "$policy: hostname is '$got_host', the policy sets '$want_host'"; fi
  # Optional mounts LXC skipped after an error other than a missing path (e.g. a file bound onto a
  # directory): the container ran without them. Reported, not failed (the policy marks them optional).
  sed -n 's/.*mount_entry:[0-9]* - \(.*\) - Failed to mount \("[^"]*" on "[^"]*"\) (optional)$/\1: \2/p' "$out.log" 2>/dev/null |
    grep -v '^No such file or directory:' | sort -u | sed 's/^/  warning: optional mount skipped by LXC: /'
  ns=$(sed -n 's/^netns //p' "$out")
  if [ -z "$ns" ] || [ "$ns" = "$HOST_NETNS" ]; then fail "$policy: the container's network namespace ($ns) is the host's"; fi
  for s in "${STANDINS[@]}"; do
    grep -q "^${s#* } " "$CONF_TMP/hooks.log" || fail "$policy: ${s% *} ${s#* } (stand-in) did not run"
  done
  [ -s "$CONF_TMP/hooks.log" ] && sed 's/^/  hook ran: /' "$CONF_TMP/hooks.log"
  if [ "$rc" != 0 ] || ! grep -qx ok-all "$out"; then
    fail "$policy: the workload failed (exit $rc)"
    sed 's/^/  ! /' "$out.err" | tail -n 20 >&2
    grep -E "ERROR" "$out.log" 2>/dev/null | tail -n 10 | sed 's/^/  ! /' >&2
  fi
  lxc-destroy -P "$CONF_LXCPATH" -n "$name" -f >/dev/null 2>&1
done

if [ "$FAILURES" -gt 0 ]; then
  echo "conformance.workloads: $FAILURES check(s) failed" >&2
  exit 1
fi
echo "conformance.workloads: all workloads ran under $RAN policies"
