# shellcheck shell=bash
# The test harness for real LXD (Debian 12's lxd 5.0.2, client /usr/bin/lxc). Sourced, not run; builds on
# runtime.sh (skip, fail, require_root, require_cmds, busybox_path). docs/lxd.md explains the choices.
#
#   lxd_setup                     take the host-wide lock, use a running daemon or start one, initialise it,
#                                 import the busybox test image; installs lxd_cleanup as the EXIT trap
#   lxd_name SHORT                a name unique to this run: ${LXDT_PREFIX}SHORT
#   lxd_launch NAME [ARGS...]     lxc launch of the test image (recorded first, so cleanup removes it)
#   lxd_exec NAME CMD...          lxc exec NAME -- CMD (bounded by a timeout, stdin /dev/null)
#   lxd_delete NAME               lxc delete --force, and the log directory LXD leaves behind
#   lxd_profile_create NAME       an empty profile, recorded for cleanup
#   lxd_api METHOD PATH [JSON]    the REST API on the unix socket (curl), response body on stdout
#   lxd_cleanup                   removes everything this run made; stops the daemon only if it started it
#
# Where LXD keeps state: $LXD_DIR (default /var/lib/lxd: database, images, storage pools, security/seccomp/
# NAME, unix.socket) and the instances' logs, /var/log/lxd/NAME (with LXD_DIR set: $LXD_DIR/logs/NAME),
# where LXD writes the liblxc config it generated (lxc.conf) and which `lxc delete` does NOT remove. The
# client keeps its config in $LXD_CONF (default ~/.config/lxc): the harness points it at its temporary
# directory.
#
# The daemon, when this harness starts it, runs
#   - in a network namespace of its own with loopback only (unshare --net, anonymous: `ip netns add` would
#     leave a shared mount at /run/netns on the host, which changes what the mount-propagation probe sees):
#     at start-up LXD looks up its image server by name; there it finds no route and sends nothing
#     anywhere. Instances get no network device;
#   - in a private mount namespace: its mounts (shmounts, ...) vanish with it, and when the host's
#     /etc/subuid or /etc/subgid give root no range, that namespace sees a copy with the range Debian's lxd
#     package would have added (the host's files are never changed; see docs/lxd.md for why LXD cannot
#     start an instance without it).
# It starts only on an empty state directory (as the package leaves it) or on one this harness made (marker
# file $LXD_DIR/ward-harness.owner), and on exit the state directory is emptied again: no leftovers.
#
# Robust after a crash: every user of this harness holds an flock on $LXDT_LOCK for its whole run, so objects
# named with the prefix "ward-t" found while holding it are left over from a run that died; they are removed.
# A daemon left running by a dead run (the marker says so) is shut down, its processes (found through the
# network namespace the marker records) killed if needed, and its state emptied before a fresh start. A
# daemon this harness did not start is used as it is, never initialised and never stopped.

LXDT_LOCK=${LXDT_LOCK:-/run/lock/ward-lxd-harness.lock}
LXDT_LOCK_WAIT=${LXDT_LOCK_WAIT:-900}
LXDT_PREFIX="ward-t$$-"
LXDT_STARTED=0          # 1 when this run started the daemon (so it shuts it down and empties the state)
LXDT_INITIALISED=0      # 1 when this run created the storage pool and the default profile's root disk
LXDT_INSTANCES=()
LXDT_IMAGES=()
LXDT_PROFILES=()
LXDT_DAEMON_PID=""
LXDT_TMP=""
LXDT_IMAGE=""           # alias of the imported busybox image
LXDT_POOL=""
LXDT_SAVED_CONF=unset
# shellcheck disable=SC2034 # read by the callers
LXDT_TIMES=""           # lxd_setup: how long the daemon start, the init and the image import took

lxd_state_dir() { echo "${LXD_DIR:-/var/lib/lxd}"; }
lxd_log_dir() { if [ -n "${LXD_DIR:-}" ]; then echo "$LXD_DIR/logs"; else echo /var/log/lxd; fi; }
lxd_socket() { echo "$(lxd_state_dir)/unix.socket"; }
lxd_name() { echo "${LXDT_PREFIX}$1"; }
lxd_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# lxc with a timeout; the client's config lives in $LXD_CONF (set by lxd_setup).
lxdc() { timeout "${LXDT_TIMEOUT:-120}" lxc "$@"; }

