#!/usr/bin/env bash
# Real LXD (Debian 12's lxd 5.0.2), through tests/integration/lib/lxd.sh: the daemon starts (or a running
# one is used), an instance of the busybox test image starts with the default profile, `lxc exec` runs a
# command in it, /proc/self/status and the id maps inside agree with what LXD says it applied
# (volatile.idmap.current) and with the host's view of the instance's init, Seccomp is mode 2 with LXD's
# policy file in place, the daemon (when the harness started it) has loopback only and no route, and after
# the cleanup nothing is left: no instance, image, profile or pool of this run, no log directory, no
# temporary directory; when the harness started the daemon, no daemon, no process in its network namespace,
# an empty state directory with its mode and owner as before. Prints how long the steps took. Skips (77)
# without root or LXD, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
. "$HERE/lib/lxd.sh"

require_root
require_cmds lxd lxc ip unshare nsenter flock curl jq
busybox_path >/dev/null || skip "busybox is not installed (busybox-static)"
FAILURES=0

MODES_BEFORE=$(stat -c '%n %a %U:%G' "$(lxd_state_dir)" "$(lxd_log_dir)" 2>/dev/null)
lxd_setup || skip "LXD cannot be set up here (the reason is above)"
echo "  setup: $LXDT_TIMES (daemon started by this run: $LXDT_STARTED)"

C=$(lxd_name smoke)
t0=$(lxd_ms)
lxd_launch "$C" >"$LXDT_TMP/launch.out" 2>&1 || { cat "$LXDT_TMP/launch.out" >&2; fail "lxc launch $C"; }
t1=$(lxd_ms)
STATUS=$(lxd_exec "$C" cat /proc/self/status) || fail "lxc exec $C cat /proc/self/status"
t2=$(lxd_ms)
echo "  launch $((t1 - t0)) ms, first exec $((t2 - t1)) ms"

# What LXD says it applied, from the REST API.
STATE=$(lxd_api GET "/1.0/instances/$C/state") || fail "GET /1.0/instances/$C/state"
check_eq "status" "Running" "$(echo "$STATE" | jq -r .metadata.status)"
INIT_PID=$(echo "$STATE" | jq -r .metadata.pid)
IDMAP=$(lxd_api GET "/1.0/instances/$C" | jq -r '.metadata.config["volatile.idmap.current"]')
UHOST=$(echo "$IDMAP" | jq -r '.[] | select(.Isuid and .Nsid == 0) | .Hostid')
URANGE=$(echo "$IDMAP" | jq -r '.[] | select(.Isuid and .Nsid == 0) | .Maprange')
GHOST=$(echo "$IDMAP" | jq -r '.[] | select(.Isgid and .Nsid == 0) | .Hostid')
[ -n "$UHOST" ] && [ "$UHOST" != 0 ] || fail "volatile.idmap.current maps uid 0 to '$UHOST': $IDMAP"

