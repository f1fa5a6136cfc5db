#!/usr/bin/env bash
# Saves what real Docker 20.10 and Podman 4.3 apply to a default and a --privileged busybox container, for the
# audits (issue 12) and their tests: tests/fixtures/{docker,podman}/{default,privileged}.{inspect,config}.json
# = `docker inspect` / `podman inspect` and the OCI config.json each engine handed to runc (Docker: containerd's
# bundle, io.containerd.runtime.v2.task/moby/ID/config.json under its state dir; Podman: the container's
# userdata/config.json). The private temporary root is written as /tmp/ward-engines. Root; starts and stops
# its own daemons (tests/integration/lib/engines.sh) and leaves nothing behind.
# Usage: scripts/engine-fixtures.sh [OUTDIR]   (default tests/fixtures)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/tests/fixtures}
. "$ROOT/tests/integration/lib/runtime.sh"
. "$ROOT/tests/integration/lib/engines.sh"
require_root
engines_init ward-fixtures || exit 1
trap engines_cleanup EXIT
docker_start || exit 1
podman_setup
engines_image docker ward-busybox || exit 1
engines_image podman ward-busybox >/dev/null 2>&1 || exit 1
mkdir -p "$OUT/docker" "$OUT/podman"
norm() { sed "s|$ENG_TMP|/tmp/ward-engines|g"; }

# Docker. --privileged asks runc for every capability, and this host's bounding set lacks CAP_SYS_RESOURCE:
# runc refuses ("unable to apply caps"), so that config.json is the copy the ward-capture runtime kept (it
# is runc; the inspect output names it in HostConfig.Runtime).
id=$(dk run -d --name ward-default --network none ward-busybox sleep 600) || exit 1
dk inspect ward-default | norm >"$OUT/docker/default.inspect.json"
norm <"$(docker_bundle_config "$id")" >"$OUT/docker/default.config.json"
if ! dk run -d --name ward-privileged --privileged --runtime ward-capture --network none ward-busybox sleep 600 \
    >/dev/null 2>"$ENG_TMP/priv.err"; then
  echo "docker run --privileged: $(tail -1 "$ENG_TMP/priv.err")"
fi
id=$(dk inspect -f '{{.Id}}' ward-privileged) || exit 1
dk inspect ward-privileged | norm >"$OUT/docker/privileged.inspect.json"
norm <"$(docker_captured_config "$id")" >"$OUT/docker/privileged.config.json" || exit 1

# Podman (its --privileged gives the capabilities the host has, so it runs)
for v in default privileged; do
  opts=()
  [ "$v" = privileged ] && opts=(--privileged)
  pm run -d --name "ward-$v" "${opts[@]}" --network none ward-busybox sleep 600 >/dev/null || exit 1
  pm inspect "ward-$v" | norm >"$OUT/podman/$v.inspect.json"
  norm <"$(podman_bundle_config "ward-$v")" >"$OUT/podman/$v.config.json" || exit 1
done
{
  echo "docker: $("$ENG_DOCKER" --version); containerd $("$ENG_CONTAINERD" --version | awk '{print $3}'); $("$ENG_RUNC" --version | head -1)"
  echo "podman: $("$ENG_PODMAN" --version); $("$ENG_RUNC" --version | head -1); conmon $(conmon --version 2>/dev/null | awk 'NR == 1 {print $3}')"
  echo "kernel: $(uname -r)"
} | tee "$OUT/engines-versions.txt"
ls -l "$OUT/docker" "$OUT/podman"
