#!/usr/bin/env bash
# Real-consumer test 4: every generated AppArmor profile is accepted by `apparmor_parser -Q -K` (parse and
# compile to the kernel's format; no kernel load, no cache), so it works on hosts where AppArmor is
# enabled even though these machines have it off.
#
# Profiles come from `ward compile --target apparmor` over examples/*.ward and the stdlib's policy modules
# (when the CLI is built), plus the hand-built policies of test_backend's AppArmorParser tests. Each
# profile must also keep ward's shape: the profile line, and a provenance comment above every rule.
# A deliberately broken copy must be rejected, so a parser that accepts anything cannot pass this test.
# Skips (77) when apparmor_parser is missing or nothing could be produced, except under CI=true.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/runtime.sh"

require_cmds apparmor_parser

TMP=$(mktemp -d /tmp/ward-apparmor.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILURES=0
PROFILES=()

if [ -x "$WARD_EXE" ]; then
  inputs=("$WARD_SOURCE_DIR"/examples/*.ward)
  for m in base apps; do
    [ -e "$WARD_SOURCE_DIR/stdlib/std/$m.ward" ] && inputs+=("$WARD_SOURCE_DIR/stdlib/std/$m.ward")
  done
  for f in "${inputs[@]}"; do
    [ -e "$f" ] || continue
    out="$TMP/compiled/$(basename "$f" .ward)"
    mkdir -p "$out"
    if ! "$WARD_EXE" compile "$f" -o "$out" --target apparmor --state-dir "$TMP/state" >"$out.log" 2>&1; then
      fail "ward compile $f --target apparmor failed:"
      cat "$out.log" >&2
      continue
    fi
    for p in "$out"/*.apparmor; do [ -e "$p" ] && PROFILES+=("$p"); done
  done
fi

# check_shape FILE: one profile line; every rule inside the profile preceded by a "# file:line why" comment.
check_shape() {
  awk '
    /^profile [^ ]+( flags=\([a-z_,]+\))? \{$/ { inside = 1; profiles++; prev = ""; next }
    inside && /^\}$/ { inside = 0; next }
    inside && /^  # / { prev = $0; next }
    inside {
      if (prev == "") { printf "rule without a provenance comment: %s\n", $0; bad = 1 }
      if ($0 !~ /,$/) { printf "rule does not end with a comma: %s\n", $0; bad = 1 }
      rules++; prev = ""
    }
    END {
      if (profiles != 1) { printf "expected one profile, found %d\n", profiles; bad = 1 }
      if (rules < 20) { printf "only %d rules: the base is missing\n", rules; bad = 1 }
      exit bad
    }' "$1"
}

for p in "${PROFILES[@]}"; do
  if ! msg=$(apparmor_parser -Q -K "$p" 2>&1); then
    fail "apparmor_parser rejects $p:"
    echo "$msg" | grep -v 'Cache read/write disabled' >&2
    continue
  fi
  if ! shape=$(check_shape "$p"); then
    fail "$p: $shape"
    continue
  fi
  echo "ok   $(basename "$(dirname "$p")")/$(basename "$p") ($(grep -c '^  [^#]' "$p") rules)"
done

# Negative control: the harness must see a rejection.
if [ ${#PROFILES[@]} -gt 0 ]; then
  broken="$TMP/broken.apparmor"
  sed '0,/^  [^#].*,$/s//  \/ward-broken wa,/' "${PROFILES[0]}" >"$broken"
  if apparmor_parser -Q -K "$broken" >/dev/null 2>&1; then
    fail "apparmor_parser accepted a profile with conflicting 'w' and 'a' permissions"
  fi
fi

# The hand-built policies of the unit tests (every statement, nesting, privileged, odd paths).
ran_unit=0
if [ -x "$WARD_BINARY_DIR/tests/test_backend" ]; then
  if "$WARD_BINARY_DIR/tests/test_backend" --gtest_filter='AppArmorParser.*' >"$TMP/unit.log" 2>&1; then
    echo "ok   test_backend AppArmorParser.*"
    ran_unit=1
  else
    fail "test_backend AppArmorParser.* failed:"
    cat "$TMP/unit.log" >&2
  fi
fi

if [ ${#PROFILES[@]} -eq 0 ] && [ $ran_unit -eq 0 ] && [ $FAILURES -eq 0 ]; then
  skip "no profiles: build ward (and test_backend) first"
fi
if [ $FAILURES -gt 0 ]; then
  echo "FAIL: $FAILURES problem(s)" >&2
  exit 1
fi
echo "PASS: ${#PROFILES[@]} compiled profile(s) accepted by apparmor_parser -Q -K"
