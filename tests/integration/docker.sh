#!/usr/bin/env bash
# Real docker: a busybox container runs with --network none and reads its /proc/self/status; afterwards no
# container, image, daemon, mount or directory is left (tests/integration/lib/engine_smoke.sh).
set -uo pipefail
LIB=$(cd "$(dirname "$0")/lib" && pwd)
. "$LIB/runtime.sh"
. "$LIB/engines.sh"
. "$LIB/engine_smoke.sh"
FAILURES=0
# Docker's 14 default capabilities (moby oci/caps/defaults.go), CapEff as the kernel prints it.
engine_smoke docker "$(cap_mask chown dac_override fsetid fowner mknod net_raw setgid setuid setfcap setpcap \
  net_bind_service sys_chroot kill audit_write)"
[ "$FAILURES" -eq 0 ] && echo "docker: passed" || { echo "docker: $FAILURES failures" >&2; exit 1; }
