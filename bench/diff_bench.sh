#!/usr/bin/env bash
# What the no-widening gate costs (issue 13): `ward diff OLD NEW` against `ward check` of the same files, in
# one run, interleaved so a noisy neighbour hits every variant alike; RUNS runs each (default 15), medians.
#   examples   examples/web-nginx.ward vs examples/database-postgres.ward
#   1000-rule  two generated policies of 1,000 file rules and 1,000 syscall rules, one rule changed
# Prints the medians and diff / check(NEW) and diff / (check(OLD) + check(NEW)). Goal: diff <= 2x a check.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
ward=${WARD_EXE:-$src/build/ward}
RUNS=${RUNS:-15}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export WARD_PATH="$src/stdlib"

gen() {  # gen FILE CHANGED-INDEX
  {
    echo 'import "std/base";'
    echo 'policy big extends base.unprivileged {'
    echo '  files {'
    for ((i = 0; i < 1000; i++)); do
      if ((i == $2)); then echo "    write \"/srv/data$i/**\";"; else echo "    read \"/srv/data$i/**\";"; fi
    done
    echo '  }'
    echo '  syscalls {'
    for ((i = 0; i < 1000; i++)); do echo "    allow ioctl(request == $((0x10000 + i)));"; done
    echo '  }'
    echo '}'
  } >"$1"
}
gen "$tmp/big-old.ward" -1
gen "$tmp/big-new.ward" 500

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ms() { awk -v n="$1" 'BEGIN {printf "%.1f", n / 1e6}'; }

bench() {  # bench LABEL OLD NEW
  local label=$1 old=$2 new=$3 d=() co=() cn=() t
  for ((r = 0; r < RUNS; r++)); do
    t=$(now); "$ward" diff "$old" "$new" >/dev/null 2>&1; d+=($(($(now) - t)))
    t=$(now); "$ward" check "$old" >/dev/null 2>&1; co+=($(($(now) - t)))
    t=$(now); "$ward" check "$new" >/dev/null 2>&1; cn+=($(($(now) - t)))
  done
  local md mco mcn
  md=$(printf '%s\n' "${d[@]}" | median); mco=$(printf '%s\n' "${co[@]}" | median); mcn=$(printf '%s\n' "${cn[@]}" | median)
  printf '%-10s diff %7s ms  check(OLD) %7s ms  check(NEW) %7s ms  diff/check(NEW) %.2f  diff/(both checks) %.2f\n' \
    "$label" "$(ms "$md")" "$(ms "$mco")" "$(ms "$mcn")" "$(awk -v a="$md" -v b="$mcn" 'BEGIN {print a / b}')" \
    "$(awk -v a="$md" -v b="$mco" -v c="$mcn" 'BEGIN {print a / (b + c)}')"
}

"$ward" diff "$tmp/big-old.ward" "$tmp/big-new.ward" >/dev/null 2>&1
[[ $? == 1 ]] || { echo "diff_bench: the 1,000-rule pair did not differ"; exit 1; }
echo "ward diff vs ward check, median of $RUNS runs each ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
bench examples "$src/examples/web-nginx.ward" "$src/examples/database-postgres.ward"
bench 1000-rule "$tmp/big-old.ward" "$tmp/big-new.ward"
