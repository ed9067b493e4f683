/** Braze checks that go beyond one field: temporary keys, and what the connection test learnt about the bucket. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../server/src/engine';
import { applyFix, codes as allCodes, lintOne, project, ROOT, seen } from '../helpers/engine';

/** The Braze findings (the files here leave out the policy files, whose absence is another check's). */
const codes = (r: Parameters<typeof allCodes>[0]) => allCodes(r.filter((f) => f.code.startsWith('braze-')));

const currents = (extra: Record<string, unknown> = {}, auth: Record<string, unknown> = { method: 'access-key', accessKeyId: '${env:BRAZE_KEY_ID}', secretAccessKey: '${secret:braze-s3-secret}' }) =>
  JSON.stringify({ kind: 'braze-currents', name: 'c', bucket: 'acme-braze-data', folderPath: 'currents', auth, ...extra }, null, 2);

test('an ASIA… access key id is temporary: flagged on its line, with what to use instead', () => {
  const r = lintOne('c.pipeline.json', currents({}, { method: 'access-key', accessKeyId: 'ASIAXAMPLE7QUJ2ZGZ5B', secretAccessKey: '${secret:braze-s3-secret}' }));
  assert.deepEqual(codes(r), ['braze-temporary-key']);
  assert.ok(allCodes(r).includes('literal-secret'), 'a key id written into the file is a secret finding too');
  const t = r.find((f) => f.code === 'braze-temporary-key')!;
  assert.equal(t.text, '"ASIAXAMPLE7QUJ2ZGZ5B"');
  assert.match(t.message, /expire within hours.*long-lived IAM user key \(AKIA…\) or use role-arn auth/);
  assert.deepEqual(codes(lintOne('c.pipeline.json', currents({}, { method: 'access-key', accessKeyId: 'AKIAXAMPLE7QUJ2ZGZ5B', secretAccessKey: '${secret:braze-s3-secret}' }))), []);
});

test('Object Lock learnt on the bucket: an error on a Currents pipeline\'s bucket line, none on an export\'s', () => {
  const files = { 'c.pipeline.json': currents(), 'e.pipeline.json': currents({ kind: 'braze-export', folderPath: undefined }) };
  const p = project(files);
  const doc = p.get(`${ROOT}/c.pipeline.json`)!;
  assert.deepEqual(codes(seen(doc, validate(doc, p))), []);
  p.setBucketFacts('acme-braze-data', { objectLock: true });
  const r = seen(doc, validate(doc, p)).filter((f) => f.code.startsWith('braze-'));
  assert.deepEqual(codes(r), ['braze-object-lock']);
  assert.equal(r[0].text, '"acme-braze-data"');
  const exp = p.get(`${ROOT}/e.pipeline.json`)!;
  assert.deepEqual(codes(seen(exp, validate(exp, p))), []);
});

test('a bucket policy that demands the encryption header: flagged on "serverSideEncryption": false, fixed to true', () => {
  const text = currents({ serverSideEncryption: false });
  const p = project({ 'c.pipeline.json': text });
  p.setBucketFacts('acme-braze-data', { requiresSse: true });
  const doc = p.get(`${ROOT}/c.pipeline.json`)!;
  const r = seen(doc, validate(doc, p)).filter((f) => f.code.startsWith('braze-'));
  assert.deepEqual(codes(r), ['braze-sse-required']);
  assert.equal(r[0].text, 'false');
  const fixed = applyFix(text, r[0].finding);
  const again = project({ 'c.pipeline.json': fixed });
  again.setBucketFacts('acme-braze-data', { requiresSse: true });
  const d2 = again.get(`${ROOT}/c.pipeline.json`)!;
  assert.deepEqual(codes(seen(d2, validate(d2, again))), []);
});