lxd_api() {   # lxd_api METHOD PATH [JSON]: prints the body; fails on an HTTP error status
  local args=(-sS --fail-with-body --max-time "${LXDT_TIMEOUT:-120}" --unix-socket "$(lxd_socket)" -X "$1")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  curl "${args[@]}" "http://lxd$2"
}

lxd_daemon_ready() { [ -S "$(lxd_socket)" ] && timeout 10 lxc query /1.0 >/dev/null 2>&1; }

# ---- the lock and leftovers of dead runs ----------------------------------------------------------------
lxd_lock() {
  mkdir -p "$(dirname "$LXDT_LOCK")"
  exec 207>"$LXDT_LOCK" || return 1
  if ! flock -n 207; then
    echo "  waiting for another run of the LXD harness (lock $LXDT_LOCK, up to $LXDT_LOCK_WAIT s)" >&2
    flock -w "$LXDT_LOCK_WAIT" 207 || return 1
  fi
}

# The state directory is "empty as the package leaves it": nothing in it, or only what this harness made.
lxd_state_pristine() { [ -z "$(ls -A "$(lxd_state_dir)" 2>/dev/null)" ]; }
lxd_state_ours() { [ -f "$(lxd_state_dir)/ward-harness.owner" ]; }

# Kills what a dead run's daemon left: every process in the network namespace the marker records (the
# daemon, its forkstart children and the instances' monitors) and every process whose root directory is in
# one of its storage pools (the instances' processes, in namespaces of their own).
lxd_kill_leftovers() {
  local p r ns pools marker
  marker=$(lxd_state_dir)/ward-harness.owner
  pools=$(readlink -f "$(lxd_state_dir)")/storage-pools/
  ns=$(awk '$1 == "netns" {print $2}' "$marker" 2>/dev/null)
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    case $r in "$pools"*) kill -KILL "${p#/proc/}" 2>/dev/null; continue ;; esac
    if [ -n "$ns" ] && [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ]; then
      case $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) in
        lxd\ *|/usr/bin/lxd\ *|"[lxc monitor]"*|sh\ -c\ *lxd*) kill -KILL "${p#/proc/}" 2>/dev/null ;;
      esac
    fi
  done
  sleep 0.2
}

# Empties the state directory this harness made and the log directories of its instances.
lxd_wipe_state() {
  local s l
  s=$(lxd_state_dir) l=$(lxd_log_dir)
  lxd_state_ours || return 0
  local ms ml
  ms=$(awk '$1 == "mode_state" {print $2}' "$s/ward-harness.owner")
  ml=$(awk '$1 == "mode_log" {print $2}' "$s/ward-harness.owner")
  # Nothing of it may still be mounted on the host (the daemon's mounts lived in its own namespace).
  if grep -q " $s/" /proc/mounts; then
    awk -v s="$s/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  fi
  find "$s" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + 2>/dev/null
  # The modes as they were before the start (the package installs both 0755; LXD makes them 0711 and 0700).
  chmod "${ms:-755}" "$s" 2>/dev/null
  if [ -d "$l" ]; then find "$l" -mindepth 1 -maxdepth 1 -name 'ward-t*' -exec rm -rf {} +; fi
  if [ "$ml" = none ]; then rmdir "$l" 2>/dev/null; elif [ -n "$ml" ]; then chmod "$ml" "$l"; fi
  return 0
}

