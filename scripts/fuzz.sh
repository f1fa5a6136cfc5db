#!/usr/bin/env bash
# Builds ward's libFuzzer targets (clang, the `fuzz` preset), seeds each corpus from the test fixtures and
# the real files of this Debian host, and runs each target for a fixed time. The corpora live in
# build-fuzz/corpus/<target> and grow from run to run. Prints one line per target (runs, coverage, corpus
# size) and exits non-zero when a target crashed or a sanitizer reported (the reproducer is kept in
# build-fuzz/crashes/<target>/). See docs/fuzzing.md.
#   bash scripts/fuzz.sh SECONDS [TARGET...]        (default: every target, SECONDS each)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_check fuzz_lxc_config fuzz_oci_config fuzz_seccomp_import
                                     fuzz_apparmor_rules fuzz_catalog fuzz_lsp)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)" --target fuzz_all
out=build-fuzz
bin=$out/tests/fuzz

# seed DIR FILE PREFIX: copy FILE into the corpus DIR (named by content hash), optionally prefixed by one
# byte (the targets whose first byte selects a mode).
seed() {
  local dir=$1 file=$2 prefix=${3-}
  [ -f "$file" ] || return 0
  mkdir -p "$dir"
  local tmp sum
  tmp=$(mktemp)
  { [ -z "$prefix" ] || printf '%b' "$prefix"; cat "$file"; } >"$tmp"
  sum=$(sha1sum "$tmp" | cut -c1-16)
  mv "$tmp" "$dir/seed-$sum"
}
# seed_parts DIR FILE...: the files joined by "@@" lines (the multi-file targets' format).
seed_parts() {
  local dir=$1
  shift
  local tmp
  tmp=$(mktemp)
  local first=1
  for f in "$@"; do
    [ $first = 1 ] || printf '\n@@\n' >>"$tmp"
    first=0
    [ -f "$f" ] && cat "$f" >>"$tmp"
  done
  seed "$dir" "$tmp"
  rm -f "$tmp"
}

c=$out/corpus
for d in tests/fuzz/seeds/*/; do
  for f in "$d"*; do seed "$c/$(basename "$d")" "$f"; done
done
for f in examples/*.ward stdlib/std/*.ward tests/golden/*/*.ward; do seed "$c/fuzz_check" "$f"; done
for f in /usr/share/lxc/config/*.conf /usr/share/lxc/config/common.conf.d/*.conf; do seed "$c/fuzz_lxc_config" "$f"; done
head_conf=$(mktemp)
printf 'lxc.include = /c/inc.conf\nlxc.seccomp.profile = /c/seccomp\nlxc.apparmor.profile = p\nlxc.idmap = u 0 100000 65536\n' >"$head_conf"
for p in /etc/apparmor.d/lxc/*; do
  seed_parts "$c/fuzz_lxc_config" "$head_conf" /usr/share/lxc/config/common.conf /usr/share/lxc/config/common.seccomp "$p"
done
rm -f "$head_conf"
for f in tests/fixtures/*/*.config.json; do seed "$c/fuzz_oci_config" "$f"; done
docker_profile=/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
seed "$c/fuzz_seccomp_import" "$docker_profile" '\x00'
for f in tests/fixtures/*/*.config.json; do
  tmp=$(mktemp)
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get("linux",{}).get("seccomp",{})))' "$f" >"$tmp" || true
  seed "$c/fuzz_seccomp_import" "$tmp" '\x00'
  rm -f "$tmp"
done
for f in /usr/share/lxc/config/*.seccomp tests/golden/artifacts/*/*.lxc.seccomp; do seed "$c/fuzz_seccomp_import" "$f" '\x01'; done
for f in /etc/apparmor.d/lxc/* /etc/apparmor.d/abstractions/lxc/* /etc/apparmor.d/abstractions/base \
         tests/golden/artifacts/*/*.apparmor; do
  seed "$c/fuzz_apparmor_rules" "$f"
done
for f in stdlib/catalog/*.json; do seed "$c/fuzz_catalog" "$f"; done

status=0
printf '%-22s %10s %8s %8s %8s  %s\n' target runs cov ft corpus result
for t in "${targets[@]}"; do
  mkdir -p "$c/$t" "$out/crashes/$t"
  dict=()
  [ "$t" = fuzz_check ] && dict=(-dict="$bin/ward.dict")
  log=$out/$t.log
  rc=0
  "$bin/$t" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -max_len=65536 \
    -artifact_prefix="$out/crashes/$t/" -print_final_stats=1 "$c/$t" >"$log" 2>&1 || rc=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  n=$(find "$c/$t" -type f | wc -l)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FAILED (rc $rc, see $log)"
    status=1
  fi
  printf '%-22s %10s %8s %8s %8s  %s\n' "$t" "$runs" "$cov" "$ft" "$n" "$result"
done
exit $status
