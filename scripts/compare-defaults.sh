#!/usr/bin/env bash
# Prints the conformance probe table for the defaults of Docker, Podman, LXC and ward, run for real on this host:
#   docker       real Docker 20.10 (`docker run --network none`, dockerd and containerd started here)
#   podman       real Podman 4.3 (`podman run --network none`, with runc)
# (Until the real engines came, the docker column was runc with Docker's capabilities and seccomp profile; the
# real Docker gives the same verdict on every applicable probe, so that emulation is gone: docs/engines.md.)
#   lxc-priv     LXC's default: /usr/share/lxc/config/common.conf, privileged (no idmap)
#   lxc-idmap    LXC's default idmapped: common.conf + userns.conf with a 65536-id map
#   ward         ward's default: std/base `unprivileged`, compiled by ward (idmap auto)
#   lxd          LXD's default instance: LXD 5.0.2, default profile (root disk only), not privileged, run by
#                tests/integration/lib/lxd.sh (daemon in a loopback-only network namespace; docs/lxd.md)
#   docker+ward, podman+ward, lxd+ward   ward's default applied by the engine: `ward compile --target docker`
#                (P.docker.args, P.docker.json) and `ward lxd-install` (tests/conformance/lib/engine_ward.sh);
#                the workloads (workload.sh) run under each too (row "workloads"), and a probe still open there
#                must be a finding of `ward verify --docker|--podman` located at an engine setting
# and the totals "open of applicable" (applicable = open in the unconfined calibration run).
# Containers: busybox, no network (empty namespaces, --network none), ward-probe bound read-only; all
# destroyed on exit, the engines' daemons stopped (tests/integration/lib/engines.sh).
#
# Usage: scripts/compare-defaults.sh [--markdown] [WARD-PROBE]
#   WARD_EXE (default build/ward), WARD_PROBE or WARD_BINARY_DIR (default build) locate the binaries.
#   WARD_COMPARE_ENGINES=0 leaves out the docker and podman columns (hosts without the engines).
# Exit: 0 when ward's default leaves 0 applicable probes open under LXC and LXD, every probe still open under
# docker+ward or podman+ward is a located verifier finding, and the workloads ran; 1 otherwise; 77 when it
# cannot run (not root, no lxc/runc/busybox/ward/docker/podman; CI=true turns that into a failure).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export WARD_SOURCE_DIR=${WARD_SOURCE_DIR:-$ROOT}
. "$ROOT/tests/conformance/lib/conformance.sh"
. "$ROOT/tests/integration/lib/engines.sh"
. "$ROOT/tests/conformance/lib/engine_ward.sh"
ENGINES=${WARD_COMPARE_ENGINES:-1}

MARKDOWN=0
if [ "${1:-}" = "--markdown" ]; then MARKDOWN=1; shift; fi

