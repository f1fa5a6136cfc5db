#!/usr/bin/env bash
# Golden tests: ward's output for checked-in inputs must equal the checked-in expectations.
#   tests/golden/diagnostics/NAME.ward -> NAME.expected   (exit code + text diagnostics of `ward check`)
#   tests/golden/ir/NAME.ward          -> NAME.json       (`ward dump-ir`)
#   examples/NAME.ward                 -> artifacts/NAME/ (every artifact of `ward compile`, the opt-in engine
#                                         targets docker, compose, kube and lxd included)
#   tests/golden/diff/A.ward, B.ward   -> diff/A--B.expected (exit code + `ward diff A B`, each pair once)
# Usage: run.sh [--update] [CASE...]; a CASE is diagnostics/NAME, ir/NAME, artifacts/NAME or diff/A--B
# (ctest runs one case per test: golden.diagnostics.NAME ...); no CASE = every case.
# --update (or tests/golden/update.sh) rewrites the expectations on purpose; review the diff.
# Hermetic: the subordinate id files are fixtures and the state directory is a fresh one, whatever the host
# has (tests/fixtures/README.md).
set -uo pipefail
src=${WARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ward=${WARD_EXE:-$src/build/ward}
update=0; [ "${1:-}" = "--update" ] && { update=1; shift; }
cd "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export WARD_SUBUID="$src/tests/fixtures/host/subuid" WARD_SUBGID="$src/tests/fixtures/host/subgid"
export WARD_STATE_DIR="$tmp/state"
fail=0; count=0

compare() {  # compare EXPECTED ACTUAL LABEL
  count=$((count + 1))
  if [ $update = 1 ]; then mkdir -p "$(dirname "$1")"; cp "$2" "$1"; return; fi
  if [ ! -f "$1" ]; then echo "FAIL $3: no expectation $1 (run tests/golden/update.sh)"; fail=$((fail + 1)); return; fi
  if ! diff -u "$1" "$2" > "$tmp/diff"; then
    echo "FAIL $3"; head -40 "$tmp/diff"; fail=$((fail + 1))
  fi
}

diagnostics_case() {  # tests/golden/diagnostics/NAME.ward
  local f=$1 out
  out="$tmp/$(basename "$f").out"
  "$ward" --color never check "$f" > /dev/null 2> "$out.err"; rc=$?
  { echo "exit $rc"; cat "$out.err"; } > "$out"
  compare "${f%.ward}.expected" "$out" "$f"
}

ir_case() {  # tests/golden/ir/NAME.ward
  local f=$1 out
  out="$tmp/$(basename "$f").json"
  "$ward" dump-ir "$f" > "$out" 2>&1
  compare "${f%.ward}.json" "$out" "$f"
}

artifacts_case() {  # examples/NAME.ward
  local f=$1 name out a e
  name=$(basename "$f" .ward)
  out="$tmp/artifacts/$name"
  if ! "$ward" --color never compile "$f" -o "$out" --state-dir "$tmp/state-$name" --install-dir /etc/ward \
      --target seccomp,apparmor,selinux,lxc,oci,docker,compose,kube,lxd > "$tmp/log" 2>&1; then
    echo "FAIL $f: ward compile failed"; cat "$tmp/log"; fail=$((fail + 1)); return
  fi
  [ $update = 1 ] && rm -rf "tests/golden/artifacts/$name"
  for a in "$out"/*; do
    compare "tests/golden/artifacts/$name/$(basename "$a")" "$a" "$f -> $(basename "$a")"
  done
  if [ $update = 0 ]; then  # an expectation without an output is a failure too
    for e in tests/golden/artifacts/"$name"/*; do
      [ -e "$e" ] && [ ! -e "$out/$(basename "$e")" ] && { echo "FAIL $f: $(basename "$e") no longer written"; fail=$((fail + 1)); }
    done
  fi
}

diff_case() {  # diff_case A B (tests/golden/diff/A.ward and B.ward)
  local a=tests/golden/diff/$1.ward b=tests/golden/diff/$2.ward out
  out="$tmp/diff-$1--$2"
  "$ward" --color never diff "$a" "$b" > "$out.txt" 2>&1; rc=$?
  { echo "exit $rc"; cat "$out.txt"; } > "$out"
  compare "tests/golden/diff/$1--$2.expected" "$out" "diff $a $b"
}

run_case() {  # run_case KIND/NAME
  local kind=${1%%/*} name=${1#*/}
  case $kind in
    diagnostics) f=tests/golden/diagnostics/$name.ward ;;
    ir) f=tests/golden/ir/$name.ward ;;
    artifacts) f=examples/$name.ward ;;
    diff) f=tests/golden/diff/${name%%--*}.ward
          [ -f "tests/golden/diff/${name#*--}.ward" ] || { echo "FAIL $1: no tests/golden/diff/${name#*--}.ward"; count=$((count + 1)); fail=$((fail + 1)); return; } ;;
    *) echo "FAIL $1: not diagnostics/NAME, ir/NAME, artifacts/NAME or diff/A--B"; count=$((count + 1)); fail=$((fail + 1)); return ;;
  esac
  [ -f "$f" ] || { echo "FAIL $1: no $f"; count=$((count + 1)); fail=$((fail + 1)); return; }
  if [ "$kind" = diff ]; then diff_case "${name%%--*}" "${name#*--}"; else "${kind}_case" "$f"; fi
}

if [ $# -eq 0 ]; then
  for f in tests/golden/diagnostics/*.ward; do [ -e "$f" ] && set -- "$@" "diagnostics/$(basename "$f" .ward)"; done
  for f in tests/golden/ir/*.ward; do [ -e "$f" ] && set -- "$@" "ir/$(basename "$f" .ward)"; done
  for f in examples/*.ward; do [ -e "$f" ] && set -- "$@" "artifacts/$(basename "$f" .ward)"; done
  diffs=(tests/golden/diff/*.ward)
  for ((i = 0; i < ${#diffs[@]}; i++)); do
    for ((j = i + 1; j < ${#diffs[@]}; j++)); do
      [ -e "${diffs[i]}" ] && set -- "$@" "diff/$(basename "${diffs[i]}" .ward)--$(basename "${diffs[j]}" .ward)"
    done
  done
fi
for c in "$@"; do run_case "$c"; done

if [ $update = 1 ]; then echo "updated $count golden files"; exit 0; fi
echo "golden: $((count - fail)) passed, $fail failed"
[ $fail = 0 ]
