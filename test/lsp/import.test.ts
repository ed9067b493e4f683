/**
 * The import jobs over a real LSP connection, against moto's S3: the bucket preview streams its listing pages
 * as partial results; Import Now reports work-done progress, can be cancelled, and resumes on the next run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ResponseError, ErrorCodes } from 'vscode-languageserver-protocol';
import { Commands, Requests, type ContentPreview, type ImportReport, type PreviewBucketResult } from '../../server/src/protocol';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { importWorkspace, products, toCsv } from '../helpers/import-data';

const BUCKET = 'acme-lsp-imports';
const FILES = 1005;
let moto: MotoServer;
let dir: string;
let client: LspClient;
let uri: string;

before(async () => {
  moto = await startMoto();
  const s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // 1,005 small files: two listing pages, and an import long enough to cancel.
  const all = products(FILES * 2, 3);
  for (let i = 0; i < FILES; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, FILES - i) }, (_, j) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `imports/products/f${String(i + j).padStart(4, '0')}.csv`, Body: toCsv(all.slice(2 * (i + j), 2 * (i + j) + 2)) }))));
  }
  s3.destroy();
  dir = mkdtempSync(join(tmpdir(), 'pw-lsp-import-'));
  uri = fileUri(importWorkspace(dir, { bucket: BUCKET }));
  client = await LspClient.start({ workspace: dir, workDoneProgress: true });
});

after(async () => {
  client?.kill();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('previewBucket streams every listing page as a partial result, then answers the totals', async () => {
  const token = 'preview-partial-1';
  client.progress.set(token, []);
  const result = await client.connection.sendRequest<PreviewBucketResult>(Requests.previewBucket, { uri, endpoint: moto.endpoint, partialResultToken: token });
  const pages = client.progress.get(token) as unknown as PreviewBucketResult[];
  assert.deepEqual(pages.map((p) => p.entries.length), [1000, 5], 'one partial result per ListObjectsV2 page');
  assert.equal(pages[0].totals.complete, false);
  assert.deepEqual(result.entries, [], 'with partial results, the response holds only the totals');
  assert.equal(result.totals.listed, FILES);
  assert.equal(result.totals.toImport.objects, FILES);
  assert.equal(pages[1].entries[4].key, 'imports/products/f1004.csv');
  assert.equal(pages[1].entries[4].verdict.kind, 'import');
});

test('previewObject shows the first rows and how the template maps them', async () => {
  const c = await client.connection.sendRequest<ContentPreview>(Requests.previewObject, { uri, key: 'imports/products/f0000.csv', endpoint: moto.endpoint });
  assert.equal(c.format, 'csv');
  assert.deepEqual(c.columns.map((x) => x.name), ['product_id', 'name', 'description', 'active', 'unit_amount', 'currency', 'created']);
  assert.equal(c.rows.length, 2);
  assert.ok(c.mapping!.every((m) => m.found && m.failures === 0), JSON.stringify(c.mapping));
  await assert.rejects(client.connection.sendRequest(Requests.previewObject, { uri, key: 'imports/products/missing.csv', endpoint: moto.endpoint }), (e: unknown) => e instanceof ResponseError && /missing\.csv/.test(e.message));
});

test('Import Now reports progress, stops on Cancel with what it committed, and the next run finishes the rest', async () => {
  let created: string | number | undefined;
  client.onProgressCreated = (t) => void (created = t);
  const job = client.executeCommand<ImportReport>(Commands.importNow, [uri, { endpoint: moto.endpoint }], 60_000);
  await client.waitFor(() => created !== undefined && (client.progress.get(created)?.some((v) => v.kind === 'report' && /files/.test(v.message ?? '')) ?? false), 20_000, 'the import to report progress on files');
  await client.connection.sendNotification('window/workDoneProgress/cancel', { token: created! });
  const stopped = await job;
  assert.equal(stopped.cancelled, true);
  assert.ok(stopped.records > 0 && stopped.records < FILES * 2, `stopped part-way (${stopped.records} records)`);
  assert.equal(client.progress.get(created!)!.at(-1)!.kind, 'end');
  client.onProgressCreated = undefined;

  const rest = await client.executeCommand<ImportReport>(Commands.importNow, [uri, { endpoint: moto.endpoint }], 60_000);
  assert.equal(rest.cancelled, false);
  assert.equal(stopped.records + rest.records, FILES * 2, 'the two runs together delivered every record once');
  assert.ok(rest.resumedObjects > 0, 'the second run skipped what the first had finished');
  assert.equal(rest.verdicts['already-imported'], rest.resumedObjects);
});

test('a pipeline that is not a stripe-import pipeline is refused with a clear message', async () => {
  await assert.rejects(
    client.executeCommand(Commands.importNow, [fileUri(join(dir, 'stripe-connector.policy.json'))]),
    (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && /not a pipeline config/.test(e.message),
  );
});
