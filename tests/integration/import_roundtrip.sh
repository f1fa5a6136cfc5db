#!/usr/bin/env bash
# Issue 16.1: `ward import` then `ward compile`, as a user runs them, decides exactly as the original profile
# compiled the way its engine compiles it. For each profile:
#   ward import docker-seccomp|lxc-seccomp PROFILE -o X.ward
#   ward compile X.ward -o out/            -> out/imported.bpf
#   ward-seccomp-compare KIND PROFILE out/imported.bpf
# ward-seccomp-compare (tests/tools) builds the original with libseccomp as runc (Docker/OCI JSON) or LXC
# does, and compares every decision on every syscall number of x86_64, i386 and x32, with argument
# vectors around every constant either filter compares (socket families, clone flags, personality values,
# ioctl requests ...). The same import without its `network { families any; }` statement (the text ward
# wrote before the fix) must differ: the comparison has teeth. Then the kernel itself: socket(AF_INET,
# SOCK_STREAM, 0) under the compiled filter returns a descriptor, not EAFNOSUPPORT.
#
# Profiles: Docker's default.json (golang-github-docker-docker-dev), the linux.seccomp Docker 20.10 handed
# runc (tests/fixtures/docker/default.config.json), Podman's seccomp.json (containers-common) and LXC's
# common.seccomp (lxc). A missing one is skipped; none at all skips the test.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"
FAILURES=0
require_cmds python3
[ -x "$WARD_EXE" ] || skip "no ward executable at $WARD_EXE"
COMPARE=${WARD_SECCOMP_COMPARE:-$WARD_BINARY_DIR/tests/tools/ward-seccomp-compare}
[ -x "$COMPARE" ] || skip "ward-seccomp-compare is not built ($COMPARE)"
SYSCALL=${WARD_SYSCALL:-$WARD_BINARY_DIR/tests/conformance/ward-syscall}

TMP=$(mktemp -d /tmp/ward-import-rt.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["linux"]["seccomp"], open(sys.argv[2], "w"))' \
  "$WARD_SOURCE_DIR/tests/fixtures/docker/default.config.json" "$TMP/docker-runc.json"

CASES=(
  "docker docker-default /usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json"
  "docker docker-runc $TMP/docker-runc.json"
  "docker podman-default /usr/share/containers/seccomp.json"
  "lxc lxc-common /usr/share/lxc/config/common.seccomp"
)
RAN=0
for c in "${CASES[@]}"; do
  read -r kind name profile <<<"$c"
  if [ ! -f "$profile" ]; then
    echo "-- $name: $profile is missing, skipped"
    continue
  fi
  RAN=$((RAN + 1))
  echo "== $name ($profile)"
  W=$TMP/$name
  mkdir -p "$W"
  if ! "$WARD_EXE" import "$kind-seccomp" "$profile" -o "$W/$name.ward" 2>"$W/import.err"; then
    fail "$name: ward import failed"; sed 's/^/  | /' "$W/import.err" >&2; continue
  fi
  grep -q 'families any;' "$W/$name.ward" || fail "$name: the imported text does not state its network intent"
  if ! "$WARD_EXE" compile "$W/$name.ward" -o "$W/out" --target seccomp >"$W/compile.out" 2>&1; then
    fail "$name: ward compile failed"; sed 's/^/  | /' "$W/compile.out" >&2; continue
  fi
  if out=$("$COMPARE" "$kind" "$profile" "$W/out/imported.bpf"); then
    echo "  ok   after:  $(tail -1 <<<"$out")"
  else
    fail "$name: the compiled import decides differently from the original"
    printf "  | %s\n" "$out" >&2
  fi

  # The text ward wrote before the fix: no network section. It must differ (socket families).
  sed '/^  network {$/,/^  }$/d' "$W/$name.ward" >"$W/before.ward"
  if grep -q 'families any' "$W/before.ward"; then
    fail "$name: could not remove the network section"
  elif "$WARD_EXE" compile "$W/before.ward" -o "$W/before" --target seccomp >/dev/null 2>&1; then
    out=$("$COMPARE" "$kind" "$profile" "$W/before/imported.bpf")
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q 'socket\|nr 41 \|nr 359 ' <<<"$out"; then
      echo "  ok   before: $(tail -1 <<<"$out")"
    else
      fail "$name: without 'families any' the comparison should differ on socket() (rc $rc)"
      printf "  | %s\n" "$out" >&2
    fi
  else
    fail "$name: the text without its network section does not compile"
  fi

  # The kernel: socket(AF_INET, SOCK_STREAM, 0) (x86_64 nr 41) under the compiled filter.
  if [ -x "$SYSCALL" ]; then
    r=$("$SYSCALL" --filter "$W/out/imported.bpf" 41 2 1 0)
    case $r in
      ok*) echo "  ok   kernel: socket(AF_INET, SOCK_STREAM, 0) under the filter: $r" ;;
      *) fail "$name: socket(AF_INET, SOCK_STREAM, 0) under the compiled filter: $r" ;;
    esac
    r=$("$SYSCALL" --filter "$W/before/imported.bpf" 41 2 1 0)
    echo "  info kernel, before the fix: $r"
  fi
done
[ "$RAN" -gt 0 ] || skip "none of the profiles is installed (golang-github-docker-docker-dev, containers-common, lxc)"
[ "$FAILURES" -eq 0 ] || { echo "FAIL: $FAILURES check(s) failed" >&2; exit 1; }
echo "PASS"
