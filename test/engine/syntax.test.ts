/** Strict JSON where the target system demands it; JSONC where the file says so; nothing breaks the parser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, codes, lintOne } from '../helpers/engine';
import { parseDocument } from '../../server/src/engine';

test('a comment in a .json file is an error that says how to keep it (rename to .jsonc)', () => {
  const r = lintOne('x.policy.json', '{\n  // why\n  "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b1b"}]\n}');
  assert.deepEqual(codes(r), ['json-comment']);
  assert.equal(r[0].line, 2);
  assert.match(r[0].message, /rename x\.policy\.json to \.jsonc/);
});

test('the same comment in a .jsonc file is fine', () => {
  assert.deepEqual(lintOne('x.policy.jsonc', '{\n  // why\n  "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b1b"}]\n}'), []);
});

test('a trailing comma in an AEP body (as in the seed source connection) is an error with a fix that removes it', () => {
  const text = '{\n"name": "s",\n"baseConnectionId": "a9950001-a386-4642-a0cd-5eaac6db5556",\n"connectionSpec": {"id": "cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3", "version": "1.0"},\n"data": {"format": "json"},\n"params": {"resourcePath": "charges"},\n}';
  const r = lintOne('s.aep.json', text);
  assert.deepEqual(codes(r), ['json-trailing-comma']);
  assert.equal(r[0].line, 6);
  assert.equal(r[0].text, ',');
  const fixed = applyFix(text, r[0].finding);
  assert.deepEqual(lintOne('s.aep.json', fixed), []);
});

test('the seed flow body: {{interval}} is a template hole on its exact range, and only that is reported about it', () => {
  const text = `{
"name": "Stripe Connector Flow Generic Rest",
"flowSpec": {"id": "6499120c-0b15-42dc-936e-847ea3c24d72", "version": "1.0"},
"sourceConnectionIds": ["abbfac4e-202c-4e04-902d-6f73e9041068"],
"targetConnectionIds": ["69879751-ba43-48df-8cd0-39d2bb76a5b8"],
"transformations": [{"name": "Mapping", "params": {"mappingId": "f4aad280fdec4770b7e33066945919d8", "mappingVersion": 0}}],
"scheduleParams": {
"startTime": "1710267858",
"frequency": "minute",
"interval": {{interval}}
}
}`;
  const r = lintOne('flow.aep.json', text);
  assert.deepEqual(codes(r), ['template-hole']);
  assert.equal(r[0].line, 10);
  assert.equal(r[0].column, 13);
  assert.equal(r[0].text, '{{interval}}');
});

test('truncated JSON gets a syntax error, not an exception', () => {
  const r = lintOne('a.pipeline.json', '{"kind": "stripe-export", "bucket": "ab');
  assert.ok(r.some((s) => s.code === 'json-syntax'));
  assert.match(r.find((s) => s.code === 'json-syntax')!.message, /String not closed|expected/);
});

test('10,000 levels of nesting are refused with one clear finding instead of a stack overflow', () => {
  const text = '['.repeat(10_000) + ']'.repeat(10_000);
  const r = lintOne('deep.policy.json', text);
  assert.deepEqual(codes(r), ['nesting-too-deep']);
  assert.equal(r[0].column, 201);
});

test('nesting inside strings and comments does not count', () => {
  const doc = parseDocument('/ws/x.policy.jsonc', `{"Version": "${'['.repeat(500)}", /* ${'{'.repeat(500)} */ "Statement": []}`);
  assert.ok(doc.root);
  assert.equal(doc.syntax.length, 0);
});

test('binary bytes are reported as invalid JSON', () => {
  const bytes = Buffer.from([0x00, 0xff, 0x7b, 0x22, 0x01, 0x80, 0x5d]).toString('latin1');
  const r = lintOne('bin.pipeline.json', bytes);
  assert.ok(r.length > 0);
  assert.ok(r.every((s) => s.code === 'json-syntax' || s.code.startsWith('schema-')));
});

test('an empty file says a value is expected', () => {
  const r = lintOne('empty.pipeline.json', '');
  assert.deepEqual(codes(r), ['json-syntax']);
});
