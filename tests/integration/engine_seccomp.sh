#!/usr/bin/env bash
# Overlapping entries in Docker-format seccomp profiles (issue 16, item 2), decided by real Docker 20.10 and
# real Podman 4.3, and by ward through its command line: `ward import docker-seccomp` then `ward compile`,
# the .bpf loaded into the kernel by ward-syscall --filter. The profile is Podman's own
# (/usr/share/containers/seccomp.json, containers-common), which lists setns in its big unconditional allow
# entry and in an errno entry that applies without CAP_SYS_ADMIN, plus variants with the entries reordered
# or conditioned. Each container runs `ward-syscall 308 -1 0` (setns(-1, 0): EBADF when allowed) and an
# unassigned number (400: the default action).
#
# What must hold: ward's import of a profile decides like Podman, which hands runc the profile as written;
# ward's import of the same profile without defaultErrnoRet decides like Docker 20.10, which drops that
# field (docs/engines.md); a profile with the same conditions under two actions is refused by both engines
# (runc: "file exists") and by the import (E0403).
set -uo pipefail
LIB=$(cd "$(dirname "$0")/lib" && pwd)
. "$LIB/runtime.sh"
. "$LIB/engines.sh"
FAILURES=0
require_root
require_cmds unshare nsenter tar python3
busybox_path >/dev/null || skip "busybox is not installed (busybox-static)"
for b in "$ENG_DOCKER" "$ENG_DOCKERD" "$ENG_CONTAINERD" "$ENG_PODMAN" "$ENG_RUNC"; do
  [ -x "$b" ] || skip "$b is not installed (docker.io, podman)"
done
PODMAN_PROFILE=/usr/share/containers/seccomp.json
[ -f "$PODMAN_PROFILE" ] || skip "$PODMAN_PROFILE is missing (golang-github-containers-common)"
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
SYSCALL=${WARD_SYSCALL:-$WARD_BINARY_DIR/tests/conformance/ward-syscall}
[ -x "$SYSCALL" ] || skip "ward-syscall is not built ($SYSCALL)"

engines_init ward-engine-seccomp || skip "no private mount namespace"
trap engines_cleanup EXIT
docker_start || skip "dockerd did not start"
podman_setup
engines_image docker ward-sc-busybox || { fail "docker import"; exit 1; }
engines_image podman ward-sc-busybox >/dev/null 2>&1 || { fail "podman import"; exit 1; }
W=$ENG_TMP/work
mkdir -p "$W"
install -m 0755 "$SYSCALL" "$W/ward-syscall"

