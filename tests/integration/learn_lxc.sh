#!/usr/bin/env bash
# `ward learn --lxc NAME` end to end (issue 14, docs/learn.md "Learning an LXC container"), with real LXC:
#   1. a busybox container whose lxc.init.cmd serves a page with busybox httpd on loopback and fetches it
#      once: `ward learn --lxc` starts it (the base's seccomp filter, capability bound and no_new_privs as
#      LXC keys for that start), learns until it stops, and writes a policy that `ward fmt --check` and
#      `ward check` accept; paths are the container's (/srv/www/index.html), not the host's; tracing armed at
#      the payload's execve, not at lxc-start's: no learned rule comes from lxc-start or its calls before the
#      filter (pivot_root, mount, sethostname, ...), and LXC's own calls after the filter are listed apart;
#   2. the learned policy compiled to LXC keys (`ward compile`: its seccomp filter, capabilities, idmap,
#      cgroups) runs the same container to success under real LXC;
#   3. --for DURATION: a container that serves until stopped is stopped cleanly (its halt signal) and learned;
#   4. errors: an unknown container, a running container, no LXC in PATH, a bad duration: exit 2, a message,
#      nothing written.
# Everything lives in a private lxcpath under a temporary directory; containers are destroyed on exit.
# /etc/subuid and /etc/subgid are only replaced inside a private mount namespace. Skips (77) without root
# or LXC, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
. "$HERE/lib/hook_common.sh"

hook_require_lxc unshare
W=$WARD_EXE

hook_scratch ward-learn-lxc   # TMP, LXCPATH; CREATED containers are destroyed on exit
FAILURES=0
ok() { echo "  ok   $*"; }

# new_container NAME [ARG]: a busybox container (empty network, console on lxc-start's output) whose init
# is the payload below, with the page it serves.
new_container() {
  local name=$1 arg=${2:-}
  hook_create "$LXCPATH" "$name" "$TMP/$name.create" || { fail "$name: lxc-create failed"; cat "$TMP/$name.create" >&2; return 1; }
  CREATED+=("$name")
  local root=$LXCPATH/$name/rootfs
  mkdir -p "$root/srv/www"
  echo ward-learn-ok >"$root/srv/www/index.html"
  cat >"$root/learn.sh" <<'EOF'
#!/bin/sh
# The payload (lxc.init.cmd): busybox httpd on loopback, its page fetched once; with "serve", it then
# serves until the container's halt signal (lxc.signal.halt = SIGUSR1 in the busybox template).
grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
httpd -f -p 127.0.0.1:8080 -h /srv/www &
pid=$!
# The `wait` builtin on a child still running (rt_sigsuspend) and a sleep (clock_nanosleep), which timing
# alone would decide below: the replay must not meet a path the learning run did not take.
sleep 0.2 &
wait $!
i=0
until wget -q -O /tmp/got http://127.0.0.1:8080/index.html; do
  i=$((i + 1))
  [ $i -lt 50 ] || { echo "payload: no answer"; kill $pid; exit 1; }
  sleep 0.1
done
grep -qx ward-learn-ok /tmp/got || { echo "payload: wrong page"; kill $pid; exit 2; }
if [ "${1:-}" = serve ]; then
  trap 'kill $pid; wait $pid; echo payload-halted; exit 0' USR1
  echo payload-serving
  wait $pid
  exit 3
fi
kill $pid
wait $pid
echo learn-payload-ok
EOF
  chmod 0755 "$root/learn.sh"
  # flags = up: the empty network's loopback is up (the payload cannot: the base drops net_admin).
  { echo "lxc.net.0.flags = up"; echo "lxc.init.cmd = /bin/sh /learn.sh${arg:+ $arg}"; echo "lxc.console.path = none"; } \
    >>"$LXCPATH/$name/config"
}

# ---- 1. learn ---------------------------------------------------------------------------------------
echo "== ward learn --lxc: a container that serves a page once and stops"
C=wl$$-once
new_container "$C" || exit 1
POLICY=$TMP/web.ward
# (timeout: a hung payload is stopped through ward, which asks lxc-stop on SIGTERM)
timeout 300 "$W" learn --lxc "$C" -P "$LXCPATH" --name web -o "$POLICY" >"$TMP/learn.out" 2>"$TMP/learn.err"
rc=$?
check_eq "ward learn --lxc exit" 0 "$rc"
sed 's/^/  | /' "$TMP/learn.err" | grep -v '^  | Seccomp\|^  | NoNewPrivs' | tail -n 5
grep -q '^learn-payload-ok$' "$TMP/learn.err" && ok "the payload ran to its end while learning" || fail "the payload did not finish while learning"
grep -q '^Seccomp:[[:space:]]*2$' "$TMP/learn.err" && grep -q '^NoNewPrivs:[[:space:]]*1$' "$TMP/learn.err" \
  && ok "learning ran under the base's filter and no_new_privs (Seccomp 2, NoNewPrivs 1 inside)" \
  || fail "the payload was not confined while learning: $(grep -E '^(Seccomp|NoNewPrivs)' "$TMP/learn.err" | tr '\n' ' ')"
