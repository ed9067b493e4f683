/**
 * The server's copy of a document stays right whatever ranges a client sends. vscode-languageserver-textdocument
 * trusts its ranges: before server/src/lsp/documents.ts, one edit at line 1,000,000 of a short document left a
 * million-entry line table behind it, and each later edit of that document cost seconds and hundreds of MB (the
 * protocol fuzz found it). Positions past the end now mean the end, and a didOpen without a uri is refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LspClient, fileUri } from '../helpers/lsp-client';

const TEXT = '{\n  "Version": "2012-10-17",\n  "Statement": []\n}\n';
let dir: string;
let client: LspClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-docs-'));
  client = await LspClient.start({ workspace: dir });
});
after(() => {
  client?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('edits at line 1,000,000 append at the end, and the next 200 edits of that document stay fast', async () => {
  const uri = fileUri(join(dir, 'far.policy.json'));
  await client.open(uri, TEXT);
  await client.nextDiagnostics(uri, { version: 1 });
  const far = { start: { line: 1_000_000, character: 3 }, end: { line: 1_000_001, character: 0 } };
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: far, text: '\n' }] });
  const t0 = performance.now();
  let version = 2;
  for (let i = 0; i < 200; i++) {
    version++;
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: { line: 2, character: 16 }, end: { line: 2, character: 16 } }, text: i % 2 ? ']' : '[' }] });
  }
  await client.nextDiagnostics(uri, { version, timeoutMs: 30_000 });
  const ms = performance.now() - t0;
  console.log(`200 edits after an edit at line 1,000,000: diagnostics in ${ms.toFixed(0)} ms`);
  // Without the clamp each of these edits walked a million-entry line table (seconds each); 20 s cannot flake.
  assert.ok(ms < 20_000, `${ms.toFixed(0)} ms`);
  // Each edit inserts at the same place, so the last inserted comes first: [ then ][ a hundred times, then ].
  const expected = TEXT.slice(0, TEXT.indexOf('[]') + 1) + ']['.repeat(100) + TEXT.slice(TEXT.indexOf('[]') + 1) + '\n';
  const fresh = fileUri(join(dir, 'fresh.policy.json'));
  await client.open(fresh, expected);
  assert.deepEqual(await client.documentSymbols(uri), await client.documentSymbols(fresh), 'the server holds the clamped text');
  assert.deepEqual(await client.formatting(uri), await client.formatting(fresh));
});

test('a didOpen without a uri or text is refused, and nothing is validated under `undefined`', async () => {
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: 5 });
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri(join(dir, 'x.pipeline.json')), version: 1 } });
  const pipeline = fileUri(join(dir, 'a.pipeline.json'));
  await client.open(pipeline, '{ "kind": "stripe-import" }');
  await client.nextDiagnostics(pipeline, { version: 1 });
  await new Promise((r) => setTimeout(r, 300)); // a pipeline opening revalidates the other open documents after 50 ms
  assert.doesNotMatch(client.stderr, /validation failed/);
  assert.equal(client.published.get('undefined'), undefined);
  assert.equal(client.published.get(fileUri(join(dir, 'x.pipeline.json'))), undefined);
  await client.shutdown();
});
