/** The rules the Stripe and Braze guides state about a pipeline's own values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, codes, lint, stripeExport, stripeWorkspace } from '../helpers/engine';
import { bucketNameProblem } from '../../server/src/engine/checks/common';

const lintPipeline = (patch: Record<string, unknown>, extra: Record<string, string> = {}) =>
  lint({ ...stripeWorkspace(stripeExport(patch)), ...extra }, 'a.pipeline.json');

test('the Stripe role must be named exactly stripe-data-pipeline-s3-role; the fix writes that name', () => {
  const text = stripeExport({ roleName: 'stripe-data-pipeline-role' });
  const r = lint(stripeWorkspace(text), 'a.pipeline.json');
  assert.deepEqual(codes(r), ['fixed-value']);
  assert.match(r[0].message, /exactly "stripe-data-pipeline-s3-role" \(did you mean it\?\)/);
  assert.equal(r[0].text, '"stripe-data-pipeline-role"');
  assert.deepEqual(lint(stripeWorkspace(applyFix(text, r[0].finding)), 'a.pipeline.json'), []);
});

test('S3 bucket naming rules', () => {
  const cases: Array<[string, RegExp | undefined]> = [
    ['acme-stripe-data', undefined],
    ['a.b-c1', undefined],
    ['ab', /3 to 63/],
    ['x'.repeat(64), /3 to 63/],
    ['My_Bucket', /lowercase/],
    ['acme_data', /only lowercase letters, digits/],
    ['-acme', /begin and end/],
    ['acme.', /begin and end/],
    ['acme..data', /adjacent dots/],
    ['192.168.5.4', /IP address/],
    ['xn--acme', /xn--/],
    ['sthree-acme', /sthree-/],
    ['acme-s3alias', /-s3alias/],
    ['acme--ol-s3', /--ol-s3/],
  ];
  for (const [name, want] of cases) {
    const got = bucketNameProblem(name);
    if (want) assert.match(got ?? '', want, name);
    else assert.equal(got, undefined, name);
  }
});

test('a bad bucket name is an error on the value with a lowercase fix', () => {
  const r = lintPipeline({ bucket: 'Acme_Stripe_Data' });
  const b = r.find((s) => s.code === 'bucket-name')!;
  assert.equal(b.text, '"Acme_Stripe_Data"');
  assert.equal(b.finding.fixes?.[0].title, 'Change to "acme-stripe-data"');
});

test('an unknown region suggests the nearest real one', () => {
  const r = lintPipeline({ region: 'eu-west-9' });
  assert.deepEqual(codes(r), ['region']);
  assert.match(r[0].message, /Did you mean "eu-west-1"\?/);
  assert.deepEqual(codes(lintPipeline({ region: 'ap-southeast-2' })), []);
});

test('AWS account ids are 12 digits; a formatted one gets a fix', () => {
  const r = lintPipeline({ awsAccountId: '1234-5678-9012' });
  assert.deepEqual(codes(r), ['aws-account-id']);
  assert.equal(r[0].finding.fixes?.[0].title, 'Change to "123456789012"');
  assert.deepEqual(codes(lintPipeline({ awsAccountId: '12345' })), ['aws-account-id']);
});

test('Stripe ids are acct_… or org_…', () => {
  assert.deepEqual(codes(lintPipeline({ account: 'org_1Nv0FGQ9RKHg' })), []);
  const r = lintPipeline({ account: 'cus_1Nv0FGQ9RKHg' });
  assert.deepEqual(codes(r), ['stripe-account-id']);
});

test('prefixes are relative folders ending in "/"', () => {
  assert.deepEqual(codes(lintPipeline({ prefix: 'stripe/exports/' })), []);
  const lead = lintPipeline({ prefix: '/stripe/' });
  assert.deepEqual(codes(lead), ['folder-path']);
  assert.match(lead[0].message, /must not start with "\/"/);
  assert.equal(lead[0].finding.fixes?.[0].title, 'Change to "stripe/"');
  assert.match(lintPipeline({ prefix: 'stripe' })[0].message, /must end with "\/"/);
  assert.match(lintPipeline({ prefix: 'a//b/' })[0].message, /empty folder names/);
  assert.match(lintPipeline({ prefix: 'a/../b/' })[0].message, /"\.\."/);
});

test('the PGP key file should be named after the account, as Stripe tells you to export it', () => {
  const key = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGV...\n-----END PGP PUBLIC KEY BLOCK-----\n';
  const good = lintPipeline({ encryption: { type: 'pgp', publicKey: 'keys/acct_1Nv0FGQ9RKHgCVdK.key' } }, { 'keys/acct_1Nv0FGQ9RKHgCVdK.key': key });
  assert.deepEqual(codes(good), []);
  const r = lintPipeline({ encryption: { type: 'pgp', publicKey: 'keys/mykey.asc' } }, { 'keys/mykey.asc': key });
  assert.deepEqual(codes(r), ['pgp-key-name']);
  assert.equal(r[0].severity, 'warning');
  assert.match(r[0].message, /"acct_1Nv0FGQ9RKHgCVdK\.key"/);
});

test('a private key given as the public key file is refused', () => {
  const priv = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQc...\n-----END PGP PRIVATE KEY BLOCK-----\n';
  const r = lintPipeline({ encryption: { type: 'pgp', publicKey: 'acct_1Nv0FGQ9RKHgCVdK.key' } }, { 'acct_1Nv0FGQ9RKHgCVdK.key': priv });
  assert.deepEqual(codes(r), ['file-wrong-kind']);
  assert.match(r[0].message, /PRIVATE key/);
});

test('a schedule other than Stripe’s 3 hours is a warning', () => {
  const r = lintPipeline({ schedule: { every: '1h' } });
  assert.deepEqual(codes(r), ['stripe-schedule']);
  assert.equal(r[0].severity, 'warning');
  assert.deepEqual(codes(lintPipeline({ schedule: { every: '3h' } })), []);
});

test('the Stripe API source: https, or plain http only to this machine; allowLiveKey is a boolean offered by completion', async () => {
  const source = (s: Record<string, unknown>) => lintPipeline({ source: { type: 'stripe-api', apiKey: '${secret:stripe-api-key}', ...s } });
  assert.deepEqual(codes(source({})), []);
  assert.deepEqual(codes(source({ apiBase: 'https://stripe-proxy.corp.example:8443' })), []);
  assert.deepEqual(codes(source({ apiBase: 'http://127.0.0.1:12111', allowLiveKey: true })), []);
  const clear = source({ apiBase: 'http://stripe-proxy.corp.example' });
  assert.equal(clear.length, 1);
  assert.match(clear[0].message, /http:\/\/ only to this machine/);
  assert.equal(source({ apiBase: 'https://api.stripe.com/v1' }).length, 1, 'the SDK adds /v1/ itself: no path');
  assert.equal(source({ allowLiveKey: 'yes' }).length, 1);
  const { complete } = await import('../../server/src/engine');
  const { project, ROOT } = await import('../helpers/engine');
  // The cursor on a new line inside "source", after its type.
  const base = stripeExport({ source: { type: 'stripe-api' } });
  const offset = base.indexOf('"stripe-api"') + '"stripe-api"'.length + 2;
  const text = `${base.slice(0, offset - 2)},\n${base.slice(offset - 2)}`;
  const p = project(stripeWorkspace(text));
  const labels = complete(p.get(`${ROOT}/a.pipeline.json`)!, offset, p).map((i) => i.label);
  assert.ok(labels.includes('allowLiveKey') && labels.includes('apiBase'), labels.join(', '));
});
