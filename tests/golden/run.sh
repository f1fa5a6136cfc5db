#!/usr/bin/env bash
# Golden tests: ward's output for checked-in inputs must equal the checked-in expectations.
#   tests/golden/diagnostics/NAME.ward -> NAME.expected   (exit code + text diagnostics of `ward check`)
#   tests/golden/ir/NAME.ward          -> NAME.json       (`ward dump-ir`)
#   examples/NAME.ward                 -> artifacts/NAME/ (every artifact of `ward compile`)
#   tests/golden/diff/A.ward, B.ward   -> diff/A--B.expected (exit code + `ward diff A B`, each pair once)
# Run with --update (or tests/golden/update.sh) to rewrite the expectations on purpose; review the diff.
set -uo pipefail
src=${WARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ward=${WARD_EXE:-$src/build/ward}
update=0; [ "${1:-}" = "--update" ] && update=1
cd "$src"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; count=0

compare() {  # compare EXPECTED ACTUAL LABEL
  count=$((count + 1))
  if [ $update = 1 ]; then mkdir -p "$(dirname "$1")"; cp "$2" "$1"; return; fi
  if [ ! -f "$1" ]; then echo "FAIL $3: no expectation $1 (run tests/golden/update.sh)"; fail=$((fail + 1)); return; fi
  if ! diff -u "$1" "$2" > "$tmp/diff"; then
    echo "FAIL $3"; head -40 "$tmp/diff"; fail=$((fail + 1))
  fi
}

for f in tests/golden/diagnostics/*.ward; do
  [ -e "$f" ] || continue
  out="$tmp/$(basename "$f").out"
  "$ward" --color never check "$f" > /dev/null 2> "$out.err"; rc=$?
  { echo "exit $rc"; cat "$out.err"; } > "$out"
  compare "${f%.ward}.expected" "$out" "$f"
done

for f in tests/golden/ir/*.ward; do
  [ -e "$f" ] || continue
  out="$tmp/$(basename "$f").json"
  "$ward" dump-ir "$f" > "$out" 2>&1
  compare "${f%.ward}.json" "$out" "$f"
done

for f in examples/*.ward; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .ward)
  out="$tmp/artifacts/$name"
  if ! "$ward" --color never compile "$f" -o "$out" --state-dir "$tmp/state-$name" --install-dir /etc/ward > "$tmp/log" 2>&1; then
    echo "FAIL $f: ward compile failed"; cat "$tmp/log"; fail=$((fail + 1)); continue
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
done

diffs=(tests/golden/diff/*.ward)
for ((i = 0; i < ${#diffs[@]}; i++)); do
  for ((j = i + 1; j < ${#diffs[@]}; j++)); do
    a=${diffs[i]}; b=${diffs[j]}
    out="$tmp/diff-$(basename "$a" .ward)--$(basename "$b" .ward)"
    "$ward" --color never diff "$a" "$b" > "$out.txt" 2>&1; rc=$?
    { echo "exit $rc"; cat "$out.txt"; } > "$out"
    compare "tests/golden/diff/$(basename "$a" .ward)--$(basename "$b" .ward).expected" "$out" "diff $a $b"
  done
done

if [ $update = 1 ]; then echo "updated $count golden files"; exit 0; fi
echo "golden: $((count - fail)) passed, $fail failed"
[ $fail = 0 ]
