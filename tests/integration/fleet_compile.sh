#!/usr/bin/env bash
# Fleet-sized compiles through the command line (issue 16.8): one `ward compile` of a file with 60 policies
# extending base.unprivileged (bench/fleet.sh writes them)
#  - writes every policy's artifacts, and the policies' identical seccomp filters are byte-identical to a
#    compile of one of them alone (the filter memo shares one build);
#  - with a policy at the end that only the seccomp backend refuses (after 60 policies were staged), exits 2
#    naming that policy's line, writes nothing (a new output directory is not left behind) and leaves an
#    earlier compile's outputs byte-identical, with no staging temporaries anywhere.
#  - emitted on 1, 3 or 8 threads (-j), writes the same bytes; a broken policy in the middle stops every -j alike.
set -euo pipefail
bin=${WARD_BINARY_DIR:?}
src=${WARD_SOURCE_DIR:?}
ward=${WARD_EXE:-$bin/ward}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "fleet_compile: FAIL: $*"; exit 1; }
run() { "$ward" -I "$src/stdlib" --color never compile --state-dir "$work/state" "$@"; }

bash "$src/bench/fleet.sh" --generate 60 "$work/fleet.ward"
bash "$src/bench/fleet.sh" --generate 1 "$work/one.ward"
run -o "$work/out" "$work/fleet.ward" || fail "the fleet did not compile"
n=$(find "$work/out" -name '*.bpf' | wc -l)
[[ $n == 60 ]] || fail "$n .bpf files for 60 policies"
run -o "$work/one" "$work/one.ward" || fail "one policy did not compile"
cmp -s "$work/one/fleet_0001.bpf" "$work/out/fleet_0060.bpf" || fail "fleet_0060.bpf differs from a compile of one policy"
cmp -s "$work/one/fleet_0001.pfc" "$work/out/fleet_0037.pfc" || fail "fleet_0037.pfc differs from a compile of one policy"
echo "ok: 60 policies compiled, $(find "$work/out" -type f | wc -l) files, filters identical to a lone compile"

# The broken policy: a comparison value wider than the 32-bit arguments of x86, refused by the backend.
cp "$work/fleet.ward" "$work/broken.ward"
printf 'policy fleet_broken extends base.unprivileged {\n  syscalls { deny ioctl(request == 4294967296); }\n}\n' >>"$work/broken.ward"
line=$(($(wc -l <"$work/broken.ward") - 1))
set +e
run -o "$work/new" "$work/broken.ward" >"$work/err.txt" 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || { cat "$work/err.txt"; fail "exit $rc, want 2"; }
grep -q "broken.ward:$line:" "$work/err.txt" || { cat "$work/err.txt"; fail "the error does not point at line $line"; }
[[ ! -e $work/new ]] || fail "the new output directory exists after the error: $(ls -A "$work/new" | head -3)"
( cd "$work/out" && sha256sum -- * ) >"$work/before.sum"
set +e
run -o "$work/out" "$work/broken.ward" >/dev/null 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || fail "exit $rc into an existing directory, want 2"
( cd "$work/out" && sha256sum -- * ) | cmp -s - "$work/before.sum" || fail "earlier outputs changed"
left=$(find "$work" -name '*ward-staging*' | head -3)
[[ -z $left ]] || fail "staging files left behind: $left"
echo "ok: a broken last policy writes nothing (exit 2 at broken.ward:$line), earlier outputs unchanged"

# A rebuild through the command line, as make or CMake runs it: `ward compile` of the unchanged fleet into the
# same directory rewrites nothing (each file keeps its inode and mtime); a changed limit in one policy
# rewrites only what carries it (its LXC config, its OCI fragment) and the manifest.
inodes() { (cd "$work/out" && stat -c '%n %i %Y' -- *) | sort; }
inodes >"$work/ino1"
sleep 1   # a rewrite would show in the mtime
run -o "$work/out" "$work/fleet.ward" >/dev/null || fail "the recompile failed"
inodes >"$work/ino2"
cmp -s "$work/ino1" "$work/ino2" || fail "a recompile of the unchanged fleet rewrote: $(diff "$work/ino1" "$work/ino2" | grep '^>' | head -3)"
sed -i '0,/limits { memory 64MiB;/s//limits { memory 80MiB;/' "$work/fleet.ward"
changed=$(grep -B3 'memory 80MiB' "$work/fleet.ward" | sed -n 's/^policy \([a-z_0-9]*\) .*/\1/p')
[[ -n $changed ]] || fail "the test's edit found no policy"
run -o "$work/out" "$work/fleet.ward" >/dev/null || fail "the compile after an edit failed"
inodes >"$work/ino3"
rewritten=$({ diff "$work/ino2" "$work/ino3" || true; } | sed -n 's/^> \([^ ]*\) .*/\1/p' | sort | tr '\n' ' ')
[[ $rewritten == "$changed.lxc.conf $changed.oci.json manifest.json " ]] ||
  fail "after one policy's memory limit changed, rewritten: '$rewritten' (want $changed.lxc.conf, $changed.oci.json, manifest.json)"
echo "ok: a recompile rewrites nothing; one changed limit rewrites $rewritten"

# Policies are emitted on worker threads (-j N, default one per CPU) while lowering and allocation stay in
# order on one thread: any number of threads writes the same bytes, registries included, and a policy that
# fails in the middle of the fleet stops the compile with the same error and writes nothing.
for j in 1 3 8; do
  rm -rf "$work/state-j$j" "$work/out-j$j"
  "$ward" -I "$src/stdlib" --color never compile -j "$j" --state-dir "$work/state-j$j" --install-dir /etc/ward \
    -o "$work/out-j$j" "$work/fleet.ward" ||
    fail "-j $j did not compile"
done
for j in 3 8; do
  diff -r "$work/out-j1" "$work/out-j$j" >/dev/null || fail "-j $j wrote other bytes than -j 1"
  diff -r "$work/state-j1" "$work/state-j$j" >/dev/null || fail "-j $j registered other ids than -j 1"
done
head -n $((2 + 30 * 5)) "$work/fleet.ward" >"$work/middle.ward"
printf 'policy fleet_broken extends base.unprivileged {\n  syscalls { deny ioctl(request == 4294967296); }\n}\n' >>"$work/middle.ward"
mline=$(($(wc -l <"$work/middle.ward") - 1))
tail -n +$((3 + 30 * 5)) "$work/fleet.ward" >>"$work/middle.ward"
for j in 1 4; do
  set +e
  "$ward" -I "$src/stdlib" --color never compile -j "$j" --state-dir "$work/state-m$j" -o "$work/out-m$j" "$work/middle.ward" \
    >"$work/err-m$j.txt" 2>&1
  rc=$?
  set -e
  [[ $rc == 2 ]] || { cat "$work/err-m$j.txt"; fail "-j $j: exit $rc for a broken policy in the middle, want 2"; }
  grep -q "middle.ward:$mline:" "$work/err-m$j.txt" || { cat "$work/err-m$j.txt"; fail "-j $j: the error does not point at line $mline"; }
  [[ ! -e $work/out-m$j ]] || fail "-j $j: the output directory exists after the error"
  [[ ! -s $work/state-m$j/idmap.registry ]] || fail "-j $j: a failed compile registered id ranges"
done
cmp -s "$work/err-m1.txt" "$work/err-m4.txt" || fail "-j 1 and -j 4 report the broken policy differently"
"$ward" compile -j 0 -o "$work/x" "$work/one.ward" >/dev/null 2>&1 && fail "-j 0 was accepted"
echo "ok: -j 1, 3 and 8 write the same bytes and registries; a broken policy in the middle stops every -j alike"
