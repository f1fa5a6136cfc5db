#!/usr/bin/env bash
# `ward import docker-run -- ARGS...` as a user runs it (README, docs/engines.md): the command line becomes a
# .ward file, `ward check` accepts it, and `ward compile --target docker` gives back the options the command
# line had (limits, network, added capabilities, --read-only) and none it had dropped, even one std/base keeps (chown).
# An option the importer does not know is an error with exit 2 that names it, and -o is then not written.
# No daemon is needed: what Docker does with the options is engine_targets.sh's business.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
FAILURES=0
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"

TMP=$(mktemp -d /tmp/ward-import-run.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

"$WARD_EXE" import docker-run -o "$TMP/web.ward" -- --cap-add NET_ADMIN --cap-drop CHOWN --cap-drop NET_RAW \
  --pids-limit 100 --memory 64m --security-opt no-new-privileges --read-only --tmpfs /tmp:size=16m --network none \
  --name web busybox httpd -f >"$TMP/import.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$TMP/import.out" >&2; fail "import exited $rc"; }
grep -q '^policy app extends base.unprivileged {' "$TMP/web.ward" || fail "no policy over std/base in the import"
grep -q 'drop chown, net_raw;' "$TMP/web.ward" || fail "--cap-drop CHOWN/NET_RAW not written as drop: $(grep -n 'keep\|drop' "$TMP/web.ward")"

grep -q '^    root ro;  // --read-only$' "$TMP/web.ward" || fail "--read-only not written as root ro: $(grep -n 'mounts\|root' "$TMP/web.ward")"

"$WARD_EXE" check "$TMP/web.ward" >"$TMP/check.out" 2>&1
rc=$?
# 0 (clean) or 1 (findings: --cap-add NET_ADMIN is one) are answers; 2 would be a policy ward cannot read.
[ "$rc" -le 1 ] || { cat "$TMP/check.out" >&2; fail "ward check of the imported policy exited $rc"; }

"$WARD_EXE" compile "$TMP/web.ward" --target docker -o "$TMP/out" --state-dir "$TMP/state" >"$TMP/compile.out" 2>&1 \
  || { cat "$TMP/compile.out" >&2; fail "compile --target docker of the imported policy failed"; }
ARGS="$TMP/out/app.docker.args"
for opt in --pids-limit=100 --memory=67108864 --network=none --cap-add=NET_ADMIN --cap-drop=ALL \
  --security-opt=no-new-privileges --read-only; do
  grep -q -- "^$opt " "$ARGS" || fail "the compiled options lack $opt"
done
grep -q -- '^--tmpfs=/tmp:.*size=16777216' "$ARGS" || fail "the compiled options lack the /tmp tmpfs of 16m"
for opt in --cap-add=CHOWN --cap-add=NET_RAW; do
  grep -q -- "^$opt " "$ARGS" && fail "the compiled options give back $opt, which the command line dropped"
done

# An option the importer does not model: an error that names it, exit 2, and no file.
"$WARD_EXE" import docker-run -o "$TMP/bad.ward" -- --no-such-option busybox >"$TMP/bad.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "an unknown docker run option exited $rc, not 2"
grep -q -- "--no-such-option" "$TMP/bad.out" || fail "the error does not name the option: $(cat "$TMP/bad.out")"
[ ! -e "$TMP/bad.ward" ] || fail "a failed import wrote $TMP/bad.ward"

[ "$FAILURES" -eq 0 ] && echo "import docker-run: OK" || exit 1
