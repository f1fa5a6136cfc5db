# shellcheck shell=bash
# Shared by tests/conformance/run_lxc.sh, run_workloads.sh and scripts/compare-defaults.sh: the unconfined
# calibration, busybox LXC containers that run ward-probe (bound in read-only), and the probe table. Sourced, not run. Builds on tests/integration/lib/runtime.sh (skip, fail, require_root,
# require_cmds, busybox_path, apparmor_enabled, wait_for_line): this file only adds what those lack.
#
# Harmless to the host: containers live in a private lxcpath under $CONF_TMP and are destroyed
# on exit (conf_cleanup, installed as an EXIT trap by conf_init); networks are empty namespaces (loopback
# only); /etc/subuid and /etc/subgid are only replaced inside a private mount namespace (an overlay on /etc,
# as tests/integration/lxc_execute.sh does).

CONF_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../integration/lib/runtime.sh
. "$CONF_LIB_DIR/../../integration/lib/runtime.sh"

CONF_CREATED=()
CONF_PIDS=()

conf_cleanup() {
  local n p
  for n in "${CONF_CREATED[@]}"; do lxc-stop -P "$CONF_LXCPATH" -n "$n" -k >/dev/null 2>&1 || true; done
  for p in "${CONF_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in "${CONF_CREATED[@]}"; do lxc-destroy -P "$CONF_LXCPATH" -n "$n" -f >/dev/null 2>&1 || true; done
  [ -n "${CONF_TMP:-}" ] && [ -z "${CONF_KEEP:-}" ] && rm -rf "$CONF_TMP"
}

# conf_init PREFIX: a private temporary tree ($CONF_TMP) with the lxcpath and a copy of the probe.
conf_init() {
  CONF_TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 0755 "$CONF_TMP"   # a mapped container root must reach its rootfs and the probe
  CONF_LXCPATH=$CONF_TMP/lxcpath
  mkdir -p "$CONF_LXCPATH" "$CONF_TMP/bin"
  trap conf_cleanup EXIT
  trap 'exit 130' INT TERM
}

# conf_probe PATH: copies ward-probe next to the containers (world-readable, so a mapped root can run it).
# Also installs probe-each.sh (one timeout-bounded run per probe), bound in at /usr/local/bin/probe-each.sh.
# probe-each.sh gets the host's shared peer groups (WARD_HOST_PEERS): MNT-PROPAGATION inside a container counts
# a shared mount only when the host has its group (peer group ids are global; see probe.c).
conf_host_peers() { sed -n 's/.* shared:\([0-9]*\).* - .*/\1/p' /proc/self/mountinfo | sort -un | tr '\n' ' ' | sed 's/ $//'; }
conf_probe() {
  install -m 0755 "$1" "$CONF_TMP/bin/ward-probe"
  sed "1a WARD_HOST_PEERS=\"$(conf_host_peers)\"; export WARD_HOST_PEERS" "$CONF_LIB_DIR/../probe-each.sh" >"$CONF_TMP/bin/probe-each.sh"
  chmod 0755 "$CONF_TMP/bin/probe-each.sh"
  CONF_PROBE=$CONF_TMP/bin/ward-probe
  CONF_PROBE_EACH=$CONF_TMP/bin/probe-each.sh
}

# The ward-probe binary: $WARD_PROBE, else the build tree's.
find_probe() {
  local p
  for p in "${WARD_PROBE:-}" "$WARD_BINARY_DIR/tests/conformance/ward-probe"; do
    [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

# conf_calibrate OUT: the unconfined run on the host (tests/conformance/run_unconfined.sh's format).
conf_calibrate() { (cd / && "$CONF_PROBE" --unconfined) >"$1"; }

# Probe ids that can show a hole on this host: open in the unconfined run. (n/a there = the kernel lacks
# the feature; blocked there = the host's own state, e.g. its devices cgroup, so no container can be open.)
conf_applicable() { awk '$2 == "open" {print $1}' "$1"; }

# ---- LXC ------------------------------------------------------------------------------------------------
# conf_hard_limit NAME: this process's hard limit for an lxc.prlimit name (nofile, memlock, ...), in the
# units lxc.prlimit takes, or "unlimited"; empty for an unknown name.
conf_hard_limit() {
  local row
  case $1 in
    as) row="Max address space" ;; core) row="Max core file size" ;; cpu) row="Max cpu time" ;;
    data) row="Max data size" ;; fsize) row="Max file size" ;; locks) row="Max file locks" ;;
    memlock) row="Max locked memory" ;; msgqueue) row="Max msgqueue size" ;; nice) row="Max nice priority" ;;
    nofile) row="Max open files" ;; nproc) row="Max processes" ;; rss) row="Max resident set" ;;
    rtprio) row="Max realtime priority" ;; rttime) row="Max realtime timeout" ;;
    sigpending) row="Max pending signals" ;; stack) row="Max stack size" ;; *) return 0 ;;
  esac
  awk -v r="$row" 'index($0, r) == 1 { n = split(substr($0, length(r) + 1), f, " "); print f[2]; exit }' /proc/self/limits
}

