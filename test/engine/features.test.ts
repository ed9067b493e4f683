/** Completion, hover, code actions, outline, links, formatting and suppressions, as the engine answers them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { project, ROOT, stripeWorkspace, lint, codes } from '../helpers/engine';
import { complete, hover, codeActions, documentSymbols, documentLinks, formatDocument, validate } from '../../server/src/engine';

/** Put the cursor where `|` is; returns the document text without it and the offset. */
function at(textWithCursor: string): { text: string; offset: number } {
  const offset = textWithCursor.indexOf('|');
  return { text: textWithCursor.slice(0, offset) + textWithCursor.slice(offset + 1), offset };
}

function completeIn(name: string, textWithCursor: string, extra: Record<string, string> = {}) {
  const { text, offset } = at(textWithCursor);
  const p = project({ [name]: text, ...extra });
  return complete(p.get(`${ROOT}/${name}`)!, offset, p);
}

test('property completion offers the properties of the pipeline’s kind, required first, with docs', () => {
  const items = completeIn('a.pipeline.json', '{\n  "kind": "stripe-export",\n  |\n}');
  const labels = items.map((i) => i.label);
  for (const want of ['bucket', 'region', 'roleName', 'permissionPolicy', 'encryption']) assert.ok(labels.includes(want), want);
  assert.ok(!labels.includes('folderPath'), 'folderPath belongs to Braze Currents');
  assert.ok(!labels.includes('kind'), 'kind is already there');
  const role = items.find((i) => i.label === 'roleName')!;
  assert.equal(role.insertText, '"roleName": "${1:stripe-data-pipeline-s3-role}"');
  assert.ok(role.documentation && role.documentation.length > 10);
  assert.ok(items.find((i) => i.label === 'bucket')!.sortText! < items.find((i) => i.label === 'encryption')!.sortText!);
});

test('value completion: regions with their names, enums, kinds', () => {
  const regions = completeIn('a.pipeline.json', '{"kind": "stripe-export", "region": "|"}');
  const eu = regions.find((i) => i.label === 'eu-west-1')!;
  assert.equal(eu.detail, 'Europe (Ireland)');
  assert.equal(eu.insertText, '"eu-west-1"');
  const kinds = completeIn('a.pipeline.json', '{"kind": |}').map((i) => i.label);
  assert.deepEqual(kinds.sort(), ['aep-stripe-flow', 'braze-currents', 'braze-export', 'stripe-export', 'stripe-import']);
});

test('IAM action completion comes from the catalog, with access level and resource types', () => {
  const items = completeIn('p.policy.json', '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:|"], "Resource": "*"}]}');
  const put = items.find((i) => i.label === 's3:PutObject')!;
  assert.match(put.detail!, /^Write — .*\bobject\b/);
  assert.match(put.documentation!, /Grants permission to add an object to a bucket/);
  assert.ok(items.some((i) => i.label === 'kms:Decrypt'));
  assert.ok(items.length > 150);
});

test('resourcePath completion offers the six Stripe resources', () => {
  const items = completeIn('s.aep.json', '{"name": "s", "baseConnectionId": "x", "params": {"resourcePath": "|"}}');
  assert.deepEqual(items.filter((i) => i.kind === 'enum').map((i) => i.label).sort(), ['balance_transactions', 'charges', 'customers', 'prices', 'refunds', 'subscriptions']);
});

test('file references complete with workspace files of the expected kind', () => {
  const items = completeIn('a.pipeline.json', '{"kind": "stripe-export", "permissionPolicy": "|"}', { 'iam/stripe.policy.json': '{}', 'iam/stripe.trust.json': '{}' });
  assert.deepEqual(items.filter((i) => i.kind === 'file').map((i) => i.label), ['iam/stripe.policy.json']);
});

test('secret-valued properties complete with ${secret:…} and ${env:…}', () => {
  const items = completeIn('b.pipeline.json', '{"kind": "braze-export", "auth": {"method": "access-key", "secretAccessKey": |}}');
  assert.deepEqual(items.filter((i) => i.kind === 'reference').map((i) => i.label), ['${secret:…}', '${env:…}']);
});

test('hover shows the schema docs, decoded sourceParams and IAM action docs', () => {
  const p = project({ 's.aep.json': '{"name": "s", "baseConnectionId": "x", "params": {"resourcePath": "charges", "sourceParams": "eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0="}}', 'p.policy.json': '{"Statement": [{"Action": "s3:GetObject"}]}', ...stripeWorkspace() });
  const aep = p.get(`${ROOT}/s.aep.json`)!;
  const h = hover(aep, aep.text.indexOf('eyJ') + 3)!;
  assert.match(h.markdown, /decodes to:[\s\S]*"resourcePath": "charges"/);
  const pol = p.get(`${ROOT}/p.policy.json`)!;
  assert.match(hover(pol, pol.text.indexOf('s3:GetObject') + 2)!.markdown, /\*\*s3:GetObject\*\* \(Read\)/);
  const pipe = p.get(`${ROOT}/a.pipeline.json`)!;
  const roleHover = hover(pipe, pipe.text.indexOf('"roleName"') + 2)!;
  assert.match(roleHover.markdown, /stripe-data-pipeline-s3-role/);
});

