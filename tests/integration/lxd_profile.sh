#!/usr/bin/env bash
# `ward compile --target lxd` against real LXD 5.0.2 (tests/integration/lib/lxd.sh starts it): the profile
# P.lxd.yaml is accepted by `lxc profile edit`, an instance of the busybox image starts with it (last in its
# profiles) and inside it the policy holds: CapBnd is the kept set, Seccomp 2 with ward's policy (a denied
# call, unshare(CLONE_NEWUSER), fails with EPERM, where LXD's default instance lets it through),
# NoNewPrivs 1, the isolated id map of 65536 ids, the pids and memory limits in the instance's cgroups, the
# nofile rlimit. `ward check --target lxd` names what LXD cannot take, located. Nothing is left afterwards
# (the harness's cleanup; lxd_smoke.sh checks the harness itself). Skips (77) without root or LXD, except
# under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
. "$HERE/lib/lxd.sh"

require_root
require_cmds lxd lxc ip unshare nsenter flock curl jq
busybox_path >/dev/null || skip "busybox is not installed (busybox-static)"
[ -x "$WARD_EXE" ] || skip "ward is not built ($WARD_EXE)"
FAILURES=0

WORK=$(mktemp -d /tmp/ward-lxdp.XXXXXX)
cat >"$WORK/p.ward" <<'WARD'
import "std/base";

policy lxdt extends base.unprivileged {
  limits { memory 64MiB; pids 32; nofile 1024 2048; }
  lxc { set "lxc.ephemeral" = "0"; }
}
WARD
export WARD_STATE_DIR=$WORK/state
"$WARD_EXE" compile "$WORK/p.ward" --target lxd -o "$WORK/out" --state-dir "$WORK/state" >"$WORK/compile.txt" 2>&1 ||
  { cat "$WORK/compile.txt"; rm -rf "$WORK"; fail "ward compile --target lxd"; exit 1; }
YAML=$WORK/out/lxdt.lxd.yaml
grep -q "W0008" "$WORK/compile.txt" || fail "no W0008 for lxc.ephemeral: $(cat "$WORK/compile.txt")"
grep -q "p.ward:5:.*LXD refuses 'lxc.ephemeral'" "$WORK/compile.txt" || fail "W0008 is not located at p.ward:5: $(cat "$WORK/compile.txt")"
# ward check --target lxd reports the same, located; without --target it does not.
"$WARD_EXE" check --target lxd "$WORK/p.ward" >"$WORK/check.txt" 2>&1
grep -q "p.ward:5:.*\[W0008\]" "$WORK/check.txt" || fail "ward check --target lxd: no located W0008: $(cat "$WORK/check.txt")"
"$WARD_EXE" check "$WORK/p.ward" >"$WORK/check0.txt" 2>&1
grep -q "W0008" "$WORK/check0.txt" && fail "ward check without --target lxd reports W0008"

lxd_setup || { rm -rf "$WORK"; skip "LXD cannot be set up here (the reason is above)"; }
trap 'lxd_cleanup; rm -rf "$WORK"' EXIT
echo "  setup: $LXDT_TIMES"

P=$(lxd_name ward)
lxd_profile_create "$P" || fail "lxc profile create $P"
lxdc profile edit "$P" <"$YAML" 2>"$WORK/edit.err" || fail "lxc profile edit refused $YAML: $(cat "$WORK/edit.err")"
check_eq "raw.seccomp in the profile" "2" "$(lxdc profile get "$P" raw.seccomp | head -1)"