# The variants, and each one without defaultErrnoRet (what Docker 20.10 makes of it).
python3 - "$PODMAN_PROFILE" "$W" <<'EOF'
import copy, json, sys
base = json.load(open(sys.argv[1])); out = sys.argv[2]
S = base["syscalls"]
allow = next(i for i, e in enumerate(S) if e["action"] == "SCMP_ACT_ALLOW" and "setns" in e["names"] and not e.get("includes") and not e.get("excludes"))
errno = next(i for i, e in enumerate(S) if e["action"] == "SCMP_ACT_ERRNO" and "setns" in e["names"])
assert allow < errno, "the shipped profile has the allow entry first"
cond = {"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 0, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}
def variant(name, edit):
    p = copy.deepcopy(base); edit(p["syscalls"])
    json.dump(p, open(f"{out}/{name}.json", "w"), indent=1)
    p.pop("defaultErrnoRet", None)
    json.dump(p, open(f"{out}/{name}.nodefaulterrno.json", "w"), indent=1)
variant("shipped", lambda s: None)
variant("errno-first", lambda s: s.insert(0, s.pop(errno)))
variant("cond-errno-after", lambda s: s.append(copy.deepcopy(cond)))
variant("cond-errno-before", lambda s: s.insert(0, copy.deepcopy(cond)))
variant("default-errno-first", lambda s: s.insert(0, {"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}))
def same(s):
    for e in s:
        if "setns" in e["names"]: e["names"].remove("setns")
    s += [copy.deepcopy(cond), dict(copy.deepcopy(cond), action="SCMP_ACT_ALLOW")]
    s[-1].pop("errnoRet")
variant("same-conditions", same)
EOF

PODMAN_CAPS=(chown dac_override fowner fsetid kill net_bind_service setfcap setgid setpcap setuid sys_chroot)
DOCKER_CAPS=(chown dac_override fsetid fowner mknod net_raw setgid setuid setfcap setpcap net_bind_service sys_chroot
  kill audit_write)

# engine_decision ENGINE PROFILE CAPADD NR ARGS...: the last line ward-syscall printed, or "refused: ..."
engine_decision() {
  local engine=$1 profile=$2 capadd=$3 out
  shift 3
  local opts=(--rm --network none --security-opt "seccomp=$profile" -v "$W/ward-syscall:/s:ro")
  [ -n "$capadd" ] && opts+=(--cap-add "$capadd")
  if [ "$engine" = docker ]; then out=$(ENG_CMD_TIMEOUT=60 dk run "${opts[@]}" ward-sc-busybox /s "$@" 2>&1)
  else out=$(ENG_CMD_TIMEOUT=60 pm run "${opts[@]}" ward-sc-busybox /s "$@" 2>&1); fi
  if echo "$out" | grep -q 'file exists'; then echo "refused: file exists"; else echo "$out" | tail -1; fi
}

# ward_decision PROFILE CAPS... -- NR ARGS...: import, compile, load the .bpf, call.
ward_decision() {
  local profile=$1 caps=() dir
  shift
  while [ "$1" != -- ]; do caps+=(--cap "$1"); shift; done
  shift
  dir=$(mktemp -d "$W/ward.XXXXXX")
  if ! "$WARD_EXE" import docker-seccomp "$profile" "${caps[@]}" -o "$dir/p.ward" 2>"$dir/import.err"; then
    grep -q 'E0403' "$dir/import.err" && grep -q 'file exists' "$dir/import.err" && { echo "refused: file exists"; return; }
    echo "import failed: $(head -1 "$dir/import.err")"; return
  fi
  "$WARD_EXE" compile "$dir/p.ward" -o "$dir/out" >"$dir/compile.log" 2>&1 || { echo "compile failed: $(grep -m1 error "$dir/compile.log")"; return; }
  "$SYSCALL" --filter "$dir/out/imported.bpf" "$@"
}

check() {   # check WHAT GOT WANT
  if [ "$2" = "$3" ]; then echo "  ok   $1: $2"; else fail "$1: ward says '$2', the engine '$3'"; fi
}

printf '%-22s %-10s %-28s %-28s\n' profile cap-add podman docker
for v in shipped errno-first cond-errno-after cond-errno-before default-errno-first same-conditions; do
  for capadd in "" SYS_ADMIN; do
    pcaps=("${PODMAN_CAPS[@]}") dcaps=("${DOCKER_CAPS[@]}")
    [ -n "$capadd" ] && pcaps+=(sys_admin) dcaps+=(sys_admin)
    for call in "308 -1 0" "400"; do
      # shellcheck disable=SC2086
      p=$(engine_decision podman "$W/$v.json" "$capadd" $call)
      # shellcheck disable=SC2086
      d=$(engine_decision docker "$W/$v.json" "$capadd" $call)
      printf '%-22s %-10s %-28s %-28s (%s)\n' "$v" "${capadd:--}" "$p" "$d" "syscall $call"
      # shellcheck disable=SC2086
      check "$v ${capadd:++$capadd }syscall $call, as Podman" "$(ward_decision "$W/$v.json" "${pcaps[@]}" -- $call)" "$p"
      # shellcheck disable=SC2086
      check "$v ${capadd:++$capadd }syscall $call without defaultErrnoRet, as Docker 20.10" \
        "$(ward_decision "$W/$v.nodefaulterrno.json" "${dcaps[@]}" -- $call)" "$d"
    done
  done
done

# The imported text says what was resolved and how.
"$WARD_EXE" import docker-seccomp "$PODMAN_PROFILE" -o "$W/podman.ward" 2>/dev/null || fail "Podman's profile does not import"
grep -q '^//   setns: entry .* (allow) decides; entry .* (errno EPERM) changes nothing\.' "$W/podman.ward" ||
  fail "the imported text does not say how setns was resolved"
grep -q 'Docker 20.10 ignores defaultErrnoRet (ENOSYS)' "$W/podman.ward" || fail "the imported text does not name defaultErrnoRet"
sed -n '/Overlapping/,/setns: entry/p' "$W/podman.ward" | sed 's/^/  /'

[ "$FAILURES" -eq 0 ] && echo "engine_seccomp: passed" || { echo "engine_seccomp: $FAILURES failures" >&2; exit 1; }
