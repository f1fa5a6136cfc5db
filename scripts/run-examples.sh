#!/usr/bin/env bash
# The main job: install what is needed, build ward, check every example and compile them into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
build/ward check examples/*.ward
build/ward compile examples/*.ward -o out --state-dir out/state
ls -l out
