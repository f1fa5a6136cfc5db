#!/usr/bin/env bash
# The real-editor test of editors/nvim/ward.lua: Neovim as Debian 12 ships it (0.7.2, which has neither
# vim.fs nor vim.lsp.start), set up as docs/editors.md says (editors/vim as a package, ward.lua in
# ~/.config/nvim/plugin/), opens a .ward file with an error in headless mode; the diagnostic that the built
# `ward lsp` publishes must arrive in vim.diagnostic with its code, message and byte columns (the line has a
# non-ASCII character before the error, so UTF-16 and byte columns differ). Then the script fixes the
# error with the formatting off and saves: ward.lua formats on save through the server (the file must
# then pass `ward fmt --check`) and the diagnostic must clear. Last, K (hover) and gd (definition), the
# buffer-local mappings ward.lua makes, must show the limit's hover and open the stdlib's base.unprivileged.
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

check_eq "file type" ward "$(jget "$OUT" "d['filetype']")"
check_eq "clients attached" "['ward']" "$(jget "$OUT" "d['clients']")"
check_eq "diagnostics arrived" True "$(jget "$OUT" "d['arrived']")"
check_eq "count" 1 "$(jget "$OUT" "len(d['diagnostics'])")"
check_eq "code" E0209 "$(jget "$OUT" "d['diagnostics'][0]['code']")"
check_eq "message" 'unknown limit `memroy`; did you mean `memory`?' "$(jget "$OUT" "d['diagnostics'][0]['message']")"
check_eq "severity (1 = error)" 1 "$(jget "$OUT" "d['diagnostics'][0]['severity']")"
check_eq "range (0-based line, byte columns)" "3:22-3:28" \
  "$(jget "$OUT" "'%d:%d-%d:%d' % tuple(d['diagnostics'][0][k] for k in ('lnum', 'col', 'end_lnum', 'end_col'))")"
check_eq "diagnostics cleared after the fix" "(True, [])" "$(jget "$OUT" "d.get('cleared'), d.get('after')")"
grep -q 'memory 512MiB;' "$FILE" || fail "the saved file lacks the fix: $(cat "$FILE")"
if "$WARD_EXE" fmt --check "$FILE" >/dev/null 2>&1; then
  echo "  ok   saved file is formatted (ward fmt --check)"
else
  fail "the saved file is not formatted: $(cat "$FILE")"
fi
check_eq "omnifunc set on attach" v:lua.vim.lsp.omnifunc "$(jget "$OUT" "d.get('omnifunc')")"
check_eq "K on \`memory\` hovers" "True" "$(jget "$OUT" "d.get('hover', '').startswith('**memory** — limit')")"
check_eq "gd on base.unprivileged jumps" "(True, 'policy unprivileged {')" \
  "$(jget "$OUT" "d['definition']['file'].endswith('/stdlib/std/base.ward'), d['definition']['line']")"
if grep -q -E '^(E[0-9]+|Error)' "$TMP/nvim.log"; then fail "nvim reported errors: $(cat "$TMP/nvim.log")"; fi
finish
