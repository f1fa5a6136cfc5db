#!/usr/bin/env bash
# Real-consumer test 3: every P.oci.json is merged into the config.json from `runc spec` (objects merge,
# arrays replace: tests/integration/lib/oci_merge.py, docs/oci-output.md) and run by runc on a busybox
# rootfs. Inside, /proc/self/status must show the bounding set, Seccomp 2 and NoNewPrivs; the cgroup limits
# must be in place on the host's cgroup of the running container; rlimits and sysctls must read back; with
# uid mappings, uid 0 inside must be the mapped host uid (uid_map inside, /proc/PID/status outside).
#
# Harmless to the host: bundles and runc's state live under a temporary directory; containers are killed
# and deleted on exit. Skips (77) without root, runc, busybox or python3, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"

require_root
require_cmds runc python3
BUSYBOX=$(busybox_path) || skip "busybox is not installed (busybox-static)"

TMP=$(mktemp -d /tmp/ward-runc.XXXXXX)
chmod 0755 "$TMP"   # a mapped container root must be able to reach its rootfs
STATE=$TMP/state
IDS=()
RUNNERS=()
cleanup() {
  local id p
  for id in "${IDS[@]}"; do
    runc --root "$STATE" kill "$id" KILL >/dev/null 2>&1 || true
  done
  for p in "${RUNNERS[@]}"; do wait "$p" 2>/dev/null || true; done
  for id in "${IDS[@]}"; do
    runc --root "$STATE" delete -f "$id" >/dev/null 2>&1 || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DIRS=$(produce_artifacts "$TMP/artifacts") || { echo "FAIL: could not produce artifacts" >&2; exit 1; }
FRAGS=()
for d in $DIRS; do
  for f in "$d"/*.oci.json; do [ -e "$f" ] && FRAGS+=("$f"); done
done
[ ${#FRAGS[@]} -gt 0 ] || skip "no .oci.json artifacts: build ward (and test_backend) first"

PROBE=$(cat "$HERE/lib/probe.sh")
FAILURES=0

# jq-like reads of the merged config with python3: q FILE EXPR (EXPR uses `c` for the config).
q() {
  python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"c": c})
if v is None: pass
elif isinstance(v, bool): print("1" if v else "0")
elif isinstance(v, (list, tuple)): print("\n".join(str(x) for x in v))
else: print(v)' "$1" "$2"
}

run_one() {
  local frag=$1 policy bundle id out err
  policy=$(basename "$frag" .oci.json)
  bundle=$TMP/bundle-$policy
  id="ward-$$-${policy//[^A-Za-z0-9-]/-}"
  out=$TMP/$policy.out err=$TMP/$policy.err
  echo "== $policy ($frag)"
  mkdir -p "$bundle"
  busybox_rootfs "$bundle/rootfs" "$BUSYBOX"
  (cd "$bundle" && runc spec) || { fail "$policy: runc spec failed"; return; }
  # `runc spec` makes the root read-only; make it writable, so that only the fragment's root.readonly
  # (a policy's `root ro`) makes it read-only.
  python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); c["root"]["readonly"] = False; json.dump(c, open(sys.argv[1], "w"), indent=2)' \
    "$bundle/config.json" || { fail "$policy: could not edit config.json"; return; }

  local flags=() sysctls
  if ! apparmor_enabled; then
    flags+=(--drop-apparmor)
    echo "  note AppArmor is not enabled on this kernel: process.apparmorProfile removed (runc would fail" \
         "writing /proc/self/attr/exec)"
  fi
  if ! selinux_enabled && grep -q '"selinuxLabel"' "$frag"; then
    flags+=(--drop-selinux)
    echo "  note SELinux is not enabled: process.selinuxLabel removed"
  fi
  sysctls=$(q "$frag" 'sorted(c.get("linux", {}).get("sysctl", {}).keys())' | tr '\n' ' ')
  # shellcheck disable=SC2086
  python3 "$HERE/lib/oci_merge.py" "$bundle/config.json" "$frag" "$bundle/config.json" "${flags[@]}" \
    --args /bin/sh -c "$PROBE" probe $sysctls || { fail "$policy: merge failed"; return; }
  local cfg=$bundle/config.json

  # A user namespace: the rootfs belongs to the mapped root.
  local hostuid hostgid
  hostuid=$(q "$cfg" '[m["hostID"] for m in c["linux"].get("uidMappings", []) if m["containerID"] == 0][:1]')
  hostgid=$(q "$cfg" '[m["hostID"] for m in c["linux"].get("gidMappings", []) if m["containerID"] == 0][:1]')
  [ -n "$hostuid" ] && chown -R "$hostuid:${hostgid:-$hostuid}" "$bundle/rootfs"

  runc --root "$STATE" run --bundle "$bundle" "$id" >"$out" 2>"$err" &
  local runner=$!
  RUNNERS+=("$runner")
  IDS+=("$id")
  if ! wait_for_line "$out" ward-ready 300 "$runner"; then
    fail "$policy: runc did not start the container"
    sed 's/^/  | /' "$err" >&2
    return
  fi
  local pid; pid=$(runc --root "$STATE" state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  echo "  container process is host pid $pid"

  # ---- capabilities, seccomp, no_new_privs
  local expected
  # shellcheck disable=SC2046
  expected=$(cap_mask $(q "$cfg" 'c["process"]["capabilities"]["bounding"]'))
  check_eq "CapBnd" "$expected" "$(sed -n 's/^CapBnd: //p' "$out")"
  # shellcheck disable=SC2046
  expected=$(cap_mask $(q "$cfg" 'c["process"]["capabilities"]["effective"]'))
  check_eq "CapEff" "$expected" "$(sed -n 's/^CapEff: //p' "$out")"
  if [ -n "$(q "$cfg" 'c["linux"].get("seccomp") and 1')" ]; then
    check_eq "Seccomp" 2 "$(sed -n 's/^Seccomp: //p' "$out")"
  fi
  check_eq "NoNewPrivs" "$(q "$cfg" 'c["process"].get("noNewPrivileges", False)')" "$(sed -n 's/^NoNewPrivs: //p' "$out")"

  # ---- id maps
  local host_uid; host_uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  if [ -n "$hostuid" ]; then
    local size; size=$(q "$cfg" '[m["size"] for m in c["linux"]["uidMappings"] if m["containerID"] == 0][0]')
    check_eq "uid_map inside" "0 $hostuid $size" "$(sed -n 's/^uid_map: //p' "$out")"
    check_eq "host uid of container root" "$hostuid" "$host_uid"
    [ "$host_uid" != 0 ] || fail "container root is host root despite uidMappings"
  else
    check_eq "uid_map inside (no user namespace)" "0 0 4294967295" "$(sed -n 's/^uid_map: //p' "$out")"
  fi

  # ---- cgroups, read on the host
  local checks
  if cgroup2_only; then
    checks=$(q "$cfg" '"\n".join(x for x in [
      ("memory.max " + str(c["linux"]["resources"]["memory"]["limit"])) if "limit" in c["linux"]["resources"].get("memory", {}) else "",
      ("pids.max " + str(c["linux"]["resources"]["pids"]["limit"])) if "pids" in c["linux"]["resources"] else "",
      ("cpu.max %d %d" % (c["linux"]["resources"]["cpu"]["quota"], c["linux"]["resources"]["cpu"]["period"])) if "quota" in c["linux"]["resources"].get("cpu", {}) else "",
      ] if x)')
  else
    checks=$(q "$cfg" '"\n".join(x for x in [
      ("memory memory.limit_in_bytes " + str(c["linux"]["resources"]["memory"]["limit"])) if "limit" in c["linux"]["resources"].get("memory", {}) else "",
      ("memory memory.memsw.limit_in_bytes " + str(c["linux"]["resources"]["memory"]["swap"])) if "swap" in c["linux"]["resources"].get("memory", {}) else "",
      ("pids pids.max " + str(c["linux"]["resources"]["pids"]["limit"])) if "pids" in c["linux"]["resources"] else "",
      ("cpu cpu.cfs_quota_us " + str(c["linux"]["resources"]["cpu"]["quota"])) if "quota" in c["linux"]["resources"].get("cpu", {}) else "",
      ("cpu cpu.shares " + str(c["linux"]["resources"]["cpu"]["shares"])) if "shares" in c["linux"]["resources"].get("cpu", {}) else "",
      ] if x)')
  fi
  local ctrl file value dir
  while read -r ctrl file value; do
    [ -n "$ctrl" ] || continue
    if cgroup2_only; then value="$file${value:+ $value}"; file=$ctrl; ctrl=unified; fi
    dir=$(host_cgroup_dir "$pid" "$ctrl")
    [ -n "$dir" ] || { fail "no $ctrl cgroup for pid $pid"; continue; }
    check_eq "cgroup $file" "$value" "$(cat "$dir/$file" 2>&1)"
  done <<<"$checks"
  if ! cgroup2_only; then
    dir=$(host_cgroup_dir "$pid" devices)
    grep -qx 'a \*:\* rwm' "$dir/devices.list" && fail "devices cgroup still allows everything" \
      || echo "  ok   devices.list is an allow-list ($(wc -l <"$dir/devices.list") entries)"
  fi

  # ---- rlimits and sysctls (inside)
  local type soft hard name_ label row key
  while read -r type soft hard; do
    [ -n "$type" ] || continue
    name_=${type#RLIMIT_}; name_=${name_,,}
    label=$(rlimit_label "$name_") || { fail "unknown rlimit $type"; continue; }
    [ "$soft" = 18446744073709551615 ] && soft=unlimited
    [ "$hard" = 18446744073709551615 ] && hard=unlimited
    row=$(grep "^limits: $label " "$out" | sed "s/^limits: $label *//" | awk '{print $1, $2}')
    check_eq "rlimit $name_" "$soft $hard" "$row"
  done < <(q "$cfg" '["%s %d %d" % (r["type"], r["soft"], r["hard"]) for r in c["process"].get("rlimits", [])]')
  while IFS='=' read -r key value; do
    [ -n "$key" ] || continue
    check_eq "sysctl $key" "$value" "$(sed -n "s/^sysctl $key=//p" "$out")"
  done < <(q "$frag" '["%s=%s" % kv for kv in sorted(c.get("linux", {}).get("sysctl", {}).items())]')

  # ---- masked paths
  local f
  for f in kcore keys timer_list; do
    if [ -e "/proc/$f" ] && [ -n "$(q "$cfg" '"/proc/'$f'" in c["linux"].get("maskedPaths", []) or None')" ]; then
      check_eq "/proc/$f masked by /dev/null" "1:3" "$(sed -n "s/^mask $f: //p" "$out")"
    fi
  done

  # ---- the root file system: read-only exactly when the fragment says root.readonly; a /tmp tmpfs writable
  check_root_writes "$out" "$(q "$cfg" 'c["root"].get("readonly", False)')" \
    "$(q "$cfg" 'any(m["destination"] == "/tmp" and m["type"] == "tmpfs" for m in c["mounts"])')"

  runc --root "$STATE" kill "$id" KILL >/dev/null 2>&1
  wait "$runner" 2>/dev/null
  runc --root "$STATE" delete -f "$id" >/dev/null 2>&1
}

for frag in "${FRAGS[@]}"; do run_one "$frag"; done

if [ "$FAILURES" -gt 0 ]; then
  echo "runc: $FAILURES check(s) failed" >&2
  exit 1
fi
echo "runc: all ${#FRAGS[@]} fragments accepted and enforced"
