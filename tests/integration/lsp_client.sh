#!/usr/bin/env bash
# The real-client test of `ward lsp` (tests/lsp/): Microsoft's vscode-jsonrpc and
# vscode-languageserver-protocol from npm, at the versions pinned in tests/lsp/package-lock.json, drive the
# built server through open, incremental edits, diagnostics, hover, completion and definition.
# Needs node >= 18 and npm (Debian: nodejs npm). Skips (77) when they are missing, except in CI.
set -euo pipefail
src=${WARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
exe=${WARD_EXE:-${WARD_BINARY_DIR:?set WARD_EXE or WARD_BINARY_DIR}/ward}

missing=""
command -v node >/dev/null 2>&1 || missing="node"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -z "$missing" ] && ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
  missing="node>=18 (have $(node --version))"
fi
if [ -n "$missing" ]; then
  if [ "${CI:-}" = "true" ]; then echo "lsp_client: missing $missing (install nodejs and npm)"; exit 1; fi
  echo "lsp_client: skipped, missing $missing"; exit 77
fi

# Work on a copy so that the source tree gets no node_modules.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp "$src/tests/lsp/package.json" "$src/tests/lsp/package-lock.json" "$src/tests/lsp/client.test.js" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
WARD_EXE="$exe" node --test client.test.js
