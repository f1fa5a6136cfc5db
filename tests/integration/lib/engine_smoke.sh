#!/usr/bin/env bash
# The smoke test both engines share (run by tests/integration/docker.sh and podman.sh): start the engine,
# import the busybox image, run a container with --network none that prints its /proc/self/status, check
# CapEff, NoNewPrivs and Seccomp against the engine's documented defaults, then clean up and check that
# nothing is left: no container, no image, no daemon, no mount, no directory. Prints start-up and run times.
# Usage: engine_smoke.sh docker|podman
set -uo pipefail
LIB=$(cd "$(dirname "$0")" && pwd)
. "$LIB/runtime.sh"
. "$LIB/engines.sh"
FAILURES=0

engine_smoke() {
  local engine=$1 want_caps=$2 run out t0 ns_pid tmp
  require_root
  require_cmds unshare nsenter tar
  busybox_path >/dev/null || skip "busybox is not installed (busybox-static)"
  engines_init "ward-smoke-$engine" || fail "no private mount namespace"
  trap engines_cleanup EXIT
  case $engine in
    docker)
      for b in "$ENG_DOCKER" "$ENG_DOCKERD" "$ENG_CONTAINERD" "$ENG_RUNC"; do [ -x "$b" ] || skip "$b is not installed (docker.io)"; done
      docker_start || skip "dockerd did not start (see above)"
      echo "containerd answered after ${ENG_CONTAINERD_START} s, dockerd after ${ENG_DOCKER_START} s"
      run=dk ;;
    podman)
      for b in "$ENG_PODMAN" "$ENG_RUNC"; do [ -x "$b" ] || skip "$b is not installed (podman)"; done
      podman_setup
      run=pm ;;
  esac
  t0=$(date +%s%N)
  engines_image "$engine" ward-smoke-busybox || { fail "$engine import failed"; return; }
  echo "import: $(eng_elapsed "$t0") s"
  t0=$(date +%s%N)
  out=$($run run --rm --name "ward-smoke-$$" --network none ward-smoke-busybox \
    sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; echo ward-ran' 2>&1)
  echo "run (create, start, exit, remove): $(eng_elapsed "$t0") s"
  echo "$out" | sed 's/^/  container: /'
  echo "$out" | grep -qx 'ward-ran' || fail "the container did not run"
  local eff nnp sc
  eff=$(echo "$out" | awk -F'\t' '$1 == "CapEff:" {print $2}')
  nnp=$(echo "$out" | awk -F'\t' '$1 == "NoNewPrivs:" {print $2}')
  sc=$(echo "$out" | awk -F'\t' '$1 == "Seccomp:" {print $2}')
  [ "$eff" = "$want_caps" ] || fail "CapEff $eff, expected $engine's default $want_caps"
  [ "$nnp" = 0 ] || fail "NoNewPrivs $nnp, expected 0 ($engine's default)"
  [ "$sc" = 2 ] || fail "Seccomp $sc, expected 2 (a filter: $engine's default profile)"
  # A second container left running, to see that cleanup removes running containers too.
  $run run -d --name "ward-smoke-left-$$" --network none ward-smoke-busybox sleep 600 >/dev/null ||
    fail "a detached container did not start"
  tmp=$ENG_TMP ns_pid=$ENG_NS_PID
  engines_cleanup
  trap - EXIT
  [ -e "$tmp" ] && fail "$tmp is left"
  grep -q "$tmp" /proc/self/mountinfo && fail "a mount under $tmp is left on the host"
  kill -0 "$ns_pid" 2>/dev/null && fail "the namespace holder $ns_pid is left"
  local p left=""
  for p in $(pgrep -f "$tmp" || true); do left+=" $p"; done
  [ -z "$left" ] && echo "cleanup: no process, mount or directory left" || fail "processes left:$left"
}

case ${1:-} in
  # Docker's 14 default capabilities (moby oci/caps/defaults.go), CapEff as the kernel prints it.
  docker) engine_smoke docker "$(cap_mask chown dac_override fsetid fowner mknod net_raw setgid setuid setfcap \
    setpcap net_bind_service sys_chroot kill audit_write)" ;;
  # Podman's 11 (default_capabilities in containers-common's containers.conf, 0.50).
  podman) engine_smoke podman "$(cap_mask chown dac_override fowner fsetid kill net_bind_service setfcap setgid \
    setpcap setuid sys_chroot)" ;;
  *) echo "usage: engine_smoke.sh docker|podman" >&2; exit 2 ;;
esac
[ "$FAILURES" -eq 0 ] && echo "$1: passed" || { echo "$1: $FAILURES failures" >&2; exit 1; }
