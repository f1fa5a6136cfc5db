# shellcheck shell=bash
# Real Docker 20.10 (Debian docker.io, containerd 1.6) and Podman 4.3 (podman with runc) for the tests.
# Sourced, not run. Expects runtime.sh first (skip, busybox_path). docs/engines.md explains the choices.
#
#   engines_init PREFIX       a private tree $ENG_TMP (/tmp/PREFIX.XXXXXX) and a private mount namespace
#                             that every daemon and podman command runs in; engines_cleanup on exit
#   docker_start              writes daemon.json first, then starts containerd and dockerd there
#   podman_setup              writes containers.conf and storage.conf (podman has no daemon)
#   dk ARGS... / pm ARGS...   /usr/bin/docker and /usr/bin/podman against those private instances
#   engines_image ENGINE NAME a busybox image made from busybox-static (docker import / podman import)
#   engines_cleanup           removes every container and image, stops the daemons, ends the namespace,
#                             removes $ENG_TMP; the host keeps no state and no mount
#
# Why a private mount namespace: dockerd makes its data-root a shared mount (setupDaemonRootPropagation)
# and both engines mount overlays; made inside a namespace that only our processes hold, none of it can
# reach the host or outlive the test, even if a test is killed. Why private roots: the host's
# /var/lib/docker, /var/lib/containers and /run/containerd stay untouched. Nothing here opens a network:
# no bridge, no iptables, and every container runs with --network none.

ENG_DOCKER=/usr/bin/docker   # /usr/local/bin/docker on these machines is an unrelated newer client
ENG_DOCKERD=/usr/sbin/dockerd
ENG_CONTAINERD=/usr/bin/containerd
ENG_PODMAN=/usr/bin/podman
ENG_RUNC=/usr/sbin/runc
ENG_START_TIMEOUT=${ENG_START_TIMEOUT:-60}

ENG_NS_PID=""
ENG_CONTAINERD_PID=""
ENG_DOCKERD_PID=""
ENG_DOCKER_UP=0
ENG_PODMAN_UP=0

# engines_init PREFIX
engines_init() {
  ENG_TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 0755 "$ENG_TMP"
  # The holder: `unshare` execs sleep, so $! is the process whose mount namespace everything enters.
  unshare -m --propagation private sleep infinity </dev/null >/dev/null 2>&1 &
  ENG_NS_PID=$!
  local own i
  own=$(readlink /proc/self/ns/mnt)
  for i in $(seq 100); do
    [ "$(readlink "/proc/$ENG_NS_PID/ns/mnt" 2>/dev/null)" != "$own" ] && break
    sleep 0.05
  done
  [ "$(readlink "/proc/$ENG_NS_PID/ns/mnt" 2>/dev/null)" != "$own" ] || { echo "engines: no private mount namespace" >&2; return 1; }
  # Anything the engines write outside their roots (dockerd's key.json in /etc/docker, the shims' sockets
  # in /run/containerd/s, /run/docker/plugins, /run/containers) lands in tmpfs that only this namespace sees.
  for i in /run /etc/docker /var/lib/containers; do
    [ -d "$i" ] && ! [ -L "$i" ] && { eng_ns mount -t tmpfs -o mode=0755,size=64m "ward-$1" "$i" || return 1; }
  done
  return 0
}

# eng_ns CMD...: CMD in the engines' mount namespace.
eng_ns() { nsenter -t "$ENG_NS_PID" -m -- "$@"; }