# Removes objects named ward-t* (instances, images by alias, profiles) that a dead run left in a daemon it
# did not start (it creates pools only in its own daemons, whose state is emptied whole). Only called while
# holding the lock, so no live run owns such a name.
lxd_remove_stale() {
  local n
  for n in $(lxdc query '/1.0/instances' 2>/dev/null | jq -r '.[]' | sed 's|.*/||' | grep '^ward-t'); do
    echo "  removing instance $n left by a run that died" >&2
    lxdc delete --force "$n" >/dev/null 2>&1
    rm -rf "$(lxd_log_dir)/${n:?}"
  done
  for n in $(lxdc query '/1.0/images/aliases?recursion=1' 2>/dev/null | jq -r '.[] | select(.name | startswith("ward-t")) | .target'); do
    echo "  removing image $n left by a run that died" >&2
    lxdc image delete "$n" >/dev/null 2>&1
  done
  for n in $(lxdc query '/1.0/profiles' 2>/dev/null | jq -r '.[]' | sed 's|.*/||' | grep '^ward-t'); do
    echo "  removing profile $n left by a run that died" >&2
    lxdc profile delete "$n" >/dev/null 2>&1
  done
}

# Shuts down and clears a daemon a dead run of this harness left (marker present).
lxd_reset_dead_run() {
  local t
  echo "  a previous run of the LXD harness died: stopping its daemon and emptying $(lxd_state_dir)" >&2
  if lxd_daemon_ready; then timeout 90 lxd shutdown --timeout=60 >/dev/null 2>&1; fi
  lxd_kill_leftovers
  t=$(awk '$1 == "tmp" {print $2}' "$(lxd_state_dir)/ward-harness.owner")
  case $t in /tmp/ward-lxdt.*) rm -rf "$t" ;; esac
  lxd_wipe_state
  return 0
}

# ---- the daemon -------------------------------------------------------------------------------------------
# lxd_subid_view FILE OUT: OUT gets FILE plus the lines Debian's lxd preinst adds (usermod --add-sub[ug]ids
# NEXT-(NEXT+10000000) for _lxd and root, NEXT = 100000 or the end of the highest range) when FILE gives
# root no range; returns 1 (no view needed) when it does.
lxd_subid_view() {
  awk -F: '$1 == "root" && $3 > 0 {found = 1} END {exit !found}' "$1" 2>/dev/null && return 1
  awk -F: 'BEGIN {next_id = 100000}
    {print} NF >= 3 && $1 != "" && $2 != "" && $3 != "" && $2 + $3 > next_id {next_id = $2 + $3}
    END {printf "_lxd:%d:10000001\nroot:%d:10000001\n", next_id, next_id}' "$1" 2>/dev/null >"$2"
  chmod 0644 "$2"
}

# lxd_start_daemon: lxd in a loopback-only network namespace and a private mount namespace, with a clean
# environment (as a service manager would start it); waits for it.
lxd_start_daemon() {
  local setup="ip link set lo up && " m env=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
  [ -n "${LXD_DIR:-}" ] && env+=("LXD_DIR=$LXD_DIR")
  for m in u g; do
    if lxd_subid_view /etc/sub${m}id "$LXDT_TMP/sub${m}id"; then
      setup+="mount --bind '$LXDT_TMP/sub${m}id' /etc/sub${m}id && "
    fi
  done
  mkdir -p "$(lxd_state_dir)"
  # The marker is written before the start (a crash in between still leaves it); the namespace is added
  # once the daemon runs.
  printf 'pid %s\nstarted %s\ntmp %s\nmode_state %s\nmode_log %s\n' $$ "$(date -u +%FT%TZ)" "$LXDT_TMP" \
    "$(stat -c %a "$(lxd_state_dir)")" "$(stat -c %a "$(lxd_log_dir)" 2>/dev/null || echo none)" \
    >"$(lxd_state_dir)/ward-harness.owner"
  # fd 207 (the lock) is closed for the daemon: a daemon outliving a dead run must not hold the lock.
  env -i "${env[@]}" unshare --net --mount --propagation private -- setsid sh -c \
    "${setup}exec lxd --group lxd --logfile='$LXDT_TMP/lxd.log'" </dev/null >"$LXDT_TMP/lxd.out" 2>&1 207>&- &
  LXDT_DAEMON_PID=$!
  LXDT_STARTED=1
  lxd waitready --timeout=60 2>"$LXDT_TMP/waitready.err" &
  local w=$!
  while kill -0 "$w" 2>/dev/null; do
    if ! kill -0 "$LXDT_DAEMON_PID" 2>/dev/null; then
      kill "$w" 2>/dev/null
      echo "lxd exited during start-up:" >&2
      cat "$LXDT_TMP/lxd.out" >&2
      return 1
    fi
    sleep 0.1
  done
  printf 'netns %s\ndaemon %s\n' "$(readlink "/proc/$LXDT_DAEMON_PID/ns/net")" "$LXDT_DAEMON_PID" \
    >>"$(lxd_state_dir)/ward-harness.owner"
  wait "$w" || { echo "lxd waitready failed: $(cat "$LXDT_TMP/waitready.err")" >&2; return 1; }
}

