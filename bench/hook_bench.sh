#!/usr/bin/env bash
# What the LXC hook costs: `lxc-execute -n C -- /bin/true` on busybox containers, in one run,
#   none      no hook at all
#   noop      a no-op pre-start and post-stop hook (/bin/true), the floor for any hook
#   cold      ward lxc-hook with an empty cache (the cache is removed before every run)
#   warm      ward lxc-hook with the cache filled
# RUNS runs each (default 20), interleaved so that a noisy neighbour hits every variant alike; prints the
# median and the ratios. The goal: warm within 1.15x of noop.
# Needs root, LXC, busybox and a ward with lxc-hook (WARD_EXE). Everything lives in a temporary lxcpath.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tests/integration/lib/runtime.sh"
. "$HERE/../tests/integration/lib/hook_common.sh"

RUNS=${RUNS:-20}
require_root
require_cmds lxc-create lxc-execute lxc-destroy
BUSYBOX=$(busybox_path) || skip "busybox is not installed"
[ -x "$WARD_EXE" ] || skip "ward is not built ($WARD_EXE)"

TMP=$(mktemp -d /tmp/ward-hookbench.XXXXXX)
chmod 0755 "$TMP"
LXCPATH=$TMP/lxcpath STATE=$TMP/state COLD_STATE=$TMP/state-cold
mkdir -p "$LXCPATH"
NAMES=(hb-none hb-noop hb-cold hb-warm)
cleanup() {
  for n in "${NAMES[@]}"; do lxc-destroy -P "$LXCPATH" -n "$n" -f >/dev/null 2>&1 || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hook_write_policy "$TMP/bench.ward" bench
for n in "${NAMES[@]}"; do
  hook_create "$LXCPATH" "$n" "$TMP/$n.create" || { cat "$TMP/$n.create" >&2; exit 1; }
done
# The same confinement for every variant: the compiled snippet, included by all four. cold has a state
# directory of its own: emptying its cache must not empty warm's.
for n in hb-cold hb-warm; do
  st=$STATE; [ "$n" = hb-cold ] && st=$COLD_STATE
  "$WARD_EXE" lxc-install -P "$LXCPATH" --state-dir "$st" "$n" "$TMP/bench.ward" >"$TMP/$n.install" 2>&1 \
    || { cat "$TMP/$n.install" >&2; exit 1; }
done
for n in hb-none hb-noop; do
  mkdir -p "$STATE/static/$n"
  sed "s|$STATE/containers/hb-warm|$STATE/static/$n|g" "$STATE/containers/hb-warm/bench.lxc.conf" >"$STATE/static/$n/bench.lxc.conf"
  cp "$STATE/containers/hb-warm/bench.lxc.seccomp" "$STATE/static/$n/"
  echo "lxc.include = $STATE/static/$n/bench.lxc.conf" >>"$LXCPATH/$n/config"
done
{ echo "lxc.hook.pre-start = /bin/true"; echo "lxc.hook.post-stop = /bin/true"; } >>"$LXCPATH/hb-noop/config"

now_ns() { date +%s%N; }
declare -A T
run_one() {   # run_one VARIANT
  local n=hb-$1 t0 t1
  [ "$1" = cold ] && rm -rf "$COLD_STATE/cache"
  t0=$(now_ns)
  lxc-execute -P "$LXCPATH" -n "$n" -- /bin/true >/dev/null 2>"$TMP/$n.err" || { echo "$n failed:" >&2; cat "$TMP/$n.err" >&2; exit 1; }
  t1=$(now_ns)
  T[$1]+="$(( (t1 - t0) / 1000 )) "
}
for v in none noop cold warm; do run_one "$v"; done   # warm-up (and the warm cache)
for _ in $(seq 1 "$RUNS"); do
  for v in none noop cold warm; do run_one "$v"; done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
declare -A M
for v in none noop cold warm; do M[$v]=$(echo "${T[$v]}" | median); done
printf 'lxc-execute -n C -- /bin/true, %d runs each, median (LXC %s, %s)\n' "$RUNS" "$(lxc-start --version)" "$(uname -r)"
printf '  %-6s %9s %12s %12s\n' variant ms "vs none" "vs noop"
for v in none noop cold warm; do
  awk -v v="$v" -v t="${M[$v]}" -v a="${M[none]}" -v b="${M[noop]}" \
    'BEGIN {printf "  %-6s %9.2f %11.3fx %11.3fx\n", v, t / 1000, t / a, t / b}'
done
awk -v w="${M[warm]}" -v b="${M[noop]}" 'BEGIN {r = w / b; printf "warm / noop = %.3f (goal <= 1.15): %s\n", r, (r <= 1.15 ? "met" : "NOT met")}'
