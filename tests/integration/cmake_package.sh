#!/usr/bin/env bash
# Installs ward into a temporary prefix, builds tests/cmake-package with find_package(ward), and checks
# that the policy was compiled, that a rebuild does nothing, and that touching an imported module rebuilds.
set -euo pipefail
src=${WARD_SOURCE_DIR:?}; bin=${WARD_BINARY_DIR:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$bin" --prefix "$tmp/prefix" >/dev/null
cp -r "$src/tests/cmake-package" "$tmp/project"
cmake -S "$tmp/project" -B "$tmp/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" | tee "$tmp/build1.log"
grep -q "ward: compiling app_policy" "$tmp/build1.log"
out="$tmp/build/ward/app_policy"
for f in app.bpf app.pfc app.lxc.seccomp app.apparmor app.lxc.conf app.oci.json manifest.json app_policy.d; do
  [ -s "$out/$f" ] || { echo "missing $out/$f"; exit 1; }
done
[ ! -e "$out/app.selinux" ] || { echo "app.selinux written though the target was not asked for"; exit 1; }
grep -q "common.ward" "$out/app_policy.d" || { echo "depfile does not name the imported module"; cat "$out/app_policy.d"; exit 1; }
cmake --build "$tmp/build" | tee "$tmp/build2.log"
if grep -q "ward: compiling" "$tmp/build2.log"; then echo "second build recompiled without a change"; exit 1; fi
sleep 1; touch "$tmp/project/policies/lib/common.ward"
cmake --build "$tmp/build" | tee "$tmp/build3.log"
grep -q "ward: compiling app_policy" "$tmp/build3.log" || { echo "touching an import did not rebuild"; exit 1; }
# The installed layout: binary, stdlib, man page.
[ -x "$tmp/prefix/bin/ward" ] && [ -f "$tmp/prefix/share/ward/stdlib/std/base.ward" ] && [ -f "$tmp/prefix/share/man/man1/ward.1" ]
# An installed ward finds its installed stdlib without -I.
printf 'import "std/base";\npolicy q extends base.unprivileged { }\n' > "$tmp/q.ward"
"$tmp/prefix/bin/ward" check "$tmp/q.ward"
echo "cmake package: ok"
