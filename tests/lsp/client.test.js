// The real-client test: `ward lsp` driven by Microsoft's own LSP client libraries (vscode-jsonrpc for the
// transport, vscode-languageserver-protocol for the message types), the ones VS Code's client is built on.
// It opens a file, edits it incrementally to introduce and then fix an error, and checks diagnostics (code
// and UTF-16 range), hover on a system call, completion after `allow `, and go-to-definition on an
// extends parent, then shuts the server down and checks its exit code.
//
//   WARD_EXE=/path/to/ward node --test client.test.js      (or WARD_BINARY_DIR=build)
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const rpc = require('vscode-jsonrpc/node');
const P = require('vscode-languageserver-protocol');

const exe = process.env.WARD_EXE || path.join(process.env.WARD_BINARY_DIR || '.', 'ward');
const TIMEOUT_MS = 30000;

// Line 8 has a non-BMP character before `memory`, so UTF-16 and byte columns differ.
const TEXT = [
  'import "std/base";',                                // 0
  'import "std/syscalls";',                            // 1
  '',                                                  // 2
  '// A web server.',                                  // 3
  'policy web extends base.unprivileged {',            // 4
  '  syscalls {',                                      // 5
  '    allow read, write;',                            // 6
  '  }',                                               // 7
  '  limits { /* 🍵 */ memory 512MiB; }',              // 8: `memory` is at UTF-16 column 20
  '}',                                                 // 9
  '',                                                  // 10
  'policy strict extends web {',                       // 11
  '  limits { pids 64; }',                             // 12
  '}',                                                 // 13
  '',
].join('\n');

function range(l1, c1, l2, c2) {
  return { start: { line: l1, character: c1 }, end: { line: l2, character: c2 } };
}

class Client {
  constructor() {
    this.child = cp.spawn(exe, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.conn = rpc.createMessageConnection(
      new rpc.StreamMessageReader(this.child.stdout),
      new rpc.StreamMessageWriter(this.child.stdin));
    this.published = [];
    this.waiters = [];
    this.conn.onNotification(P.PublishDiagnosticsNotification.type, (params) => {
      this.published.push(params);
      this.waiters = this.waiters.filter((w) => !w(params));
    });
    this.conn.listen();
  }

  // Resolves with the first publishDiagnostics for `uri` at `version` (already received or future).
  diagnostics(uri, version) {
    return this.diagnosticsWhere(uri, (p) => p.version === version);
  }

  diagnosticsWhere(uri, pred) {
    const match = (p) => p.uri === uri && pred(p);
    const seen = this.published.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri}`)), TIMEOUT_MS);
      this.waiters.push((p) => {
        if (!match(p)) return false;
        clearTimeout(timer);
        resolve(p);
        return true;
      });
    });
  }
}

test('ward lsp through vscode-languageserver-protocol', async () => {
  assert.ok(fs.existsSync(exe), `ward executable not found at ${exe} (set WARD_EXE or WARD_BINARY_DIR)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-lsp-client-'));
  const file = path.join(dir, 'web.ward');
  fs.writeFileSync(file, TEXT);
  const uri = pathToFileURL(file).href;
  const client = new Client();
  const { conn } = client;

  try {
    const init = await conn.sendRequest(P.InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      workspaceFolders: null,
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        textDocument: {
          synchronization: { didSave: true },
          hover: { contentFormat: [P.MarkupKind.Markdown, P.MarkupKind.PlainText] },
          completion: { completionItem: { snippetSupport: false } },
          definition: { linkSupport: false },
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
        },
      },
    });
    const caps = init.capabilities;
    assert.equal(caps.textDocumentSync.change, P.TextDocumentSyncKind.Incremental);
    assert.deepEqual(caps.completionProvider.triggerCharacters, ['@', '.']);
    assert.equal(caps.hoverProvider, true);
    assert.equal(caps.definitionProvider, true);
    await conn.sendNotification(P.InitializedNotification.type, {});

