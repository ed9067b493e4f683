/** Placeholders left from the docs and secrets written into files. A secret never appears in a message. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, lint, lintOne, stripeExport, STRIPE_TRUST } from '../helpers/engine';

const policy = (resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [resource] }] }, null, 2);

test('each guide’s placeholder is recognised', () => {
  for (const [ph, what] of [['<BUCKET_RESOURCE>', /Stripe/], ['USER_TARGET_BUCKET', /S3 connector/], ['INSERTBUCKETNAME', /Braze/]] as const) {
    const r = lintOne('p.policy.json', policy(`arn:aws:s3:::${ph}/*`));
    assert.deepEqual(codes(r), ['placeholder'], ph);
    assert.equal(r[0].text, ph);
    assert.match(r[0].message, what);
  }
});

test('AEP placeholders such as {ACCESS_TOKEN} and {ORG_ID} are flagged', () => {
  const r = lintOne('t.aep.json', JSON.stringify({ name: 't', connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' }, data: { format: 'parquet_xdm', schema: { id: 'https://ns.adobe.com/{ORG_ID}/schemas/5f76', version: '1.3' } }, params: { dataSetId: '65e622315f78042c9e8166e8' } }));
  assert.deepEqual(codes(r), ['placeholder']);
  assert.equal(r[0].text, '{ORG_ID}');
});

test('a bucket placeholder in a policy is fixed with the bucket of the pipeline that uses the policy', () => {
  const files = {
    'a.pipeline.json': stripeExport(),
    'stripe.policy.json': policy('arn:aws:s3:::<BUCKET_RESOURCE>/*'),
    'stripe.trust.json': STRIPE_TRUST,
  };
  const r = lint(files, 'stripe.policy.json').filter((f) => f.code === 'placeholder');
  assert.match(r[0].message, /"acme-stripe-data", from the pipeline that uses this file/);
  assert.equal(r[0].finding.fixes?.[0].title, 'Replace with bucket "acme-stripe-data"');
  assert.equal(r[0].finding.fixes?.[0].edits[0].newText, 'acme-stripe-data');
});

test('literal secrets are errors whose message never repeats the secret', () => {
  const secrets = [
    ['sk_live_51Nv0FGQ9RKHgCVdKaBcDeFgHiJkLmNoP', /Stripe API key/],
    ['rk_test_51Nv0FGQ9RKHgCVdKaBcDeFgHiJkLmNoP', /Stripe API key/],
    ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', /AWS secret access key/],
    ['Bearer eyJhbGciOiJSUzI1NiIsIng1dSI6Imltc19uYTEta2V5LWF0LTEuY2VyIn0', /bearer token/],
    ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmNkZWYxMjM0In0.c2lnbmF0dXJl', /JWT/],
  ] as const;
  for (const [secret, what] of secrets) {
    const text = JSON.stringify({ kind: 'stripe-export', name: 'x', description: secret });
    const r = lintOne('s.pipeline.json', text).filter((s) => s.code === 'literal-secret');
    assert.equal(r.length, 1, secret.slice(0, 8));
    assert.match(r[0].message, what);
    assert.ok(!r[0].message.includes(secret) && !r[0].message.includes(secret.slice(-12)), 'message must not echo the secret');
  }
});

test('a secret-valued property takes a reference: ${secret:…} or ${env:…}', () => {
  const pipeline = (secret: string) => JSON.stringify({ kind: 'braze-export', name: 'e', bucket: 'acme-braze', permissionPolicy: 'p.policy.json', auth: { method: 'access-key', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret } }, null, 2);
  const files = (s: string) => ({ 'e.pipeline.json': pipeline(s), 'p.policy.json': policy('arn:aws:s3:::acme-braze/*') });
  assert.deepEqual(codes(lint(files('${secret:braze-export-secret}'), 'e.pipeline.json')), []);
  assert.deepEqual(codes(lint(files('${env:BRAZE_SECRET}'), 'e.pipeline.json')), []);
  const r = lint(files('hunter2hunter2'), 'e.pipeline.json');
  assert.deepEqual(codes(r), ['literal-secret']);
  assert.ok(!r[0].message.includes('hunter2'));
  assert.equal(r[0].finding.fixes?.[0].edits[0].newText, '"${secret:secret-access-key}"');
  const aws = lint(files('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), 'e.pipeline.json');
  assert.deepEqual(codes(aws), ['literal-secret'], 'reported once, not twice');
});

test('ordinary ids are not mistaken for secrets', () => {
  const text = JSON.stringify({ name: 'm', xdmSchema: 'https://ns.adobe.com/acme/schemas/5f76be8c4e4b847fdac13ca42aa6b596a89a5b91dea48b16', version: 0, mappings: [{ sourceType: 'ATTRIBUTE', sourceAttribute: 'data.id', destinationXdmPath: '_acme.payments.id', identity: false, version: 0 }] });
  assert.deepEqual(codes(lintOne('m.aep.json', text)).filter((c) => c === 'literal-secret'), []);
});