# lxd_init: a dir storage pool, no network, a default profile with only a root disk (lxd init --preseed).
lxd_init() {
  LXDT_POOL=$(lxd_name pool)
  lxdc query /1.0/storage-pools 2>/dev/null | jq -e 'length == 0' >/dev/null ||
    { echo "the daemon already has storage pools; not initialising it" >&2; return 1; }
  timeout 120 lxd init --preseed >"$LXDT_TMP/init.out" 2>&1 <<YAML || { cat "$LXDT_TMP/init.out" >&2; return 1; }
config: {}
networks: []
storage_pools:
- name: $LXDT_POOL
  driver: dir
profiles:
- name: default
  devices:
    root:
      path: /
      pool: $LXDT_POOL
      type: disk
YAML
  LXDT_INITIALISED=1
}

# lxd_build_image DIR: a unified image tarball DIR/image.tar.gz: busybox-static with its applet links, an
# /sbin/init that sleeps and exits on SIGPWR (what `lxc stop` sends) or SIGTERM, and metadata.yaml.
lxd_build_image() {
  local d=$1 bb r
  bb=$(busybox_path) || { echo "busybox is not installed (busybox-static)" >&2; return 1; }
  r=$d/rootfs
  mkdir -p "$r"/{bin,sbin,dev,proc,sys,tmp,etc,root,run,var,usr/bin,usr/sbin,usr/local/bin}
  cp "$bb" "$r/bin/busybox"
  # The applet links, relative (one process, not one ln per applet: ~400 of them).
  "$r/bin/busybox" --list | python3 -c 'import os, sys
for c in sys.stdin.read().split():
    link = os.path.join(sys.argv[1], c)
    if c != "busybox" and not os.path.lexists(link): os.symlink("busybox", link)' "$r/bin" || return 1
  cat >"$r/sbin/init" <<'SH'
#!/bin/sh
# ward's LXD test image: sleeps until LXD stops the instance (SIGPWR) or it is terminated (SIGTERM).
trap 'exit 0' PWR TERM
while :; do sleep 1 & wait $!; done
SH
  chmod 0755 "$r/sbin/init"
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\n' >"$r/etc/group"
  cat >"$d/metadata.yaml" <<YAML
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  description: ward test image (busybox-static)
  os: busybox
YAML
  tar -C "$d" --numeric-owner -czf "$d/image.tar.gz" metadata.yaml rootfs
}

lxd_import_image() {
  LXDT_IMAGE=$(lxd_name img)
  lxd_build_image "$LXDT_TMP/image" || return 1
  lxdc image import "$LXDT_TMP/image/image.tar.gz" --alias "$LXDT_IMAGE" >"$LXDT_TMP/import.out" 2>&1 ||
    { cat "$LXDT_TMP/import.out" >&2; return 1; }
  LXDT_IMAGES+=("$(lxdc query "/1.0/images/aliases/$LXDT_IMAGE" | jq -r .target)")
  rm -rf "$LXDT_TMP/image"
}

