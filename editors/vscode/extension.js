// The VS Code client for `ward lsp`: starts the server over stdio for .ward files.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration('ward');
  const command = config.get('path', 'ward');
  const includeDirs = config.get('includeDirs', []);
  const env = { ...process.env };
  if (includeDirs.length) env.WARD_PATH = [...includeDirs, env.WARD_PATH].filter(Boolean).join(':');
  return { command, args: ['lsp'], transport: TransportKind.stdio, options: { env } };
}

async function start(context) {
  client = new LanguageClient('ward', 'ward', serverOptions(), {
    documentSelector: [{ language: 'ward' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.ward') },
  });
  await client.start();
  context.subscriptions.push(client);
}

async function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand('ward.restartServer', async () => {
    if (client) await client.stop();
    await start(context);
  }));
  try {
    await start(context);
  } catch (err) {
    vscode.window.showErrorMessage(
      `ward: could not start \`${vscode.workspace.getConfiguration('ward').get('path', 'ward')} lsp\`: ${err.message}. ` +
      'Set "ward.path" to the ward executable.');
  }
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
