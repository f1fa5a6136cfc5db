#!/usr/bin/env bash
# `ward compile --target docker,compose,kube` applied by real Docker 20.10 and Podman 4.3 (issue 12): the
# policy tests/fixtures/engines/etest.ward runs under P.docker.args + P.docker.json (docker run, podman run),
# P.compose.yaml (docker-compose, when installed) and P.kube.yaml (podman kube play), and inside each
# container: CapEff/CapBnd, NoNewPrivs, Seccomp, the pids and memory limits, the tmpfs size, the read-only root
# (a write to / fails with EROFS, one to the tmpfs succeeds), and system call
# decisions on x86_64 and i386 (`ward-syscall --i386` goes through int 0x80) that must equal ward's own
# filter (P.bpf loaded by ward-syscall --filter on the host): default-denied, conditioned ioctl, socket
# families, socketcall, clone3, a number libseccomp does not know. Nothing is left behind (engines.sh).
set -uo pipefail
LIB=$(cd "$(dirname "$0")/lib" && pwd)
. "$LIB/runtime.sh"
. "$LIB/engines.sh"
FAILURES=0
require_root
require_cmds unshare nsenter tar
busybox_path >/dev/null || skip "busybox is not installed (busybox-static)"
for b in "$ENG_DOCKER" "$ENG_DOCKERD" "$ENG_CONTAINERD" "$ENG_PODMAN" "$ENG_RUNC"; do
  [ -x "$b" ] || skip "$b is not installed (docker.io, podman)"
done
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
SYSCALL=${WARD_SYSCALL:-$WARD_BINARY_DIR/tests/conformance/ward-syscall}
[ -x "$SYSCALL" ] || skip "ward-syscall is not built ($SYSCALL)"
POLICY=$WARD_SOURCE_DIR/tests/fixtures/engines/etest.ward

engines_init ward-engine-targets || skip "no private mount namespace"
trap engines_cleanup EXIT
W=$ENG_TMP/work
mkdir -p "$W/out" "$W/seccomp"
install -m 0755 "$SYSCALL" "$W/ward-syscall"

# ---- compile -------------------------------------------------------------------------------------------------
export WARD_SUBUID=$WARD_SOURCE_DIR/tests/fixtures/host/subuid WARD_SUBGID=$WARD_SOURCE_DIR/tests/fixtures/host/subgid
"$WARD_EXE" compile --this-host "$POLICY" -o "$W/out" --state-dir "$W/state" \
  --target seccomp,docker,compose,kube 2>"$W/compile.err" || { cat "$W/compile.err" >&2; fail "compile"; exit 1; }
grep -c 'W0008' "$W/compile.err" | sed 's/^/W0008 warnings: /'
ls "$W/out"
sed 's/^/  etest.docker.args: /' "$W/out/etest.docker.args"
cp "$W/out/etest.docker.json" "$W/seccomp/"
"$WARD_EXE" check --target docker,compose,kube "$POLICY" >/dev/null 2>"$W/check.err"
grep -q "etest.ward:8:.*W0008\|etest.ward.*pids.*W0008" "$W/check.err" || fail "check --target names no located gap"

docker_start || skip "dockerd did not start"
podman_setup
engines_image docker ward-et-busybox || { fail "docker import"; exit 1; }
engines_image podman ward-et-busybox >/dev/null 2>&1 || { fail "podman import"; exit 1; }

