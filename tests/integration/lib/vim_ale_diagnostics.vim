" Run by tests/integration/editors_vim.sh inside Vim (with ALE), after the .ward file given on the command
" line has been opened through the user's set-up (~/.vimrc loading ALE, editors/vim as a package). Waits
" for ward lsp's diagnostics through ALE, then runs :ALEGoToDefinition on `base.unprivileged` and, back in
" the file, :ALEFix (the `ward fmt` fixer of the documented ~/.vimrc); writes what ALE held, where the jump
" went and the fixed lines to $WARD_TEST_OUT as JSON and quits.
let s:out = $WARD_TEST_OUT
let s:timeout = empty($WARD_TEST_TIMEOUT_MS) ? 20000 : str2nr($WARD_TEST_TIMEOUT_MS)
let s:buf = bufnr('')

function! s:Items() abort
  let l:items = []
  for l:i in ale#engine#GetLoclist(s:buf)
    call add(l:items, {'linter': get(l:i, 'linter_name', ''), 'lnum': l:i.lnum, 'col': l:i.col,
    \                  'end_lnum': get(l:i, 'end_lnum', 0), 'end_col': get(l:i, 'end_col', 0),
    \                  'type': l:i.type, 'code': get(l:i, 'code', ''), 'text': l:i.text})
  endfor
  return l:items
endfunction

let s:waited = 0
while empty(s:Items()) && s:waited < s:timeout
  sleep 50m
  let s:waited += 50
endwhile

let s:result = {'version': v:version, 'filetype': &filetype,
\               'ale': exists('g:loaded_ale'), 'arrived': !empty(s:Items()), 'diagnostics': s:Items(),
\               'linters': map(copy(ale#linter#Get(&filetype)), 'v:val.name')}
if s:result.arrived && search('unprivileged', 'w') > 0
  ALEGoToDefinition
  let s:waited = 0
  while bufnr('') == s:buf && s:waited < s:timeout
    sleep 50m
    let s:waited += 50
  endwhile
  let s:result.definition = {'file': expand('%:p'), 'line': getline('.')}
endif
execute 'buffer' s:buf
let s:tick = b:changedtick
ALEFix
let s:waited = 0
while b:changedtick == s:tick && s:waited < s:timeout
  sleep 50m
  let s:waited += 50
endwhile
let s:result.fixed = getline(1, '$')
call writefile([json_encode(s:result)], s:out)
qall!
