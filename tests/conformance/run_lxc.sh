#!/usr/bin/env bash
# Conformance inside real LXC containers (issue 4, item 6). ward compiles four policies; each runs in a
# busybox container started by lxc-execute with ward's P.lxc.conf, ward-probe bound in read-only:
#
#   default       std/base `unprivileged` as it is (idmap auto: the idmapped launch)
#   default-priv  the same with `identity { privileged "..."; }` (the privileged launch)
#   open          unprivileged plus statements that open entries on purpose (keep sys_admin, net_raw,
#                 net_admin; allow mount, keyctl, bpf, personality, unshare(CLONE_NEWUSER); proc rw)
#   open-priv     the same, privileged
#
# Assertions: under default and default-priv every applicable probe is blocked (default-priv may show
# only what `privileged` opens by definition: NS-PRIVILEGED, NS-HOST-NS for the user namespace); under open and open-priv the probes of the
# opened entries report open, which proves the probe sees the hole. "Applicable" = open in the unconfined
# calibration run on this host (tests/conformance/run_unconfined.sh); the rest are n/a.
#
# Usage: run_lxc.sh [WARD-PROBE]   (WARD_EXE, WARD_SOURCE_DIR, WARD_BINARY_DIR from ctest)
# Prints the probe table. Root and LXC required: exit 77 with the reason otherwise (CI=true: failure).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/conformance.sh"

require_root
require_cmds lxc-create lxc-execute lxc-destroy unshare
[ -x /usr/share/lxc/templates/lxc-busybox ] || skip "the LXC busybox template is not installed (lxc-templates)"
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
PROBE=${1:-$(find_probe)} || skip "ward-probe is not built"

conf_init ward-conf-lxc
conf_probe "$PROBE"
FAILURES=0

# ---- the policies ------------------------------------------------------------------------------------------
POL=$CONF_TMP/policies
mkdir -p "$POL"
OPENING="
  capabilities { keep sys_admin, net_raw, net_admin; }
  mounts { proc rw; }
  network { packet; connect udp 53; }
  syscalls {
    allow mount, umount2, keyctl, bpf;
    allow personality;
    allow unshare;
  }"
PRIV='identity { privileged "conformance: the privileged launch"; }'
cat >"$POL/conformance.ward" <<EOF
// Written by tests/conformance/run_lxc.sh.
import "std/base";
policy default extends base.unprivileged { }
policy default_priv extends base.unprivileged {
  $PRIV
}
policy open extends base.unprivileged {
$OPENING
}
policy open_priv extends base.unprivileged {
  $PRIV
$OPENING
}
EOF
ART=$CONF_TMP/artifacts
if ! "$WARD_EXE" compile "$POL/conformance.ward" -o "$ART" --state-dir "$CONF_TMP/state" >"$CONF_TMP/compile.log" 2>&1; then
  echo "FAIL: ward compile of the conformance policies failed:" >&2
  cat "$CONF_TMP/compile.log" >&2
  exit 1
fi

# ---- calibration and runs -----------------------------------------------------------------------------------
CALIB=$CONF_TMP/unconfined.out
conf_calibrate "$CALIB"
conf_applicable "$CALIB" >"$CONF_TMP/applicable"
echo "unconfined calibration: $(wc -l <"$CONF_TMP/applicable") applicable probes (open unconfined);" \
  "n/a: $(awk '$2 != "open" {printf "%s ", $1}' "$CALIB")"

RUNS=(default default_priv open open_priv)
for run in "${RUNS[@]}"; do
  name="ward-conf-$$-${run//_/-}"
  if ! lxc_new "$name" "lxc.include = $ART/$run.lxc.conf"; then
    fail "$run: lxc-create failed"
    continue
  fi
  lxc_run "$name" "$CONF_TMP/$run.out" /usr/local/bin/probe-each.sh
  rc=$?
  if [ "$rc" != 0 ]; then
    fail "$run: lxc-execute failed (exit $rc)"
    sed 's/^/  | /' "$CONF_TMP/$run.out.err" >&2
    grep -E "ERROR" "$CONF_TMP/$run.out.log" 2>/dev/null | tail -n 10 | sed 's/^/  | /' >&2
  fi
  lxc-destroy -P "$CONF_LXCPATH" -n "$name" -f >/dev/null 2>&1
done

# ---- the table ----------------------------------------------------------------------------------------------
printf '%-22s %-10s' probe unconfined
for run in "${RUNS[@]}"; do printf ' %-12s' "$run"; done
echo
while read -r id _; do
  printf '%-22s %-10s' "$id" "$(probe_status "$CALIB" "$id")"
  for run in "${RUNS[@]}"; do
    s=$(probe_status "$CONF_TMP/$run.out" "$id")
    grep -qx "$id" "$CONF_TMP/applicable" || s="($s)"
    printf ' %-12s' "$s"
  done
  echo