C=$(lxd_name prof)
lxd_launch "$C" -p default -p "$P" >"$WORK/launch.out" 2>&1 || { cat "$WORK/launch.out" >&2; fail "lxc launch with the profile"; }
STATUS=$(lxd_exec "$C" cat /proc/self/status) || fail "lxc exec $C"
field() { echo "$STATUS" | awk -v k="$1:" '$1 == k {print $2; exit}'; }
check_eq "CapBnd inside" "$(cap_mask chown dac_override fowner fsetid kill setgid setuid)" "$(field CapBnd)"
check_eq "Seccomp inside" "2" "$(field Seccomp)"
check_eq "NoNewPrivs inside" "1" "$(field NoNewPrivs)"
UIDMAP=$(lxd_exec "$C" cat /proc/self/uid_map | awk '{print $1, $3}')
check_eq "uid_map inside (inside id, count)" "0 65536" "$UIDMAP"
echo "  uid_map inside: $(lxd_exec "$C" cat /proc/self/uid_map | tr -s ' ')"
OUT=$(lxd_exec "$C" unshare -U true 2>&1)
echo "$OUT" | grep -q "Operation not permitted" || fail "unshare -U inside: '$OUT' (expected EPERM from ward's filter)"
echo "  unshare -U inside: $OUT"
check_eq "nofile inside (soft hard)" "1024 2048" "$(lxd_exec "$C" sh -c 'echo $(ulimit -Sn) $(ulimit -Hn)')"
CG=$(lxd_state_dir)
PIDS_MAX=$(cat /sys/fs/cgroup/pids/lxc.payload."$C"/pids.max 2>/dev/null || cat /sys/fs/cgroup/lxc.payload."$C"/pids.max 2>/dev/null)
check_eq "pids.max of the instance" "32" "$PIDS_MAX"
MEM=$(cat /sys/fs/cgroup/memory/lxc.payload."$C"/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/lxc.payload."$C"/memory.max 2>/dev/null)
check_eq "memory limit of the instance" "67108864" "$MEM"
# The fork bomb stops at the limit.
FORKS=$(lxd_exec "$C" sh -c 'for i in $(seq 40); do sleep 5 & done 2>&1 | grep -c "can.t fork"; wait' 2>&1)
[ "${FORKS:-0}" -gt 0 ] 2>/dev/null || fail "40 processes started under pids 32 ($FORKS)"
# What LXD says it applied: the expanded config has ward's keys.
EXP=$(lxd_api GET "/1.0/instances/$C" | jq -r '.metadata.expanded_config')
check_eq "security.idmap.isolated (expanded)" "true" "$(echo "$EXP" | jq -r '."security.idmap.isolated"')"
check_eq "limits.kernel.nofile (expanded)" "1024:2048" "$(echo "$EXP" | jq -r '."limits.kernel.nofile"')"
unset CG

# ---- ward verify --lxd: the audit of LXD's default instance, on what LXD applies (expanded config, lxc.conf,
# seccomp file), located at LXD keys; shared id maps across instances and with ward's registry.
D=$(lxd_name dflt)
lxd_launch "$D" >"$WORK/launch-d.out" 2>&1 || { cat "$WORK/launch-d.out" >&2; fail "lxc launch $D"; }
# A ward container registered in a range inside LXD's map (a registry made without LXD's lines).
printf 'root:100000:10000001\n' >"$WORK/subid"
printf 'policy wardc { identity { idmap auto; } }\n' >"$WORK/w.ward"
WARD_SUBUID=$WORK/subid WARD_SUBGID=$WORK/subid "$WARD_EXE" compile "$WORK/w.ward" -o "$WORK/wout" \
  --state-dir "$WORK/state" >/dev/null 2>&1 || fail "compile of the ward container"
rc=0
WARD_STATE_DIR=$WORK/state "$WARD_EXE" --color never verify --lxd "$D" "$C" >"$WORK/verify.out" 2>"$WORK/verify.txt" || rc=$?
grep -E "^note:" "$WORK/verify.txt" | cut -c1-200
check_eq "ward verify --lxd exit status (open findings)" "1" "$rc"
grep -Eq "^lxd:$D:[0-9]+:[0-9]+: (error|warning): .*\[CAP-SYS-PTRACE\]" "$WORK/verify.txt" ||
  fail "no CAP-SYS-PTRACE finding located in lxd:$D: $(grep -m3 -E '^lxd:' "$WORK/verify.txt")"
grep -E "^lxd:$D:[0-9]+:[0-9]+: (error|warning): .*\[(CAP-SYS-PTRACE|NS-SHARED-IDMAP)\]" "$WORK/verify.txt" | cut -c1-200 | head -3
grep -q "NS-SHARED-IDMAP" "$WORK/verify.txt" || fail "no NS-SHARED-IDMAP across $D and $C / ward's registry"
grep -q "ward:wardc" "$WORK/verify.txt" || fail "ward's registered container is not compared with LXD's maps"
grep -q "^$C: .* 0 open" "$WORK/verify.txt" && echo "  $C (ward's profile): 0 open"
grep -E "^($D|$C): [0-9]+ blocked" "$WORK/verify.txt"

