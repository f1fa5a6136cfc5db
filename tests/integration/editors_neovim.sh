#!/usr/bin/env bash
# The real-editor test of editors/nvim/ward.lua: Neovim as Debian 12 ships it (0.7.2, which has neither
# vim.fs nor vim.lsp.start), set up as docs/editors.md says (editors/vim as a package, ward.lua in
# ~/.config/nvim/plugin/), opens a .ward file with an error in headless mode; the diagnostic that the built
# `ward lsp` publishes must arrive in vim.diagnostic with its code, message and byte columns (the line has a
# non-ASCII character before the error, so UTF-16 and byte columns differ). Then the script fixes the
# error with the layout off and saves: ward.lua formats on save through the server (the file must
# then pass `ward fmt --check`) and the diagnostic must clear. Last, K (hover) and gd (definition), the
# buffer-local mappings ward.lua makes, must show the limit's hover and open the stdlib's base.unprivileged,
# and a second .ward file opened beside the first must be served by the same client.
# Skips (77) without nvim, except under CI=true (scripts/setup.sh installs neovim).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/editor_common.sh"

require_cmds nvim
echo "$(nvim --version | head -1)"

mkdir -p "$HOME/.local/share/nvim/site/pack/ward/start" "$HOME/.config/nvim/plugin"
ln -s "$WARD_SOURCE_DIR/editors/vim" "$HOME/.local/share/nvim/site/pack/ward/start/ward"
cp "$WARD_SOURCE_DIR/editors/nvim/ward.lua" "$HOME/.config/nvim/plugin/"

FILE=$TMP/work/web.ward
OUT=$TMP/out.json
write_policy "$FILE" '/* 🍵 */ '   # `memroy` at UTF-16 column 20, byte column 22
cd "$TMP/work"
WARD_TEST_OUT=$OUT timeout 60 nvim --headless -n -c "luafile $HERE/lib/nvim_diagnostics.lua" web.ward \
  </dev/null >"$TMP/nvim.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "nvim exited $rc (124: timed out)"
[ -s "$OUT" ] || { fail "nvim wrote no result"; cat "$TMP/nvim.log" >&2; finish; }
echo "result: $(cat "$OUT")"

jchecks "$OUT" <<'CHECKS'
file type	'ward'	d['filetype']
clients attached	['ward']	d['clients']
diagnostics arrived	True	d['arrived']
count	1	len(d['diagnostics'])
code	'E0209'	d['diagnostics'][0]['code']
message	'unknown limit `memroy`; did you mean `memory`?'	d['diagnostics'][0]['message']
severity (1 = error)	1	d['diagnostics'][0]['severity']
range (0-based line, byte columns)	'3:22-3:28'	'%d:%d-%d:%d' % tuple(d['diagnostics'][0][k] for k in ('lnum', 'col', 'end_lnum', 'end_col'))
diagnostics cleared after the fix	(True, [])	(d.get('cleared'), d.get('after'))
omnifunc set on attach	'v:lua.vim.lsp.omnifunc'	d.get('omnifunc')
K on `memory` hovers	True	d.get('hover', '').startswith('**memory** — limit')
gd on base.unprivileged jumps	(True, 'policy unprivileged {')	(d['definition']['file'].endswith('/stdlib/std/base.ward'), d['definition']['line'])
a second file beside it: same client	('ward', 2, 1)	(d['second']['filetype'], len(d['second']['client_ids']), len(set(d['second']['client_ids'])))
CHECKS
grep -q 'memory 512MiB;' "$FILE" || fail "the saved file lacks the fix: $(cat "$FILE")"
if "$WARD_EXE" fmt --check "$FILE" >/dev/null 2>&1; then
  echo "  ok   saved file is formatted (ward fmt --check)"
else
  fail "the saved file is not formatted: $(cat "$FILE")"
fi
if grep -q -E '^(E[0-9]+|Error)' "$TMP/nvim.log"; then fail "nvim reported errors: $(cat "$TMP/nvim.log")"; fi
finish
