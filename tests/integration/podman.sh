#!/usr/bin/env bash
# Real podman: a busybox container runs with --network none and reads its /proc/self/status; afterwards no
# container, image, daemon, mount or directory is left (tests/integration/lib/engine_smoke.sh).
set -uo pipefail
LIB=$(cd "$(dirname "$0")/lib" && pwd)
. "$LIB/runtime.sh"
. "$LIB/engines.sh"
. "$LIB/engine_smoke.sh"
FAILURES=0
# Podman's 11 default capabilities (default_capabilities in containers-common's containers.conf, 0.50).
engine_smoke podman "$(cap_mask chown dac_override fowner fsetid kill net_bind_service setfcap setgid setpcap \
  setuid sys_chroot)"
[ "$FAILURES" -eq 0 ] && echo "podman: passed" || { echo "podman: $FAILURES failures" >&2; exit 1; }