[ -s "$POLICY" ] || { fail "no policy written"; exit 1; }
[ "$(hook_state "$LXCPATH" "$C")" = STOPPED ] && ok "the container is stopped after learning" || fail "the container still runs"
"$W" fmt --check "$POLICY" && ok "ward fmt --check" || fail "ward fmt --check on the learned policy"
if "$W" check "$POLICY" >"$TMP/check.log" 2>&1; then ok "ward check: $(tail -n 1 "$TMP/check.log")"
else fail "ward check on the learned policy"; sed 's/^/  | /' "$TMP/check.log" >&2; fi
echo "  $(sed -n 2p "$POLICY" | sed 's|^// ||')"

# Paths as the container sees them.
grep -q '^    read "/srv/www/index.html";' "$POLICY" && ok "read \"/srv/www/index.html\" (the container's path)" \
  || fail "no read rule for /srv/www/index.html"
grep -q '^    exec "/bin/busybox";' "$POLICY" && ok "exec \"/bin/busybox\"" || fail "no exec rule for /bin/busybox"
grep -q '^    listen tcp 8080;' "$POLICY" && ok "listen tcp 8080" || fail "no listen tcp 8080"
if grep -n -e "$TMP" -e "$LXCPATH" "$POLICY"; then fail "host paths in the learned policy"; else ok "no host path (the rootfs under $TMP) in the policy"; fi

# Armed at the payload's execve, not at lxc-start's: nothing is learned from lxc-start, and its calls before
# the filter (which would be learned, or listed as refused by the base, had tracing armed at its execve) are absent.
# (The one exception is that execve itself: the payload's first call, made from lxc-start's image.)
workload=$(grep -v -e "the container runtime's" -e '^    allow execve;' "$POLICY")
if echo "$workload" | grep -n -E 'first [^,]*lxc|exec "[^"]*lxc|liblxc'; then fail "rules learned from lxc-start"
else ok "no workload rule names lxc-start or liblxc"; fi
runtime_only=$(grep -E -c "^    (allow|deny) .*the container runtime's, after its filter" "$POLICY")
[ "$runtime_only" -gt 0 ] && ok "$runtime_only rules for LXC's own calls after the filter, stated as such" \
  || fail "LXC's calls after the filter are not listed apart"
echo "$workload" | grep -E "the container runtime's, after" && fail "a runtime rule without its statement"
for call in pivot_root mount umount2 sethostname setns signalfd4 epoll_create1 memfd_create; do
  if grep -q -E "^    allow $call[ (;]|refused by the base, not learned: $call " "$POLICY"; then
    fail "$call (lxc-start's, before the filter) is in the learned policy"
  fi
done
ok "none of lxc-start's set-up calls (pivot_root, mount, umount2, sethostname, setns, signalfd4, epoll_create1, memfd_create)"
bare=$(grep -E '^[[:space:]]+(allow|read|write|append|exec|link|listen|connect)[[:space:]]' "$POLICY" |
  grep -v "not seen: the container runtime's call" | grep -vc 'seen [0-9]')
check_eq "learned rules without evidence" 0 "$bare"

# ---- 2. replay: the learned policy compiled to LXC keys runs the same container -------------------
echo "== replay under the learned policy's LXC keys"
printf 'root:1000000:65536000\n' >"$TMP/subuid"
cp "$TMP/subuid" "$TMP/subgid"
if WARD_SUBUID=$TMP/subuid WARD_SUBGID=$TMP/subgid "$W" compile "$POLICY" -o "$TMP/out" --state-dir "$TMP/state" \
    >"$TMP/compile.log" 2>&1; then
  CONF=$TMP/out/web.lxc.conf
  umap=$(hook_values "$CONF" lxc.idmap | awk '$1 == "u" {print $3; exit}')
  gmap=$(hook_values "$CONF" lxc.idmap | awk '$1 == "g" {print $3; exit}')
  echo "  compiled: $(grep -c '' "$TMP/out/web.lxc.seccomp") lines of LXC seccomp, idmap u 0 $umap, g 0 $gmap"
  # The rootfs belongs to the container's root (the mapped range), and root owns the range in /etc/subuid
  # for newuidmap: in an overlay on /etc inside a private mount namespace (the host's files are not touched).
  chown -R -h "$umap:$gmap" "$LXCPATH/$C/rootfs"
  chmod 0755 "$LXCPATH" "$LXCPATH/$C"
  echo "lxc.include = $CONF" >>"$LXCPATH/$C/config"
  mkdir -p "$TMP/etc/upper" "$TMP/etc/work"
  for m in u g; do { cat /etc/sub${m}id 2>/dev/null; echo "root:$umap:65536"; } >"$TMP/etc/upper/sub${m}id"; done
  unshare -m --propagation private bash -c "mount -t overlay overlay -o lowerdir=/etc,upperdir=$TMP/etc/upper,workdir=$TMP/etc/work /etc \
      && exec timeout -k 10 300 lxc-start -F -P '$LXCPATH' -n '$C' -l DEBUG -o '$TMP/replay.log'" </dev/null >"$TMP/replay.out" 2>&1
  rc=$?
  check_eq "lxc-start under the learned policy exit" 0 "$rc"
  if grep -q '^learn-payload-ok$' "$TMP/replay.out"; then ok "the container ran to success under the learned policy"
  else
    fail "the container did not finish under the learned policy"
    sed 's/^/  | /' "$TMP/replay.out" >&2
    grep -E "ERROR|WARN" "$TMP/replay.log" | tail -n 10 | sed 's/^/  | /' >&2
  fi
  grep -q '^Seccomp:[[:space:]]*2$' "$TMP/replay.out" && ok "confined by the learned filter (Seccomp 2 inside)" \
    || fail "no seccomp filter inside the replayed container"
