-- Run by tests/integration/editors_neovim.sh inside headless Neovim, after the .ward file given on the
-- command line has been opened through the user's set-up (plugin/ward.lua). Waits for the language
-- server's diagnostics, writes what Neovim holds to $WARD_TEST_OUT as JSON, then (phase 2) fixes the
-- error in the buffer, saves it (ward.lua formats on save) and records the diagnostics again; (phase 3)
-- presses K on `memory` (hover) and gd on `base.unprivileged` (definition) through ward.lua's mappings;
-- (phase 4) opens a second .ward file beside the first: the same client must serve it.
local out = assert(os.getenv('WARD_TEST_OUT'), 'WARD_TEST_OUT not set')
local timeout = tonumber(os.getenv('WARD_TEST_TIMEOUT_MS') or '20000')
local buf = vim.api.nvim_get_current_buf()

local function clients()
  local names = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do table.insert(names, c.name) end
  return names
end

local function diagnostics()
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(list, { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
                         severity = d.severity, code = d.code, message = d.message })
  end
  return list
end

local result = { version = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch,
                 filetype = vim.bo[buf].filetype, has_lsp_start = vim.lsp.start ~= nil }
result.arrived = vim.wait(timeout, function() return #vim.diagnostic.get(buf) > 0 end, 50)
result.clients = clients()
result.diagnostics = diagnostics()

-- Phase 2: `memroy` -> `memory` with the spacing off; :write formats (one edit from the server) and the
-- diagnostics clear.
if result.arrived then
  local lnum = result.diagnostics[1].lnum
  local line = vim.api.nvim_buf_get_lines(buf, lnum, lnum + 1, false)[1]
  vim.api.nvim_buf_set_lines(buf, lnum, lnum + 1, false, { (line:gsub('memroy', 'memory'):gsub('{ ', '{      ')) })
  vim.cmd('write')
  result.cleared = vim.wait(timeout, function() return #vim.diagnostic.get(buf) == 0 end, 50)
  result.after = diagnostics()
end

-- Phase 3: the mappings and options that ward.lua sets on attach.
local function float_text()
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      return table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), '\n')
    end
  end
end

local function cursor_on(pattern)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(pattern)
    if col then
      vim.api.nvim_win_set_cursor(0, { i, col - 1 })
      return true
    end
  end
end

if result.cleared then
  result.omnifunc = vim.bo[buf].omnifunc
  if cursor_on('memory') then
    vim.cmd('normal K')
    vim.wait(timeout, function() return float_text() ~= nil end, 50)
    result.hover = float_text()
  end
  if cursor_on('unprivileged') then
    vim.cmd('normal gd')
    vim.wait(timeout, function() return vim.api.nvim_get_current_buf() ~= buf end, 50)
    result.definition = { file = vim.api.nvim_buf_get_name(0), line = vim.api.nvim_get_current_line() }
  end
end

-- Phase 4: one server per root directory.
if result.cleared then
  local first = vim.lsp.buf_get_clients(buf)
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':h') .. '/second.ward'))
  local second = vim.api.nvim_get_current_buf()
  local ids = {}
  for id, _ in pairs(first) do table.insert(ids, id) end
  for id, _ in pairs(vim.lsp.buf_get_clients(second)) do table.insert(ids, id) end
  result.second = { filetype = vim.bo[second].filetype, client_ids = ids }
end

local f = assert(io.open(out, 'w'))
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd('qall!')