# ---- ward lxd-install / lxd-uninstall: round trip, idempotence, the start check refusing drift.
I=$(lxd_name inst)
lxd_launch "$I" -c raw.lxc="lxc.environment = OWN=1" >"$WORK/launch-i.out" 2>&1 || { cat "$WORK/launch-i.out" >&2; fail "lxc launch $I"; }
lxdc stop --force "$I" || fail "lxc stop $I"
snapshot() { lxd_api GET "/1.0/instances/$I" | jq -S '{config: (.metadata.config | with_entries(select(.key | startswith("volatile.") | not))), profiles: .metadata.profiles, devices: .metadata.devices}'; }
BEFORE=$(snapshot)
LXDT_PROFILES+=("ward-lxdt")
"$WARD_EXE" lxd-install "$I" "$WORK/p.ward" --state-dir "$WORK/state" >"$WORK/install.txt" 2>&1 || fail "lxd-install: $(cat "$WORK/install.txt")"
sed 's/^/  install: /' "$WORK/install.txt" | grep -v W0008 | head -5
"$WARD_EXE" lxd-install "$I" "$WORK/p.ward" --state-dir "$WORK/state" >"$WORK/install2.txt" 2>&1 || fail "second lxd-install"
grep -q "nothing changed" "$WORK/install2.txt" || fail "a second lxd-install changed something: $(cat "$WORK/install2.txt")"
check_eq "profiles after install" '["default","ward-lxdt"]' "$(lxd_api GET "/1.0/instances/$I" | jq -c .metadata.profiles)"
t0=$(lxd_ms)
lxdc start "$I" 2>"$WORK/start.err" || fail "start after lxd-install: $(cat "$WORK/start.err")"
echo "  start with ward's check: $(($(lxd_ms) - t0)) ms"
ST=$(lxd_exec "$I" cat /proc/self/status)
check_eq "NoNewPrivs (installed)" "1" "$(echo "$ST" | awk '$1 == "NoNewPrivs:" {print $2}')"
check_eq "CapBnd (installed)" "$(cap_mask chown dac_override fowner fsetid kill setgid setuid)" "$(echo "$ST" | awk '$1 == "CapBnd:" {print $2}')"
check_eq "the instance's own raw.lxc line (OWN)" "1" "$(lxd_exec "$I" sh -c 'echo $OWN')"
lxdc stop --force "$I"
# Drift: a line appended to raw.lxc after the install that weakens the policy: the start is refused.
RAW=$(lxdc config get "$I" raw.lxc)
lxdc config set "$I" raw.lxc "$RAW
lxc.no_new_privs = 0" || fail "appending to raw.lxc"
t0=$(lxd_ms)
if LXDT_TIMEOUT=90 lxdc start "$I" 2>"$WORK/drift.err"; then fail "the start with drift was not refused"; lxdc stop --force "$I"; fi
echo "  drift refused in $(($(lxd_ms) - t0)) ms: $(grep -o 'ward lxd-hook: refused: [^"]*' "$(lxd_log_dir)/$I/lxc.log" 2>/dev/null | head -1)$(tail -1 "$WORK/drift.err")"
for i in $(seq 50); do lxdc config set "$I" raw.lxc "$RAW" 2>/dev/null && break; sleep 0.2; done
"$WARD_EXE" lxd-uninstall "$I" >"$WORK/uninstall.txt" 2>&1 || fail "lxd-uninstall: $(cat "$WORK/uninstall.txt")"
sed 's/^/  uninstall: /' "$WORK/uninstall.txt"
AFTER=$(snapshot)
[ "$BEFORE" = "$AFTER" ] || { fail "the config after uninstall differs"; diff <(echo "$BEFORE") <(echo "$AFTER") | head -20; }
lxd_api GET /1.0/profiles/ward-lxdt >/dev/null 2>&1 && fail "profile ward-lxdt is still there after uninstall"
"$WARD_EXE" lxd-uninstall "$I" | grep -q "nothing changed" || fail "a second lxd-uninstall changed something"

if [ "$FAILURES" -eq 0 ]; then echo "lxd profile: ok"; else echo "lxd profile: $FAILURES failure(s)"; exit 1; fi
