#!/usr/bin/env bash
# Installs every Debian 12 package ward's build, tests and benchmarks use. Idempotent: packages that are
# already installed are skipped by apt, and apt-get update runs only when something is missing.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git python3
  antlr4 libantlr4-runtime-dev
  libseccomp-dev seccomp libapparmor-dev libselinux1-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # fuzzing and sanitizers (clang's libFuzzer)
  clang libclang-rt-14-dev
  # real consumers of the artifacts
  apparmor lxc lxc-templates runc busybox-static uidmap iproute2
  # a real service for tests/conformance/run_workloads.sh (redis-server and redis-cli, bound read-only)
  redis-server
  # real Docker 20.10 (with containerd 1.6) and Podman 4.3 (with runc, conmon, containers-common, and
  # catatonit for the pause image of `podman kube play`); no
  # service is started: tests/integration/lib/engines.sh starts private daemons and stops them
  docker.io podman golang-github-containers-common catatonit
  # Docker's default seccomp profile, the baseline for the seccomp benchmark and the import test
  golang-github-docker-docker-dev
  # the real editors of tests/integration/editors_*.sh: Neovim 0.7.2, Vim 9.0 and ALE (Vim's packaged LSP client)
  neovim vim vim-ale
)

# The language server's real-client test runs a Node client (vscode-jsonrpc from npm). Debian's nodejs and
# npm only when no node is installed: a NodeSource nodejs bundles npm and conflicts with Debian's npm.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
