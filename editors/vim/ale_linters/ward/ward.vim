" ward's language server (`ward lsp`) as an ALE linter. ALE (Debian 12: vim-ale, 3.3.0) reads
" ale_linters/<filetype>/*.vim from the runtimepath, so with editors/vim installed as a package and ALE
" loaded (Debian's is an optional package: `packadd! ale` in ~/.vimrc) .ward files get the server's
" diagnostics, and :ALEHover, :ALEGoToDefinition, :ALECodeAction and ALE's completion use it too.
" Set g:ale_ward_executable to the ward binary when it is not `ward` on PATH.
call ale#Set('ward_executable', 'ward')

" The nearest directory above the file holding .git (a directory, or a file in a git worktree) or
" CMakeLists.txt; else the file's own directory (ALE starts no language server without a root).
function! ale_linters#ward#ward#ProjectRoot(buffer) abort
    let l:dir = fnamemodify(bufname(a:buffer), ':p:h')
    let l:d = l:dir
    while 1
        if isdirectory(l:d . '/.git') || filereadable(l:d . '/.git') || filereadable(l:d . '/CMakeLists.txt')
            return l:d
        endif
        let l:parent = fnamemodify(l:d, ':h')
        if l:parent is# l:d
            return l:dir
        endif
        let l:d = l:parent
    endwhile
endfunction

call ale#linter#Define('ward', {
\   'name': 'ward',
\   'lsp': 'stdio',
\   'executable': {b -> ale#Var(b, 'ward_executable')},
\   'command': '%e lsp',
\   'project_root': function('ale_linters#ward#ward#ProjectRoot'),
\})
