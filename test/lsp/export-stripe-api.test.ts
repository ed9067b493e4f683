/**
 * Export Now from the Stripe API over a real LSP connection: the server asks the client for the key it does not
 * have (MissingSecret, as for the PGP private key), and with the key in `secrets` reads the Stripe API double into
 * moto's S3. The key never comes back in an answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Commands, isMissingSecret, type ExportReport } from '../../server/src/protocol';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { startStripeDouble, type StripeDouble } from '../helpers/stripe-api';

const BUCKET = 'acme-lsp-stripe-api';
const KEY = 'rk_test_51PwLspDoubleKey7q8w9e0r';
let moto: MotoServer;
let api: StripeDouble;
let s3: S3Client;
let dir: string;
let client: LspClient;
let uri: string;

before(async () => {
  moto = await startMoto();
  api = await startStripeDouble({ keys: [KEY], seed: { charges: 150, seed: 4 } });
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-lsp-stripe-api-'));
  writeFileSync(join(dir, 'p.policy.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` }, { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${BUCKET}` }] }, null, 2));
  writeFileSync(join(dir, 't.trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::731954892063:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FGQ9RKHgCVdK' } } }] }, null, 2));
  const path = join(dir, 'api.pipeline.json');
  writeFileSync(path, JSON.stringify({ kind: 'stripe-export', name: 'From the API', account: 'acct_1Nv0FGQ9RKHgCVdK', bucket: BUCKET, region: 'us-east-1', awsAccountId: '402871995361', roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json', tables: ['charges', 'customers'], source: { type: 'stripe-api', apiKey: '${secret:stripe-api-key}', apiBase: api.url } }, null, 2));
  uri = fileUri(path);
  // The server's own environment has no key: the editor's secret storage is where it comes from.
  client = await LspClient.start({ workspace: dir, workDoneProgress: true, env: { PIPEWRIGHT_SECRET_STRIPE_API_KEY: '' } });
});

after(async () => {
  client?.kill();
  s3?.destroy();
  await api?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Export Now asks the client for the Stripe key it lacks, then exports from the Stripe API with it', async () => {
  await assert.rejects(client.executeCommand(Commands.exportNow, [uri, { endpoint: moto.endpoint }], 30_000), (e: { message: string; data?: unknown }) => {
    assert.ok(isMissingSecret(e.data), JSON.stringify(e.data));
    assert.equal(e.data.missingSecret.secret, 'stripe-api-key');
    assert.equal(e.data.missingSecret.kind, 'text');
    assert.match(e.data.missingSecret.prompt, /Stripe API key for the export of From the API: .*read access to charges, customers/);
    return true;
  });
  assert.equal(api.log.length, 0, 'no request without the key');
  const r = await client.executeCommand<ExportReport>(Commands.exportNow, [uri, { endpoint: moto.endpoint, secrets: { 'stripe-api-key': KEY } }], 60_000);
  assert.ok(r.success, JSON.stringify(r));
  assert.deepEqual(r.tables.map((t) => [t.table, t.rows]), [['charges', api.objects('charges').length], ['customers', api.objects('customers').length]]);
  assert.ok(!JSON.stringify(r).includes(KEY), 'the report does not carry the key');
});

test('a refused key comes back as the clear message, without the key', async () => {
  await assert.rejects(client.executeCommand(Commands.exportNow, [uri, { endpoint: moto.endpoint, secrets: { 'stripe-api-key': 'rk_test_51PwLspWrongKey1a2s3d4f' } }], 30_000), (e: { message: string }) => {
    assert.match(e.message, /the Stripe key in \$\{secret:stripe-api-key\} was refused \(401 on GET \/v1\/charges\)/);
    assert.ok(!e.message.includes('rk_test_51PwLspWrongKey1a2s3d4f'), 'the key is not in the message');
    assert.ok(!e.message.includes('s3d4f'), 'nor the masked key the API echoes');
    return true;
  });
});
