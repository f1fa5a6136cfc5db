-- Neovim's built-in LSP client for ward: Neovim 0.7 (Debian 12 ships 0.7.2) and later.
-- Put this file on your runtimepath as plugin/ward.lua (e.g. ~/.config/nvim/plugin/ward.lua), or paste it
-- into init.lua. Needs `ward` on PATH, or set the command before this file runs:
--   vim.g.ward_lsp_cmd = { '/path/to/ward', 'lsp' }
-- vim.g.ward_format_on_save = false turns formatting on save off; vim.g.ward_mappings = false leaves the
-- buffer-local K (hover) and gd (definition) mappings out.
--
-- Neovim 0.8+ has vim.lsp.start (one client per root directory, reused by later buffers); 0.7 has only
-- vim.lsp.start_client and vim.lsp.buf_attach_client, so there this file keeps that table itself. It
-- uses nothing newer than 0.7 otherwise (no vim.fs, no vim.lsp.buf.format).
if vim.fn.has('nvim-0.7') == 0 then
  vim.api.nvim_echo({ { 'ward.lua needs Neovim 0.7 or later', 'WarningMsg' } }, true, {})
  return
end

-- File type: vim.filetype.add is the 0.8+ way (0.7 has it, but reads it only with g:do_filetype_lua);
-- the autocommand covers 0.7 (and does nothing where the type is already set).
if vim.filetype and vim.filetype.add then vim.filetype.add({ extension = { ward = 'ward' } }) end
local group = vim.api.nvim_create_augroup('ward_lsp', { clear = true })
vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
  group = group, pattern = '*.ward', command = 'setfiletype ward',
})

-- The nearest directory above the file holding .git (a directory, or a file in a git worktree) or
-- CMakeLists.txt; else the file's own directory. Plain vim.loop, since vim.fs is 0.8+.
local function root_dir(fname)
  local dir = vim.fn.fnamemodify(fname, ':p:h')
  local d = dir
  while d and d ~= '' do
    for _, marker in ipairs({ '.git', 'CMakeLists.txt' }) do
      if vim.loop.fs_stat(d .. '/' .. marker) then return d end
    end
    local parent = vim.fn.fnamemodify(d, ':h')
    if parent == d then break end
    d = parent
  end
  return dir
end

-- Completion with <C-x><C-o>, and <C-]> to definitions, in every Neovim (newer ones set these by
-- themselves, 0.7 does not); K and gd as most LSP set-ups map them (0.10+ maps K by itself).
local function on_attach(_, bufnr)
  vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
  vim.bo[bufnr].tagfunc = 'v:lua.vim.lsp.tagfunc'
  if vim.g.ward_mappings == false then return end
  vim.keymap.set('n', 'K', vim.lsp.buf.hover, { buffer = bufnr, desc = 'ward: hover' })
  vim.keymap.set('n', 'gd', vim.lsp.buf.definition, { buffer = bufnr, desc = 'ward: go to definition' })
end

local clients = {} -- 0.7 only: root directory -> client id
local warned = false

local function start(bufnr)
  local cmd = vim.g.ward_lsp_cmd or { 'ward', 'lsp' }
  if vim.fn.executable(cmd[1]) ~= 1 then
    if not warned then
      vim.notify('ward: `' .. cmd[1] .. '` is not executable; set vim.g.ward_lsp_cmd', vim.log.levels.ERROR)
      warned = true
    end
    return
  end
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == '' then return end
  local config = { name = 'ward', cmd = cmd, root_dir = root_dir(fname), on_attach = on_attach }
  if vim.lsp.start then
    -- Some releases attach the current buffer whatever opts.bufnr says: make bufnr current meanwhile.
    vim.api.nvim_buf_call(bufnr, function() vim.lsp.start(config, { bufnr = bufnr }) end)
    return
  end
  local id = clients[config.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    if not id then return end -- start_client has reported why
    clients[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

vim.api.nvim_create_autocmd('FileType', {
  group = group, pattern = 'ward',
  callback = function(args) start(args.buf) end,
})

-- Format with the server (exactly `ward fmt`) on save. The server refuses while the file has syntax
-- errors, and then the buffer is written as it is.
vim.api.nvim_create_autocmd('BufWritePre', {
  group = group, pattern = '*.ward',
  callback = function(args)
    if vim.g.ward_format_on_save == false then return end
    if vim.lsp.buf.format then
      vim.lsp.buf.format({ bufnr = args.buf, name = 'ward', timeout_ms = 2000 })
    elseif args.buf == vim.api.nvim_get_current_buf() and #vim.lsp.buf_get_clients(args.buf) > 0 then
      vim.lsp.buf.formatting_sync(nil, 2000) -- 0.7: formats the current buffer only
    end
  end,
})
