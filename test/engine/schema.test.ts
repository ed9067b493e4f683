/** Schema findings: exact ranges, messages that say what to do, and fixes for near misses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, codes, lint, stripeExport, stripeWorkspace } from '../helpers/engine';

const lintPipeline = (patch: Record<string, unknown>) => lint(stripeWorkspace(stripeExport(patch)), 'a.pipeline.json');

test('a valid stripe-export pipeline has no findings', () => {
  assert.deepEqual(lintPipeline({}), []);
});

test('a missing required property is named, on the object that lacks it', () => {
  const r = lintPipeline({ bucket: undefined });
  assert.deepEqual(codes(r), ['schema-required']);
  assert.match(r[0].message, /Missing required property "bucket"/);
  assert.equal(r[0].line, 1);
});

test('a misspelt property is flagged with "did you mean" and a rename fix', () => {
  const text = stripeExport({ bucket: undefined, bukcet: 'acme-stripe-data' });
  const r = lint(stripeWorkspace(text), 'a.pipeline.json');
  const unknown = r.find((s) => s.code === 'schema-unknown-property')!;
  assert.match(unknown.message, /Property "bukcet" is not allowed here\. Did you mean "bucket"\?/);
  assert.equal(unknown.text, '"bukcet"');
  const fixed = applyFix(text, unknown.finding);
  assert.deepEqual(lint(stripeWorkspace(fixed), 'a.pipeline.json'), []);
});

test('an unknown kind lists the five kinds and suggests the nearest', () => {
  const r = lintPipeline({ kind: 'stripe-exprt' });
  assert.deepEqual(codes(r), ['schema-enum']);
  assert.match(r[0].message, /Did you mean "stripe-export"\?/);
  assert.match(r[0].message, /"braze-currents"/);
});

test('a wrong type says what was expected and what was found', () => {
  const r = lintPipeline({ awsAccountId: 123456789012 });
  assert.deepEqual(codes(r), ['schema-type']);
  assert.match(r[0].message, /"awsAccountId" must be a string, found an integer/);
});

test('an enum value out of the set is named with the allowed values', () => {
  const r = lintPipeline({ tables: ['charges', 'chargez'] });
  assert.deepEqual(codes(r), ['schema-enum']);
  assert.match(r[0].message, /Did you mean "charges"\?/);
  assert.equal(r[0].text, '"chargez"');
});

test('a repeated table is flagged on the repeat', () => {
  const r = lintPipeline({ tables: ['charges', 'refunds', 'charges'] });
  assert.deepEqual(codes(r), ['schema-unique']);
  assert.equal(r[0].text, '"charges"');
});

test('the Braze auth object is checked against the branch its method names', () => {
  const files = {
    'c.pipeline.json': JSON.stringify({ kind: 'braze-currents', name: 'c', bucket: 'acme-braze', permissionPolicy: 'p.policy.json', auth: { method: 'role-arn', roleArn: 'arn:aws:iam::123456789012:role/braze', brazeAccountId: '210987654321' } }, null, 2),
    'p.policy.json': JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::acme-braze/*' }] }),
  };
  const r = lint(files, 'c.pipeline.json');
  assert.deepEqual(codes(r), ['schema-required']);
  assert.match(r[0].message, /"externalId"/);
  const bad = { ...files, 'c.pipeline.json': files['c.pipeline.json'].replace('"role-arn"', '"role"') };
  const r2 = lint(bad, 'c.pipeline.json');
  assert.deepEqual(codes(r2), ['schema-enum']);
  assert.match(r2[0].message, /Unknown method "role": use one of "access-key", "role-arn"/);
});