# The probes: NAME [--i386] NR ARGS. Allowed calls give deterministic errors (EBADF, EFAULT) or "ok".
PROBES=(
  "syslog-close 103 0 0 0"               # default (errno ENOSYS): left to the default on x86_64
  "i386-syslog-close --i386 103 0 0 0"
  "unknown-400 400"                      # no system call: libseccomp does not know it (TRACE -> ENOSYS)
  "i386-unknown-500 --i386 500"
  "clone3 435 0 0"                       # deny clone3 errno ENOSYS
  "ioctl-tiocsti 16 -1 0x5412 0"         # deny ioctl(request == TIOCSTI): EPERM; allowed: EBADF
  "ioctl-tcgets 16 -1 0x5401 0"
  "i386-ioctl-tiocsti --i386 54 -1 0x5412 0"
  "socket-alg 41 38 5 0"                 # AF_ALG: not a family the policy allows
  "socket-unix 41 1 1 0"
  "i386-socket-alg --i386 359 38 5 0"
  "i386-socket-unix --i386 359 1 1 0"
  "i386-socketcall --i386 102 1 0"       # deny socketcall errno EPERM (else EFAULT on the NULL pointer)
  "setns 308 -1 0"                       # deny setns: EPERM
  "i386-setns --i386 346 -1 0"
  "keyctl 250 0 0 0"                     # @dangerous
)
probe_script() {
  local p name
  for p in "${PROBES[@]}"; do
    name=${p%% *}
    echo "echo \"$name \$(/s ${p#* } 2>&1 | tail -1 | sed 's/^ok .*/ok/')\""
  done
}
probe_script >"$W/probes.sh"
INSIDE='grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
for f in /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max; do [ -f $f ] && echo "pids.max $(cat $f)"; done
for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max; do [ -f $f ] && echo "memory.max $(cat $f)"; done
echo "ulimit-n $(ulimit -n)"
grep " /scratch " /proc/mounts | sed "s/^/mount /"
for d in /:root /scratch:scratch; do
  if e=$(touch ${d%%:*}/.ward-probe 2>&1); then echo "${d#*:}write ok"; else echo "${d#*:}write $e"; fi
done
sh /probes.sh'

# Ward's own decisions: the same probes under P.bpf on the host.
: >"$W/expected"
for p in "${PROBES[@]}"; do
  # shellcheck disable=SC2086
  echo "${p%% *} $("$W/ward-syscall" --filter "$W/out/etest.bpf" ${p#* } 2>&1 | tail -1 | sed 's/^ok .*/ok/')" >>"$W/expected"
done
WANT_CAPS=$(cap_mask chown dac_override fowner fsetid kill setgid setuid net_bind_service 2>/dev/null || true)

# judge LABEL OUTPUT CHECKS: what the container printed against the policy; CHECKS names the settings the
# target can express (pids, ulimits, tmpfs: a Pod has no pids limit, rlimits or sized tmpfs).
judge() {
  local label=$1 out=$2 checks=$3 v
  echo "$out" | sed "s/^/  $label: /"
  v=$(echo "$out" | awk -F'\t' '$1 == "CapEff:" {print $2}')
  [ -n "$WANT_CAPS" ] && [ "$v" != "$WANT_CAPS" ] && fail "$label: CapEff $v, want $WANT_CAPS"
  v=$(echo "$out" | awk -F'\t' '$1 == "CapBnd:" {print $2}')
  [ -n "$WANT_CAPS" ] && [ "$v" != "$WANT_CAPS" ] && fail "$label: CapBnd $v, want $WANT_CAPS"
  grep -qP '^NoNewPrivs:\t1$' <<<"$out" || fail "$label: NoNewPrivs is not 1"
  grep -qP '^Seccomp:\t2$' <<<"$out" || fail "$label: Seccomp is not 2 (a filter)"
  case " $checks " in *" pids "*) grep -qx 'pids.max 64' <<<"$out" || fail "$label: pids.max is not 64" ;; esac
  grep -qx 'memory.max 67108864' <<<"$out" || fail "$label: memory limit is not 64MiB"
  case " $checks " in *" ulimits "*) grep -qx 'ulimit-n 512' <<<"$out" || fail "$label: nofile is not 512" ;; esac
  case " $checks " in *" tmpfs "*) grep -q '^mount .*size=1024k' <<<"$out" || fail "$label: /scratch is not a 1MiB tmpfs" ;; esac
  # root ro (every target says it): a write to / fails with EROFS, the tmpfs stays writable.
  grep -q '^rootwrite .*Read-only file system' <<<"$out" || fail "$label: a write to / did not fail with EROFS"
  grep -qx 'scratchwrite ok' <<<"$out" || fail "$label: /scratch is not writable"
  local name want got
  while read -r name want; do
    got=$(echo "$out" | awk -v n="$name" '$1 == n { $1 = ""; sub(/^ /, ""); print }')
    [ "$got" = "$want" ] || fail "$label: $name: the engine says '$got', ward's filter '$want'"
  done <"$W/expected"
}