else
  fail "ward compile of the learned policy"; sed 's/^/  | /' "$TMP/compile.log" >&2
fi

# ---- 3. --for DURATION --------------------------------------------------------------------------
echo "== ward learn --lxc --for 3s: a server stopped cleanly"
S=wl$$-serve
new_container "$S" serve || exit 1
start=$(date +%s)
timeout 300 "$W" learn --lxc "$S" -P "$LXCPATH" --for 3s --name served -o "$TMP/served.ward" >"$TMP/serve.out" 2>"$TMP/serve.err"
rc=$?
took=$(( $(date +%s) - start ))
check_eq "ward learn --lxc --for 3s exit" 0 "$rc"
grep -q '^payload-halted$' "$TMP/serve.err" && ok "the payload got the halt signal and stopped cleanly (after ${took}s)" \
  || { fail "the payload was not halted cleanly"; tail -n 5 "$TMP/serve.err" | sed 's/^/  | /' >&2; }
[ "$took" -lt 30 ] || fail "--for 3s took ${took}s"
grep -q 'stopped after 3s' "$TMP/served.ward" && ok "the header says it was stopped after 3s" || fail "no 'stopped after 3s' in the header"
"$W" check "$TMP/served.ward" >"$TMP/check2.log" 2>&1 && ok "ward check accepts it" || { fail "ward check on served.ward"; cat "$TMP/check2.log" >&2; }
grep -q '^    listen tcp 8080;' "$TMP/served.ward" && ok "listen tcp 8080" || fail "no listen tcp 8080 in served.ward"
[ "$(hook_state "$LXCPATH" "$S")" = STOPPED ] && ok "the container is stopped" || fail "$S still runs"

# ---- 4. errors: nothing written -----------------------------------------------------------------
echo "== errors"
expect_error() {   # expect_error WHAT PATTERN -- ARGS...
  local what=$1 pattern=$2; shift 3
  rm -f "$TMP/none.ward"
  "$@" -o "$TMP/none.ward" >"$TMP/err.out" 2>"$TMP/err.log"
  local rc=$?
  if [ "$rc" = 2 ] && grep -q -- "$pattern" "$TMP/err.log" && [ ! -e "$TMP/none.ward" ]; then
    ok "$what: exit 2, nothing written: $(head -n 1 "$TMP/err.log" | cut -c1-140)"
  else
    fail "$what: exit $rc, written: $([ -e "$TMP/none.ward" ] && echo yes || echo no)"; sed 's/^/  | /' "$TMP/err.log" >&2
  fi
}
expect_error "unknown container" "unknown container 'nosuch'" -- "$W" learn --lxc nosuch -P "$LXCPATH"
expect_error "no LXC in PATH" "LXC is not installed" -- env PATH=/nonexistent "$W" learn --lxc "$S" -P "$LXCPATH"
expect_error "a bad duration" "--for 'soon'" -- "$W" learn --lxc "$S" -P "$LXCPATH" --for soon
sed -i 's|^lxc.init.cmd = .*|lxc.init.cmd = /bin/sleep 60|' "$LXCPATH/$S/config"
lxc-start -P "$LXCPATH" -n "$S" -d >"$TMP/d.log" 2>&1 || { fail "lxc-start -d"; cat "$TMP/d.log" >&2; }
expect_error "a running container" "is already RUNNING" -- "$W" learn --lxc "$S" -P "$LXCPATH"
lxc-stop -P "$LXCPATH" -n "$S" -k >/dev/null 2>&1

[ "$FAILURES" -eq 0 ] || { echo "FAIL: $FAILURES failure(s)" >&2; exit 1; }
echo "PASS"
