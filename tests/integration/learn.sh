#!/usr/bin/env bash
# `ward learn` end to end (issue 14, docs/learn.md), on real workloads:
#   - a shell script that forks, pipes, writes and removes files (busybox sh);
#   - busybox httpd answering over loopback;
#   - redis-server under redis-benchmark over loopback (compared with std/apps' apps.redis by `ward diff`);
#   - a static i386 program (when `gcc -m32 -static` works here).
# For each: the learned policy passes `ward fmt --check` and `ward check` (fail_on high); every learned rule
# carries its evidence; the workload then runs 10 times under the learned policy's seccomp filter with zero
# refusals and kills, counted by `ward learn --replay`; learning it again gives the same rules (evidence
# aside). `ward learn --merge` of two runs gives the same rules with the runs added up. The httpd policy is
# compared with the hand-written t_web (tests/integration/policies/runnable.ward) by `ward diff`.
set -u
source "$(dirname "$0")/lib/runtime.sh"

[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
BB=$(busybox_path) || skip "busybox-static is not installed"
W=$WARD_EXE
# Not under /tmp or /var/tmp: std/base grants those already, and the test wants file rules to be learned.
T=$(mktemp -d "$WARD_BINARY_DIR/learn-test.XXXXXX")
HTTPD_PID=
cleanup() {
  [ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

# The rules of a learned file: no comment lines, no trailing comments.
rules() { sed -e 's|[[:space:]]*//.*$||' -e '/^[[:space:]]*$/d' "$1"; }

# Common checks on a learned file ($1), then 10 replays of the workload ($2...) under it.
check_learned() {
  local f=$1; shift
  "$W" fmt --check "$f" || fail "$f: ward fmt --check"
  "$W" check "$f" >"$T/check.log" 2>&1 || { fail "$f: ward check"; cat "$T/check.log" >&2; }
  local bare
  bare=$(grep -E '^[[:space:]]+(allow|read|write|append|exec|link|listen|connect)[[:space:]]' "$f" |
    grep -v "not seen: the container runtime's call" | grep -vc 'seen [0-9]')
  [ "$bare" = 0 ] || fail "$f: $bare learned rules without evidence"
}

replay10() {
  local f=$1; shift
  local i ok=0
  for i in 1 2 3 4 5 6 7 8 9 10; do
    if "$W" learn --replay "$f" -- "$@" >"$T/replay.log" 2>&1 && grep -q ' 0 refused, 0 killed; exit status 0' "$T/replay.log"; then
      ok=$((ok + 1))
    else
      fail "replay $i under $f"; cat "$T/replay.log" >&2
    fi
  done
  echo "  $(basename "$f"): $ok of 10 replays with 0 refused, 0 killed ($(head -n 1 "$T/replay.log"))"
}

# 10 replays of a served workload: $1 is its session function (log, then ward learn arguments), $2 the
# learned file, $3 the log of a replay.
replay10_session() {
  local session=$1 f=$2 log=$3 i ok=0
  for i in 1 2 3 4 5 6 7 8 9 10; do
    if "$session" "$log" --replay "$f" && grep -q ' 0 refused, 0 killed; ' "$log"; then
      ok=$((ok + 1))
    else
      fail "$(basename "$f") replay $i"; cat "$log" >&2
    fi
  done
  echo "  $(basename "$f"): $ok of 10 replays with 0 refused, 0 killed ($(grep '^replay ' "$log"))"
}

# ---- 1. a shell script: fork, pipes, files --------------------------------------------------------------
cat >"$T/work.sh" <<EOF
out=$T/out
mkdir "\$out"
for i in 1 2 3; do echo "line \$i" >"\$out/f\$i.txt"; done
cat "\$out"/f*.txt | sort -r | tr a-z A-Z >"\$out/upper.txt"
(echo sub; echo shell) | wc -l >"\$out/count.txt"
grep -q LINE "\$out/upper.txt"
[ "\$(cat "\$out/count.txt")" = 2 ]
rm -f "\$out"/f*.txt
rm -rf "\$out"
EOF
echo "== shell script"
"$W" learn -o "$T/script.ward" -- "$BB" sh "$T/work.sh" || fail "ward learn (script)"
check_learned "$T/script.ward"
grep -q "write \"$T/out/\*\";" "$T/script.ward" || fail "script: the created files' directory is not learned as $T/out/*"
grep -q '^    allow clone(arg0 == ' "$T/script.ward" || fail "script: clone flags are not learned"
grep -q '^    none;' "$T/script.ward" || fail "script: a run without inet sockets should learn network { none; }"
replay10 "$T/script.ward" "$BB" sh "$T/work.sh"
"$W" learn -o "$T/script2.ward" -- "$BB" sh "$T/work.sh" 2>/dev/null || fail "ward learn (script, again)"
if diff <(rules "$T/script.ward") <(rules "$T/script2.ward") >"$T/det.diff"; then
  echo "  learning twice: identical rules ($(rules "$T/script.ward" | wc -l) lines)"
else
  fail "learning the script twice gave different rules"; cat "$T/det.diff" >&2
fi
"$W" learn --merge "$T/script.ward" "$T/script2.ward" -o "$T/merged.ward" || fail "ward learn --merge"
if [ -f "$T/merged.ward" ]; then
  check_learned "$T/merged.ward"
  diff <(rules "$T/script.ward") <(rules "$T/merged.ward") >"$T/merge.diff" || { fail "merge of equal runs changed the rules"; cat "$T/merge.diff" >&2; }
  grep -q '^    allow execve;  // seen [0-9]* on x86_64, first .*, runs [0-9a-f]* [0-9a-f]*$' "$T/merged.ward" ||
    fail "merged evidence does not name both runs"
fi

# ---- 2. busybox httpd over loopback ----------------------------------------------------------------------
mkdir -p "$T/www" && echo "hello from ward learn" >"$T/www/index.html"
PORT=$((20000 + $$ % 20000))
httpd_session() {   # $1: ward learn arguments before --; serves three requests, then SIGTERM
  local log=$1; shift
  "$W" learn "$@" -- "$BB" httpd -f -p "127.0.0.1:$PORT" -h "$T/www" >"$log" 2>&1 &
  HTTPD_PID=$!
  local i page
  for i in $(seq 1 100); do
    "$BB" nc -z 127.0.0.1 "$PORT" 2>/dev/null && break
    sleep 0.05
  done
  for i in 1 2 3; do
    page=$("$BB" wget -q -O - "http://127.0.0.1:$PORT/index.html" 2>&1)
    [ "$page" = "hello from ward learn" ] || fail "httpd answered '$page'"
  done
  kill -TERM "$HTTPD_PID"
  wait "$HTTPD_PID"
  local rc=$?
  HTTPD_PID=
  return $rc
}
echo "== busybox httpd"
httpd_session "$T/learn-httpd.log" --name t_web -o "$T/httpd.ward" || { fail "ward learn (httpd)"; cat "$T/learn-httpd.log" >&2; }
check_learned "$T/httpd.ward"
grep -q "^    listen tcp $PORT;" "$T/httpd.ward" || fail "httpd: listen tcp $PORT is not learned"
grep -q "read \"$T/www/index.html\";" "$T/httpd.ward" || fail "httpd: the page it served is not learned"
replay10_session httpd_session "$T/httpd.ward" "$T/replay-httpd.log"
httpd_session "$T/learn-httpd2.log" --name t_web -o "$T/httpd2.ward" || fail "ward learn (httpd, again)"
diff <(rules "$T/httpd.ward") <(rules "$T/httpd2.ward") >"$T/det.diff" ||
  { fail "learning httpd twice gave different rules"; cat "$T/det.diff" >&2; }
# Against the hand-written policy for a small web service: show each difference.
"$W" diff --policy t_web "$WARD_SOURCE_DIR/tests/integration/policies/runnable.ward" "$T/httpd.ward" >"$T/diff.txt" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "ward diff against t_web: exit $rc (expected 1, different)"
sed 's/^/  | /' "$T/diff.txt" | tail -n 40
summary=$(tail -n 1 "$T/diff.txt")
narrower=$(echo "$summary" | sed -n 's/.* \([0-9]*\) narrower.*/\1/p')
[ "${narrower:-0}" -gt 0 ] || fail "the learned httpd policy is narrower than t_web nowhere: $summary"
if sed -n '/NEW allows what OLD does not/,/OLD allows what NEW does not/p' "$T/diff.txt" | grep -qE '^  (seccomp|capabilities)'; then
  fail "the learned httpd policy is wider than t_web in seccomp or capabilities"
fi

# ---- 2b. redis-server under redis-benchmark, over loopback -----------------------------------------------
REDIS=$(command -v redis-server); REDIS_BENCH=$(command -v redis-benchmark); REDIS_CLI=$(command -v redis-cli)
if [ -n "$REDIS" ] && [ -n "$REDIS_BENCH" ] && [ -n "$REDIS_CLI" ]; then
  echo "== redis-server under redis-benchmark"
  RPORT=$((PORT + 1))
  mkdir -p "$T/redis"
  redis_session() {   # $1: log; the rest: ward learn arguments before --. SET/GET/INCR/LPUSH, then SHUTDOWN NOSAVE
    local log=$1; shift
    "$W" learn "$@" -- "$REDIS" --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T/redis" \
      --daemonize no --logfile '' >"$log" 2>&1 &
    HTTPD_PID=$!
    local i
    for i in $(seq 1 100); do
      "$REDIS_CLI" -p "$RPORT" ping >/dev/null 2>&1 && break
      sleep 0.05
    done
    "$REDIS_BENCH" -p "$RPORT" -q -n 500 -t set,get,incr,lpush >"$T/bench.log" 2>&1 || fail "redis-benchmark failed"
    grep -q 'LPUSH: .* requests per second' "$T/bench.log" || fail "redis-benchmark did not finish: $(tail -c 300 "$T/bench.log")"
    "$REDIS_CLI" -p "$RPORT" shutdown nosave >/dev/null 2>&1
    wait "$HTTPD_PID"
    local rc=$?
    HTTPD_PID=
    return $rc
  }
  redis_session "$T/learn-redis.log" --name t_redis -o "$T/redis.ward" || { fail "ward learn (redis)"; cat "$T/learn-redis.log" >&2; }
  check_learned "$T/redis.ward"
  grep -q "^    listen tcp $RPORT;" "$T/redis.ward" || fail "redis: listen tcp $RPORT is not learned"
  replay10_session redis_session "$T/redis.ward" "$T/replay-redis.log"
  grep '^  denied by its own rule' "$T/replay-redis.log" | sed 's/^/  /'
  grep -q "^  denied by its own rule at std/base.ward:[0-9]*: clone3 ERRNO(38)" "$T/replay-redis.log" ||
    fail "redis: glibc's clone3 attempts are not shown as denied by std/base's own rule"
  redis_session "$T/learn-redis2.log" --name t_redis -o "$T/redis2.ward" || fail "ward learn (redis, again)"
  diff <(rules "$T/redis.ward") <(rules "$T/redis2.ward") >"$T/det.diff" ||
    { fail "learning redis twice gave different rules"; cat "$T/det.diff" >&2; }
  # Against the stdlib's hand-written apps.redis: the learned policy is narrower somewhere and wider nowhere
  # in seccomp. (It keeps dac_override, which learning never drops, and sets no nofile rlimit or somaxconn,
  # which apps.redis states for a production Redis: docs/learn.md, "What a short run misses".)
  printf 'import "std/apps";\npolicy t_redis extends apps.redis {}\n' >"$T/apps-redis.ward"
  "$W" diff "$T/apps-redis.ward" "$T/redis.ward" >"$T/rdiff.txt" 2>&1
  sed 's/^/  | /' "$T/rdiff.txt" | tail -n 12
  summary=$(tail -n 1 "$T/rdiff.txt")
  narrower=$(echo "$summary" | sed -n 's/.* \([0-9]*\) narrower.*/\1/p')
  [ "${narrower:-0}" -gt 0 ] || fail "the learned redis policy is narrower than apps.redis nowhere: $summary"
  if sed -n '/NEW allows what OLD does not/,/OLD allows what NEW does not/p' "$T/rdiff.txt" | grep -qE '^  seccomp'; then
    fail "the learned redis policy is wider than apps.redis in seccomp"
  fi
else
  [ "${CI:-}" = true ] && fail "redis-server, redis-benchmark or redis-cli is missing (scripts/setup.sh installs redis-server)"
  echo "  (redis-server/redis-benchmark not installed: the redis case is not run)"
fi

# ---- 3. a static i386 program ----------------------------------------------------------------------------
echo "== i386"
cat >"$T/prog32.c" <<EOF
#include <fcntl.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>
int main(void) {
  struct utsname u;
  if (uname(&u) != 0) return 1;
  mkdir("$T/out32", 0755);
  int fd = open("$T/out32/result.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 2;
  dprintf(fd, "%s %d\n", u.machine, (int)sizeof(long));
  close(fd);
  pid_t p = fork();
  if (p == 0) _exit(0);
  unlink("$T/out32/result.txt");
  rmdir("$T/out32");
  return 0;
}
EOF
if gcc -m32 -static -O1 -o "$T/prog32" "$T/prog32.c" 2>"$T/gcc.log"; then
  "$W" learn -o "$T/i386.ward" -- "$T/prog32" || fail "ward learn (i386)"
  check_learned "$T/i386.ward"
  grep -q '^    arch x86_64, x86;' "$T/i386.ward" || fail "i386: the arch line does not name x86"
  grep -q '^    allow set_thread_area;  // seen [0-9]* on x86,' "$T/i386.ward" ||
    fail "i386: set_thread_area is not learned as an x86 call"
  replay10 "$T/i386.ward" "$T/prog32"
  "$W" learn -o "$T/i386b.ward" -- "$T/prog32" 2>/dev/null || fail "ward learn (i386, again)"
  diff <(rules "$T/i386.ward") <(rules "$T/i386b.ward") >/dev/null || fail "learning the i386 program twice differs"
else
  echo "  (no i386 compiler here: gcc -m32 -static failed; the i386 case is not run)"
  sed 's/^/  | /' "$T/gcc.log" | head -n 3
fi

# Bad input: clear errors, nothing written.
"$W" learn --base nosuch -o "$T/bad.ward" -- true 2>"$T/err.log"; rc=$?
[ "$rc" = 2 ] && grep -q 'MODULE:POLICY' "$T/err.log" || fail "--base nosuch: exit $rc"
[ ! -e "$T/bad.ward" ] || fail "--base nosuch wrote a file"
"$W" learn -o "$T/bad.ward" -- "$T/does-not-exist" 2>"$T/err.log"; rc=$?
[ "$rc" = 2 ] || fail "a command that does not exist: exit $rc"
[ ! -e "$T/bad.ward" ] || fail "a command that does not exist wrote a file"
printf 'policy x { }\n' >"$T/hand.ward"
"$W" learn --merge "$T/hand.ward" "$T/script.ward" 2>"$T/err.log"; rc=$?
[ "$rc" = 2 ] && grep -q 'hand.ward' "$T/err.log" || fail "--merge of a hand-written file: exit $rc"

if [ "${FAILURES:-0}" -gt 0 ]; then
  echo "FAIL: $FAILURES failure(s)" >&2
  exit 1
fi
echo "PASS: ward learn"
