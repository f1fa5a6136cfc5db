# shellcheck shell=bash
# ward's default applied by the real engines (scripts/compare-defaults.sh, columns lxd+ward, docker+ward and
# podman+ward): LXD through `ward lxd-install`, Docker and Podman through `ward compile --target docker`
# (P.docker.args and the P.docker.json it names). Sourced after conformance.sh and engines.sh; the LXD
# functions also need lxd.sh (conf_lxd_setup). The same probe (probe-each.sh) and the same workloads
# (workload.sh: file I/O and forks, busybox httpd, redis-server) as the other columns and run_workloads.sh.

# ew_compile DIR: ward's default (std/base `unprivileged`, DIR/default.ward) and the workloads' policy (the same
# plus the loopback network its servers need, as in run_workloads.sh: base has no inet sockets), each compiled
# --target docker into DIR/default and DIR/work. Compiler output in DIR/compile.log.
ew_compile() {
  local d=$1 p
  EW_DIR=$d
  mkdir -p "$d"
  printf 'import "std/base";\npolicy ward_default extends base.unprivileged {\n}\n' >"$d/default.ward"
  printf 'import "std/base";\npolicy ward_work extends base.unprivileged {\n  network { listen tcp 8080, 6379; connect tcp "127.0.0.1" 8080, 6379; }\n}\n' >"$d/work.ward"
  for p in default work; do
    "$WARD_EXE" compile "$d/$p.ward" --target docker -o "$d/$p" --state-dir "$d/state" >>"$d/compile.log" 2>&1 || return 1
  done
}

