#!/usr/bin/env bash
# The LXC hook with real LXC (busybox containers, network type empty):
#   1. `ward lxc-install` + lxc-start: the container runs confined (init's Seccomp 2, NoNewPrivs 1, the
#      CapBnd the policy keeps), the artifacts are 0600 in a 0700 directory; install is idempotent;
#   2. a warm start (the cache hit) works the same;
#   3. refusals, each with its message in LXC's log: a drifted config, a broken policy, a corrupted cache
#      entry, a state directory others can write; a refused lxc-execute prints the reason (file:line:col)
#      above LXC's own lines, `ward lxc-status` prints it and last-refusal.json holds it until a start
#      succeeds (and the system log, where a syslog daemon runs);
#   4. post-stop releases an MCS pair the start took;
#   5. 20 containers started at once (cold cache) all run, with unique MCS labels and no torn files;
#   6. `ward lxc-uninstall` restores the config byte for byte.
# Everything lives under a temporary directory (private lxcpath and state dir); containers are destroyed
# on exit. Skips (77) without root or LXC, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
. "$HERE/lib/hook_common.sh"

hook_require_lxc sha256sum
"$WARD_EXE" lxc-hook --help >/dev/null 2>&1 || skip "$WARD_EXE has no lxc-hook command"

hook_scratch ward-hook
STATE=$TMP/state
POL=$TMP/policies
mkdir -p "$POL"

FAILURES=0
PREFIX="wh$$"
ok() { echo "  ok   $*"; }

install_c() {   # install_c NAME POLICYFILE
  "$WARD_EXE" lxc-install -P "$LXCPATH" --state-dir "$STATE" "$1" "$2" >"$TMP/$1.install" 2>&1
}
start_c() {     # start_c NAME: lxc-start -d with a debug log in $TMP/NAME.log (appended)
  lxc-start -P "$LXCPATH" -n "$1" -d -l DEBUG -o "$TMP/$1.log" >>"$TMP/$1.start" 2>&1
}
stop_c() { lxc-stop -P "$LXCPATH" -n "$1" -k >/dev/null 2>&1 || true; }
new_c() {       # new_c NAME: create (or fail)
  if ! hook_create "$LXCPATH" "$1" "$TMP/$1.create"; then
    fail "$1: lxc-create failed"; sed 's/^/  | /' "$TMP/$1.create" >&2; return 1
  fi
  CREATED+=("$1")
}
expect_running() {
  local s; s=$(hook_state "$LXCPATH" "$1")
  if [ "$s" = RUNNING ]; then ok "$1 is running${2:+ ($2)}"; return 0; fi
  fail "$1: expected RUNNING, got '$s'${2:+ ($2)}"
  grep -E "ward|ERROR" "$TMP/$1.log" 2>/dev/null | tail -n 12 | sed 's/^/  | /' >&2
  return 1
}
expect_refused() {   # expect_refused NAME PATTERN WHAT
  local s; s=$(hook_state "$LXCPATH" "$1")
  if [ "$s" = RUNNING ]; then fail "$1: started despite $3"; stop_c "$1"; return 1; fi
  if grep -q -- "$2" "$TMP/$1.log" "$TMP/$1.start" 2>/dev/null; then
    ok "$3 refused: $(grep -h -o -- "ward lxc-hook: .*$2.*" "$TMP/$1.log" "$TMP/$1.start" 2>/dev/null | head -n1 | cut -c1-150)"
  else
    fail "$1: refused, but the log lacks '$2' ($3)"
    grep -E "ward|ERROR" "$TMP/$1.log" 2>/dev/null | tail -n 12 | sed 's/^/  | /' >&2
  fi
}

hook_write_policy "$POL/hooked.ward"

# ---- 1. install, start, confined -------------------------------------------------------------------
echo "== install and start"
C=$PREFIX-main
new_c "$C" || exit 1
cp "$LXCPATH/$C/config" "$TMP/config.orig"
if ! install_c "$C" "$POL/hooked.ward"; then
  fail "lxc-install failed"; sed 's/^/  | /' "$TMP/$C.install" >&2; exit 1
fi
cp "$LXCPATH/$C/config" "$TMP/config.installed"
install_c "$C" "$POL/hooked.ward" || fail "second lxc-install failed"
cmp -s "$LXCPATH/$C/config" "$TMP/config.installed" && ok "lxc-install is idempotent" || fail "second lxc-install changed the config"
cmp -s "$LXCPATH/$C/config.ward-backup" "$TMP/config.orig" && ok "config.ward-backup holds the original" || fail "backup differs from the original config"
grep -q '^# ward: begin' "$LXCPATH/$C/config" && grep -q '^lxc.hook.pre-start = .* lxc-hook ' "$LXCPATH/$C/config" \
  && ok "marked block with the hook lines" || fail "no ward block in the config"

