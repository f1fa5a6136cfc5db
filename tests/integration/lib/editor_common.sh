# shellcheck shell=bash
# Shared set-up of the real-editor tests (editors_neovim.sh, editors_vim.sh): a throw-away $HOME where the
# editor is configured exactly as docs/editors.md tells a user, `ward` on PATH (the built one), and a policy
# with one error. Sourced, not run.
. "$(dirname "${BASH_SOURCE[0]}")/runtime.sh"

[ -x "$WARD_EXE" ] || skip "ward is not built ($WARD_EXE)"
require_cmds python3 timeout

TMP=$(mktemp -d /tmp/ward-editors.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export HOME=$TMP/home
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME VIMINIT VIM VIMRUNTIME MYVIMRC
mkdir -p "$HOME" "$TMP/bin" "$TMP/work"
ln -s "$WARD_EXE" "$TMP/bin/ward"
export PATH=$TMP/bin:$PATH
export WARD_TEST_TIMEOUT_MS=${WARD_TEST_TIMEOUT_MS:-20000}   # the editor's own wait for diagnostics; `timeout` bounds the editor

# A policy whose limit name is misspelt: ward lsp reports E0209 on line 4 (LSP line 3). LINE_PREFIX goes
# before the misspelt word (e.g. a comment with a non-ASCII character).
write_policy() {   # write_policy FILE LINE_PREFIX
  printf 'import "std/base";\n\npolicy p extends base.unprivileged {\n  limits { %smemroy 512MiB; }\n}\n' \
    "$2" >"$1"
}

# Checks the JSON result in FILE (bound to d) in one python3 run: each line of standard input is
# "what<TAB>expected<TAB>actual", both Python expressions (os is there for paths from the environment).
# Prints a line a check (prefixed with $HOW when set); each failed check counts in FAILURES.
jchecks() {   # jchecks FILE <<'EOF' ... EOF
  local n
  n=$(python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
failed = 0
how = os.environ.get("HOW", "")
for line in sys.stdin.read().splitlines():
    if not line.strip():
        continue
    what, want, expr = line.split("\t", 2)
    want = eval(want)
    try:
        got = eval(expr)
    except (LookupError, TypeError, AttributeError) as e:
        got = "<none: %r>" % e
    if got == want:
        print("  ok   %s: %s" % (what, got), file=sys.stderr)
    else:
        print("FAIL: %s: expected %r, got %r" % (what, want, got), file=sys.stderr)
        failed += 1
print(failed)' "$1")
  FAILURES=$((${FAILURES:-0} + ${n:-1}))
}

finish() {
  if [ "${FAILURES:-0}" -gt 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
