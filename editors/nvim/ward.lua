-- Neovim (0.8+) built-in LSP client for ward. Put this file on your runtimepath as plugin/ward.lua, or
-- paste it into init.lua. Needs `ward` on PATH (or set cmd = { '/path/to/ward', 'lsp' }).
vim.filetype.add({ extension = { ward = 'ward' } })

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'ward',
  callback = function(args)
    local root = vim.fs.dirname(vim.fs.find({ '.git', 'CMakeLists.txt' }, { upward = true, path = vim.api.nvim_buf_get_name(args.buf) })[1])
    vim.lsp.start({
      name = 'ward',
      cmd = { 'ward', 'lsp' },
      root_dir = root or vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
    })
  end,
})

-- Optional: format with the server (the same as `ward fmt`) on save.
vim.api.nvim_create_autocmd('BufWritePre', {
  pattern = '*.ward',
  callback = function(args) vim.lsp.buf.format({ bufnr = args.buf, name = 'ward', timeout_ms = 2000 }) end,
})
