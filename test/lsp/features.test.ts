/**
 * Language features over LSP: completion, hover, outline, links and formatting, each stated as
 * "this text, the cursor here, this answer".
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InsertTextFormat, MarkupKind, SymbolKind, type CompletionItem, type DocumentSymbol, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { LspClient, applyEdits, fileUri, positionOf, rangeOf } from '../helpers/lsp-client';

/** The text with the cursor marker `|` removed, and the cursor's position. */
function cursor(textWithBar: string) {
  const offset = textWithBar.indexOf('|');
  assert.ok(offset >= 0, 'fixture has no | cursor');
  return { text: textWithBar.slice(0, offset) + textWithBar.slice(offset + 1), position: positionOf(textWithBar, offset) };
}

const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const markdown = (c: unknown) => {
  const m = c as MarkupContent;
  assert.equal(m.kind, MarkupKind.Markdown);
  return m.value;
};

describe('language features', () => {
  let dir: string;
  let client: LspClient | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-features-'));
    client = await LspClient.start({ workspace: dir });
  });
  after(async () => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('completion inside "region": "|" offers AWS region codes, eu-west-1 with its name', async () => {
    const { text, position } = cursor(`{
  "kind": "stripe-export",
  "name": "Acme",
  "region": "|"
}
`);
    const doc = await client!.open(join(dir, 'region.pipeline.json'), text);
    const items = await client!.completion(doc.uri, position);
    const eu = items.find((i) => i.label === 'eu-west-1');
    assert.ok(eu, `no eu-west-1 among ${labels(items).join(', ')}`);
    assert.equal(eu.detail, 'Europe (Ireland)');
    // The whole "" under the cursor is replaced by the quoted code.
    assert.deepEqual(eu.textEdit, { range: { start: { line: 3, character: 12 }, end: { line: 3, character: 14 } }, newText: '"eu-west-1"' });
    assert.ok(labels(items).includes('us-east-1'));
    assert.ok(!labels(items).includes('bucket'), 'a value position offers no property names');
  });

  test('property-key completion in a stripe-export object offers that kind\'s properties only', async () => {
    const { text, position } = cursor(`{
  "kind": "stripe-export",
  |
}
`);
    const doc = await client!.open(join(dir, 'keys.pipeline.json'), text);
    const items = await client!.completion(doc.uri, position);
    const names = labels(items);
    for (const p of ['bucket', 'roleName', 'account', 'region', 'awsAccountId', 'permissionPolicy', 'trustPolicy', 'tables']) assert.ok(names.includes(p), `missing ${p} in ${names.join(', ')}`);
    for (const p of ['folderPath', 'formats', 'template', 'auth', 'baseConnection', 'platform']) assert.ok(!names.includes(p), `${p} belongs to another kind`);
    assert.ok(!names.includes('kind'), 'kind is already present');
    const bucket = items.find((i) => i.label === 'bucket')!;
    assert.equal(bucket.detail, 'required');
    assert.equal(bucket.insertTextFormat, InsertTextFormat.Snippet);
    assert.deepEqual(bucket.textEdit, { range: { start: position, end: position }, newText: '"bucket": "$1"' });
    assert.match(markdown(bucket.documentation), /Name of the Amazon S3 bucket/);
    const role = items.find((i) => i.label === 'roleName')!;
    assert.equal((role.textEdit as { newText: string }).newText, '"roleName": "${1:stripe-data-pipeline-s3-role}"');
  });

  test('completion in a policy\'s "Action": ["s3:|"] offers s3:PutObject as a Write action', async () => {
    const { text, position } = cursor(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:|"],
      "Resource": "arn:aws:s3:::acme-stripe-data/*"
    }
  ]
}
`);
    const doc = await client!.open(join(dir, 'actions.policy.json'), text);
    const items = await client!.completion(doc.uri, position);
    const put = items.find((i) => i.label === 's3:PutObject');
    assert.ok(put, `no s3:PutObject among ${items.length} items`);
    assert.match(put.detail ?? '', /Write/);
    assert.match(markdown(put.documentation), /add an object to a bucket/);
    assert.deepEqual(put.textEdit, { range: { start: { line: 5, character: 17 }, end: { line: 5, character: 22 } }, newText: '"s3:PutObject"' });
    const getLocation = items.find((i) => i.label === 's3:GetBucketLocation');
    assert.match(getLocation?.detail ?? '', /^Read/);
  });

  test('hover on a sourceParams value shows the decoded JSON', async () => {
    const text = `{
  "name": "Stripe charges",
  "baseConnectionId": "ba6c4b3e-1d7b-4a53-ac4b-3e1d7b0a53f1",
  "connectionSpec": { "id": "cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3", "version": "1.0" },
  "data": { "format": "json" },
  "params": { "resourcePath": "charges", "sourceParams": "eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0=" }
}
`;
    const doc = await client!.open(join(dir, 'charges.source.aep.json'), text);
    const value = rangeOf(text, '"eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0="');
    const h = await client!.hover(doc.uri, { line: value.start.line, character: value.start.character + 5 });
    assert.ok(h, 'no hover');
    assert.deepEqual(h.range, { start: { line: 5, character: 57 }, end: { line: 5, character: 95 } });
    assert.ok(markdown(h.contents).includes('**sourceParams** decodes to:\n\n```json\n{\n  "resourcePath": "charges"\n}\n```'), markdown(h.contents));
  });

  test('hover on a property key shows the schema description', async () => {
    const text = `{
  "kind": "stripe-export",
  "name": "Acme",
  "region": "eu-west-1"
}
`;
    const doc = await client!.open(join(dir, 'hover.pipeline.json'), text);
    const h = await client!.hover(doc.uri, { line: 3, character: 5 });
    assert.ok(h, 'no hover');
    assert.deepEqual(h.range, { start: { line: 3, character: 2 }, end: { line: 3, character: 10 } });
    assert.match(markdown(h.contents), /^AWS region code of the bucket, such as `eu-west-1`/);
  });

  test('documentSymbol lists the top-level properties of a pipeline', async () => {
    const text = `{
  "kind": "stripe-export",
  "name": "Acme",
  "bucket": "acme-stripe-data",
  "tables": ["charges", "customers"],
  "schedule": { "every": "3h" }
}
`;
    const doc = await client!.open(join(dir, 'outline.pipeline.json'), text);
    const symbols = (await client!.documentSymbols(doc.uri)) as DocumentSymbol[];
    assert.deepEqual(symbols.map((s) => [s.name, s.kind, s.detail]), [
      ['kind', SymbolKind.String, 'stripe-export'],
      ['name', SymbolKind.String, 'Acme'],
      ['bucket', SymbolKind.String, 'acme-stripe-data'],
      ['tables', SymbolKind.Array, undefined],
      ['schedule', SymbolKind.Module, undefined],
    ]);
    assert.deepEqual(symbols[2].range, { start: { line: 3, character: 2 }, end: { line: 3, character: 30 } });
    assert.deepEqual(symbols[2].selectionRange, { start: { line: 3, character: 2 }, end: { line: 3, character: 10 } });
    assert.deepEqual(symbols[4].children?.map((c) => c.name), ['every']);
  });

  test('documentLink links the referenced files that exist to their file:// URIs', async () => {
    const sub = join(dir, 'links');
    mkdirSync(join(sub, 'keys'), { recursive: true });
    writeFileSync(join(sub, 'stripe.policy.json'), '{ "Version": "2012-10-17", "Statement": [] }\n');
    writeFileSync(join(sub, 'keys', 'acct_1Nv0FGQ9RKHgCVdK.key'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n');
    const text = `{
  "kind": "stripe-export",
  "name": "Acme",
  "permissionPolicy": "stripe.policy.json",
  "trustPolicy": "missing.trust.json",
  "encryption": { "type": "pgp", "publicKey": "keys/acct_1Nv0FGQ9RKHgCVdK.key" }
}
`;
    const doc = await client!.open(join(sub, 'linked.pipeline.json'), text);
    const links = await client!.documentLinks(doc.uri);
    const sorted = links.map((l) => ({ range: l.range, target: l.target })).sort((a, b) => a.range.start.line - b.range.start.line);
    assert.deepEqual(sorted, [
      { range: { start: { line: 3, character: 23 }, end: { line: 3, character: 41 } }, target: fileUri(join(sub, 'stripe.policy.json')) },
      { range: { start: { line: 5, character: 47 }, end: { line: 5, character: 77 } }, target: fileUri(join(sub, 'keys', 'acct_1Nv0FGQ9RKHgCVdK.key')) },
    ]);
  });

  test('formatting a minified document returns edits that indent it', async () => {
    const text = '{"kind":"stripe-export","name":"Acme","tables":["charges","customers"],"schedule":{"every":"3h"}}';
    const doc = await client!.open(join(dir, 'minified.pipeline.json'), text);
    const edits = await client!.formatting(doc.uri, { tabSize: 2, insertSpaces: true });
    assert.ok(edits.length > 0, 'no edits');
    assert.equal(
      applyEdits(text, edits),
      `{
  "kind": "stripe-export",
  "name": "Acme",
  "tables": [
    "charges",
    "customers"
  ],
  "schedule": {
    "every": "3h"
  }
}
`,
    );
  });

  test('shutdown and exit end the server with code 0', async () => {
    await client!.shutdown();
  });
});
