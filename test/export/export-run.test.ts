/**
 * `pipewright export` against moto's S3, as a user runs it: sample data → Parquet per table under a run
 * directory, `_SUCCESS` last; DuckDB reads every file back with the values of the source objects; a run killed
 * mid-way leaves no `_SUCCESS`, and the next run aborts the uploads it left open.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { flatten, columnsOf } from '../../server/src/engine/export/tables';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const BUCKET = 'acme-stripe-exports';
const TABLES = ['charges', 'customers', 'refunds', 'balance_transactions', 'subscriptions', 'prices'];
let moto: MotoServer;
let s3: S3Client;
let dir: string;

function cli(args: string[], cwd = dir): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; kill(): void } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { done: new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr }))), kill: () => child.kill('SIGKILL') };
}

function pipeline(name: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.pipeline.json`);
  writeFileSync(path, JSON.stringify({
    kind: 'stripe-export', name, account: 'acct_1Nv0FGQ9RKHgCVdK', bucket: BUCKET, region: 'us-east-1', awsAccountId: '402871995361',
    roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json', tables: TABLES,
    source: { type: 'jsonl-folder', path: 'data' }, ...extra,
  }, null, 2));
  return path;
}

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-export-'));
  writeFileSync(join(dir, 'p.policy.json'), JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${BUCKET}` },
    { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
  ] }, null, 2));
  writeFileSync(join(dir, 't.trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::731954892063:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FGQ9RKHgCVdK' } } }] }, null, 2));
  const r = await cli(['sample-data', 'data', '--charges', '3000', '--seed', '5']).done;
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function keys(prefix: string): Promise<Array<{ key: string; modified: Date }>> {
  const out: Array<{ key: string; modified: Date }> = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.push({ key: o.Key!, modified: o.LastModified! });
    token = r.NextContinuationToken;
  } while (token);
  return out;
}

async function download(key: string, to: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const path = join(to, key.replace(/\//g, '__'));
  writeFileSync(path, await r.Body!.transformToByteArray());
  return path;
}

test('an export writes one Parquet directory per table and _SUCCESS last; DuckDB reads back the source values', async () => {
  const r = await cli(['export', pipeline('plain'), '--endpoint', moto.endpoint, '--rows-per-file', '1000']).done;
  assert.equal(r.code, 0, r.stderr);
  const runDir = /s3:\/\/acme-stripe-exports\/(snapshot\/\d{8}T\d{6}\.\d{3}Z\/)/.exec(r.stdout)?.[1];
  assert.ok(runDir, r.stdout);
  const listed = await keys(runDir);
  const success = listed.find((k) => k.key === `${runDir}_SUCCESS`);
  assert.ok(success, 'the success marker exists');
  for (const k of listed) assert.ok(k.modified <= success.modified, `${k.key} was written after _SUCCESS`);
  assert.deepEqual([...new Set(listed.filter((k) => k !== success).map((k) => k.key.split('/')[2]))].sort(), [...TABLES].sort());
  assert.ok(listed.some((k) => k.key === `${runDir}charges/part-00002.parquet`), 'charges over 1,000 rows per file: several parts');

  const local = mkdtempSync(join(tmpdir(), 'pw-export-dl-'));
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    for (const table of TABLES) {
      const files = await Promise.all(listed.filter((k) => k.key.startsWith(`${runDir}${table}/`)).map((k) => download(k.key, local)));
      const source = readFileSync(join(dir, 'data', `${table}.jsonl`), 'utf8').trim().split('\n').map((l) => flatten(table, JSON.parse(l)));
      const cols = columnsOf(table);
      const sel = cols.map((c) => (c.type === 'timestamp' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`)).join(', ');
      const read = await db.runAndReadAll(`SELECT ${sel} FROM read_parquet([${files.map((f) => `'${f}'`).join(',')}]) ORDER BY id`);
      const rows = read.getRowObjects().map((row) => Object.fromEntries(cols.map((c) => [c.name, row[c.name] === null ? null : typeof row[c.name] === 'bigint' ? Number(row[c.name]) : row[c.name]])));
      // DuckDB orders VARCHAR by bytes; the ids are ASCII, so code-unit order is the same.
      source.sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
      assert.equal(rows.length, source.length, `${table}: row count`);
      assert.deepEqual(rows, source, `${table}: the values DuckDB reads differ from the source objects`);
    }
  } finally {
    db.closeSync?.();
    rmSync(local, { recursive: true, force: true });
  }
});

test('an export killed mid-way leaves no _SUCCESS; the next run aborts the uploads it left open and completes', async () => {
  mkdirSync(join(dir, 'big'), { recursive: true });
  const g = await cli(['sample-data', 'big', '--charges', '150000', '--seed', '9']).done;
  assert.equal(g.code, 0, g.stderr);
  const path = pipeline('big', { source: { type: 'jsonl-folder', path: 'big' }, prefix: 'killed/' });
  const run = cli(['export', path, '--endpoint', moto.endpoint]);
  // Kill once the first multipart upload is open.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const u = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'killed/' }));
    if (u.Uploads?.length) break;
    assert.ok(Date.now() < deadline, 'no multipart upload was opened');
    await new Promise((r) => setTimeout(r, 50));
  }
  run.kill();
  await run.done;
  const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'killed/' }));
  assert.ok((open.Uploads?.length ?? 0) > 0, 'SIGKILL left an upload open (no process can abort after SIGKILL)');
  assert.equal((await keys('killed/')).filter((k) => k.key.endsWith('_SUCCESS')).length, 0, 'no success marker for the killed run');

  const again = await cli(['export', path, '--endpoint', moto.endpoint, '--json']).done;
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(again.stdout) as { abortedStale: number; success?: string };
  assert.ok(report.abortedStale >= 1, 'the next run aborted the killed run’s uploads');
  assert.ok(report.success);
  const left = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'killed/' }));
  assert.equal(left.Uploads?.length ?? 0, 0, 'no multipart upload is left open');
  assert.equal((await keys('killed/')).filter((k) => k.key.endsWith('_SUCCESS')).length, 1, 'only the completed run has a success marker');
});

test('a PGP pipeline delivers .parquet.gpg files that gpg decrypts into Parquet DuckDB reads', async () => {
  const { generateStripeKeyPair } = await import('../../server/src/node/pgp/keys');
  const { execFileSync } = await import('node:child_process');
  const pair = await generateStripeKeyPair('acct_1Nv0FGQ9RKHgCVdK');
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'keys', 'acct_1Nv0FGQ9RKHgCVdK.key'), pair.publicArmored);
  const path = pipeline('pgp', { prefix: 'pgp/', tables: ['refunds', 'customers'], encryption: { type: 'pgp', publicKey: 'keys/acct_1Nv0FGQ9RKHgCVdK.key' } });
  const r = await cli(['export', path, '--endpoint', moto.endpoint, '--json']).done;
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { tables: Array<{ table: string; rows: number; files: string[] }> };
  const home = mkdtempSync(join(tmpdir(), 'pw-gnupg-'));
  const local = mkdtempSync(join(tmpdir(), 'pw-export-pgp-'));
  try {
    writeFileSync(join(home, 'private.asc'), pair.privateArmored);
    execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--import', join(home, 'private.asc')], { stdio: 'pipe' });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    for (const t of report.tables) {
      assert.ok(t.files.every((f) => f.endsWith('.parquet.gpg')), t.files.join(', '));
      const gpgFile = await download(t.files[0], local);
      const parquet = `${gpgFile}.parquet`;
      execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--output', parquet, '--decrypt', gpgFile], { stdio: 'pipe' });
      const count = await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${parquet}')`);
      assert.equal(Number(count.getRowObjects()[0].n), t.rows, `${t.table}: gpg-decrypted Parquet holds every row`);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(local, { recursive: true, force: true });
  }
});

test('run: the export on a schedule; a tick while a run is going is skipped; every run logs its outcome', async () => {
  const path = pipeline('scheduled', { prefix: 'scheduled/', tables: ['refunds', 'prices'] });
  const r = await cli(['run', path, '--endpoint', moto.endpoint, '--every', '50ms', '--max-runs', '2']).done;
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /every 50ms: /);
  assert.equal(lines.filter((l) => / run \d: started$/.test(l)).length, 2);
  assert.equal(lines.filter((l) => / run \d: done, \d+ rows in 2 tables, scheduled\/snapshot\/\d{8}T\d{6}\.\d{3}Z\/_SUCCESS$/.test(l)).length, 2);
  assert.ok(lines.some((l) => /skipped: the previous run is still going/.test(l)), 'a run takes longer than 50 ms, so ticks were skipped');
  assert.match(lines.at(-1)!, /2 run\(s\), 0 failed/);
  const markers = (await keys('scheduled/')).filter((k) => k.key.endsWith('_SUCCESS'));
  assert.equal(markers.length, 2, 'each run has its own directory and marker');
});
