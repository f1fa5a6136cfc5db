#!/usr/bin/env bash
# Issue 16.3: P.oci.json, merged into `runc spec`'s config.json as the README says, runs under real runc on
# this host. A policy extending base.unprivileged (which has a selinux section) is compiled twice:
#   ward compile P.ward -o any/               for any host: keeps process.apparmorProfile and selinuxLabel,
#                                             annotations["org.ward.assumes"] names the LSMs it assumes
#   ward compile --this-host P.ward -o here/  for this host: leaves out the fields of the LSMs this kernel
#                                             does not enable, with a note on stderr
# Each is merged into a fresh `runc spec` bundle (busybox-static rootfs; tests/integration/lib/oci_merge.py,
# objects merge and arrays replace, no fields dropped) and started with `runc run`. The --this-host fragment
# must start and run the workload (it prints a line, and /proc/self/status shows the filter and the bounding
# set). On a host without SELinux, the any-host fragment must fail with runc's SELinux message, and with the
# label removed by hand, with runc's AppArmor message when AppArmor is off too: the failures the fix
# avoids, printed as runc gives them.
#
# Harmless to the host: the bundle, runc's state and ward's state directory live under a temporary
# directory; containers are deleted on exit. Skips (77) without root, runc, busybox or python3.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
FAILURES=0
require_root
require_cmds runc python3
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"

TMP=$(mktemp -d /tmp/ward-runc-host.XXXXXX)
chmod 0755 "$TMP"
STATE=$TMP/runc-state
IDS=()
cleanup() {
  local id
  for id in "${IDS[@]}"; do runc --root "$STATE" delete -f "$id" >/dev/null 2>&1 || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$TMP/p.ward" <<'EOF'
import "std/base";
policy p extends base.unprivileged { }
EOF

WORKLOAD='echo ward-workload-ran; grep -E "^(Seccomp|CapBnd|NoNewPrivs):" /proc/self/status'

# run_fragment NAME FRAGMENT [oci_merge.py flags...]: runc run in a fresh bundle; stdout+stderr in $TMP/NAME.log,
# runc's exit status in RC.
run_fragment() {
  local name=$1 frag=$2 bundle=$TMP/bundle-$1 id="ward-$$-$1" uid gid
  shift 2
  rm -rf "$bundle"
  mkdir -p "$bundle"
  busybox_rootfs "$bundle/rootfs" "$BUSYBOX"
  (cd "$bundle" && runc spec) || { fail "$name: runc spec failed"; RC=99; return; }
  python3 "$HERE/lib/oci_merge.py" "$bundle/config.json" "$frag" "$bundle/config.json" "$@" \
    --args /bin/sh -c "$WORKLOAD" || { fail "$name: merge failed"; RC=99; return; }
  read -r uid gid < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["linux"]
u = [m["hostID"] for m in c.get("uidMappings", []) if m["containerID"] == 0]
g = [m["hostID"] for m in c.get("gidMappings", []) if m["containerID"] == 0]
print(u[0] if u else "", g[0] if g else "")' "$bundle/config.json")
  [ -n "$uid" ] && chown -R "$uid:${gid:-$uid}" "$bundle/rootfs"
  IDS+=("$id")
  timeout 120 runc --root "$STATE" run --bundle "$bundle" "$id" >"$TMP/$name.log" 2>&1 </dev/null
  RC=$?
  runc --root "$STATE" delete -f "$id" >/dev/null 2>&1 || true
  echo "  runc run ($name): exit $RC"
  sed 's/^/  | /' "$TMP/$name.log"
}

jq_() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"c": c}))' "$@"; }

echo "== host: AppArmor $(apparmor_enabled && echo enabled || echo disabled), SELinux $(selinux_enabled && echo enabled || echo disabled); $(runc --version | head -1)"

# ---- for any host (the default)
"$WARD_EXE" compile "$TMP/p.ward" -o "$TMP/any" --state-dir "$TMP/ward-state" --target oci >"$TMP/any.out" 2>&1 \
  || { sed 's/^/  | /' "$TMP/any.out" >&2; fail "ward compile failed"; exit 1; }