# Inside: root of its own user namespace, the map LXD chose, Seccomp filter mode.
field() { echo "$STATUS" | awk -v k="$1:" '$1 == k {print $2; exit}'; }
check_eq "Uid inside" "0" "$(field Uid)"
check_eq "Seccomp inside" "2" "$(field Seccomp)"
echo "  CapBnd inside: $(field CapBnd), NoNewPrivs: $(field NoNewPrivs)"
check_eq "uid_map inside" "0 $UHOST $URANGE" "$(lxd_exec "$C" cat /proc/self/uid_map | awk '{print $1, $2, $3}')"
check_eq "gid_map inside" "0 $GHOST" "$(lxd_exec "$C" cat /proc/self/gid_map | awk '{print $1, $2}')"
# Outside: the instance's init runs as the mapped host uid.
check_eq "host Uid of the instance's init" "$UHOST" "$(awk '$1 == "Uid:" {print $2}' "/proc/$INIT_PID/status" 2>/dev/null)"
# LXD's generated liblxc config and seccomp policy, where docs/lxd.md says they are.
CONF=$(lxd_log_dir)/$C/lxc.conf
SECCOMP=$(lxd_state_dir)/security/seccomp/$C
grep -qx "lxc.seccomp.profile = $SECCOMP" "$CONF" 2>/dev/null || fail "$CONF does not name $SECCOMP"
grep -qx "lxc.idmap = u 0 $UHOST $URANGE" "$CONF" 2>/dev/null || fail "$CONF has no 'lxc.idmap = u 0 $UHOST $URANGE'"
[ "$(head -1 "$SECCOMP" 2>/dev/null)" = 2 ] || fail "$SECCOMP is not a seccomp v2 policy"
# The daemon this run started can reach nothing: its network namespace has loopback only and no route.
if [ "$LXDT_STARTED" = 1 ]; then
  check_eq "network devices of the daemon" "lo" \
    "$(nsenter --net="/proc/$LXDT_DAEMON_PID/ns/net" ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
  check_eq "IPv4 routes of the daemon (outside loopback)" "" \
    "$(nsenter --net="/proc/$LXDT_DAEMON_PID/ns/net" ip -4 route show table main)"
fi
# A command's exit status comes back through lxc exec.
lxd_exec "$C" sh -c 'exit 3'
check_eq "exit status through lxc exec" "3" "$?"

t3=$(lxd_ms)
lxd_delete "$C" || fail "lxc delete $C"
t4=$(lxd_ms)
echo "  delete $((t4 - t3)) ms"
[ -e "$(lxd_log_dir)/$C" ] && fail "the log directory of $C is still there"
[ -e "$SECCOMP" ] && fail "$SECCOMP is still there after delete"

# Nothing left.
STARTED=$LXDT_STARTED PREFIX=$LXDT_PREFIX NAMES="$C $LXDT_IMAGE $LXDT_POOL" TMPD=$LXDT_TMP DPID=$LXDT_DAEMON_PID
DNS=$(awk '$1 == "netns" {print $2}' "$(lxd_state_dir)/ward-harness.owner" 2>/dev/null)
lxd_cleanup
if [ "$STARTED" = 1 ]; then
  [ -S "$(lxd_socket)" ] && fail "the daemon's socket $(lxd_socket) is still there"
  kill -0 "$DPID" 2>/dev/null && fail "the daemon (pid $DPID) still runs"
  [ -n "$DNS" ] || fail "the harness did not record the daemon's network namespace"
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$DNS" ] && fail "process ${p#/proc/} is still in the daemon's network namespace $DNS"
  done
  check_eq "entries left in the state directory $(lxd_state_dir)" "" "$(ls -A "$(lxd_state_dir)" 2>/dev/null)"
  check_eq "modes and owners of the state and log directories" "$MODES_BEFORE" \
    "$(stat -c '%n %a %U:%G' "$(lxd_state_dir)" "$(lxd_log_dir)" 2>/dev/null)"
  grep -q " $(lxd_state_dir)/" /proc/mounts && fail "mounts under $(lxd_state_dir) remain"
  grep -q " /run/netns" /proc/mounts && echo "  note: /run/netns is mounted on this host (not by this harness, which uses no named network namespace)"
else
  LEFT=$(for p in instances images/aliases profiles storage-pools; do lxd_api GET "/1.0/$p" | jq -r '.metadata[]'; done)
  echo "$LEFT" | grep -F -- "$PREFIX" && fail "objects of this run are still in the daemon"
fi
for d in "$(lxd_log_dir)/$PREFIX"*; do [ -e "$d" ] && fail "the log directory $d of this run remains"; done
[ -e "$TMPD" ] && fail "the temporary directory $TMPD remains"
for n in $NAMES; do find /sys/fs/cgroup -maxdepth 3 -name "*$n*" 2>/dev/null | grep -q . && fail "cgroups named $n remain"; done

if [ "$FAILURES" -eq 0 ]; then echo "lxd smoke: ok"; else echo "lxd smoke: $FAILURES failure(s)"; exit 1; fi
