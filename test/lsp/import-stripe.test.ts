/**
 * Import Now into Stripe over a real LSP connection: the server asks the client for the Stripe key it does not
 * have (MissingSecret), and with the key in `secrets` creates the products in the Stripe API double; the object
 * preview shows each row's plan when the request carries the key. The key never comes back in an answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Commands, isMissingSecret, Requests, type ContentPreview, type ImportReport } from '../../server/src/protocol';
import { importWorkspace, products, toCsv } from '../helpers/import-data';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { startStripeDouble, type StripeDouble } from '../helpers/stripe-api';

const BUCKET = 'acme-lsp-stripe-import';
const KEY = 'rk_test_51PwLspImportKey7q8w9e0r';
let moto: MotoServer;
let api: StripeDouble;
let s3: S3Client;
let dir: string;
let client: LspClient;
let uri: string;

before(async () => {
  moto = await startMoto();
  api = await startStripeDouble({ keys: [KEY], seed: false });
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/products/catalog.csv', Body: toCsv(products(12, 3)) }));
  dir = mkdtempSync(join(tmpdir(), 'pw-lsp-stripe-import-'));
  uri = fileUri(importWorkspace(dir, { bucket: BUCKET, destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: api.url, maxRequestsPerSecond: 200 } }));
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

test('Import Now asks the client for the Stripe key it lacks, then creates the products with it', async () => {
  await assert.rejects(client.executeCommand(Commands.importNow, [uri, { endpoint: moto.endpoint }], 30_000), (e: { message: string; data?: unknown }) => {
    assert.ok(isMissingSecret(e.data), JSON.stringify(e.data));
    assert.equal(e.data.missingSecret.secret, 'stripe-api-key');
    assert.match(e.data.missingSecret.prompt, /Stripe API key for the import of Products from S3: .*write access to products/);
    return true;
  });
  assert.equal(api.log.length, 0, 'no request without the key');
  const r = await client.executeCommand<ImportReport>(Commands.importNow, [uri, { endpoint: moto.endpoint, secrets: { 'stripe-api-key': KEY } }], 60_000);
  assert.deepEqual(r.actions, { create: 12 });
  assert.equal(api.objects('products').length, 12);
  assert.ok(!JSON.stringify(r).includes(KEY), 'the report does not carry the key');
});

test('the object preview shows each row’s plan when the request carries the key, and the rows alone without it', async () => {
  const withKey = await client.request<ContentPreview>(Requests.previewObject, { uri, key: 'imports/products/catalog.csv', endpoint: moto.endpoint, secrets: { 'stripe-api-key': KEY } });
  assert.equal(withKey.actions?.length, 12);
  assert.ok(withKey.actions!.every((a) => a.action === 'unchanged' && /^prod_/.test(a.id ?? '')), JSON.stringify(withKey.actions));
  const without = await client.request<ContentPreview>(Requests.previewObject, { uri, key: 'imports/products/catalog.csv', endpoint: moto.endpoint });
  assert.equal(without.rows.length, 12);
  assert.equal(without.actions, undefined);
});
