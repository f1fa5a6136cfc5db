#!/usr/bin/env bash
# MNT-PROPAGATION must not depend on unrelated host state (issue 16, item 5). In a private mount namespace
# that stands for the host, a shared mount is made the way dockerd makes its data-root shared (a bind of a
# directory onto itself, made shared). Then:
#   - the calibration finds MNT-PROPAGATION open (the host has a shared mount: the probe applies);
#   - ward's default container must find it blocked: its mounts are shared only in peer groups of its own;
#   - a privileged LXC container given an rbind of that shared directory receives the host's mounts but is a
#     slave (LXC makes every container mount a slave first): blocked, the slave named;
#   - a mount namespace that keeps the inherited propagation is a true peer: a mount made in it reaches the
#     host, and the probe must find it open. So the probe tells a host peer from the container's own groups.
# docs/conformance.md ("Mount propagation") has the experiment this stands on.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export WARD_SOURCE_DIR=${WARD_SOURCE_DIR:-$ROOT}
. "$ROOT/tests/conformance/lib/conformance.sh"

if [ "${WARD_PROPAGATION_INNER:-}" != 1 ]; then
  require_root
  require_cmds lxc-create lxc-execute unshare
  [ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
  busybox_path >/dev/null || skip "busybox is not installed (busybox-static)"
  [ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
  find_probe >/dev/null || skip "ward-probe is not built (set WARD_PROBE)"
  # The stand-in host: a private copy of this namespace, so nothing below reaches the real host.
  exec unshare -m --propagation private env WARD_PROPAGATION_INNER=1 bash "$0" "$@"
fi

BUSYBOX=$(busybox_path)
FAILURES=0
conf_init ward-propagation
SHARED=$CONF_TMP/data   # dockerd's data-root, as setupDaemonRootPropagation leaves it
mkdir -p "$SHARED"
mount --bind "$SHARED" "$SHARED" && mount --make-shared "$SHARED" || { echo "FAIL: no shared bind" >&2; exit 1; }
conf_probe "$(find_probe)"
echo "host shared peer groups: $(conf_host_peers)"

conf_calibrate "$CONF_TMP/unconfined.out"
st=$(probe_status "$CONF_TMP/unconfined.out" MNT-PROPAGATION)
echo "unconfined: $(grep '^MNT-PROPAGATION ' "$CONF_TMP/unconfined.out")"
[ "$st" = open ] || fail "the calibration does not see the shared mount ($st)"

# ward's default
mkdir -p "$CONF_TMP/ward"
printf 'import "std/base";\npolicy ward_default extends base.unprivileged {}\n' >"$CONF_TMP/ward/default.ward"
"$WARD_EXE" compile "$CONF_TMP/ward/default.ward" -o "$CONF_TMP/ward/out" >"$CONF_TMP/ward/compile.log" 2>&1 ||
  { cat "$CONF_TMP/ward/compile.log" >&2; fail "ward compile"; }
lxc_new "ward-prop-$$-w" "lxc.include = $CONF_TMP/ward/out/ward_default.lxc.conf" &&
  lxc_run "ward-prop-$$-w" "$CONF_TMP/ward.out" /usr/local/bin/probe-each.sh || fail "ward's default did not run"
echo "ward default: $(grep '^MNT-PROPAGATION ' "$CONF_TMP/ward.out")"
[ "$(probe_status "$CONF_TMP/ward.out" MNT-PROPAGATION)" = blocked ] || fail "ward's default: MNT-PROPAGATION is not blocked"

# A privileged LXC container given an rbind of the shared directory: LXC makes every mount of the container
# a slave first, so the bind receives the host's mounts (a tmpfs mounted on the host side under the shared
# directory shows inside; unmounted at once) and sends none back: blocked, with the slave named. The
# container runs `sleep` meanwhile. (lxc_run wraps lxc-execute in its own private namespace; this one needs
# the stand-in host's, so it runs lxc-execute directly.)
lxc_new "ward-prop-$$-p" "lxc.include = /usr/share/lxc/config/common.conf
lxc.mount.entry = $SHARED mnt/shared none rbind,create=dir 0 0" || fail "the slave container was not created"
lxc-execute -P "$CONF_LXCPATH" -n "ward-prop-$$-p" -o "$CONF_TMP/slave.log" -- \
  env WARD_HOST_PEERS="$(conf_host_peers)" sh -c '/usr/local/bin/ward-probe MNT-PROPAGATION; exec sleep 30' \
  >"$CONF_TMP/slave.out" 2>&1 &
pid=""
for _ in $(seq 150); do
  pid=$(lxc-info -P "$CONF_LXCPATH" -n "ward-prop-$$-p" -pH 2>/dev/null)
  [ -n "$pid" ] && grep -q '^MNT-PROPAGATION ' "$CONF_TMP/slave.out" 2>/dev/null && break
  sleep 0.2
done
if [ -n "$pid" ]; then
  mkdir -p "$SHARED/ward-test"
  mount -t tmpfs -o size=16k ward-prop-host "$SHARED/ward-test"
  grep -q ward-prop-host "/proc/$pid/mountinfo" && seen=yes || seen=no
  umount "$SHARED/ward-test"
  echo "a host mount under the shared directory, inside the container with the rbind: $seen"
  [ "$seen" = yes ] || fail "the rbind does not receive the host's mounts (the experiment proves nothing)"
else
  fail "the container with the rbind did not start"
fi
lxc-stop -P "$CONF_LXCPATH" -n "ward-prop-$$-p" -k >/dev/null 2>&1
wait
echo "LXC with the rbind: $(grep '^MNT-PROPAGATION ' "$CONF_TMP/slave.out")"
[ "$(probe_status "$CONF_TMP/slave.out" MNT-PROPAGATION)" = blocked ] && grep -q 'slave of a host group' "$CONF_TMP/slave.out" ||
  fail "the slave of a host group is not found blocked, named"

# A true peer: a new mount namespace that keeps the propagation it inherits (what runc does for a container
# whose rootfsPropagation is shared). A tmpfs mounted in it under the shared directory reaches the stand-in
# host (unmounted at once), and the probe must say open.
out=$(WARD_HOST_PEERS="$(conf_host_peers)" unshare -m --propagation unchanged sh -c \
  "mkdir -p '$SHARED/ward-test2' && mount -t tmpfs -o size=16k ward-prop-peer '$SHARED/ward-test2' && sleep 1 &&
   '$CONF_PROBE' MNT-PROPAGATION; umount '$SHARED/ward-test2'" &
  sleep 0.5; grep -c ward-prop-peer /proc/self/mountinfo; wait)
seen=$(echo "$out" | grep -x '[0-9]*')
echo "a mount made in the peer namespace, seen by the host: $seen"
echo "peer namespace: $(echo "$out" | grep '^MNT-PROPAGATION ')"
[ "$seen" = 1 ] || fail "the peer namespace's mount did not reach the host (the experiment proves nothing)"
echo "$out" | grep -q '^MNT-PROPAGATION open .*a peer group the host has' || fail "a peer of a host mount is not found open"
rmdir "$SHARED/ward-test" "$SHARED/ward-test2" 2>/dev/null
umount "$SHARED" 2>/dev/null
[ "$FAILURES" -eq 0 ] && echo "conformance.propagation: passed" || { echo "conformance.propagation: $FAILURES failures" >&2; exit 1; }
