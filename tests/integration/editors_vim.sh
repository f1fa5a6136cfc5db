#!/usr/bin/env bash
# The real-editor test of Vim with ALE (Debian 12: vim 9.0 and vim-ale 3.3.0, the one packaged LSP client
# that needs nothing but Vim script) and editors/vim/ale_linters/ward/ward.vim, set up as docs/editors.md
# says (editors/vim as a package, `packadd! ale` in ~/.vimrc). Vim opens a .ward file with an error, twice:
# in Ex mode (vim -es -u ~/.vimrc) and as a user starts it, on a pseudo-terminal (script(1)); each time
# the diagnostic that the built `ward lsp` publishes must reach ALE with its code, message and position,
# :ALEGoToDefinition on `base.unprivileged` must open the stdlib's declaration, and :ALEFix (the fixer
# that docs/editors.md puts in ~/.vimrc) must turn the buffer into what `ward fmt` makes of the file.
# Skips (77) without vim or ALE, except under CI=true (scripts/setup.sh installs vim and vim-ale).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/editor_common.sh"

require_cmds vim script
[ -d /usr/share/vim/vimfiles/pack/dist-bundle/opt/ale ] || skip "ALE is not installed (vim-ale)"
echo "$(vim --version | head -1)"

mkdir -p "$HOME/.vim/pack/ward/start"
ln -s "$WARD_SOURCE_DIR/editors/vim" "$HOME/.vim/pack/ward/start/ward"
cat >"$HOME/.vimrc" <<'VIMRC'
packadd! ale
filetype plugin indent on
syntax on
let g:ale_fixers = {'ward': [{buffer -> {'command': 'ward fmt %t', 'read_temporary_file': 1}}]}
VIMRC

FILE=$TMP/work/web.ward
write_policy "$FILE" ''   # ASCII only: ALE 3.3 takes LSP's UTF-16 columns as byte columns
cd "$TMP/work"
export FORMATTED=$TMP/formatted.ward   # what `ward fmt` makes of the file, for :ALEFix
cp "$FILE" "$FORMATTED"
"$WARD_EXE" fmt "$FORMATTED" || fail "ward fmt failed on the test file"

check_result() {   # check_result HOW OUT LOG
  local how=$1 out=$2
  [ -s "$out" ] || { fail "$how: vim wrote no result"; cat "$3" >&2; return; }
  echo "$how: $(cat "$out")"
  HOW=$how jchecks "$out" <<'CHECKS'
file type	'ward'	d['filetype']
ALE loaded, ward linter	(1, ['ward'])	(d['ale'], d['linters'])
diagnostics arrived	1	d['arrived']
count	1	len(d['diagnostics'])
linter	'ward'	d['diagnostics'][0]['linter']
code	'E0209'	d['diagnostics'][0]['code']
message	'unknown limit `memroy`; did you mean `memory`?'	d['diagnostics'][0]['text']
type	'E'	d['diagnostics'][0]['type']
position (1-based line:col-end_col)	'4:12-17'	'%d:%d-%d' % tuple(d['diagnostics'][0][k] for k in ('lnum', 'col', 'end_col'))
:ALEGoToDefinition on base.unprivileged	(True, 'policy unprivileged {')	(d['definition']['file'].endswith('/stdlib/std/base.ward'), d['definition']['line'])
:ALEFix gives ward fmt's text	open(os.environ['FORMATTED']).read().splitlines()	d['fixed']
CHECKS
}

# Ex mode: no terminal at all.
WARD_TEST_OUT=$TMP/ex.json timeout 60 vim -Nu "$HOME/.vimrc" -i NONE -n -es \
  -c "source $HERE/lib/vim_ale_diagnostics.vim" web.ward </dev/null >"$TMP/ex.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "vim -es exited $rc (124: timed out)"
check_result "vim -es" "$TMP/ex.json" "$TMP/ex.log"

# As a user starts it: ~/.vimrc found by Vim itself, on a terminal.
WARD_TEST_OUT=$TMP/tty.json TERM=xterm timeout 60 script -qec \
  "vim -i NONE -n -c 'source $HERE/lib/vim_ale_diagnostics.vim' web.ward" /dev/null </dev/null >"$TMP/tty.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "vim on a terminal exited $rc (124: timed out)"
check_result "vim on a terminal" "$TMP/tty.json" "$TMP/tty.log"
finish