# lxc_new NAME CONFIG_TEXT: a busybox container whose whole config is CONFIG_TEXT plus the rootfs, the
# hostname, an empty network and the probe bound read-only at /usr/local/bin/ward-probe. The rootfs is
# built for the lxc.idmap lines in CONFIG_TEXT (or in files it lxc.includes directly).
lxc_new() {
  local name=$1 text=$2 dir=$CONF_TMP/$1
  mkdir -p "$dir"
  local maps
  maps=$( { echo "$text"; echo "$text" | sed -n 's/^lxc.include = //p' | while read -r f; do [ -f "$f" ] && cat "$f"; done; } |
    grep '^lxc.idmap = [ug] ' | sort -u)
  { echo "lxc.net.0.type = empty"; [ -n "$maps" ] && echo "$maps"; } >"$dir/create.conf"
  if ! lxc-create -P "$CONF_LXCPATH" -t busybox -n "$name" -f "$dir/create.conf" -- --busybox-path "$BUSYBOX" \
      >"$dir/create.log" 2>&1; then
    cat "$dir/create.log" >&2
    return 1
  fi
  CONF_CREATED+=("$name")
  local rootfs=$CONF_LXCPATH/$name/rootfs
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/www"
  [ -n "$maps" ] && chown "$(echo "$maps" | awk '$3 == "u" && $4 == 0 {print $5; exit}'):$(echo "$maps" | awk '$3 == "g" && $4 == 0 {print $5; exit}')" \
    "$rootfs/usr/local" "$rootfs/usr/local/bin" "$rootfs/www" 2>/dev/null
  # A hard rlimit above this process's own cannot be set without CAP_SYS_RESOURCE (some CI sandboxes drop
  # it): cap ward's rlimits (nofile, memlock, ...) at what we have, and say so. No probe looks at rlimits.
  if (( (0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24 & 1) == 0 )); then
    local key val soft hard have
    while read -r key val; do
      have=$(conf_hard_limit "$key")
      [ -n "$have" ] && [ "$have" != unlimited ] || continue
      soft=${val%%:*} hard=${val#*:}
      [ "$hard" = unlimited ] || [ "$hard" -gt "$have" ] || continue
      [ "$soft" = unlimited ] || [ "$soft" -gt "$have" ] && soft=$have   # soft <= hard (setrlimit: EINVAL)
      echo "  note $name: lxc.prlimit.$key $val lowered to $soft:$have (no CAP_SYS_RESOURCE to raise the hard limit)" >&2
      text+=$'\n'"lxc.prlimit.$key = $soft:$have"
    done < <( { echo "$text"; echo "$text" | sed -n 's/^lxc.include = //p' | while read -r f; do [ -f "$f" ] && cat "$f"; done; } |
      sed -n 's/^lxc\.prlimit\.\([a-z]*\) = \(.*\)/\1 \2/p' | awk '{v[$1] = $2} END {for (k in v) print k, v[k]}')
  fi
  {
    echo "lxc.rootfs.path = dir:$rootfs"
    echo "lxc.uts.name = $name"
    echo "lxc.net.0.type = empty"
    echo "$text"
    echo "lxc.mount.entry = $CONF_PROBE usr/local/bin/ward-probe none ro,bind,create=file 0 0"
    echo "lxc.mount.entry = $CONF_PROBE_EACH usr/local/bin/probe-each.sh none ro,bind,create=file 0 0"
  } >"$CONF_LXCPATH/$name/config"
}

# lxc_run NAME OUT CMD...: lxc-execute in a private mount namespace (with root's subordinate ids for the
# container's maps in an overlay on /etc); stdout to OUT, stderr to OUT.err, LXC's log to OUT.log.
# CONF_SETUP: shell commands run first in that namespace (e.g. tmpfs mounts for bind sources).
# CONF_UNSHARE: more unshare(1) options, e.g. --net for a private network namespace (bridges the config
# names can then be created there without touching the host's network).
lxc_run() {
  local name=$1 out=$2
  shift 2
  local cfg=$CONF_LXCPATH/$name/config setup=${CONF_SETUP:-} maps
  maps=$( { cat "$cfg"; sed -n 's/^lxc.include = //p' "$cfg" | while read -r f; do [ -f "$f" ] && cat "$f"; done; } |
    sed -n 's/^lxc.idmap = \([ug] .*\)/\1/p' | sort -u)
  if [ -n "$maps" ]; then
    local ov=$CONF_TMP/$name.etc
    mkdir -p "$ov/upper" "$ov/work"
    for m in u g; do
      { cat /etc/sub${m}id 2>/dev/null; echo "$maps" | awk -v k=$m '$1 == k {print "root:" $3 ":" $4}'; } >"$ov/upper/sub${m}id"
    done
    setup+="mount -t overlay overlay -o lowerdir=/etc,upperdir=$ov/upper,workdir=$ov/work /etc && "
  fi
  local q="" a
  for a in "$@"; do q+=" $(printf '%q' "$a")"; done
  # shellcheck disable=SC2086
  timeout "${CONF_TIMEOUT:-180}" unshare -m ${CONF_UNSHARE:-} --propagation private bash -c \
    "$setup exec lxc-execute -P '$CONF_LXCPATH' -n '$name' -l DEBUG -o '$out.log' --$q" >"$out" 2>"$out.err"
}

# ---- LXD (tests/integration/lib/lxd.sh) ---------------------------------------------------------------------
# conf_lxd_setup: the LXD harness (daemon, image); chains its cleanup before conf_cleanup on exit.
# Returns non-zero (reason on stderr) when LXD cannot be set up here.
conf_lxd_setup() {
  # shellcheck source=../../integration/lib/lxd.sh
  . "$CONF_LIB_DIR/../../integration/lib/lxd.sh"
  lxd_setup
  local rc=$?
  trap 'lxd_cleanup; if declare -F engines_cleanup >/dev/null; then engines_cleanup; fi; conf_cleanup' EXIT
  return $rc
}

# lxd_probe_run NAME OUT CMD...: an instance of the busybox image (default profile plus LXD_PROBE_ARGS, e.g.
# "-c security.privileged=true"), ward-probe and probe-each.sh pushed to /usr/local/bin with `lxc file push`,
# CMD run with `lxc exec`; stdout to OUT, stderr to OUT.err. The instance is deleted afterwards.
lxd_probe_run() {
  local name=$1 out=$2 rc
  shift 2
  # shellcheck disable=SC2086
  lxd_launch "$name" ${LXD_PROBE_ARGS:-} >"$out.err" 2>&1 || return 1
  lxdc file push --mode 0755 "$CONF_PROBE" "$name/usr/local/bin/ward-probe" >>"$out.err" 2>&1 &&
    lxdc file push --mode 0755 "$CONF_PROBE_EACH" "$name/usr/local/bin/probe-each.sh" >>"$out.err" 2>&1 || return 1
  LXDT_TIMEOUT=${CONF_TIMEOUT:-180} lxd_exec "$name" "$@" >"$out" 2>>"$out.err" </dev/null
  rc=$?
  # probe-each.sh ends by killing every process of the container (its init too): 137 is that, not a failure.
  [ "$rc" = 137 ] && rc=0
  lxd_delete "$name"
  return $rc
}

# ---- results ------------------------------------------------------------------------------------------------
# probe_status OUT ID: blocked | open | n/a | timeout | missing
probe_status() { awk -v id="$2" '$1 == id {print $2; found = 1} END {if (!found) print "missing"}' "$1"; }

# count_open OUT APPLICABLE_FILE: "OPEN APPLICABLE"
count_open() {
  local open=0 total=0 id s
  while read -r id; do
    total=$((total + 1))
    s=$(probe_status "$1" "$id")
    [ "$s" = open ] && open=$((open + 1))
  done <"$2"
  echo "$open $total"
}
