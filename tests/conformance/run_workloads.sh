#!/usr/bin/env bash
# Real workloads still run under ward's default and the example policies (issue 4, item 7). For each
# policy, a busybox container started by lxc-execute with ward's P.lxc.conf runs tests/conformance/
# workload.sh inside:
#   - a script doing file I/O, forks and pipes;
#   - busybox httpd serving a page on 127.0.0.1 in the container's own (empty) network namespace, fetched
#     from inside with busybox wget;
#   - redis-server from Debian (package redis-server), its binary, /usr/lib and ld.so.cache bound in
#     read-only, answering PING, SET and GET over loopback (busybox nc).
# Policies: std/base `unprivileged` (the default) and every policy of examples/*.ward. Bind sources the
# examples name that do not exist on this host (e.g. /srv/www/example.org) are created on a tmpfs in the
# private mount namespace lxc-execute runs in; the host is not changed.
#
# Usage: run_workloads.sh   (WARD_EXE, WARD_SOURCE_DIR, WARD_BINARY_DIR from ctest)
# Exit 77 (with the reason) when not root or without LXC, busybox or ward, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/conformance.sh"

require_root
require_cmds lxc-create lxc-execute lxc-destroy unshare
[ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
REDIS=$(command -v redis-server || true)
if [ -z "$REDIS" ]; then
  [ "${CI:-}" = "true" ] && { echo "FAIL: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
  echo "note: redis-server is not installed: the redis workload is skipped (apt-get install redis-server)"
fi
PROBE=$(find_probe) || PROBE=$BUSYBOX   # lxc_new binds a probe; any file will do here

conf_init ward-conf-work
conf_probe "$PROBE"
FAILURES=0

# ---- compile: the default and the examples -------------------------------------------------------------------
POL=$CONF_TMP/policies
mkdir -p "$POL"
WA=""   # see run_lxc.sh
[ "${WARD_CONF_SOCKET_WORKAROUND:-}" = 1 ] && WA='syscalls { deny socket(domain == 40); } sysctl { net.ipv4.ping_group_range = "0 65535"; }' &&
  echo "NOTE: WARD_CONF_SOCKET_WORKAROUND=1: ward's default also says $WA"
# The default plus the network the workloads need (base has no network section, so no inet sockets): httpd
# on 8080 and redis on 6379, reached over loopback from inside.
printf 'import "std/base";\npolicy ward_default extends base.unprivileged {\n  network { listen tcp 8080, 6379; connect tcp "127.0.0.1" 8080, 6379; }\n  %s\n}\n' "$WA" >"$POL/default.ward"
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

# ---- run ----------------------------------------------------------------------------------------------------------
WORKLOAD=$HERE/workload.sh
install -m 0755 "$WORKLOAD" "$CONF_TMP/bin/workload.sh"
EXTRA="lxc.mount.entry = $CONF_TMP/bin/workload.sh usr/local/bin/workload.sh none ro,bind,create=file 0 0"
if [ -n "$REDIS" ]; then
  EXTRA+="
lxc.mount.entry = $REDIS usr/local/bin/redis-server none ro,bind,create=file 0 0
lxc.mount.entry = /usr/lib usr/lib none ro,bind,create=dir 0 0
lxc.mount.entry = /etc/ld.so.cache etc/ld.so.cache none ro,bind,create=file 0 0"
  [ -d /lib64 ] && EXTRA+="
lxc.mount.entry = /lib64 lib64 none ro,bind,create=dir,optional 0 0"
fi

# Commands that give missing bind sources of CONF a home: a tmpfs over their top directory (only for
# directories under /srv, /opt, /data or /var/lib, which the examples use), in the private mount namespace.
missing_sources_setup() {
  local conf=$1 src top setup="" seen=" "
  while read -r src; do
    [ -e "$src" ] && continue
    case $src in /srv/*|/opt/*|/data/*|/var/lib/*) ;; *) echo "# cannot provide $src" ; continue ;; esac
    top=$(echo "$src" | cut -d/ -f1-2)
    [ "$top" = /var ] && top=$(echo "$src" | cut -d/ -f1-4)
    if [[ $seen != *" $top "* ]]; then
      setup+="mkdir -p $top 2>/dev/null; mount -t tmpfs -o mode=0755 ward-conf $top && "
      seen+="$top "
    fi
    setup+="mkdir -p '$src' && chmod 0755 '$src' && "
  done < <(sed -n 's/^lxc\.mount\.entry = \([^ ]*\) [^ ]* none [^ ]*bind.*/\1/p' "$conf" | grep '^/')
  echo "$setup"
}

for conf in "${CONFS[@]}"; do
  policy=$(basename "$conf" .lxc.conf)
  name="ward-work-$$-${policy//[^A-Za-z0-9-]/-}"
  echo "== $policy ($conf)"
  if ! lxc_new "$name" "lxc.include = $conf
$EXTRA"; then
    fail "$policy: lxc-create failed"; continue
  fi
  setup=$(missing_sources_setup "$conf")
  if [[ $setup == *"# cannot provide"* ]]; then
    echo "  skip: $(echo "$setup" | grep -o '# cannot provide [^ ]*' | head -1 | cut -c3-) (not created on the host)"
    lxc-destroy -P "$CONF_LXCPATH" -n "$name" -f >/dev/null 2>&1
    continue
  fi
  out=$CONF_TMP/$policy.out
  CONF_SETUP=$setup lxc_run "$name" "$out" /usr/local/bin/workload.sh ${REDIS:+redis}
  rc=$?
  sed 's/^/  | /' "$out"
  for want in ok-script ok-httpd ${REDIS:+ok-redis}; do
    grep -qx "$want" "$out" || fail "$policy: $want missing (exit $rc)"
  done
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
echo "conformance.workloads: all workloads ran under ${#CONFS[@]} policies"
