#!/usr/bin/env bash
# What learning costs (issue 14): one workload's wall time while `ward learn` watches it, against the same
# workload unconfined and under the base policy's seccomp filter (`ward learn --enforce`, untraced), in one
# run, interleaved so that a noisy neighbour hits every variant alike; RUNS runs each (default 11), medians.
#   script   a busybox shell script that forks, pipes and writes files (ITER iterations, default 200)
# Prints the medians and the ratios learn / unconfined and learn / base, and base / unconfined.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
ward=${WARD_EXE:-$src/build/ward}
RUNS=${RUNS:-11}
ITER=${ITER:-200}
bb=$(command -v busybox || echo /bin/busybox)
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/ward-learn-bench.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
export WARD_PATH="$src/stdlib"

cat >"$tmp/work.sh" <<EOF
out=$tmp/out
rm -rf "\$out"; mkdir "\$out"
i=0
while [ \$i -lt $ITER ]; do
  echo "line \$i" >"\$out/f\$((i % 10)).txt"
  cat "\$out/f\$((i % 10)).txt" | tr a-z A-Z | wc -c >>"\$out/sizes.txt"
  i=\$((i + 1))
done
EOF
printf 'import "std/base";\npolicy base_only extends base.unprivileged { }\n' >"$tmp/base.ward"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ms() { awk -v n="$1" 'BEGIN {printf "%.1f", n / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

un=() base=() learn=()
for ((r = 0; r < RUNS; r++)); do
  t=$(now); "$bb" sh "$tmp/work.sh" >/dev/null 2>&1 || { echo "workload failed" >&2; exit 1; }; un+=($(($(now) - t)))
  t=$(now); "$ward" learn --enforce "$tmp/base.ward" -- "$bb" sh "$tmp/work.sh" >/dev/null 2>&1 ||
    { echo "workload failed under the base" >&2; exit 1; }; base+=($(($(now) - t)))
  t=$(now); "$ward" learn -o "$tmp/learned.ward" -- "$bb" sh "$tmp/work.sh" >/dev/null 2>&1 ||
    { echo "ward learn failed" >&2; exit 1; }; learn+=($(($(now) - t)))
done
mu=$(printf '%s\n' "${un[@]}" | median)
mb=$(printf '%s\n' "${base[@]}" | median)
ml=$(printf '%s\n' "${learn[@]}" | median)
calls=$(sed -n 's/.*run [0-9a-f]*: \([0-9]*\) system calls.*/\1/p' "$tmp/learned.ward" | head -n 1)
echo "workload: busybox sh script, $ITER iterations (fork, pipe, files), ${calls:-?} system calls; $RUNS runs each, medians"
echo "  unconfined           $(ms "$mu") ms"
echo "  under the base       $(ms "$mb") ms   (ward learn --enforce: std/base's seccomp filter, untraced)"
echo "  learning             $(ms "$ml") ms   (ward learn, ptrace)"
echo "  learn / unconfined   $(ratio "$ml" "$mu")x"
echo "  learn / base         $(ratio "$ml" "$mb")x"
echo "  base / unconfined    $(ratio "$mb" "$mu")x"