ANY=$TMP/any/p.oci.json
check_eq "any host: org.ward.assumes" "apparmor enabled, selinux enabled" "$(jq_ "$ANY" 'c["annotations"].get("org.ward.assumes")')"
check_eq "any host: keeps selinuxLabel" True "$(jq_ "$ANY" '"selinuxLabel" in c["process"]')"
check_eq "any host: keeps apparmorProfile" True "$(jq_ "$ANY" '"apparmorProfile" in c["process"]')"

# ---- for this host
"$WARD_EXE" compile --this-host "$TMP/p.ward" -o "$TMP/here" --state-dir "$TMP/ward-state" --target oci \
  >"$TMP/here.out" 2>&1 || { sed 's/^/  | /' "$TMP/here.out" >&2; fail "ward compile --this-host failed"; exit 1; }
HERE_FRAG=$TMP/here/p.oci.json
echo "  ward compile --this-host said:"
sed 's/^/  | /' "$TMP/here.out"
if selinux_enabled; then
  check_eq "this host: selinuxLabel kept (SELinux enabled)" True "$(jq_ "$HERE_FRAG" '"selinuxLabel" in c["process"]')"
else
  check_eq "this host: selinuxLabel left out" False "$(jq_ "$HERE_FRAG" '"selinuxLabel" in c["process"]')"
  grep -q 'note: --this-host: SELinux is not enabled' "$TMP/here.out" || fail "no note about SELinux on stderr"
fi
if apparmor_enabled; then
  check_eq "this host: apparmorProfile kept (AppArmor enabled)" True "$(jq_ "$HERE_FRAG" '"apparmorProfile" in c["process"]')"
else
  check_eq "this host: apparmorProfile left out" False "$(jq_ "$HERE_FRAG" '"apparmorProfile" in c["process"]')"
  grep -q 'note: --this-host: AppArmor is not enabled' "$TMP/here.out" || fail "no note about AppArmor on stderr"
fi
check_eq "this host: no org.ward.assumes" None "$(jq_ "$HERE_FRAG" 'c["annotations"].get("org.ward.assumes")')"

echo "== the --this-host fragment, merged as the README says"
run_fragment here "$HERE_FRAG"
check_eq "runc run exit status" 0 "$RC"
grep -qx 'ward-workload-ran' "$TMP/here.log" || fail "the workload did not run"
check_eq "Seccomp in the container" 2 "$(sed -n 's/^Seccomp:[[:space:]]*//p' "$TMP/here.log")"
check_eq "NoNewPrivs in the container" 1 "$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "$TMP/here.log")"
# shellcheck disable=SC2046
check_eq "CapBnd in the container" "$(cap_mask $(jq_ "$HERE_FRAG" '" ".join(c["process"]["capabilities"]["bounding"])'))" \
  "$(sed -n 's/^CapBnd:[[:space:]]*//p' "$TMP/here.log")"

# ---- what the fix avoids: the any-host fragment on this host
if ! selinux_enabled; then
  echo "== the any-host fragment (what ward wrote before --this-host), merged as is"
  run_fragment any "$ANY"
  [ "$RC" -ne 0 ] || fail "runc started the any-host fragment on a host without SELinux"
  grep -q 'selinux label is specified in config, but selinux is disabled or not supported' "$TMP/any.log" \
    || fail "runc's refusal is not the SELinux message"
fi
if ! apparmor_enabled; then
  echo "== the any-host fragment without selinuxLabel (apparmorProfile kept)"
  run_fragment any-aa "$ANY" --drop-selinux
  [ "$RC" -ne 0 ] || fail "runc started a config with apparmorProfile on a host without AppArmor"
  grep -qi 'apparmor' "$TMP/any-aa.log" || fail "runc's refusal does not name AppArmor"
fi

[ "$FAILURES" -eq 0 ] || { echo "FAIL: $FAILURES check(s) failed" >&2; exit 1; }
echo "PASS"
