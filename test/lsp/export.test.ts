/** Export Now and the penny test over a real LSP connection, against moto's S3: the server runs the same jobs as the CLI. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Commands, type ExportReport, type PennySent, type PennyVerified } from '../../server/src/protocol';
import { writeSampleData } from '../../server/src/node/export/sources';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';

const BUCKET = 'acme-lsp-exports';
let moto: MotoServer;
let s3: S3Client;
let dir: string;
let client: LspClient;
let uri: string;

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-lsp-export-'));
  await writeSampleData(join(dir, 'data'), { charges: 500, seed: 3 });
  writeFileSync(join(dir, 'p.policy.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` }, { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${BUCKET}` }] }, null, 2));
  writeFileSync(join(dir, 't.trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::731954892063:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FGQ9RKHgCVdK' } } }] }, null, 2));
  const path = join(dir, 'e.pipeline.json');
  writeFileSync(path, JSON.stringify({ kind: 'stripe-export', name: 'e', account: 'acct_1Nv0FGQ9RKHgCVdK', bucket: BUCKET, region: 'us-east-1', awsAccountId: '402871995361', roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json', tables: ['charges', 'refunds'], source: { type: 'jsonl-folder', path: 'data' } }, null, 2));
  uri = fileUri(path);
  client = await LspClient.start({ workspace: dir, workDoneProgress: true });
});

after(async () => {
  client?.kill();
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Export Now writes every table and _SUCCESS, with work-done progress', async () => {
  const r = await client.executeCommand<ExportReport>(Commands.exportNow, [uri, { endpoint: moto.endpoint }], 60_000);
  assert.ok(r.success, JSON.stringify(r));
  assert.deepEqual(r.tables.map((t) => t.table), ['charges', 'refunds']);
  assert.equal(r.tables[0].rows, 500);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: r.runDir }));
  assert.ok(listed.Contents?.some((o) => o.Key === r.success));
  const progress = [...client.progress.values()].find((v) => v[0]?.title?.startsWith('Pipewright: exporting'));
  assert.ok(progress && progress.at(-1)?.kind === 'end', 'a work-done progress began and ended');
});

test('penny send, then verify: the same code comes back', async () => {
  const sent = await client.executeCommand<PennySent>(Commands.pennySend, [uri, { endpoint: moto.endpoint }], 30_000);
  const verified = await client.executeCommand<PennyVerified>(Commands.pennyVerify, [uri, { endpoint: moto.endpoint }], 30_000);
  assert.equal(verified.code, sent.code);
  assert.equal(verified.key, sent.key);
  assert.match(verified.text, /^account_id,validation_code,created\n/);
});
