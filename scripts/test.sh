#!/usr/bin/env bash
# Every test: install what is needed, build, run the whole ctest suite (unit, golden, integration with
# the real kernel, apparmor_parser, lxc and runc), then the unit tests and the robustness test again under
# AddressSanitizer + UndefinedBehaviorSanitizer, and build the libFuzzer target and fuzz briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

cmake --preset default
cmake --build --preset default -j"$jobs"
ctest --preset default -j1

cmake --preset asan
cmake --build --preset asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j"$jobs"

cmake --preset fuzz
cmake --build --preset fuzz -j"$jobs" --target fuzz_check
mkdir -p build-fuzz/corpus && cp examples/*.ward build-fuzz/corpus/ 2>/dev/null || true
build-fuzz/tests/fuzz/fuzz_check -max_total_time="${WARD_FUZZ_SECONDS:-30}" -rss_limit_mb=4096 \
  -timeout=20 build-fuzz/corpus
echo "all tests passed"