# ---- docker run / podman run with P.docker.args -----------------------------------------------------------------
mapfile -t OPTS < <(sed -e 's/  # .*//' -e '/^#/d' "$W/out/etest.docker.args")
VOLS=(-v "$W/ward-syscall:/s:ro" -v "$W/probes.sh:/probes.sh:ro")
out=$(ENG_CMD_TIMEOUT=120 dk run --rm "${OPTS[@]}" "${VOLS[@]}" ward-et-busybox sh -c "$INSIDE" 2>&1)
judge "docker run" "$out" "pids ulimits tmpfs"
# Any --ulimit replaces all of containers.conf's default_ulimits, and Podman's own nproc (1048576) is above
# what this host (no CAP_SYS_RESOURCE) grants: "error setting rlimit type 6". P.docker.args says nothing about
# nproc, so the test adds the host's (docs/engines.md).
NPROC=$(ulimit -Hu); { [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ]; } && NPROC=32768
out=$(ENG_CMD_TIMEOUT=120 pm run --rm "${OPTS[@]}" --ulimit "nproc=$NPROC:$NPROC" "${VOLS[@]}" ward-et-busybox sh -c "$INSIDE" 2>&1)
judge "podman run" "$out" "pids ulimits tmpfs"

# ---- docker-compose with P.compose.yaml --------------------------------------------------------------------------
if command -v docker-compose >/dev/null 2>&1; then
  mkdir -p "$W/compose"
  cp "$W/out/etest.compose.yaml" "$W/compose/docker-compose.yml"
  cat >"$W/compose/docker-compose.override.yml" <<EOF
version: "2.4"
services:
  etest:
    image: ward-et-busybox
    command: ["/bin/sh", "-c", $(printf '%s' "$INSIDE" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().replace("$", "$$")))')]
    volumes: ["$W/ward-syscall:/s:ro", "$W/probes.sh:/probes.sh:ro"]