test('code actions: the finding’s fixes, and a suppression comment in .jsonc files', () => {
  const text = '{\n  "kind": "stripe-export",\n  "region": "eu-west-9"\n}';
  const p = project({ 'a.pipeline.jsonc': text });
  const doc = p.get(`${ROOT}/a.pipeline.jsonc`)!;
  const findings = validate(doc, p);
  const off = text.indexOf('eu-west-9');
  const actions = codeActions(doc, findings, off, off);
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes('Change to "eu-west-1"'));
  assert.ok(titles.includes('Suppress region on this line'));
  const suppress = actions.find((a) => a.title === 'Suppress region on this line')!;
  const e = suppress.edits[0];
  const suppressed = text.slice(0, e.start) + e.newText + text.slice(e.end);
  assert.match(suppressed, /\n  \/\/ pipewright-disable-next-line region\n  "region"/);
  assert.ok(!codes(lint({ 'a.pipeline.jsonc': suppressed }, 'a.pipeline.jsonc')).includes('region'));
});

test('suppressions: per file, per line, and project-wide by setting', () => {
  const body = '"kind": "stripe-export",\n  "region": "eu-west-9"';
  assert.ok(codes(lint({ 'a.pipeline.jsonc': `// pipewright-disable region\n{\n  ${body}\n}` }, 'a.pipeline.jsonc')).every((c) => c !== 'region'));
  assert.ok(codes(lint({ 'a.pipeline.jsonc': `{\n  ${body}\n}` }, 'a.pipeline.jsonc')).includes('region'));
  assert.ok(codes(lint({ 'a.pipeline.jsonc': `{\n  ${body} // pipewright-disable-line region\n}` }, 'a.pipeline.jsonc')).every((c) => c !== 'region'));
  assert.ok(codes(lint({ 'a.pipeline.jsonc': `// pipewright-disable bucket-name\n{\n  ${body}\n}` }, 'a.pipeline.jsonc')).includes('region'), 'another code is not silenced');
  assert.ok(codes(lint({ 'a.pipeline.json': `{\n  ${body}\n}` }, 'a.pipeline.json', ['region'])).every((c) => c !== 'region'));
});

test('the outline lists properties, and policy statements by Sid', () => {
  const p = project(stripeWorkspace());
  const top = documentSymbols(p.get(`${ROOT}/a.pipeline.json`)!).map((s) => s.name);
  assert.deepEqual(top.slice(0, 4), ['kind', 'name', 'account', 'bucket']);
  const stmts = documentSymbols(p.get(`${ROOT}/stripe.policy.json`)!).find((s) => s.name === 'Statement')!;
  assert.deepEqual(stmts.children.map((c) => c.name), ['0: Bucket', '1: Objects']);
});

test('document links open the referenced files', () => {
  const p = project(stripeWorkspace());
  const doc = p.get(`${ROOT}/a.pipeline.json`)!;
  const links = documentLinks(doc, p);
  assert.deepEqual(links.map((l) => l.target).sort(), [`${ROOT}/stripe.policy.json`, `${ROOT}/stripe.trust.json`]);
  const l = links.find((x) => x.target.endsWith('policy.json'))!;
  assert.equal(doc.text.slice(l.start, l.end), 'stripe.policy.json');
});

test('formatting indents a minified file and keeps comments', () => {
  const p = project({ 'a.pipeline.jsonc': '{"kind":"stripe-export",/* why */"name":"x"}' });
  const doc = p.get(`${ROOT}/a.pipeline.jsonc`)!;
  let text = doc.text;
  for (const e of [...formatDocument(doc)].sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.newText + text.slice(e.end);
  assert.equal(text, '{\n  "kind": "stripe-export", /* why */\n  "name": "x"\n}\n');
});

test('a position past the end of a line means the end of that line, not the next line', async () => {
  const { LineIndex } = await import('../../server/src/engine');
  const lines = new LineIndex('{\n  "a": 1,\r\n  "b": 2\n}');
  assert.equal(lines.offsetAt({ line: 1, character: 999 }), '{\n  "a": 1,'.length);
  assert.equal(lines.offsetAt({ line: 2, character: 999 }), '{\n  "a": 1,\r\n  "b": 2'.length);
  assert.equal(lines.offsetAt({ line: 9, character: 0 }), '{\n  "a": 1,\r\n  "b": 2\n}'.length);
  assert.deepEqual(lines.positionAt('{\n  "a": 1,\r\n'.length), { line: 2, character: 0 });
});