# The time since T0 (from `date +%s%N`), in seconds with three decimals.
eng_elapsed() { local t1; t1=$(date +%s%N); awk -v a="$1" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# eng_wait TIMEOUT CMD...: retries CMD (quietly) until it succeeds.
eng_wait() {
  local until=$(( $(date +%s) + $1 ))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$until" ] || return 1
    sleep 0.1
  done
}

# ---- Docker --------------------------------------------------------------------------------------------------
# ENG_CMD_TIMEOUT=SECONDS bounds one dk or pm command (e.g. `ENG_CMD_TIMEOUT=180 dk run ...`).
dk() { ${ENG_CMD_TIMEOUT:+timeout "$ENG_CMD_TIMEOUT"} "$ENG_DOCKER" -H "unix://$ENG_TMP/docker.sock" "$@"; }

# docker_start: ENG_DOCKER_START (seconds, containerd + dockerd until `docker version` answers).
docker_start() {
  local d=$ENG_TMP/docker
  mkdir -p "$d/data" "$d/exec" "$d/containerd-root" "$d/containerd-state"
  # Written before anything starts: no bridge, no firewall, no forwarding or masquerading; our containerd.
  cat >"$d/daemon.json" <<EOF
{
  "bridge": "none",
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "ip-masq": false,
  "data-root": "$d/data",
  "exec-root": "$d/exec",
  "pidfile": "$d/dockerd.pid",
  "containerd": "$d/containerd.sock",
  "hosts": ["unix://$ENG_TMP/docker.sock"],
  "default-runtime": "runc",
  "runtimes": { "ward-capture": { "path": "$d/capture-runc" } },
  "log-level": "info"
}
EOF
  cat >"$d/containerd.toml" <<EOF
version = 2
root = "$d/containerd-root"
state = "$d/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd-opt"
EOF
  # A runtime that is runc but first keeps the config.json it is handed (docker run --runtime ward-capture):
  # the only way to see what a container that runc refuses would have got.
  mkdir -p "$d/captured"
  cat >"$d/capture-runc" <<CAPTURE
#!/bin/sh
b=""; prev=""
for a in "\$@"; do [ "\$prev" = --bundle ] && b=\$a; case \$a in --bundle=*) b=\${a#--bundle=} ;; esac; prev=\$a; done
[ -n "\$b" ] && [ -f "\$b/config.json" ] && cp "\$b/config.json" "$d/captured/\$(basename "\$b").json"
exec $ENG_RUNC "\$@"
CAPTURE
  chmod 0755 "$d/capture-runc"
  local t0
  t0=$(date +%s%N)
  eng_ns "$ENG_CONTAINERD" --config "$d/containerd.toml" </dev/null >"$d/containerd.log" 2>&1 &
  ENG_CONTAINERD_PID=$!
  if ! eng_wait "$ENG_START_TIMEOUT" ctr --address "$d/containerd.sock" version; then
    echo "engines: containerd did not start:" >&2; tail -20 "$d/containerd.log" >&2; return 1
  fi
  ENG_CONTAINERD_START=$(eng_elapsed "$t0")
  eng_ns "$ENG_DOCKERD" --config-file "$d/daemon.json" </dev/null >"$d/dockerd.log" 2>&1 &
  ENG_DOCKERD_PID=$!
  if ! eng_wait "$ENG_START_TIMEOUT" dk version; then
    echo "engines: dockerd did not start:" >&2; tail -20 "$d/dockerd.log" >&2; return 1
  fi
  ENG_DOCKER_START=$(eng_elapsed "$t0")
  ENG_DOCKER_UP=1
}

# The OCI config.json that containerd handed to runc for a running Docker container (full id), and the copy
# the ward-capture runtime kept.
docker_bundle_config() { echo "$ENG_TMP/docker/containerd-state/io.containerd.runtime.v2.task/moby/$1/config.json"; }
docker_captured_config() { echo "$ENG_TMP/docker/captured/$1.json"; }

# ---- Podman --------------------------------------------------------------------------------------------------
# podman_setup: private storage and run roots, rlimits this host can grant (it lacks CAP_SYS_RESOURCE, and
# Podman's default nofile and nproc, 1048576, exceed the hard limits runc inherits: "error setting rlimit
# type 7" / "type 6"), events to a file, cgroupfs, runc.
podman_setup() {
  local p=$ENG_TMP/podman nofile nproc
  mkdir -p "$p/root" "$p/run" "$p/tmp" "$p/seccomp"
  # conmon, whose limits the container inherits, runs with nproc 32768 here whatever the shell has.
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  { [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; } && nofile=1048576
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  # CONTAINERS_CONF replaces the distribution's file, whose settings are Podman's defaults as users get them
  # (11 capabilities, ping_group_range "0 0"; without it Podman falls back to 14 built-in capabilities):
  # our keys go into a copy of it, under their tables.
  local base=/usr/share/containers/containers.conf
  [ -f /etc/containers/containers.conf ] && base=/etc/containers/containers.conf
  awk -v nofile="$nofile" -v nproc="$nproc" -v p="$p" '
    function add(t) {
      if (t == "[containers]") { print "default_ulimits = [\"nofile=" nofile ":" nofile "\", \"nproc=" nproc ":" nproc "\"]"; print "netns = \"none\"" }
      if (t == "[engine]") { print "runtime = \"runc\""; print "cgroup_manager = \"cgroupfs\""; print "events_logger = \"file\""
        print "events_logfile_path = \"" p "/events.log\""; print "tmp_dir = \"" p "/tmp\""
        print "volume_path = \"" p "/root/volumes\""; print "static_dir = \"" p "/root/libpod\"" }
      if (t == "[network]") print "network_config_dir = \"" p "/net\""
      seen[t] = 1
    }
    { print } /^\[(containers|engine|network)\][ \t]*$/ { add($1) }
    END { split("[containers] [engine] [network]", ts, " "); for (i in ts) if (!(ts[i] in seen)) { print ts[i]; add(ts[i]) } }
  ' "$base" >"$p/containers.conf"
  cat >"$p/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$p/root"
runroot = "$p/run"
EOF
  mkdir -p "$p/net"
  ENG_PODMAN_UP=1
}

pm() {
  local p=$ENG_TMP/podman
  CONTAINERS_CONF=$p/containers.conf CONTAINERS_STORAGE_CONF=$p/storage.conf \
    ${ENG_CMD_TIMEOUT:+timeout "$ENG_CMD_TIMEOUT"} nsenter -t "$ENG_NS_PID" -m -- "$ENG_PODMAN" --root "$p/root" --runroot "$p/run" --tmpdir "$p/tmp" --runtime "$ENG_RUNC" \
    --cgroup-manager cgroupfs --events-backend file "$@"
}

# The OCI config.json Podman handed to runc (libpod's userdata directory of the container).
podman_bundle_config() { pm inspect --format '{{.StaticDir}}' "$1" | sed 's|$|/config.json|'; }

# ---- images and containers ----------------------------------------------------------------------------------
# engines_rootfs DIR: a busybox-static rootfs (busybox and its applets, the usual empty directories).
engines_rootfs() {
  local r=$1 bb c
  bb=$(busybox_path) || return 1
  mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/etc" "$r/usr/local/bin" "$r/root"
  cp "$bb" "$r/bin/busybox"
  for c in $("$r/bin/busybox" --list); do [ "$c" = busybox ] || ln -sf busybox "$r/bin/$c"; done
  echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
  echo "root:x:0:" >"$r/etc/group"
}

# engines_image docker|podman NAME: imports the busybox rootfs as NAME (no registry).
engines_image() {
  local r=$ENG_TMP/rootfs
  [ -d "$r/bin" ] || engines_rootfs "$r" || return 1
  case $1 in
    docker) tar -C "$r" -c . | dk import - "$2" >/dev/null ;;
    podman) tar -C "$r" -c . | pm import - "$2" >/dev/null ;;
  esac
}

