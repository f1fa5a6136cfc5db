#!/usr/bin/env bash
# `ward diff` and `ward check --baseline` end to end (docs/diff.md): a pull request that adds
# `keep sys_admin` fails the gate with exit 1 and names the line; equal policies exit 0; the reverse change
# (a narrowing) passes the gate; invalid input exits 2 with a located error; JSON and SARIF parse.
set -euo pipefail
ward=${WARD_EXE:?}
src=${WARD_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WARD_PATH="$src/stdlib"
fail() { echo "diff.sh: FAIL: $*"; exit 1; }

cat >"$work/base.ward" <<'W'
import "std/base";
policy web extends base.unprivileged {
  files { read "/srv/www/**"; }
}
W
cat >"$work/pr.ward" <<'W'
import "std/base";
policy web extends base.unprivileged {
  files { read "/srv/www/**"; }
  capabilities { keep sys_admin; }
}
W

# Equal: a policy against itself.
"$ward" diff "$work/base.ward" "$work/base.ward" >"$work/eq.out" || fail "self diff exit $?"
grep -q "equal" "$work/eq.out" || fail "self diff did not say equal"

# The widening: diff exits 1 and lists it with the new line; the gate exits 1 and names pr.ward:4.
set +e
"$ward" diff "$work/base.ward" "$work/pr.ward" >"$work/diff.out"; rc=$?
set -e
[[ $rc == 1 ]] || fail "diff exit $rc (want 1)"
grep -q "keeps sys_admin" "$work/diff.out" || fail "diff does not name sys_admin: $(cat "$work/diff.out")"
grep -q "pr.ward:4:" "$work/diff.out" || fail "diff does not locate the line: $(cat "$work/diff.out")"
set +e
"$ward" --color never check --baseline "$work/base.ward" "$work/pr.ward" 2>"$work/gate.err"; rc=$?
set -e
cat "$work/gate.err"
[[ $rc == 1 ]] || fail "check --baseline exit $rc (want 1)"
grep -q "pr.ward:4:.*error: web: capabilities wider: keeps sys_admin \[DIFF-WIDER\]" "$work/gate.err" || fail "gate output"
grep -q "web: WIDER against the baseline" "$work/gate.err" || fail "gate verdict"

# The reverse is a narrowing: the gate passes (check itself may still report findings: exit 0 or 1 from
# the verifier only, never from the gate).
"$ward" --color never check --baseline "$work/pr.ward" "$work/base.ward" 2>"$work/rev.err" || true
grep -q "web: not wider against the baseline" "$work/rev.err" || fail "reverse gate: $(cat "$work/rev.err")"

# JSON and SARIF.
set +e
"$ward" diff --format json "$work/base.ward" "$work/pr.ward" >"$work/diff.json"
"$ward" diff --format sarif "$work/base.ward" "$work/pr.ward" >"$work/diff.sarif"
set -e
python3 - "$work/diff.json" "$work/diff.sarif" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
d = [x for x in j["policies"][0]["differences"] if x["layer"] == "capabilities"]
assert d and d[0]["direction"] == "wider" and d[0]["new"]["line"] == 4, d
s = json.load(open(sys.argv[2]))
r = [x for x in s["runs"][0]["results"] if x["ruleId"] == "DIFF-WIDER"]
assert r and r[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4, r
PY

# REV:path sides: the baseline as git has it on main, the pull request's file in the working tree.
if command -v git >/dev/null; then
  repo="$work/repo"
  mkdir -p "$repo/policies" && cp "$work/base.ward" "$repo/policies/web.ward"
  (cd "$repo" && git init -q -b main && git add . && git -c user.email=t@t -c user.name=t commit -qm base &&
   cp "$work/pr.ward" policies/web.ward)
  set +e
  (cd "$repo" && "$ward" --color never check --baseline main:policies/web.ward policies/web.ward) 2>"$work/rev.err"; rc=$?
  set -e
  [[ $rc == 1 ]] || fail "check --baseline main:path exit $rc (want 1)"
  grep -q "^policies/web.ward:4:23: error: web: capabilities wider: keeps sys_admin" "$work/rev.err" || fail "REV gate: $(cat "$work/rev.err")"
  (cd "$repo" && "$ward" diff main:policies/web.ward main:policies/web.ward >/dev/null) || fail "REV self diff"
  set +e
  (cd "$repo" && "$ward" diff main:nosuch.ward policies/web.ward) 2>"$work/norev.err"; rc=$?
  set -e
  [[ $rc == 2 ]] && grep -q "cannot read 'main:nosuch.ward'" "$work/norev.err" || fail "missing REV:path: exit $rc"
fi

# OCI sides (audited as `ward verify --oci` does): Docker's default against itself is equal, its privileged
# config is wider (capabilities, devices, seccomp), located in the JSON.
fx="$src/tests/fixtures/docker"
"$ward" diff "$fx/default.config.json" "$fx/default.config.json" >/dev/null || fail "OCI self diff"
set +e
"$ward" diff "$fx/default.config.json" "$fx/privileged.config.json" >"$work/oci.out"; orc=$?
set -e
[[ $orc == 1 ]] || fail "OCI diff exit $orc"
grep -q "keeps sys_admin" "$work/oci.out" && grep -q "privileged.config.json:1:" "$work/oci.out" || fail "OCI diff: $(head "$work/oci.out")"

# AppArmor confirmed on the compiled profiles: one raw rule spelt two ways is possibly-wider at rule level
# (exit 1) and equal once apparmor_parser compiled both (exit 0, said in a note); a real change stays.
if command -v apparmor_parser >/dev/null; then
  for spelling in "ptrace (read) peer=x," "ptrace read peer=x," "/srv/extra/** r,"; do
    n=$((${n:-0} + 1))
    printf 'import "std/base";\npolicy web extends base.unprivileged {\n  apparmor { rule "%s"; }\n}\n' "$spelling" >"$work/aa$n.ward"
  done
  set +e
  "$ward" diff "$work/aa1.ward" "$work/aa2.ward" >"$work/aa.out"; rc1=$?
  "$ward" diff --confirm-apparmor "$work/aa1.ward" "$work/aa2.ward" >"$work/aac.out"; rc2=$?
  "$ward" diff --confirm-apparmor "$work/aa1.ward" "$work/aa3.ward" >"$work/aaw.out"; rc3=$?
  set -e
  [[ $rc1 == 1 ]] && grep -q "possibly wider" "$work/aa.out" || fail "rule-level AppArmor diff: exit $rc1 $(cat "$work/aa.out")"
  [[ $rc2 == 0 ]] && grep -q "compiled profiles are identical" "$work/aac.out" || fail "--confirm-apparmor: exit $rc2 $(cat "$work/aac.out")"
  [[ $rc3 == 1 ]] && grep -q "/srv/extra/\*\* r," "$work/aaw.out" || fail "--confirm-apparmor kept no real change: $(cat "$work/aaw.out")"
fi

# The policy names its own baseline (`verify { baseline }`): plain `ward check` is the gate, the widening
# is an error at its line; `accept DIFF-WIDER "LAYER: WHAT" "reason"` turns it into a note with the reason.
mkdir -p "$work/decl/platform"
cp "$work/base.ward" "$work/decl/platform/web-base.ward"
cat >"$work/decl/web.ward" <<'W'
import "std/base";
policy web extends base.unprivileged {
  files { read "/srv/www/**"; }
  capabilities { keep sys_admin; }
  verify { baseline "platform/web-base.ward"; }
}
W
set +e
"$ward" --color never check "$work/decl/web.ward" 2>"$work/decl.err"; rc=$?
set -e
[[ $rc == 1 ]] || fail "check with verify { baseline } exit $rc (want 1): $(cat "$work/decl.err")"
grep -q "web.ward:4:.*error: web: capabilities wider: keeps sys_admin \[DIFF-WIDER\]" "$work/decl.err" \
  || fail "declared baseline: widening not located: $(cat "$work/decl.err")"
sed -i 's|verify { baseline "platform/web-base.ward"; }|verify { baseline "platform/web-base.ward"; accept DIFF-WIDER "capabilities: keeps sys_admin" "the image builder mounts overlays"; }|' \
  "$work/decl/web.ward"
set +e
"$ward" --color never check "$work/decl/web.ward" 2>"$work/acc.err"; rc=$?
set -e
grep -q "DIFF-WIDER" "$work/acc.err" && grep -q "accepted: the image builder mounts overlays" "$work/acc.err" \
  || fail "accepted widening not shown with its reason: $(cat "$work/acc.err")"
grep -q "error: web: capabilities wider" "$work/acc.err" && fail "an accepted widening is still an error"
[[ $rc == 0 ]] || fail "check with the widening accepted exit $rc (want 0): $(cat "$work/acc.err")"
grep -q "web: not wider against the baseline" "$work/acc.err" || fail "accepted: no verdict"
# A baseline file that does not exist: exit 2, located at the baseline statement.
sed -i 's|platform/web-base.ward|platform/missing.ward|' "$work/decl/web.ward"
set +e
"$ward" --color never check "$work/decl/web.ward" 2>"$work/miss.err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "missing baseline exit $rc (want 2): $(cat "$work/miss.err")"

# Invalid input: exit 2 with file:line:col.
printf 'policy web {\n  capabilities { keep ; }\n}\n' >"$work/bad.ward"
set +e
"$ward" --color never diff "$work/base.ward" "$work/bad.ward" 2>"$work/bad.err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "invalid input exit $rc (want 2)"
grep -q "bad.ward:2:" "$work/bad.err" || fail "invalid input not located: $(cat "$work/bad.err")"
echo "diff.sh: all passed"
