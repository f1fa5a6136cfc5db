#!/usr/bin/env bash
# Calibration: run every probe unconfined on this host and print the table. Probes that report n/a here
# are n/a inside containers too (absent files, kernel features compiled out). Output format, one per line:
#   ID blocked|open|n/a reason
# Usage: run_unconfined.sh PATH/TO/ward-probe [OUTFILE]
set -euo pipefail
probe=${1:?usage: run_unconfined.sh ward-probe [outfile]}
out=${2:-}
if [[ $(id -u) != 0 ]]; then echo "conformance.unconfined: needs root (skipped)"; exit 77; fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
(cd / && "$probe" --unconfined) >"$tmp"
cat "$tmp"
bad=$(grep -cvE '^[A-Z0-9-]+ (blocked|open|n/a) ' "$tmp" || true)
total=$(wc -l <"$tmp")
want=$("$probe" --list | wc -l)
if [[ $bad != 0 || $total != "$want" ]]; then
  echo "conformance.unconfined: $bad malformed lines, $total of $want probes reported" >&2
  exit 1
fi
echo "$(grep -c ' open ' "$tmp") open, $(grep -c ' blocked ' "$tmp") blocked, $(grep -c ' n/a ' "$tmp") n/a of $total probes"
[[ -n $out ]] && cp "$tmp" "$out"
exit 0
