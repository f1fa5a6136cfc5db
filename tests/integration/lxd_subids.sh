#!/usr/bin/env bash
# Sharing a host with LXD through the command line (issue 11, item 4), hermetic: the subordinate id files
# are copies (WARD_SUBUID / WARD_SUBGID), the state directory is scratch. With Debian's lxd package's lines
# (`_lxd` and root share one range, which LXD maps into every instance) `ward compile` of an `idmap auto`
# policy fails with E1204 and names a usermod command; that command, run for real on copies of the files
# (usermod --prefix), makes the same compile succeed with a range that overlaps no entry LXD maps.
set -uo pipefail
: "${WARD_EXE:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$work/root/etc"
printf '_lxd:100000:10000001\nroot:100000:10000001\n' >"$work/root/etc/subuid"
cp "$work/root/etc/subuid" "$work/root/etc/subgid"
printf 'policy web { identity { idmap auto; } }\n' >"$work/web.ward"
export WARD_SUBUID=$work/root/etc/subuid WARD_SUBGID=$work/root/etc/subgid WARD_STATE_DIR=$work/state

rc=0
"$WARD_EXE" compile "$work/web.ward" -o "$work/out" --state-dir "$work/state" >"$work/err.txt" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "compile with Debian's lxd lines succeeded"
grep -q "E1204" "$work/err.txt" || fail "no E1204: $(cat "$work/err.txt")"
grep -qF "_lxd:100000:10000001 (LXD's user)" "$work/err.txt" || fail "E1204 does not name _lxd: $(cat "$work/err.txt")"
[ -e "$work/out/web.lxc.conf" ] && fail "an artifact was written after E1204"
cmd=$(grep -o 'usermod --add-subuids [0-9]*-[0-9]* --add-subgids [0-9]*-[0-9]* root' "$work/err.txt" | head -1)
[ -n "$cmd" ] || fail "E1204 names no usermod command: $(cat "$work/err.txt")"
echo "  E1204 proposes: $cmd"

# The command, for real, on the copies (usermod --prefix reads passwd there too).
if command -v usermod >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  grep '^root:' /etc/passwd >"$work/root/etc/passwd"
  grep '^root:' /etc/group >"$work/root/etc/group"
  cp /etc/shadow "$work/root/etc/shadow" 2>/dev/null; grep '^root:' /etc/shadow >"$work/root/etc/shadow" 2>/dev/null
  # shellcheck disable=SC2086 # the command's words
  ${cmd/usermod/usermod --prefix $work/root} >"$work/usermod.txt" 2>&1 || fail "the proposed command failed: $(cat "$work/usermod.txt")"
else
  first=$(echo "$cmd" | awk '{split($3, r, "-"); print r[1], r[2] - r[1] + 1}')
  printf 'root:%s:%s\n' ${first/ /:} | tee -a "$work/root/etc/subuid" >>"$work/root/etc/subgid"
fi
echo "  /etc/subuid after it: $(tr '\n' ' ' <"$work/root/etc/subuid")"
head -1 "$work/root/etc/subuid" | grep -qx 'root:100000:10000001\|_lxd:100000:10000001' ||
  fail "the command changed LXD's entries: $(cat "$work/root/etc/subuid")"

"$WARD_EXE" compile "$work/web.ward" -o "$work/out" --state-dir "$work/state" >"$work/ok.txt" 2>&1 ||
  fail "compile after the proposed command: $(cat "$work/ok.txt")"
for kind in u g; do
  host=$(awk -v k="$kind" '$1 == "lxc.idmap" && $3 == k {print $5}' "$work/out/web.lxc.conf")
  [ -n "$host" ] || { fail "no lxc.idmap $kind line in web.lxc.conf"; continue; }
  # LXD's map (root's first entry, 100000..10100000) and _lxd's: never touched.
  [ "$host" -ge 10100001 ] || fail "ward's $kind range starts at $host, inside LXD's map 100000-10100000"
  echo "  ward's ${kind}id range: $host-$((host + 65535))"
done

if [ "$fails" -eq 0 ]; then echo "lxd subids: ok"; else echo "lxd subids: $fails failure(s)"; exit 1; fi
