#!/usr/bin/env bash
# `ward import compose FILE SERVICE` as a user runs it (README, docs/engines.md): the service becomes a .ward
# file over std/base whose statements name the compose key and line they came from; `ward check` reads it and
# `ward compile --target docker` gives back the service's limits, network and added capabilities and none it
# dropped, and read_only: true as `root ro;` and back as --read-only. Bad YAML, an unknown key and a missing service are errors at file:line:col with exit 2, and -o is
# then not written. No daemon is needed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
FAILURES=0
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"

TMP=$(mktemp -d /tmp/ward-import-compose.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

cat >"$TMP/compose.yaml" <<'YAML'
services:
  db:
    image: postgres:16
  web:
    image: busybox
    command: httpd -f
    ports: ["8080:80"]
    cap_add:
      - NET_ADMIN
    cap_drop: [CHOWN, NET_RAW]
    security_opt:
      - no-new-privileges:true
    pids_limit: 100
    network_mode: none
    tmpfs:
      - /tmp:size=16m
    ulimits:
      nofile: {soft: 1024, hard: 2048}
    deploy:
      resources:
        limits:
          memory: 64m
          cpus: "0.5"
    read_only: true
YAML

"$WARD_EXE" import compose "$TMP/compose.yaml" web -o "$TMP/web.ward" >"$TMP/import.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$TMP/import.out" >&2; fail "import compose exited $rc"; }
grep -q '^policy app extends base.unprivileged {' "$TMP/web.ward" || fail "no policy over std/base in the import"
grep -q 'drop chown, net_raw;' "$TMP/web.ward" || fail "cap_drop CHOWN/NET_RAW not written as drop: $(grep -n 'keep\|drop' "$TMP/web.ward")"
grep -q 'pids 100;  // pids_limit: 100 (.*compose.yaml:13)' "$TMP/web.ward" \
  || fail "pids_limit not located at compose.yaml:13: $(grep -n pids "$TMP/web.ward")"
grep -q 'memory 64MiB;  // deploy.resources.limits.memory: 64m (.*compose.yaml:22)' "$TMP/web.ward" \
  || fail "deploy memory limit not imported at line 22: $(grep -n memory "$TMP/web.ward")"
grep -q 'root ro;  // read_only (.*compose.yaml:24)' "$TMP/web.ward" \
  || fail "read_only not imported as root ro at line 24: $(grep -n 'root\|read' "$TMP/web.ward")"
grep -q '^// note: keys that change nothing ward models: image command ports' "$TMP/web.ward" \
  || fail "ignored keys not listed in the header"

"$WARD_EXE" check "$TMP/web.ward" >"$TMP/check.out" 2>&1
rc=$?
[ "$rc" -le 1 ] || { cat "$TMP/check.out" >&2; fail "ward check of the imported policy exited $rc"; }

"$WARD_EXE" compile "$TMP/web.ward" --target docker -o "$TMP/out" --state-dir "$TMP/state" >"$TMP/compile.out" 2>&1 \
  || { cat "$TMP/compile.out" >&2; fail "compile --target docker of the imported policy failed"; }
ARGS="$TMP/out/app.docker.args"
for opt in --pids-limit=100 --memory=67108864 --network=none --cap-add=NET_ADMIN --cap-drop=ALL \
  --security-opt=no-new-privileges --ulimit=nofile=1024:2048 --read-only; do
  grep -q -- "^$opt " "$ARGS" || fail "the compiled options lack $opt"
done
for opt in --cap-add=CHOWN --cap-add=NET_RAW; do
  grep -q -- "^$opt " "$ARGS" && fail "the compiled options give back $opt, which the service dropped"
done

# Errors: located, exit 2, nothing written.
expect_error() {   # NAME WHERE(regex) YAML-TEXT [SERVICE]
  printf '%s\n' "$3" >"$TMP/$1.yaml"
  "$WARD_EXE" import compose "$TMP/$1.yaml" "${4:-web}" -o "$TMP/$1.ward" >"$TMP/$1.out" 2>&1
  local rc=$?
  [ "$rc" -eq 2 ] || fail "$1: exited $rc, not 2"
  grep -Eq "$1.yaml:$2" "$TMP/$1.out" || fail "$1: the error is not at $1.yaml:$2: $(cat "$TMP/$1.out")"
  [ ! -e "$TMP/$1.ward" ] || fail "$1: a failed import wrote $1.ward"
}
expect_error badyaml '4:[0-9]+' $'services:\n  web:\n    cap_add: [NET_ADMIN\n    image: x'
expect_error unknownkey '4:5' $'services:\n  web:\n    image: x\n    no_such_key: 1'
expect_error noservice '2:3' $'services:\n  db:\n    image: x'
expect_error badcap '3:' $'services:\n  web:\n    cap_add: [NOT_A_CAP]'
grep -q "has: db" "$TMP/noservice.out" || fail "a missing service does not list the services there are"

[ "$FAILURES" -eq 0 ] && echo "import compose: OK" || exit 1