done <"$CALIB"
printf '%-33s' "open of applicable"
for run in "${RUNS[@]}"; do
  read -r o t < <(count_open "$CONF_TMP/$run.out" "$CONF_TMP/applicable")
  printf ' %-12s' "$o/$t"
done
echo

# ---- assertions ---------------------------------------------------------------------------------------------
# expect_blocked RUN ALLOWED_OPEN...: every applicable probe is blocked except the ids listed.
expect_blocked() {
  local run=$1 id s
  shift
  while read -r id; do
    s=$(probe_status "$CONF_TMP/$run.out" "$id")
    if [ "$s" = open ]; then
      printf '%s\n' "$@" | grep -qx "$id" && continue
      fail "$run: $id is open: $(grep "^$id " "$CONF_TMP/$run.out" | cut -d' ' -f3-)"
    elif [ "$s" = missing ]; then
      fail "$run: no result for $id"
    fi
  done <"$CONF_TMP/applicable"
}
# expect_open RUN ID...: each listed probe (when applicable) reports open.
expect_open() {
  local run=$1 id s
  shift
  for id in "$@"; do
    grep -qx "$id" "$CONF_TMP/applicable" || { echo "  note $run: $id not applicable here"; continue; }
    s=$(probe_status "$CONF_TMP/$run.out" "$id")
    [ "$s" = open ] || fail "$run: $id should be open (the policy opens it) but is $s: $(grep "^$id " "$CONF_TMP/$run.out" | cut -d' ' -f3-)"
  done
}

# expect_verifier_agrees RUN: the verifier, judging the same policy for this host (`ward verify --this-host`:
# AppArmor and SELinux count only where the kernel enforces them), must not call blocked what the probe
# found open. The other way round (verifier open, probe blocked) is the verifier being conservative, e.g. a
# probe that tries one technique of several: printed as a note.
VERIFY_JSON=$CONF_TMP/verify.json
"$WARD_EXE" verify --this-host --engine lxc --all --format json "$POL/conformance.ward" >"$VERIFY_JSON" 2>"$CONF_TMP/verify.err"
[ -s "$VERIFY_JSON" ] || { fail "ward verify --this-host printed no JSON"; cat "$CONF_TMP/verify.err" >&2; }
verifier_status() {  # RUN ID
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(next((f["status"] for f in d["findings"] if f["policy"] == sys.argv[2] and f["id"] == sys.argv[3]), "missing"))' \
    "$VERIFY_JSON" "$1" "$2"
}
expect_verifier_agrees() {
  local run=$1 id s v agree=0 conservative=0 wrong=0
  while read -r id; do
    s=$(probe_status "$CONF_TMP/$run.out" "$id")
    v=$(verifier_status "$run" "$id")
    case "$s/$v" in
      open/open | open/accepted | blocked/blocked | blocked/blocked-by-one-layer) agree=$((agree + 1)) ;;
      open/blocked | open/blocked-by-one-layer)
        wrong=$((wrong + 1))
        fail "$run: $id: the verifier says $v, the probe found it open: $(grep "^$id " "$CONF_TMP/$run.out" | cut -d' ' -f3-)" ;;
      blocked/open) conservative=$((conservative + 1)); echo "  note $run: $id: the verifier says open, the probe found it blocked" ;;
      *) echo "  note $run: $id: probe $s, verifier $v" ;;
    esac
  done <"$CONF_TMP/applicable"
  echo "verifier vs probes, $run: $agree agree, $conservative where only the verifier says open, $wrong where only the probe does"
}

expect_blocked default
expect_blocked default_priv NS-PRIVILEGED NS-HOST-NS   # privileged = the host's user namespace
expect_open default_priv NS-PRIVILEGED
OPENED=(CAP-NET-RAW CAP-NET-ADMIN SYS-KEYCTL SYS-BPF SYS-PERSONALITY NS-USERNS-NEST MNT-DEVPTS)
expect_open open "${OPENED[@]}"
expect_open open_priv "${OPENED[@]}" NS-PRIVILEGED ESC-SYSRQ ESC-CORE-PATTERN

for run in "${RUNS[@]}"; do expect_verifier_agrees "$run"; done

if [ "$FAILURES" -gt 0 ]; then
  echo "conformance.lxc: $FAILURES check(s) failed" >&2
  exit 1
fi
echo "conformance.lxc: ward's default leaves 0 applicable probes open (idmapped and privileged launch);" \
  "the opening policies show the holes they open"
