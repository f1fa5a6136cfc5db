#!/usr/bin/env bash
# Installs every Debian 12 package ward's build, tests and benchmarks use. Idempotent: packages that are
# already installed are skipped by apt, and apt-get update runs only when something is missing.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git python3
  antlr4 libantlr4-runtime-dev
  libseccomp-dev seccomp libapparmor-dev libselinux1-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libyaml-cpp-dev
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
  # docker-compose 1.29 applies P.compose.yaml in tests/integration/engine_targets.sh
  docker-compose
  # GNU time (/usr/bin/time -v: wall time and peak RSS for bench/fleet.sh)
  time
  # Docker's default seccomp profile, the baseline for the seccomp benchmark and the import test
  golang-github-docker-docker-dev
  # the real editors of tests/integration/editors_*.sh: Neovim 0.7.2, Vim 9.0 and ALE (Vim's packaged LSP client)
  neovim vim vim-ale
  # real LXD 5.0.2 (daemon lxd, client /usr/bin/lxc) for tests/integration/lib/lxd.sh; curl and jq for its
  # REST API on the unix socket
  lxd lxd-client curl jq
  # libcurl for ward's LXD client (src/lxd/client.h: the REST API on LXD's unix socket)
  libcurl4-openssl-dev
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
  # Debian's lxd preinst gives its new _lxd user and root a subordinate id range (usermod --add-subuids
  # 100000-10100000, the same range for both) in /etc/subuid and /etc/subgid. ward's idmap allocation and
  # tests read those files, so they are put back as they were; the LXD harness gives the daemon that range
  # in a private mount namespace instead (docs/lxd.md). WARD_SETUP_KEEP_LXD_SUBIDS=1 keeps the package's.
  SUBIDS=$(mktemp -d)
  for f in /etc/subuid /etc/subgid; do [ -e "$f" ] && $SUDO cp -a "$f" "$SUBIDS/"; done
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "${WARD_SETUP_KEEP_LXD_SUBIDS:-0}" != 1 ]; then
    for f in subuid subgid; do
      if [ ! -e "$SUBIDS/$f" ] && [ -e "/etc/$f" ]; then
        echo "setup: the install created /etc/$f; removing it (it held: $(tr '\n' ' ' <"/etc/$f"))"
        $SUDO rm -f "/etc/$f"
      elif [ -e "$SUBIDS/$f" ] && ! cmp -s "$SUBIDS/$f" "/etc/$f"; then
        echo "setup: the install changed /etc/$f; restoring it (it added: $(diff "$SUBIDS/$f" "/etc/$f" | sed -n 's/^> //p' | tr '\n' ' '))"
        $SUDO cp -a "$SUBIDS/$f" "/etc/$f"
      fi
    done
  fi
  rm -rf "$SUBIDS"
fi