require_root
require_cmds lxc-create lxc-execute lxc-destroy unshare nsenter tar
[ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE (set WARD_EXE)"
[ -f /usr/share/lxc/config/common.conf ] || skip "LXC's common.conf is not installed"
PROBE=${1:-$(find_probe)} || skip "ward-probe is not built (set WARD_PROBE)"
if [ "$ENGINES" = 1 ]; then
  for b in "$ENG_DOCKER" "$ENG_DOCKERD" "$ENG_CONTAINERD" "$ENG_PODMAN"; do
    [ -x "$b" ] || skip "$b is not installed (docker.io, podman; WARD_COMPARE_ENGINES=0 leaves them out)"
  done
fi

conf_init ward-compare
trap 'engines_cleanup; conf_cleanup' EXIT
conf_probe "$PROBE"
FAILURES=0

CALIB=$CONF_TMP/unconfined.out
conf_calibrate "$CALIB"
conf_applicable "$CALIB" >"$CONF_TMP/applicable"
install -m 0755 "$ROOT/tests/conformance/workload.sh" "$CONF_TMP/bin/workload.sh"
REDIS=$(command -v redis-server || true) REDIS_CLI=$(command -v redis-cli || true)
[ -n "$REDIS" ] && [ -n "$REDIS_CLI" ] || { REDIS=""; echo "note: redis-server is not installed: the workloads run without it"; }
ew_compile "$CONF_TMP/ward-engines" || { echo "FAIL: ward compile --target docker:" >&2; cat "$CONF_TMP/ward-engines/compile.log" >&2; exit 1; }

# the real engines: their defaults, the probe bound read-only, no network
if [ "$ENGINES" = 1 ]; then
  engines_init ward-compare-engines || { echo "FAIL: no namespace for the engines" >&2; exit 1; }
  docker_start || { echo "FAIL: dockerd did not start" >&2; exit 1; }
  podman_setup
  PROBE_BINDS=(-v "$CONF_PROBE:/usr/local/bin/ward-probe:ro" -v "$CONF_PROBE_EACH:/usr/local/bin/probe-each.sh:ro")
  { engines_image docker ward-compare-busybox &&
    ENG_CMD_TIMEOUT=${CONF_TIMEOUT:-180} dk run --rm --network none "${PROBE_BINDS[@]}" ward-compare-busybox \
      /usr/local/bin/probe-each.sh >"$CONF_TMP/docker.out" 2>"$CONF_TMP/docker.out.err"; } ||
    { echo "FAIL: docker did not run the probe:" >&2; tail -5 "$CONF_TMP/docker.out.err" >&2; FAILURES=$((FAILURES + 1)); }
  { engines_image podman ward-compare-busybox >/dev/null 2>&1 &&
    ENG_CMD_TIMEOUT=${CONF_TIMEOUT:-180} pm run --rm --network none "${PROBE_BINDS[@]}" ward-compare-busybox \
      /usr/local/bin/probe-each.sh >"$CONF_TMP/podman.out" 2>"$CONF_TMP/podman.out.err"; } ||
    { echo "FAIL: podman did not run the probe:" >&2; tail -5 "$CONF_TMP/podman.out.err" >&2; FAILURES=$((FAILURES + 1)); }
  ew_engine_columns ward-compare-busybox "${PROBE_BINDS[@]}" || FAILURES=$((FAILURES + $?))
  engines_cleanup
fi

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

# LXD's default instance. Without LXD the column shows "-" (CI=true: a failure).
LXD_NOTE=""
if conf_lxd_setup; then
  lxd_probe_run "$(lxd_name cmp)" "$CONF_TMP/lxd.out" /usr/local/bin/probe-each.sh ||
    { echo "FAIL: the probe did not run in the LXD instance:" >&2; cat "$CONF_TMP/lxd.out.err" >&2; FAILURES=$((FAILURES + 1)); }
  ew_lxd_column || FAILURES=$((FAILURES + $?))
  lxd_cleanup
elif [ "${CI:-}" = true ]; then
  echo "FAIL: LXD could not be set up (CI=true: the LXD column must run)" >&2
  FAILURES=$((FAILURES + 1))
else
  LXD_NOTE="lxd: not run, LXD could not be set up here (the reason is above)"
fi

COLS=(lxc-priv lxc-idmap ward)
[ "$ENGINES" = 1 ] && COLS=(docker docker+ward podman podman+ward "${COLS[@]}")
COLS+=(lxd lxd+ward)
cell() {   # status of one probe in one column; (x) marks probes that are not applicable on this host
  local s
  s=$(probe_status "$CONF_TMP/$1.out" "$2")
  [ -f "$CONF_TMP/$1.out" ] || s="-"
  grep -qx "$2" "$CONF_TMP/applicable" || s="($s)"
  echo "$s"
}
row() {   # one table row: the cells, as a Markdown row or in fixed-width columns
  if [ "$MARKDOWN" = 1 ]; then
    printf '| %s ' "$@"
    echo '|'
  else
    printf '%-22s' "$1"
    shift
    printf ' %-11s' "$@"
    echo
  fi
}
row probe unconfined "${COLS[@]}"
[ "$MARKDOWN" = 1 ] && { printf '|---'; for _ in unconfined "${COLS[@]}"; do printf '|---'; done; echo '|'; }
while read -r id st _; do
  cells=("$id" "$st")
  for c in "${COLS[@]}"; do cells+=("$(cell "$c" "$id")"); done
  row "${cells[@]}"
done <"$CALIB"
totals=("open of applicable" "")
for c in "${COLS[@]}"; do
  [ -f "$CONF_TMP/$c.out" ] || { totals+=("-"); continue; }
  read -r o t < <(count_open "$CONF_TMP/$c.out" "$CONF_TMP/applicable")
  totals+=("$o of $t")
  eval "OPEN_${c//[-+]/_}=$o"
done
row "${totals[@]}"
work=(workloads "")
for c in "${COLS[@]}"; do work+=("${EW_WORK[$c]:-}"); done
row "${work[@]}"
echo "(x) = not applicable on this host: not open in the unconfined calibration run ($(uname -r))"
[ -n "$LXD_NOTE" ] && echo "$LXD_NOTE"
# What keeps a probe open under an engine with ward's options: the verifier's finding at the engine setting.
if [ "$ENGINES" = 1 ]; then
  for c in docker podman; do ew_explain "$c+ward" "$c" "$CONF_TMP/applicable" || FAILURES=$((FAILURES + $?)); done
fi
[ "${OPEN_lxd_ward:-0}" = 0 ] || { echo "FAIL: lxd+ward leaves $OPEN_lxd_ward applicable probes open" >&2; FAILURES=$((FAILURES + 1)); }

if [ "${OPEN_ward:-1}" != 0 ]; then
  echo "FAIL: ward's default leaves ${OPEN_ward:-?} applicable probes open" >&2
  FAILURES=$((FAILURES + 1))
fi
[ "$FAILURES" -eq 0 ]