SNIP=$(ls "$STATE/containers/$C"/*.lxc.conf 2>/dev/null | head -n1)
[ -n "$SNIP" ] || { fail "no snippet in $STATE/containers/$C"; exit 1; }
check_eq "state dir mode" 700 "$(stat -c %a "$STATE")"
check_eq "container dir mode" 700 "$(stat -c %a "$STATE/containers/$C")"
check_eq "snippet mode" 600 "$(stat -c %a "$SNIP")"

check_confined() {   # check_confined NAME
  local keep expected
  keep=$(hook_values "$SNIP" lxc.cap.keep | tr '\n' ' ')
  # shellcheck disable=SC2086
  expected=$(cap_mask $keep)
  check_eq "$1 init Seccomp" 2 "$(hook_init_status "$LXCPATH" "$1" Seccomp)"
  check_eq "$1 init NoNewPrivs" 1 "$(hook_init_status "$LXCPATH" "$1" NoNewPrivs)"
  check_eq "$1 init CapBnd" "$expected" "$(hook_init_status "$LXCPATH" "$1" CapBnd)"
}

start_c "$C"
if expect_running "$C" "cold cache after install"; then check_confined "$C"; fi
stop_c "$C"

# ---- 2. warm start -----------------------------------------------------------------------------------
echo "== warm start"
before=$(find "$STATE/cache" -maxdepth 1 -type d | wc -l)
start_c "$C"
expect_running "$C" "warm cache" && check_confined "$C"
stop_c "$C"
check_eq "cache entries after a warm start" "$before" "$(find "$STATE/cache" -maxdepth 1 -type d | wc -l)"

# ---- 3. refusals -------------------------------------------------------------------------------------
echo "== drift"
D=$PREFIX-drift
new_c "$D" && install_c "$D" "$POL/hooked.ward" || fail "drift container setup failed"
cp "$LXCPATH/$D/config" "$TMP/drift.config"
for line in "lxc.apparmor.profile = unconfined" "lxc.mount.auto = proc:rw sys:rw" "lxc.cap.keep = sys_admin" \
            "lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp"; do
  cp "$TMP/drift.config" "$LXCPATH/$D/config"
  echo "$line" >>"$LXCPATH/$D/config"
  : >"$TMP/$D.log"
  start_c "$D"
  expect_refused "$D" "drift:" "drift '$line'"
done
cp "$TMP/drift.config" "$LXCPATH/$D/config"
: >"$TMP/$D.log"
start_c "$D"
expect_running "$D" "drift removed" && stop_c "$D"

echo "== broken policy"
B=$PREFIX-broken
cp "$POL/hooked.ward" "$POL/broken.ward"
new_c "$B" && install_c "$B" "$POL/broken.ward" || fail "broken-policy container setup failed"
echo "policy oops {" >>"$POL/broken.ward"
start_c "$B"
expect_refused "$B" "does not compile" "a broken policy"
rm -f "$POL/broken.ward"
: >"$TMP/$B.log"
start_c "$B"
expect_refused "$B" "does not exist" "a missing policy"

echo "== a refusal says why (lxc-execute, ward lxc-status, last-refusal.json, system log)"
R=$PREFIX-why
cp "$POL/hooked.ward" "$POL/why.ward"
new_c "$R" && install_c "$R" "$POL/why.ward" || fail "refusal-report container setup failed"
WHYLINE=$(grep -n '^  limits {' "$POL/why.ward" | cut -d: -f1)
sed -i 's/^  limits {/  limitz {/' "$POL/why.ward"
WHERE="$POL/why.ward:$WHYLINE:3"
lxc-execute -P "$LXCPATH" -n "$R" -- /bin/true >"$TMP/$R.exec" 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok "lxc-execute refused the broken policy (exit $rc)" || fail "lxc-execute started $R with a broken policy"
if grep -q -- "ward lxc-hook: $R: refused:   $WHERE: error E0201" "$TMP/$R.exec"; then
  ok "lxc-execute's own output names $WHERE"
else
  fail "lxc-execute's output lacks the reason at $WHERE"; sed 's/^/  | /' "$TMP/$R.exec" >&2
fi
ours=$(grep -n "ward lxc-hook: $R: refused" "$TMP/$R.exec" | head -n1 | cut -d: -f1)
theirs=$(grep -n "Failed to run lxc.hook.pre-start" "$TMP/$R.exec" | head -n1 | cut -d: -f1)
[ -n "$ours" ] && [ -n "$theirs" ] && [ "$ours" -lt "$theirs" ] && ok "the reason comes before LXC's own lines" \
  || fail "the reason (line ${ours:-none}) does not precede LXC's message (line ${theirs:-none})"
"$WARD_EXE" lxc-status --state-dir "$STATE" "$R" >"$TMP/$R.status" 2>&1
check_eq "ward lxc-status exit while refused" 1 "$?"
grep -q -- "$WHERE: error E0201" "$TMP/$R.status" && ok "ward lxc-status prints $WHERE" \
  || { fail "ward lxc-status lacks $WHERE"; sed 's/^/  | /' "$TMP/$R.status" >&2; }
REC=$STATE/containers/$R/last-refusal.json
check_eq "last-refusal.json mode" 600 "$(stat -c %a "$REC" 2>/dev/null)"
grep -q "\"line\": $WHYLINE," "$REC" && grep -q '"col": 3,' "$REC" && grep -q "\"file\": \"$POL/why.ward\"" "$REC" \
  && ok "last-refusal.json locates it" || fail "last-refusal.json lacks the location: $(cat "$REC" 2>/dev/null)"
if [ -S /dev/log ] && command -v journalctl >/dev/null 2>&1; then
  journalctl -t ward --no-pager 2>/dev/null | grep -q -- "$R: refused:   $WHERE" && ok "the system log has it" \
    || fail "the system log (journalctl -t ward) lacks the refusal of $R"
elif command -v unshare >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
  # No syslog daemon here: listen on /dev/log inside a private mount namespace (a tmpfs over /dev there;
  # the host's /dev is untouched) and run the refusing hook by hand against it.
  echo "  note no syslog daemon (/dev/log missing): syslog(3) is checked against a listener in a private mount namespace"
  mkdir -p "$TMP/syslog"
  unshare -m --propagation private bash -c '
    T=$1; W=$2; S=$3; P=$4
    mkdir -p "$T/devsave" && mount --rbind /dev "$T/devsave" && mount -t tmpfs tmpfs /dev || exit 1
    touch /dev/null && mount --bind "$T/devsave/null" /dev/null
    python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
s.settimeout(5)
open(sys.argv[1] + \"/ready\", \"w\").close()
with open(sys.argv[1] + \"/syslog.txt\", \"wb\") as out:
    try:
        while True:
            out.write(s.recv(65536) + b\"\\n\"); out.flush()
    except socket.timeout:
        pass
" "$T" &
    for i in $(seq 50); do [ -e "$T/ready" ] && break; sleep 0.1; done
    LXC_NAME=$5 LXC_CONFIG_FILE=/nonexistent/config LXC_HOOK_TYPE=pre-start \
      "$W" lxc-hook --state-dir "$S" --policy "$P" "$5" lxc pre-start >/dev/null 2>&1
    sleep 0.3; kill %1 2>/dev/null; wait
  ' _ "$TMP/syslog" "$WARD_EXE" "$STATE" "$POL/why.ward" "$R"
  # <83>: LOG_AUTHPRIV (10 << 3) | LOG_ERR (3).
  grep -q -- "^<83>.* ward\[[0-9]*\]: $R: refused:   $WHERE" "$TMP/syslog/syslog.txt" 2>/dev/null \
    && ok "syslog(3) sends it with ident ward, LOG_AUTHPRIV, LOG_ERR" \
    || { fail "no LOG_AUTHPRIV|LOG_ERR line from ward reached /dev/log"; sed 's/^/  | /' "$TMP/syslog/syslog.txt" >&2; }
else
  echo "  note no syslog daemon here (/dev/log missing) and no unshare/python3: the system log is not checked"
fi
sed -i 's/^  limitz {/  limits {/' "$POL/why.ward"
lxc-execute -P "$LXCPATH" -n "$R" -- /bin/true >"$TMP/$R.exec2" 2>&1 && ok "the repaired policy starts" \
  || { fail "the repaired policy does not start"; sed 's/^/  | /' "$TMP/$R.exec2" >&2; }
"$WARD_EXE" lxc-status --state-dir "$STATE" "$R" >"$TMP/$R.status2" 2>&1
check_eq "ward lxc-status exit after a successful start" 0 "$?"
grep -q "started successfully since" "$TMP/$R.status2" && ok "the record is marked resolved" \
  || fail "the record is not marked resolved: $(cat "$TMP/$R.status2")"

echo "== corrupted cache entry"
: >"$TMP/$C.log"
KEY=$(sed -n 's/.*"key":"\([0-9a-f]*\)".*/\1/p' "$STATE/containers/$C/start.json")
ENTRY=$STATE/cache/$KEY
if [ -n "$KEY" ] && [ -d "$ENTRY" ]; then
  f=$(ls "$ENTRY"/*.lxc.seccomp | head -n1)
  cp "$f" "$TMP/seccomp.saved"
  echo "# tampered" >>"$f"
  start_c "$C"
  expect_refused "$C" "corrupted" "a corrupted cache entry"
  grep -q "rm -rf" "$TMP/$C.log" && ok "the message says how to clear it" || fail "no clearing hint in the log"
  rm -rf "$ENTRY"
  : >"$TMP/$C.log"
  start_c "$C"
  expect_running "$C" "after clearing the entry" && stop_c "$C"
else
  fail "no cache key recorded in start.json"
fi

echo "== unwritable state directory"
chmod 0777 "$STATE"
: >"$TMP/$C.log"
start_c "$C"
expect_refused "$C" "writable by group or others" "a state directory others can write"
chmod 0700 "$STATE"

# ---- 4. post-stop releases a pair the start took ------------------------------------------------------
echo "== post-stop release"
if "$WARD_EXE" release --help >/dev/null 2>&1; then
  "$WARD_EXE" release --state-dir "$STATE" "$C" >/dev/null 2>&1
  start_c "$C"
  if expect_running "$C" "pair allocated by the start"; then
    grep -q '"releaseOnStop":true' "$STATE/containers/$C/start.json" && ok "start.json records the pair to release" \
      || fail "start.json does not record the pair: $(cat "$STATE/containers/$C/start.json")"
    lxc-stop -P "$LXCPATH" -n "$C" -k >/dev/null 2>&1
    sleep 0.5
    if grep -q "^$C	" "$STATE/mcs.registry"; then fail "post-stop did not release the pair of $C"
    else ok "post-stop released the pair"; fi
  fi
else
  echo "  note ward has no release command: post-stop release not exercised here"
fi

# ---- 5. 20 containers at once --------------------------------------------------------------------------
echo "== 20 containers at once"
N=20
MANY=()
for i in $(seq 1 $N); do
  n=$PREFIX-m$i
  new_c "$n" || continue
  install_c "$n" "$POL/hooked.ward" || { fail "$n: lxc-install failed"; sed 's/^/  | /' "$TMP/$n.install" >&2; continue; }
  MANY+=("$n")
done
rm -rf "$STATE/cache"   # every start compiles (cold) at the same time
pids=()
for n in "${MANY[@]}"; do start_c "$n" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
running=0
for n in "${MANY[@]}"; do
  [ "$(hook_state "$LXCPATH" "$n")" = RUNNING ] && running=$((running + 1)) || {
    fail "$n did not start"; grep -E "ward|ERROR" "$TMP/$n.log" | tail -n 5 | sed 's/^/  | /' >&2; }
done
check_eq "containers running" "${#MANY[@]}" "$running"
labels=$(for n in "${MANY[@]}"; do cat "$STATE/containers/$n"/*.selinux; done | sort)
check_eq "distinct MCS labels" "${#MANY[@]}" "$(echo "$labels" | sort -u | grep -c .)"
check_eq "distinct registry pairs" "${#MANY[@]}" "$(grep "^$PREFIX-m[0-9]" "$STATE/mcs.registry" | cut -f2 | sort -u | wc -l)"
torn=0
for n in "${MANY[@]}"; do
  key=$(sed -n 's/.*"key":"\([0-9a-f]*\)".*/\1/p' "$STATE/containers/$n/start.json")
  man=$STATE/cache/$key/manifest.json
  [ -f "$man" ] || { torn=$((torn + 1)); continue; }
  for f in "$STATE/containers/$n"/*.lxc.seccomp "$STATE/containers/$n"/*.lxc.conf "$STATE/containers/$n"/*.selinux; do
    sum=$(sha256sum "$f" | cut -d' ' -f1)
    grep -q "$sum" "$man" || { torn=$((torn + 1)); echo "  torn: $f" >&2; }
  done
done
check_eq "files that differ from their cache manifest" 0 "$torn"
for n in "${MANY[@]}"; do check_eq "$n Seccomp" 2 "$(hook_init_status "$LXCPATH" "$n" Seccomp)"; done | grep -v "^  ok" || true
for n in "${MANY[@]}"; do stop_c "$n"; done

# ---- 6. uninstall -------------------------------------------------------------------------------------
echo "== uninstall"
"$WARD_EXE" lxc-uninstall -P "$LXCPATH" "$C" >"$TMP/uninstall.log" 2>&1 || fail "lxc-uninstall failed: $(cat "$TMP/uninstall.log")"
cmp -s "$LXCPATH/$C/config" "$TMP/config.orig" && ok "lxc-uninstall restored the original config" || fail "config after uninstall differs"
"$WARD_EXE" lxc-uninstall -P "$LXCPATH" "$C" >/dev/null 2>&1 && cmp -s "$LXCPATH/$C/config" "$TMP/config.orig" \
  && ok "lxc-uninstall is idempotent" || fail "second lxc-uninstall failed or changed the config"

if [ "$FAILURES" -gt 0 ]; then
  echo "lxc_hook: $FAILURES check(s) failed" >&2
  exit 1
fi
echo "lxc_hook: all checks passed"
