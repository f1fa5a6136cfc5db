#!/usr/bin/env bash
# Real docker: a busybox container runs with --network none and reads its /proc/self/status; afterwards no
# container, image, daemon, mount or directory is left (tests/integration/lib/engine_smoke.sh).
exec bash "$(dirname "$0")/lib/engine_smoke.sh" docker