EOF
  sed -i '1i version: "2.4"' "$W/compose/docker-compose.yml"
  out=$(cd "$W/compose" && DOCKER_HOST=unix://$ENG_TMP/docker.sock ENG_CMD_TIMEOUT=120 timeout 120 docker-compose -p wardet run --rm etest 2>&1)
  judge "docker-compose" "$out" "pids ulimits tmpfs"
  (cd "$W/compose" && DOCKER_HOST=unix://$ENG_TMP/docker.sock timeout 60 docker-compose -p wardet down >/dev/null 2>&1)
else
  echo "docker-compose is not installed: P.compose.yaml not applied"
  [ "${CI:-}" = true ] && fail "docker-compose is missing (scripts/setup.sh installs it)"
fi

# ---- podman kube play P.kube.yaml -------------------------------------------------------------------------------
python3 - "$W/out/etest.kube.yaml" "$W/kube.yaml" "$INSIDE" "$W" <<'EOF'
import sys
src, dst, inside, w = sys.argv[1:5]
text = open(src).read().split("\n---\n")[0]          # the Pod; the operator's SeccompProfile is for clusters
text = text.replace("image: IMAGE", "image: localhost/ward-et-busybox\n      command: [\"/bin/sh\", \"-c\", %s]" % __import__("json").dumps(inside))
text = text.replace("    volumeMounts:\n", "    volumeMounts:\n        - {name: probe, mountPath: /s, readOnly: true}\n        - {name: probes, mountPath: /probes.sh, readOnly: true}\n", 1) if "volumeMounts:" in text else text
text = text.replace("  volumes:\n", "  volumes:\n    - {name: probe, hostPath: {path: %s/ward-syscall}}\n    - {name: probes, hostPath: {path: %s/probes.sh}}\n" % (w, w), 1)
open(dst, "w").write(text)
EOF
if ENG_CMD_TIMEOUT=120 pm kube play --network none --seccomp-profile-root "$W/seccomp" "$W/kube.yaml" >"$W/kube.log" 2>&1; then
  ENG_CMD_TIMEOUT=60 pm wait etest-etest >/dev/null 2>&1
  out=$(pm logs etest-etest 2>&1)
  judge "podman kube play" "$out" ""
  pm kube down "$W/kube.yaml" >/dev/null 2>&1
else
  cat "$W/kube.log" >&2
  fail "podman kube play refused P.kube.yaml"
fi

# (grep -q on a here-string: `echo "$out" | grep -q` fails under pipefail when grep stops reading early.)
# ---- audits: ward verify --docker / --podman on running containers -----------------------------------------
# Docker's --privileged cannot start on this host (runc: "unable to apply caps", docs/engines.md), so its
# loose container is --cap-add SYS_ADMIN, seccomp=unconfined and the engine's socket bound in.
dk run -d --name ward-et-default --network none ward-et-busybox sleep 600 >/dev/null || fail "docker default container"
# The daemon's socket at its usual path, /run/docker.sock, in the engines' private /run (a bind mount that
# ends with the namespace), so the audit sees the bind as a user's `-v /run/docker.sock:...` is.
eng_ns touch /run/docker.sock && eng_ns mount --bind "$ENG_TMP/docker.sock" /run/docker.sock || fail "socket bind"
dk run -d --name ward-et-loose --network none --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
  -v /run/docker.sock:/var/run/docker.sock ward-et-busybox sleep 600 >/dev/null || fail "docker loose container"
pm run -d --name ward-et-default --network none ward-et-busybox sleep 600 >/dev/null || fail "podman default container"
pm run -d --name ward-et-privileged --privileged --network none ward-et-busybox sleep 600 >/dev/null ||
  fail "podman privileged container"
export WARD_DOCKER="$ENG_DOCKER -H unix://$ENG_TMP/docker.sock" WARD_CONTAINERD_STATE=$ENG_TMP/docker/containerd-state
export WARD_PODMAN="nsenter -t $ENG_NS_PID -m -- $ENG_PODMAN --root $ENG_TMP/podman/root --runroot $ENG_TMP/podman/run --tmpdir $ENG_TMP/podman/tmp --runtime $ENG_RUNC --cgroup-manager cgroupfs --events-backend file"
export CONTAINERS_CONF=$ENG_TMP/podman/containers.conf CONTAINERS_STORAGE_CONF=$ENG_TMP/podman/storage.conf
audit() {   # audit ENGINE NAME: ward verify's text report
  "$WARD_EXE" --color never verify "--$1" "$2" 2>&1
  echo "exit $?"
}
out=$(audit docker ward-et-default)
echo "$out" | grep -E '^(docker|.*inspect|exit|ward-et)|error' | head -20 | sed 's/^/  verify --docker ward-et-default: /'
grep -Eq 'docker:ward-et-default \(inspect\):[0-9]+:[0-9]+: (error|warning): .*RES-PIDS' <<<"$out" ||
  fail "docker default: RES-PIDS not located at PidsLimit"
line=$(echo "$out" | sed -n 's/^docker:ward-et-default (inspect):\([0-9]*\):[0-9]*: .*RES-PIDS.*/\1/p' | head -1)
dk inspect ward-et-default | sed -n "${line:-0}p" | grep -q '"PidsLimit"' || fail "docker default: RES-PIDS is not at the PidsLimit line ($line)"
out=$(audit docker ward-et-loose)
echo "$out" | grep -E '(error|warning):' | head -20 | sed 's/^/  verify --docker ward-et-loose: /'
grep -q 'opened by --cap-add SYS_ADMIN' <<<"$out" || fail "docker loose: nothing located at --cap-add SYS_ADMIN"
grep -q 'opened by --security-opt seccomp=unconfined' <<<"$out" || fail "docker loose: nothing located at seccomp=unconfined"
grep -q 'opened by -v /run/docker.sock:/var/run/docker.sock' <<<"$out" ||
  fail "docker loose: the engine socket bind is not located at its -v"
out=$(audit podman ward-et-default)
echo "$out" | grep -E '(error|warning):' | head -20 | sed 's/^/  verify --podman ward-et-default: /'
grep -q 'CAP-PRIVILEGED' <<<"$out" && fail "podman default: CAP-PRIVILEGED reported"
out=$(audit podman ward-et-privileged)
echo "$out" | grep -E '(error|warning):' | head -20 | sed 's/^/  verify --podman ward-et-privileged: /'
grep -q '^exit 1$' <<<"$out" || fail "podman privileged: verify did not exit 1 (CAP-SYS-MODULE is critical)"
grep -Eq 'podman:ward-et-privileged \(inspect\):[0-9]+:[0-9]+: (error|warning): .*CAP-SYS-MODULE' <<<"$out" ||
  fail "podman privileged: CAP-SYS-MODULE not located in the inspect output"
grep -q 'opened by --privileged' <<<"$out" || fail "podman privileged: no finding says --privileged"

tmp=$ENG_TMP
engines_cleanup
trap - EXIT
[ -e "$tmp" ] && fail "$tmp is left"
grep -q "$tmp" /proc/self/mountinfo && fail "a mount under $tmp is left on the host"
[ "$FAILURES" -eq 0 ] && echo "engine_targets: passed" || { echo "engine_targets: $FAILURES failures" >&2; exit 1; }
