/**
 * Reading a stripe-export pipeline's deliveries over a real LSP connection, against moto's S3: the bucket preview
 * streams its runs as partial results, the object preview of a Parquet file (plain, or `.parquet.gpg` with the key in
 * the request) answers exactly what `pipewright preview` computes, and a tampered file is an error, not rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import { Requests, type PreviewBucketResult, type PreviewObjectResult } from '../../server/src/protocol';
import { loadExportPipeline, type ExportPipeline } from '../../server/src/node/export/pipeline';
import { previewDeliveryBucket, previewDeliveryObject } from '../../server/src/node/export/preview';
import { writeSampleData } from '../../server/src/node/export/sources';
import { generateStripeKeyPair } from '../../server/src/node/pgp/keys';
import type { DeliveryRun } from '../../server/src/engine/delivery/runs';
import { ACCOUNT, cli, writeExportPipeline, writePolicies } from '../helpers/export-workspace';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';

const BUCKET = 'acme-lsp-deliveries';
let moto: MotoServer;
let s3: S3Client;
let dir: string;
let client: LspClient;
let plain: ExportPipeline;
let pgp: ExportPipeline;
let privateArmored: string;
const files: Record<string, string[]> = {};

async function exportRun(p: ExportPipeline, name: string): Promise<string> {
  const r = await cli(['export', p.path, '--endpoint', moto.endpoint, '--json'], dir).done;
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { runDir: string; tables: Array<{ table: string; files: string[] }> };
  for (const t of report.tables) files[`${name}:${t.table}`] = t.files;
  return report.runDir;
}

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-lsp-deliveries-'));
  writePolicies(dir, BUCKET);
  await writeSampleData(join(dir, 'data'), { charges: 400, seed: 21 });
  const pair = await generateStripeKeyPair(ACCOUNT);
  privateArmored = pair.privateArmored;
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', `${ACCOUNT}.key`), pair.publicArmored);
  plain = loadExportPipeline(writeExportPipeline(dir, BUCKET, 'plain'));
  pgp = loadExportPipeline(writeExportPipeline(dir, BUCKET, 'pgp', { prefix: 'pgp/', encryption: { type: 'pgp', publicKey: `keys/${ACCOUNT}.key` } }));
  await exportRun(plain, 'plain');
  await exportRun(pgp, 'pgp');
  // A run that never got its marker: a file in a run directory without _SUCCESS.
  await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'snapshot/20260101T000000.000Z/charges/part-00000.parquet', CopySource: `${BUCKET}/${files['plain:charges'][0]}` }));
  client = await LspClient.start({ workspace: dir, workDoneProgress: true });
});

after(async () => {
  client?.kill();
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('previewBucket of a stripe-export pipeline streams its runs as partial results: complete, incomplete, the same as the CLI computes', async () => {
  const token = 'deliveries-partial-1';
  client.progress.set(token, []);
  const result = await client.connection.sendRequest<PreviewBucketResult>(Requests.previewBucket, { uri: fileUri(plain.path), endpoint: moto.endpoint, partialResultToken: token });
  const partials = client.progress.get(token) as unknown as PreviewBucketResult[];
  assert.equal(result.pipelineKind, 'stripe-export');
  assert.deepEqual(result.entries, []);
  assert.deepEqual(result.runs, [], 'with partial results, the response holds only the totals');
  const runs = partials.flatMap((p) => p.runs ?? []);
  const expected: DeliveryRun[] = [];
  const totals = await previewDeliveryBucket(plain, { endpoint: moto.endpoint }, (page) => void expected.push(...page.runs));
  assert.deepEqual(runs, json(expected));
  assert.deepEqual(result.deliveries, json(totals));
  assert.deepEqual(runs.map((r) => r.verdict).sort(), ['complete', 'incomplete']);
  const incomplete = runs.find((r) => r.verdict === 'incomplete')!;
  assert.equal(incomplete.dir, 'snapshot/20260101T000000.000Z/');
  assert.equal(result.totals.listed, totals.listed);
  assert.equal(result.totals.complete, true);

  const whole = await client.connection.sendRequest<PreviewBucketResult>(Requests.previewBucket, { uri: fileUri(pgp.path), endpoint: moto.endpoint });
  assert.deepEqual(whole.runs!.map((r) => r.verdict), ['encrypted']);
  assert.equal(whole.deliveries!.latestComplete, whole.runs![0].dir);
});

test('previewObject of a .parquet answers what the CLI computes: schema, row count, first rows', async () => {
  const key = files['plain:charges'][0];
  const c = await client.connection.sendRequest<PreviewObjectResult>(Requests.previewObject, { uri: fileUri(plain.path), key, rows: 7, endpoint: moto.endpoint });
  assert.equal(c.format, 'parquet');
  assert.deepEqual(c, json(await previewDeliveryObject(plain, { key, endpoint: moto.endpoint, maxRows: 7 })));
  assert.equal(c.format === 'parquet' && c.file?.rows, 400);
});

test('previewObject of a .parquet.gpg: the key id without the private key; the rows with it; a tampered file is an integrity error', async () => {
  const key = files['pgp:refunds'][0];
  const uri = fileUri(pgp.path);
  const locked = await client.connection.sendRequest<PreviewObjectResult>(Requests.previewObject, { uri, key, endpoint: moto.endpoint });
  assert.ok(locked.format === 'parquet');
  assert.equal(locked.encryption?.decrypted, false);
  assert.match(locked.encryption!.message, /^encrypted, key id [0-9A-F]{16} \(the pipeline's public key .*\): give its private key/);
  assert.deepEqual(locked.rows, []);

  const open = await client.connection.sendRequest<PreviewObjectResult>(Requests.previewObject, { uri, key, endpoint: moto.endpoint, privateKey: privateArmored, rows: 5 });
  assert.deepEqual(open, json(await previewDeliveryObject(pgp, { key, endpoint: moto.endpoint, privateArmored, maxRows: 5 })));
  assert.ok(open.format === 'parquet' && open.rows.length === 5 && open.encryption?.decrypted);
  // The same key as the secret the client keeps for the account.
  const viaSecret = await client.connection.sendRequest<PreviewObjectResult>(Requests.previewObject, { uri, key, endpoint: moto.endpoint, secrets: { [`pgp-private-key:${ACCOUNT}`]: privateArmored }, rows: 5 });
  assert.deepEqual(viaSecret, open);

  const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
  body[body.length - 30] ^= 0x80;
  const tampered = key.replace('part-00000', 'part-00099');
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: tampered, Body: body }));
  await assert.rejects(
    client.connection.sendRequest(Requests.previewObject, { uri, key: tampered, endpoint: moto.endpoint, privateKey: privateArmored }),
    (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidRequest && /failed its integrity check/.test(e.message) && !e.message.includes('PRIVATE KEY'),
  );
});
