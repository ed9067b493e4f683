/** Checks across files: references resolve to files of the right kind; Braze connectors do not collide. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, lint, stripeExport, stripeWorkspace, STRIPE_POLICY } from '../helpers/engine';

test('a reference to a missing file names the path and what to do', () => {
  const files = stripeWorkspace(stripeExport({ trustPolicy: 'iam/stripe.trust.json' }));
  const r = lint(files, 'a.pipeline.json');
  assert.deepEqual(codes(r), ['file-not-found']);
  assert.match(r[0].message, /"iam\/stripe\.trust\.json" does not exist/);
  assert.equal(r[0].text, '"iam/stripe.trust.json"');
});

test('a reference to a file of the wrong kind says what it is and what was expected', () => {
  const files = stripeWorkspace(stripeExport({ trustPolicy: 'stripe.policy.json' }));
  const r = lint(files, 'a.pipeline.json');
  assert.deepEqual(codes(r), ['file-wrong-kind']);
  assert.match(r[0].message, /is an IAM permission policy .*expects an IAM trust policy/);
});

test('an AEP pipeline’s references must point at bodies of the right type', () => {
  const flowBody = JSON.stringify({ name: 'f', flowSpec: { id: '6499120c-0b15-42dc-936e-847ea3c24d72', version: '1.0' }, sourceConnectionIds: ['a'], targetConnectionIds: ['b'], scheduleParams: { startTime: '1710267858', frequency: 'once' } });
  const files = {
    'aep.pipeline.json': JSON.stringify({ kind: 'aep-stripe-flow', name: 'a', baseConnection: 'flow.aep.json', sourceConnections: ['flow.aep.json'], targetConnection: 'flow.aep.json', mappingSet: 'flow.aep.json', flow: 'flow.aep.json', platform: { imsOrg: 'ABC@AdobeOrg', sandbox: 'prod', apiKey: 'client', accessToken: '${secret:adobe}' } }, null, 2),
    'flow.aep.json': flowBody,
  };
  const r = lint(files, 'aep.pipeline.json');
  assert.deepEqual(codes(r).sort(), ['file-wrong-kind', 'file-wrong-kind', 'file-wrong-kind', 'file-wrong-kind']);
  assert.ok(r.every((s) => /is an AEP flow body/.test(s.message)));
});

const braze = (kind: string, folderPath: string | undefined, policy: string, bucket = 'acme-braze') =>
  JSON.stringify({ kind, name: kind, bucket, ...(folderPath ? { folderPath } : {}), permissionPolicy: policy, auth: { method: 'access-key', accessKeyId: '${env:KEY_ID}', secretAccessKey: '${secret:braze}' } }, null, 2);
const policyFor = (bucket: string) => STRIPE_POLICY.replaceAll('acme-stripe-data', bucket);

test('two Currents connectors on one bucket and folder path: an error on each, naming the other', () => {
  const files = {
    'one.pipeline.json': braze('braze-currents', undefined, 'c.policy.json'),
    'two.pipeline.json': braze('braze-currents', 'currents', 'c.policy.json'),
    'c.policy.json': policyFor('acme-braze'),
  };
  const one = lint(files, 'one.pipeline.json');
  assert.deepEqual(codes(one), ['braze-duplicate-folder']);
  assert.match(one[0].message, /two\.pipeline\.json also writes to s3:\/\/acme-braze\/currents\//);
  assert.deepEqual(codes(lint(files, 'two.pipeline.json')), ['braze-duplicate-folder']);
  const distinct = { ...files, 'two.pipeline.json': braze('braze-currents', 'currents-eu', 'c.policy.json') };
  assert.deepEqual(codes(lint(distinct, 'one.pipeline.json')), []);
  const otherBucket = { ...files, 'two.pipeline.json': braze('braze-currents', 'currents', 'c.policy.json', 'acme-braze-eu') };
  assert.deepEqual(codes(lint(otherBucket, 'one.pipeline.json')), []);
});

test('Currents and dashboard export sharing one policy for one bucket is an error; two policies are fine', () => {
  const files = {
    'currents.pipeline.json': braze('braze-currents', 'currents', 'shared.policy.json'),
    'export.pipeline.json': braze('braze-export', undefined, 'shared.policy.json'),
    'shared.policy.json': policyFor('acme-braze'),
    'export.policy.json': policyFor('acme-braze'),
  };
  const r = lint(files, 'export.pipeline.json');
  assert.deepEqual(codes(r), ['braze-shared-policy']);
  assert.match(r[0].message, /two separate policies/);
  const separate = { ...files, 'export.pipeline.json': braze('braze-export', undefined, 'export.policy.json') };
  assert.deepEqual(codes(lint(separate, 'export.pipeline.json')), []);
  assert.deepEqual(codes(lint(separate, 'currents.pipeline.json')), []);
});