# ---- cleanup -------------------------------------------------------------------------------------------------
engines_cleanup() {
  local ids p ns
  if [ "$ENG_DOCKER_UP" = 1 ]; then
    ids=$(dk ps -aq 2>/dev/null); [ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1
    ids=$(dk images -aq 2>/dev/null); [ -n "$ids" ] && dk rmi -f $ids >/dev/null 2>&1
  fi
  if [ "$ENG_PODMAN_UP" = 1 ]; then
    pm rm -af -t 0 >/dev/null 2>&1
    pm rmi -af >/dev/null 2>&1
    pm system reset -f >/dev/null 2>&1 || true
  fi
  for p in $ENG_DOCKERD_PID $ENG_CONTAINERD_PID; do
    kill "$p" 2>/dev/null && eng_wait 30 eval "! kill -0 $p"
    kill -9 "$p" 2>/dev/null
  done
  # What is left in the namespace (containerd's shims, conmon): processes we started, by their ids.
  if [ -n "$ENG_NS_PID" ] && ns=$(readlink "/proc/$ENG_NS_PID/ns/mnt" 2>/dev/null); then
    for p in /proc/[0-9]*; do
      p=${p#/proc/}
      [ "$p" != "$ENG_NS_PID" ] && [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$ns" ] && kill -9 "$p" 2>/dev/null
    done
    kill "$ENG_NS_PID" 2>/dev/null
    wait "$ENG_NS_PID" 2>/dev/null
  fi
  ENG_DOCKER_UP=0 ENG_PODMAN_UP=0 ENG_NS_PID=""
  [ -n "${ENG_TMP:-}" ] && [ -z "${ENG_KEEP:-}" ] && rm -rf "$ENG_TMP"
  return 0
}