    // Open: a valid policy, no diagnostics.
    await conn.sendNotification(P.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'ward', version: 1, text: TEXT },
    });
    let d = await client.diagnostics(uri, 1);
    assert.deepEqual(d.diagnostics, [], JSON.stringify(d.diagnostics));

    // Edit: `memory` -> `memroy` by replacing two characters (columns 23..25 on line 8).
    await conn.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: range(8, 23, 8, 25), text: 'ro' }],
    });
    d = await client.diagnostics(uri, 2);
    assert.equal(d.diagnostics.length, 1, JSON.stringify(d.diagnostics));
    const diag = d.diagnostics[0];
    assert.equal(diag.code, 'E0209');
    assert.equal(diag.severity, P.DiagnosticSeverity.Error);
    assert.deepEqual(diag.range, range(8, 20, 8, 26));
    assert.match(diag.message, /memroy/);
    assert.match(diag.codeDescription.href, /diagnostics\.md#e0209$/);

    // A quick fix is offered for the did-you-mean.
    const actions = await conn.sendRequest(P.CodeActionRequest.type, {
      textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] },
    });
    assert.ok(actions.length >= 1, 'a quick fix');
    assert.equal(actions[0].edit.changes[uri][0].newText, 'memory');

    // Fix it with another incremental edit.
    await conn.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: range(8, 23, 8, 25), text: 'or' }],
    });
    d = await client.diagnostics(uri, 3);
    assert.deepEqual(d.diagnostics, []);

    // Hover on the system call `read` (line 6).
    const hover = await conn.sendRequest(P.HoverRequest.type, { textDocument: { uri }, position: { line: 6, character: 12 } });
    assert.ok(hover && hover.contents, 'hover result');
    assert.equal(hover.contents.kind, P.MarkupKind.Markdown);
    assert.match(hover.contents.value, /\*\*read\*\*/);
    assert.match(hover.contents.value, /\| x86_64 \| 0 \|/);
    assert.deepEqual(hover.range, range(6, 10, 6, 14));

    // Completion after `allow ` on a new line inside syscalls { }.
    await conn.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 4 },
      contentChanges: [{ range: range(7, 0, 7, 0), text: '    allow \n' }],
    });
    const completion = await conn.sendRequest(P.CompletionRequest.type, {
      textDocument: { uri }, position: { line: 7, character: 10 },
      context: { triggerKind: P.CompletionTriggerKind.Invoked },
    });
    const items = Array.isArray(completion) ? completion : completion.items;
    const labels = new Set(items.map((i) => i.label));
    assert.ok(labels.has('openat'), 'syscall names');
    assert.ok(labels.has('@system-service'), 'groups');
    await conn.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 5 },
      contentChanges: [{ range: range(7, 0, 8, 0), text: '' }],
    });
    d = await client.diagnostics(uri, 5);
    assert.deepEqual(d.diagnostics, []);

    // The same findings as `ward check` on the same text (the buffer is TEXT again, as on disk): the
    // verifier's findings follow the checker's in a second publish for the version.
    const check = cp.spawnSync(exe, ['check', '--diagnostics-format=json', file], { encoding: 'utf8' });
    const expected = JSON.parse(check.stdout || '[]').map((x) => x.code).sort();
    if (expected.length > 0) {
      d = await client.diagnosticsWhere(uri, (p) => p.version === 5 && p.diagnostics.length === expected.length);
      assert.deepEqual(d.diagnostics.map((x) => x.code).sort(), expected);
      for (const x of d.diagnostics) assert.match(x.codeDescription.href, /diagnostics\.md#[a-z0-9-]+$/);
    }

    // Go to definition on the extends parent: `base.unprivileged` in the stdlib ...
    let def = await conn.sendRequest(P.DefinitionRequest.type, { textDocument: { uri }, position: { line: 4, character: 26 } });
    def = Array.isArray(def) ? def[0] : def;
    assert.ok(def, 'a definition');
    assert.match(def.uri, /\/std\/base\.ward$/);
    const baseLines = fs.readFileSync(new URL(def.uri), 'utf8').split('\n');
    assert.match(baseLines[def.range.start.line], /policy unprivileged\b/);
    // ... and `web` in this file.
    def = await conn.sendRequest(P.DefinitionRequest.type, { textDocument: { uri }, position: { line: 11, character: 23 } });
    def = Array.isArray(def) ? def[0] : def;
    assert.equal(def.uri, uri);
    assert.deepEqual(def.range, range(4, 7, 4, 10));

    // Unknown methods are MethodNotFound.
    await assert.rejects(conn.sendRequest('ward/noSuchMethod', {}), (e) => e.code === P.ErrorCodes.MethodNotFound);

    await conn.sendRequest(P.ShutdownRequest.type);
    await conn.sendNotification(P.ExitNotification.type);
    const { code } = await client.exited;
    assert.equal(code, 0);
  } finally {
    conn.dispose();
    client.child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