# lxd_setup: everything up to an imported image. Returns non-zero with the reason on stderr; the caller
# decides between skip and fail (CI). LXDT_TIMES gets "start+init+import" in milliseconds.
lxd_setup() {
  local t0 t1 t2 t3
  LXDT_TMP=$(mktemp -d /tmp/ward-lxdt.XXXXXX)
  chmod 0755 "$LXDT_TMP"
  LXDT_SAVED_CONF=${LXD_CONF-unset}
  export LXD_CONF=$LXDT_TMP/client   # the client's config (certificates, remotes), not ~/.config/lxc
  trap lxd_cleanup EXIT
  trap 'exit 130' INT TERM
  lxd_lock || { echo "could not take the lock $LXDT_LOCK within $LXDT_LOCK_WAIT s" >&2; return 1; }
  if lxd_state_ours; then
    lxd_reset_dead_run
  elif lxd_daemon_ready; then
    echo "  using the LXD daemon already running on $(lxd_socket) (it will not be stopped)" >&2
    lxd_remove_stale
  fi
  t0=$(lxd_ms)
  if ! lxd_daemon_ready; then
    if ! lxd_state_pristine; then
      echo "$(lxd_state_dir) holds LXD state this harness did not make and no daemon runs on it;" \
        "start that daemon, or set LXD_DIR to an empty directory" >&2
      return 1
    fi
    lxd_start_daemon || return 1
  fi
  t1=$(lxd_ms)
  if [ "$LXDT_STARTED" = 1 ]; then lxd_init || return 1; fi
  t2=$(lxd_ms)
  lxd_import_image || return 1
  t3=$(lxd_ms)
  LXDT_TIMES="daemon start $((t1 - t0)) ms, init $((t2 - t1)) ms, image build+import $((t3 - t2)) ms"
}

# ---- instances ----------------------------------------------------------------------------------------------
lxd_launch() {
  local n=$1
  shift
  LXDT_INSTANCES+=("$n")
  lxdc launch "$LXDT_IMAGE" "$n" -q "$@" </dev/null
}

lxd_exec() {   # stdin is /dev/null: `lxc exec` reads its stdin, which would swallow a caller's `while read`
  local n=$1
  shift
  lxdc exec "$n" -- "$@" </dev/null
}

lxd_delete() {
  local n=$1 i
  lxdc delete --force "$n" >/dev/null 2>&1
  local rc=$?
  rm -rf "$(lxd_log_dir)/${n:?}"
  for i in "${!LXDT_INSTANCES[@]}"; do [ "${LXDT_INSTANCES[$i]}" = "$n" ] && unset 'LXDT_INSTANCES[$i]'; done
  return $rc
}

lxd_profile_create() {
  LXDT_PROFILES+=("$1")
  lxdc profile create "$1" >/dev/null
}

# ---- cleanup ----------------------------------------------------------------------------------------------
lxd_cleanup() {
  local n
  [ -n "$LXDT_TMP" ] || return 0
  if lxd_daemon_ready; then
    for n in "${LXDT_INSTANCES[@]}"; do lxd_delete "$n"; done
    for n in "${LXDT_IMAGES[@]}"; do lxdc image delete "$n" >/dev/null 2>&1; done
    for n in "${LXDT_PROFILES[@]}"; do lxdc profile delete "$n" >/dev/null 2>&1; done
    if [ "$LXDT_INITIALISED" = 1 ]; then
      lxdc profile device remove default root >/dev/null 2>&1
      lxdc storage delete "$LXDT_POOL" >/dev/null 2>&1
    fi
  fi
  LXDT_INSTANCES=() LXDT_IMAGES=() LXDT_PROFILES=()
  if [ "$LXDT_STARTED" = 1 ]; then
    timeout 90 lxd shutdown --timeout=60 >/dev/null 2>&1
    local i
    for i in $(seq 100); do kill -0 "$LXDT_DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    lxd_kill_leftovers
    wait "$LXDT_DAEMON_PID" 2>/dev/null
    lxd_wipe_state
    LXDT_STARTED=0
  fi
  [ -z "${LXDT_KEEP:-}" ] && rm -rf "$LXDT_TMP"
  LXDT_TMP=""
  # The caller's client config again (a later `lxc` call would otherwise recreate the removed directory).
  if [ "$LXDT_SAVED_CONF" = unset ]; then unset LXD_CONF; else export LXD_CONF=$LXDT_SAVED_CONF; fi
  # Another run may go on now.
  { flock -u 207 && exec 207>&-; } 2>/dev/null
  return 0
}
