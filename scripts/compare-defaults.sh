#!/usr/bin/env bash
# Prints the conformance probe table for four defaults, run for real on this host:
#   docker     runc with Docker's default capabilities and seccomp profile (moby profiles/seccomp/
#              default.json, resolved for this kernel as moby does), masked/read-only paths, no_new_privs off
#   lxc-priv   LXC's default: /usr/share/lxc/config/common.conf, privileged (no idmap)
#   lxc-idmap  LXC's default idmapped: common.conf + userns.conf with a 65536-id map
#   ward       ward's default: std/base `unprivileged`, compiled by ward (idmap auto)
# and the totals "open of applicable" (applicable = open in the unconfined calibration run).
# Containers: busybox, empty network namespaces, ward-probe bound read-only; all destroyed on exit.
#
# Usage: scripts/compare-defaults.sh [--markdown] [WARD-PROBE]
#   WARD_EXE (default build/ward), WARD_PROBE or WARD_BINARY_DIR (default build) locate the binaries.
# Exit: 0 when ward's default leaves 0 applicable probes open, 1 otherwise, 77 when it cannot run (not root,
# no lxc/runc/busybox/ward; CI=true turns that into a failure).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export WARD_SOURCE_DIR=${WARD_SOURCE_DIR:-$ROOT}
. "$ROOT/tests/conformance/lib/conformance.sh"

MARKDOWN=0
if [ "${1:-}" = "--markdown" ]; then MARKDOWN=1; shift; fi

require_root
require_cmds lxc-create lxc-execute lxc-destroy runc python3 unshare
[ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE (set WARD_EXE)"
[ -f "$DOCKER_SECCOMP" ] || skip "Docker's seccomp profile is not at $DOCKER_SECCOMP (golang-github-docker-docker-dev)"
[ -f /usr/share/lxc/config/common.conf ] || skip "LXC's common.conf is not installed"
PROBE=${1:-$(find_probe)} || skip "ward-probe is not built (set WARD_PROBE)"

conf_init ward-compare
conf_probe "$PROBE"
FAILURES=0

CALIB=$CONF_TMP/unconfined.out
conf_calibrate "$CALIB"
conf_applicable "$CALIB" >"$CONF_TMP/applicable"

# docker
docker_bundle "$CONF_TMP/docker" || { echo "FAIL: could not make the Docker bundle" >&2; exit 1; }
runc_run "$CONF_TMP/docker" "ward-compare-$$" "$CONF_TMP/docker.out" /usr/local/bin/probe-each.sh ||
  { echo "FAIL: runc did not run the probe:" >&2; cat "$CONF_TMP/docker.out.err" >&2; FAILURES=$((FAILURES + 1)); }

# LXC, privileged and idmapped
MAP=$'lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536'
lxc_new "ward-cmp-$$-lxcp" "lxc.include = /usr/share/lxc/config/common.conf" &&
  lxc_run "ward-cmp-$$-lxcp" "$CONF_TMP/lxc-priv.out" /usr/local/bin/probe-each.sh ||
  { echo "FAIL: LXC privileged run failed" >&2; FAILURES=$((FAILURES + 1)); }
lxc_new "ward-cmp-$$-lxcu" "lxc.include = /usr/share/lxc/config/common.conf
lxc.include = /usr/share/lxc/config/userns.conf
$MAP" &&
  lxc_run "ward-cmp-$$-lxcu" "$CONF_TMP/lxc-idmap.out" /usr/local/bin/probe-each.sh ||
  { echo "FAIL: LXC idmapped run failed" >&2; FAILURES=$((FAILURES + 1)); }

# ward's default
mkdir -p "$CONF_TMP/ward"
WA=""   # see run_lxc.sh
[ "${WARD_CONF_SOCKET_WORKAROUND:-}" = 1 ] && WA='syscalls { deny socket(domain == 40); } sysctl { net.ipv4.ping_group_range = "0 65535"; }' &&
  echo "NOTE: WARD_CONF_SOCKET_WORKAROUND=1: ward's default also says $WA"
printf 'import "std/base";\npolicy ward_default extends base.unprivileged {\n  %s\n}\n' "$WA" >"$CONF_TMP/ward/default.ward"
if "$WARD_EXE" compile "$CONF_TMP/ward/default.ward" -o "$CONF_TMP/ward/out" >"$CONF_TMP/ward/compile.log" 2>&1; then
  lxc_new "ward-cmp-$$-ward" "lxc.include = $CONF_TMP/ward/out/ward_default.lxc.conf" &&
    lxc_run "ward-cmp-$$-ward" "$CONF_TMP/ward.out" /usr/local/bin/probe-each.sh ||
    { echo "FAIL: ward's default did not run" >&2; FAILURES=$((FAILURES + 1)); }
else
  echo "FAIL: ward compile failed:" >&2
  cat "$CONF_TMP/ward/compile.log" >&2
  FAILURES=$((FAILURES + 1))
fi

COLS=(docker lxc-priv lxc-idmap ward)
cell() {   # status of one probe in one column; (x) marks probes that are not applicable on this host
  local s
  s=$(probe_status "$CONF_TMP/$1.out" "$2")
  [ -f "$CONF_TMP/$1.out" ] || s="-"
  grep -qx "$2" "$CONF_TMP/applicable" || s="($s)"
  echo "$s"
}
if [ "$MARKDOWN" = 1 ]; then
  echo "| probe | unconfined | Docker (runc) | LXC privileged | LXC idmapped | ward default |"
  echo "|---|---|---|---|---|---|"
else
  printf '%-22s %-11s %-11s %-11s %-11s %-11s\n' probe unconfined docker lxc-priv lxc-idmap ward
fi
while read -r id st _; do
  row=("$id" "$st")
  for c in "${COLS[@]}"; do row+=("$(cell "$c" "$id")"); done
  if [ "$MARKDOWN" = 1 ]; then
    printf '| %s ' "${row[@]}"
    echo '|'
  else
    printf '%-22s %-11s %-11s %-11s %-11s %-11s\n' "${row[@]}"
  fi
done <"$CALIB"
totals=("open of applicable" "")
for c in "${COLS[@]}"; do
  read -r o t < <(count_open "$CONF_TMP/$c.out" "$CONF_TMP/applicable")
  totals+=("$o of $t")
  eval "OPEN_${c//-/_}=$o"
done
if [ "$MARKDOWN" = 1 ]; then
  echo "| **open of applicable** | | ${totals[2]} | ${totals[3]} | ${totals[4]} | ${totals[5]} |"
else
  printf '%-34s %-11s %-11s %-11s %-11s\n' "open of applicable" "${totals[2]}" "${totals[3]}" "${totals[4]}" "${totals[5]}"
fi
echo "(x) = not applicable on this host: not open in the unconfined calibration run ($(uname -r))"

if [ "${OPEN_ward:-1}" != 0 ]; then
  echo "FAIL: ward's default leaves ${OPEN_ward:-?} applicable probes open" >&2
  FAILURES=$((FAILURES + 1))
fi
[ "$FAILURES" -eq 0 ]