# ew_opts ARGS ENGINE: the options P.docker.args (ARGS) gives ENGINE (docker | podman), one a line, as a user
# applies them (`sed -e 's/  # .*//' -e '/^#/d'`). For Podman also what the file says is for Podman only
# (`--userns=auto`, the user namespace Docker can only have daemon-wide) and, as the file advises, the host's
# nofile and nproc: any --ulimit replaces containers.conf's default_ulimits, and Podman's own (1048576) are
# above this host's hard limits (the same values as podman_setup's default_ulimits).
ew_opts() {
  local nofile nproc
  sed -e 's/  # .*//' -e '/^#/d' "$1"
  [ "$2" = podman ] || return 0
  sed -n 's/^# podman only: \(--[^ ]*\) .*/\1/p' "$1"
  grep -q '^--ulimit=' "$1" || return 0
  nofile=$(ulimit -Hn); { [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; } && nofile=1048576
  nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  grep -q '^--ulimit=nofile=' "$1" || echo "--ulimit=nofile=$nofile:$nofile"
  grep -q '^--ulimit=nproc=' "$1" || echo "--ulimit=nproc=$nproc:$nproc"
}

# ew_podman_userns: `--userns=auto` takes its ids from the subordinate range of the user `containers`; this
# host gives none, so the engines' private mount namespace (engines.sh) sees /etc/subuid and /etc/subgid
# with one (the host's files are not changed). The range is far above the ones ward and LXD use here.
ew_podman_userns() {
  local m
  for m in u g; do
    { cat /etc/sub${m}id 2>/dev/null; echo "containers:3000000000:1000000000"; } >"$ENG_TMP/sub${m}id"
    chmod 0644 "$ENG_TMP/sub${m}id"
    eng_ns mount --bind "$ENG_TMP/sub${m}id" /etc/sub${m}id || return 1
  done
}

# ew_workload_binds: bash array EW_BINDS of -v options that give a container workload.sh, redis-server,
# redis-cli and their libraries (read-only), as run_workloads.sh gives its LXC containers.
ew_workload_binds() {
  local d
  EW_BINDS=(-v "$CONF_TMP/bin/workload.sh:/usr/local/bin/workload.sh:ro")
  [ -n "${REDIS:-}" ] || return 0
  for d in lib usr/lib lib64 usr/lib64; do [ -d "/$d" ] && EW_BINDS+=(-v "/$d:/$d:ro"); done
  EW_BINDS+=(-v "$REDIS:/usr/local/bin/redis-server:ro" -v "$REDIS_CLI:/usr/local/bin/redis-cli:ro"
    -v /etc/ld.so.cache:/etc/ld.so.cache:ro)
}

# ew_engine_run ENGINE POLICY_DIR OUT ARGS...: `docker run` / `podman run` of the busybox image with the
# options of POLICY_DIR's P.docker.args, --rm and --network none; stdout to OUT, stderr to OUT.err.
ew_engine_run() {
  local engine=$1 dir=$2 out=$3 args opts
  shift 3
  args=$(echo "$dir"/*.docker.args)
  mapfile -t opts < <(ew_opts "$args" "$engine")
  echo "$engine run ${opts[*]}" >"$out.cmd"
  local run=dk
  [ "$engine" = podman ] && run=pm
  ENG_CMD_TIMEOUT=${CONF_TIMEOUT:-180} $run run --rm --network none "${opts[@]}" "$@" >"$out" 2>"$out.err"
}

# ew_workload_ok OUT NAME: the workload's lines in OUT are all there (ok-script, ok-httpd, ok-redis when
# redis-server is installed, ok-all); prints what is missing.
ew_workload_ok() {
  local w missing=""
  for w in ok-script ok-httpd ${REDIS:+ok-redis} ok-all; do grep -qx "$w" "$1" || missing+=" $w"; done
  [ -z "$missing" ] && return 0
  echo "FAIL: $2: the workloads did not run (missing:$missing):" >&2
  tail -n 5 "$1" "$1.err" 2>/dev/null | sed 's/^/  | /' >&2
  return 1
}

# ---- LXD: `ward lxd-install` on an instance of the harness's busybox image -------------------------------------
# ew_lxd_instance NAME POLICY [DEVICE...]: an instance (not started), ward's policy installed on it by
# `ward lxd-install` (profile ward-POLICY, its start check in raw.lxc), DEVICEs added ("name key=value..."),
# then started. The profile is recorded for the harness's cleanup.
ew_lxd_instance() {
  local name=$1 policy=$2 dev
  shift 2
  LXDT_INSTANCES+=("$name")
  lxdc init "$LXDT_IMAGE" "$name" -q </dev/null || return 1
  LXDT_PROFILES+=("ward-$(sed -n 's/^policy \([A-Za-z0-9_]*\) .*/\1/p' "$policy" | head -n 1)")
  "$WARD_EXE" lxd-install "$name" "$policy" --state-dir "$EW_DIR/state" || return 1
  for dev in "$@"; do
    # shellcheck disable=SC2086
    lxdc config device add "$name" $dev >/dev/null || return 1
  done
  lxdc start "$name" </dev/null
}

# ew_lxd_run NAME POLICY OUT CMD... [-- DEVICE...]: CMD in an lxd-install'ed instance (ew_lxd_instance) with
# ward-probe, probe-each.sh and workload.sh pushed to /usr/local/bin; stdout to OUT, stderr to OUT.err. The
# instance is deleted, and ward lxd-uninstall'ed first, afterwards.
ew_lxd_run() {
  local name=$1 policy=$2 out=$3 rc f cmd=() devs=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do cmd+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; devs=("$@"); }
  ew_lxd_instance "$name" "$policy" "${devs[@]}" >"$out.err" 2>&1 || return 1
  for f in "$CONF_PROBE" "$CONF_PROBE_EACH" "$CONF_TMP/bin/workload.sh"; do
    [ -f "$f" ] || continue
    lxdc file push --mode 0755 "$f" "$name/usr/local/bin/$(basename "$f")" >>"$out.err" 2>&1 || return 1
  done
  # EW_LXD_LO=1: loopback up, from the host (nsenter into the instance's network namespace). The instance has
  # no network device, and its init (a shell loop) does not bring lo up; under ward's default it could not
  # (no CAP_NET_ADMIN), nor could a distribution's init. LXC's `flags = up` has no LXD key (raw.lxc refuses lxc.net.*).
  if [ "${EW_LXD_LO:-}" = 1 ]; then
    nsenter -t "$(lxd_api GET "/1.0/instances/$name/state" | jq -r .metadata.pid)" -n ip link set lo up >>"$out.err" 2>&1 ||
      return 1
  fi
  LXDT_TIMEOUT=${CONF_TIMEOUT:-180} lxd_exec "$name" "${cmd[@]}" >"$out" 2>>"$out.err" </dev/null
  rc=$?
  [ "$rc" = 137 ] && rc=0   # probe-each.sh ends by killing every process of the container (conformance.sh)
  lxdc stop --force "$name" >/dev/null 2>&1
  "$WARD_EXE" lxd-uninstall "$name" >>"$out.err" 2>&1
  lxd_delete "$name"
  return $rc
}

# ew_lxd_workload_devices: the disk devices (ew_lxd_run's DEVICE arguments) that give an instance redis-server,
# redis-cli and their libraries, read-only (workload.sh is pushed).
ew_lxd_workload_devices() {
  local d i=0
  EW_DEVICES=()
  [ -n "${REDIS:-}" ] || return 0
  for d in lib usr/lib lib64 usr/lib64; do
    i=$((i + 1))
    [ -d "/$d" ] && EW_DEVICES+=("ward-lib$i disk source=$(readlink -f "/$d") path=/$d readonly=true")
  done
  EW_DEVICES+=("ward-redis disk source=$REDIS path=/usr/local/bin/redis-server readonly=true"
    "ward-redis-cli disk source=$REDIS_CLI path=/usr/local/bin/redis-cli readonly=true"
    "ward-ldcache disk source=/etc/ld.so.cache path=/etc/ld.so.cache readonly=true")
}

# ---- the columns ------------------------------------------------------------------------------------------------
# EW_WORK[COLUMN] = ok | FAIL: the workloads under that column (the table's "workloads" row).
declare -gA EW_WORK=()

# ew_engine_columns IMAGE PROBE_BINDS...: the columns docker+ward and podman+ward ($CONF_TMP/ENGINE+ward.out),
# the workloads under each, and `ward verify --docker` / `--podman` of a container started with the same
# options ($CONF_TMP/ENGINE+ward.verify: what explains a probe still open there, ew_explain). The daemons run
# (docker_start, podman_setup); the image is imported in both engines. Returns the number of failures.
ew_engine_columns() {
  local image=$1 e f=0 name
  shift
  ew_podman_userns || { echo "FAIL: no subordinate ids for podman --userns=auto" >&2; f=$((f + 1)); }
  ew_workload_binds
  export WARD_DOCKER="$ENG_DOCKER -H unix://$ENG_TMP/docker.sock" WARD_CONTAINERD_STATE=$ENG_TMP/docker/containerd-state
  export WARD_PODMAN="nsenter -t $ENG_NS_PID -m -- $ENG_PODMAN --root $ENG_TMP/podman/root --runroot $ENG_TMP/podman/run --tmpdir $ENG_TMP/podman/tmp --runtime $ENG_RUNC --cgroup-manager cgroupfs --events-backend file"
  for e in docker podman; do
    ew_engine_run "$e" "$EW_DIR/default" "$CONF_TMP/$e+ward.out" "$@" "$image" /usr/local/bin/probe-each.sh ||
      { echo "FAIL: $e did not run the probe under ward's options:" >&2; tail -5 "$CONF_TMP/$e+ward.out.err" >&2; f=$((f + 1)); }
    EW_WORK[$e+ward]=FAIL
    ew_engine_run "$e" "$EW_DIR/work" "$CONF_TMP/$e+ward.work" "${EW_BINDS[@]}" "$image" \
      /usr/local/bin/workload.sh inet "${REDIS:+tcp}" && ew_workload_ok "$CONF_TMP/$e+ward.work" "$e+ward" && EW_WORK[$e+ward]=ok
    [ "${EW_WORK[$e+ward]}" = ok ] || f=$((f + 1))
    # The audit of a running container with the same options (it must be running for `ward verify --ENGINE`).
    name=ward-cmp-$$-$e
    ew_engine_run "$e" "$EW_DIR/default" "$CONF_TMP/$e+ward.run" -d --name "$name" "$image" sleep 120 &&
      CONTAINERS_CONF=$ENG_TMP/podman/containers.conf CONTAINERS_STORAGE_CONF=$ENG_TMP/podman/storage.conf \
        "$WARD_EXE" --color never verify "--$e" "$name" >"$CONF_TMP/$e+ward.verify" 2>&1
    if [ "$e" = docker ]; then dk rm -f "$name" >/dev/null 2>&1; else pm rm -f -t 0 "$name" >/dev/null 2>&1; fi
  done
  return "$f"
}

# ew_lxd_column: the column lxd+ward ($CONF_TMP/lxd+ward.out) and the workloads under it; LXD is set up
# (conf_lxd_setup). Returns the number of failures.
ew_lxd_column() {
  local f=0
  ew_lxd_run "$(lxd_name cmpw)" "$EW_DIR/default.ward" "$CONF_TMP/lxd+ward.out" /usr/local/bin/probe-each.sh ||
    { echo "FAIL: the probe did not run in the lxd-install'ed instance:" >&2; tail -5 "$CONF_TMP/lxd+ward.out.err" >&2; f=$((f + 1)); }
  ew_lxd_workload_devices
  EW_WORK[lxd+ward]=FAIL
  EW_LXD_LO=1 ew_lxd_run "$(lxd_name cmpl)" "$EW_DIR/work.ward" "$CONF_TMP/lxd+ward.work" \
    /usr/local/bin/workload.sh inet "${REDIS:+tcp}" -- "${EW_DEVICES[@]}" && ew_workload_ok "$CONF_TMP/lxd+ward.work" lxd+ward &&
    EW_WORK[lxd+ward]=ok
  [ "${EW_WORK[lxd+ward]}" = ok ] || f=$((f + 1))
  return "$f"
}

# ew_explain COLUMN ENGINE APPLICABLE: for each applicable probe open in COLUMN, the verifier's finding with the
# same id on ENGINE's container (ew_engine_columns), located at the engine setting that cannot express the
# policy. Prints one line each; returns the number of open probes without such a finding.
ew_explain() {
  local col=$1 engine=$2 id f=0 line
  while read -r id; do
    [ "$(probe_status "$CONF_TMP/$col.out" "$id")" = open ] || continue
    # Located in the inspect output (an option) first, else in the config.json the engine handed to runc.
    line=$(grep -E ":[0-9]+:[0-9]+: (error|warning): .*\[$id\]$" "$CONF_TMP/$col.verify" 2>/dev/null |
      awk '/\(inspect\):/ {print; found = 1; exit} NR == 1 {first = $0} END {if (!found && first != "") print first}')
    if [ -n "$line" ]; then
      line=${line//ward-cmp-$$-$engine/C}
      echo "$col $id: ward verify --$engine: $(echo "$line" | sed -E 's|^/[^ ]*/(config\.json)|\1|; s/ \(docker:C\)| \(podman:C\)//')"
    else
      echo "FAIL: $col: $id is open and ward verify --$engine locates no finding for it at an engine option" >&2
      f=$((f + 1))
    fi
  done <"$3"
  return "$f"
}
