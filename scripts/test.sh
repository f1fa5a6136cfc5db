#!/usr/bin/env bash
# Every test: install what is needed, build, run the whole ctest suite (unit, golden, integration with the
# real kernel, apparmor_parser, lxc, runc, LXD 5.0.2 and a Node LSP client, and the conformance suites:
# probes in real LXC containers, real workloads, the comparison with Docker's, LXC's and LXD's defaults),
# then the parser/checker/driver tests and the >1,000-input robustness test again under AddressSanitizer +
# UndefinedBehaviorSanitizer.
#   WARD_FUZZ_SECONDS=N   also build the libFuzzer targets with clang and run each of them N seconds
#                         (scripts/fuzz.sh: the .ward checker, LXC configs, OCI configs, seccomp imports,
#                         AppArmor rules, site catalogs, the language server)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

cmake --preset default
cmake --build --preset default -j"$jobs"
ctest --preset default -j1

cmake --preset asan
asan_tests=(test_base test_report test_syntax test_sema test_lower test_driver test_cli)
cmake --build --preset asan -j"$jobs" --target ward "${asan_tests[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${asan_tests[@]}"; do
  echo "== $t (ASan + UBSan)"
  WARD_SOURCE_DIR="$PWD" build-asan/tests/"$t" --gtest_brief=1
done

if [ "${WARD_FUZZ_SECONDS:-0}" -gt 0 ]; then
  bash scripts/fuzz.sh "$WARD_FUZZ_SECONDS"
fi
echo "all tests passed"
