/**
 * `pipewright export` reading from the Stripe API, as a user runs it: the real `stripe` SDK talks to a local,
 * stateful double of the API (helpers/stripe-api.ts) and the Parquet lands in moto's S3, where DuckDB reads every
 * table back and compares it with the objects the API holds. Pagination, 429s, refused and live keys, and a run
 * stopped in the middle of a table.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnsOf, flatten } from '../../server/src/engine/export/tables';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { startStripeDouble, type StripeDouble, type StripeObject } from '../helpers/stripe-api';
import { writeExportPipeline, writePolicies } from '../helpers/export-workspace';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const BUCKET = 'acme-stripe-api-exports';
const TABLES = ['charges', 'customers', 'subscriptions', 'refunds', 'balance_transactions', 'prices'];
// Made-up keys of the right form; the double knows only the ones a test gives it.
const TEST_KEY = 'rk_test_51PwDoubleKeyA1b2C3d4E5f6G7h8';
const LIVE_KEY = 'rk_live_51PwDoubleKeyZ9y8X7w6V5u4T3s2';
let moto: MotoServer;
let s3: S3Client;
let dir: string;
const doubles: StripeDouble[] = [];

async function double(options: Parameters<typeof startStripeDouble>[0]): Promise<StripeDouble> {
  const d = await startStripeDouble(options);
  doubles.push(d);
  return d;
}

function cli(args: string[], env: Record<string, string>): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; signal(s: NodeJS.Signals): void } {
  const child = spawn(process.execPath, [BIN, ...args, '--endpoint', moto.endpoint], { cwd: dir, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { done: new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr }))), signal: (s) => child.kill(s) };
}

function pipeline(name: string, apiBase: string, extra: Record<string, unknown> = {}, source: Record<string, unknown> = {}): string {
  return writeExportPipeline(dir, BUCKET, name, { tables: TABLES, prefix: `${name}/`, source: { type: 'stripe-api', apiKey: '${secret:stripe-api-key}', apiBase, ...source }, ...extra });
}

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-stripe-api-'));
  writePolicies(dir, BUCKET);
});

after(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.push(o.Key!);
    token = r.NextContinuationToken;
  } while (token);
  return out;
}

async function openUploads(prefix: string): Promise<number> {
  return (await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))).Uploads?.length ?? 0;
}

/** Every table of the run directory, read by DuckDB, equals the double's objects flattened (ordered by id). */
async function assertDelivered(runDir: string, objects: (table: string) => StripeObject[], tables = TABLES): Promise<void> {
  const listed = await keys(runDir);
  assert.ok(listed.includes(`${runDir}_SUCCESS`), 'the success marker exists');
  const local = mkdtempSync(join(tmpdir(), 'pw-stripe-api-dl-'));
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    for (const table of tables) {
      const files: string[] = [];
      for (const key of listed.filter((k) => k.startsWith(`${runDir}${table}/`))) {
        const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        const path = join(local, key.replace(/\//g, '__'));
        writeFileSync(path, await r.Body!.transformToByteArray());
        files.push(path);
      }
      assert.ok(files.length, `${table}: no Parquet file was delivered`);
      const cols = columnsOf(table);
      const sel = cols.map((c) => (c.type === 'timestamp' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`)).join(', ');
      const read = await db.runAndReadAll(`SELECT ${sel} FROM read_parquet([${files.map((f) => `'${f}'`).join(',')}]) ORDER BY id`);
      const rows = read.getRowObjects().map((row) => Object.fromEntries(cols.map((c) => [c.name, row[c.name] === null ? null : typeof row[c.name] === 'bigint' ? Number(row[c.name]) : row[c.name]])));
      const expected = objects(table).map((o) => flatten(table, o)).sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
      assert.ok(expected.length > 0, `${table}: the double holds objects`);
      assert.equal(rows.length, expected.length, `${table}: row count`);
      assert.deepEqual(rows, expected, `${table}: the values DuckDB reads differ from the objects the API holds`);
    }
  } finally {
    db.closeSync?.();
    rmSync(local, { recursive: true, force: true });
  }
}

const runDirOf = (stdout: string) => /s3:\/\/[^/]+\/(\S+\/snapshot\/\d{8}T\d{6}\.\d{3}Z\/)/.exec(stdout)?.[1];

test('an export from the Stripe API delivers every table as Parquet; DuckDB reads back the objects the API holds', async () => {
  const api = await double({ keys: [TEST_KEY], seed: { charges: 400, seed: 11 } });
  // Canceled subscriptions are part of the table: Stripe lists them only when asked (status=all).
  assert.ok(api.objects('subscriptions').some((s) => s.status === 'canceled'), 'the sample holds canceled subscriptions');
  const r = await cli(['export', pipeline('full', api.url)], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: TEST_KEY }).done;
  assert.equal(r.code, 0, r.stderr);
  const runDir = runDirOf(r.stdout);
  assert.ok(runDir, r.stdout);
  await assertDelivered(runDir, (t) => api.objects(t));
  assert.ok(api.log.every((e) => e.method === 'GET' && e.status === 200), 'only reads, all answered');
  assert.ok(api.log.every((e) => e.stripeVersion), 'every request names its Stripe-Version');
});

test('a table longer than a page is read page by page with starting_after cursors', async () => {
  const api = await double({ keys: [TEST_KEY], seed: { charges: 250, seed: 4 } });
  const path = pipeline('pages', api.url, { tables: ['charges'] });
  const r = await cli(['export', path], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: TEST_KEY }).done;
  assert.equal(r.code, 0, r.stderr);
  const order = api.objects('charges');
  assert.equal(order.length, 250);
  const pages = api.log.filter((e) => e.endpoint === 'GET /v1/charges');
  assert.deepEqual(pages.map((e) => [e.query.limit, e.query.starting_after]), [['100', undefined], ['100', order[99].id], ['100', order[199].id]], 'three pages of 100, each after the last object of the previous one');
  await assertDelivered(runDirOf(r.stdout)!, (t) => api.objects(t), ['charges']);
});

test('429s on 30% of requests are waited out as Retry-After says; the export delivers the same rows', async () => {
  const api = await double({ keys: [TEST_KEY], seed: { charges: 250, seed: 5 }, rateLimit: { share: 0.3, seed: 12, retryAfterSeconds: 1 } });
  const r = await cli(['export', pipeline('limited', api.url)], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: TEST_KEY }).done;
  assert.equal(r.code, 0, r.stderr);
  const refused = api.log.filter((e) => e.status === 429);
  assert.ok(refused.length >= 2, `429s were injected (${refused.length} of ${api.log.length})`);
  for (const e of refused) {
    const next = api.log.find((x) => x.at > e.at && x.endpoint === e.endpoint);
    assert.ok(next, `${e.url} was asked again`);
    assert.ok(next.at - e.at >= 950, `${e.url} was asked again ${next.at - e.at} ms after a 429 with Retry-After: 1`);
  }
  await assertDelivered(runDirOf(r.stdout)!, (t) => api.objects(t));
});

test('a refused key stops the export with a message naming the secret, never the key, and no _SUCCESS', async () => {
  const api = await double({ keys: [TEST_KEY], seed: { charges: 50, seed: 6 } });
  const wrong = 'rk_test_51PwWrongKeyQ1w2E3r4T5y6U7i8O9';
  const path = pipeline('refused', api.url);
  const r = await cli(['export', path], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: wrong }).done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /refused\.pipeline\.json:\d+: the Stripe key in \$\{secret:stripe-api-key\} was refused \(401 on GET \/v1\/charges\) — check it is a restricted key with read access to charges/);
  assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong), 'the key is not in the output');
  assert.ok(!r.stderr.includes(wrong.slice(-4)), 'nor the masked key the API echoes (its last four characters)');
  assert.equal(api.log.filter((e) => e.status === 401).length, 1, 'one refused request; a 401 is not retried');
  assert.ok(!(await keys('refused/')).some((k) => k.endsWith('_SUCCESS')), 'no success marker');
  assert.equal(await openUploads('refused/'), 0, 'no open multipart upload');
});

test('a restricted key without read access to a table: the message names the table and what to grant', async () => {
  const api = await double({ keys: [{ key: TEST_KEY, read: ['charges', 'customers'] }], seed: { charges: 50, seed: 6 } });
  const r = await cli(['export', pipeline('restricted', api.url, { tables: ['charges', 'customers', 'refunds'] })], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: TEST_KEY }).done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /may not read refunds \(403 on GET \/v1\/refunds\) — give the restricted key Read access to refunds/);
  assert.ok(!r.stderr.includes(TEST_KEY.slice(-4)), 'no trace of the key');
  assert.match(r.stderr, /the run was not completed/);
  assert.ok(!(await keys('restricted/')).some((k) => k.endsWith('_SUCCESS')), 'no success marker');
});

test('a missing secret names the environment variable to set', async () => {
  const api = await double({ keys: [TEST_KEY], seed: false });
  const r = await cli(['export', pipeline('nosecret', api.url)], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: '' }).done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /nosecret\.pipeline\.json:\d+: \$\{secret:stripe-api-key\} has no value: set the environment variable PIPEWRIGHT_SECRET_STRIPE_API_KEY/);
  assert.equal(api.log.length, 0, 'no request without a key');
});

test('--stripe-api-key takes a reference, never a key, and --stripe-api-base points the run at another server', async () => {
  const api = await double({ keys: [TEST_KEY], seed: { charges: 60, seed: 3 } });
  // A pipeline whose own source is an empty folder: the flags choose the Stripe API for this run.
  mkdirSync(join(dir, 'empty'), { recursive: true });
  const path = pipeline('flags', api.url, { tables: ['charges'], source: { type: 'jsonl-folder', path: 'empty' } });
  const literal = await cli(['export', path, '--stripe-api-key', TEST_KEY, '--stripe-api-base', api.url], {}).done;
  assert.equal(literal.code, 2);
  assert.match(literal.stderr, /--stripe-api-key takes a reference such as \$\{secret:stripe-api-key\}/);
  assert.ok(!literal.stderr.includes(TEST_KEY.slice(8)), 'the key is not echoed');
  const r = await cli(['export', path, '--stripe-api-key', '${env:ACME_STRIPE_KEY}', '--stripe-api-base', api.url], { ACME_STRIPE_KEY: TEST_KEY }).done;
  assert.equal(r.code, 0, r.stderr);
  await assertDelivered(runDirOf(r.stdout)!, (t) => api.objects(t), ['charges']);
});

test('pipewright run exports from the Stripe API on its schedule, with the same key options as export', async () => {
  const api = await double({ keys: [TEST_KEY], seed: { charges: 40, seed: 2 } });
  const path = pipeline('scheduled', 'https://api.stripe.com', { tables: ['charges', 'customers'] });
  const r = await cli(['run', path, '--max-runs', '1', '--stripe-api-key', '${env:ACME_STRIPE_KEY}', '--stripe-api-base', api.url], { ACME_STRIPE_KEY: TEST_KEY }).done;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /run 1: done, \d+ rows in 2 tables/);
  assert.ok(!r.stdout.includes(TEST_KEY.slice(8)), 'the key is not logged');
  const runDir = /(scheduled\/snapshot\/[^/]+\/)_SUCCESS/.exec(r.stdout)?.[1];
  assert.ok(runDir, r.stdout);
  await assertDelivered(runDir, (t) => api.objects(t), ['charges', 'customers']);
});

test('a live key is refused before any request unless the pipeline says allowLiveKey; allowed, it reads live data', async () => {
  const api = await double({ keys: [TEST_KEY, LIVE_KEY], seed: { charges: 30, seed: 7 }, liveSeed: { charges: 120, seed: 8 } });
  const refused = await cli(['export', pipeline('live-refused', api.url)], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: LIVE_KEY }).done;
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /holds a live-mode key .* add "allowLiveKey": true to "source"/);
  assert.ok(!refused.stderr.includes(LIVE_KEY), 'the key is not in the output');
  assert.equal(api.log.length, 0, 'no request was sent with the live key');
  assert.deepEqual(await keys('live-refused/'), [], 'nothing was written');

  const allowed = await cli(['export', pipeline('live-allowed', api.url, { tables: ['charges', 'customers'] }, { allowLiveKey: true })], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: LIVE_KEY }).done;
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.notEqual(api.objects('charges', 'live').length, api.objects('charges', 'test').length, 'live and test data differ');
  await assertDelivered(runDirOf(allowed.stdout)!, (t) => api.objects(t, 'live'), ['charges', 'customers']);
});

test('stopping an export in the middle of a table (Ctrl-C) stops paging, leaves no _SUCCESS and no open upload', async () => {
  const api = await double({ keys: [TEST_KEY], seed: { charges: 3000, seed: 9 }, latencyMs: 120 });
  const run = cli(['export', pipeline('stopped', api.url, { tables: ['charges', 'customers'] })], { PIPEWRIGHT_SECRET_STRIPE_API_KEY: TEST_KEY });
  const deadline = Date.now() + 30_000;
  while (api.log.filter((e) => e.endpoint === 'GET /v1/charges' && e.status === 200).length < 3) {
    assert.ok(Date.now() < deadline, 'the export did not start paging');
    await new Promise((r) => setTimeout(r, 20));
  }
  run.signal('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /incomplete: stopped before the end, no _SUCCESS/);
  const charges = api.log.filter((e) => e.endpoint === 'GET /v1/charges').length;
  assert.ok(charges < 30, `paging stopped (${charges} of 30 pages asked for)`);
  assert.equal(api.counts()['GET /v1/customers'] ?? 0, 0, 'the next table was never read');
  assert.ok(!(await keys('stopped/')).some((k) => k.endsWith('_SUCCESS')), 'no success marker');
  assert.equal(await openUploads('stopped/'), 0, 'no open multipart upload');
});

test('a run stopped while a multipart upload of a table is open aborts that upload (engine with the real S3 sink)', async () => {
  const { runExport } = await import('../../server/src/engine/export/run');
  const { s3Sink } = await import('../../server/src/node/export/s3-sink');
  const { stripeApiSource } = await import('../../server/src/node/export/stripe-api');
  const { prng } = await import('../../server/src/engine/prng');
  const api = await double({ keys: [TEST_KEY], seed: { charges: 4000, seed: 10 }, latencyMs: 50 });
  // Wide rows that do not compress, so that the charges file passes one 8 MiB part (and opens a multipart upload)
  // while pages are still coming.
  const r = prng(3);
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (const c of api.objects('charges')) {
    let blob = '';
    for (let k = 0; k < 4096; k++) blob += B64[Math.floor(r() * 64)];
    c.metadata = { ...(c.metadata as object), blob };
  }
  const token = { isCancellationRequested: false };
  const run = runExport({ prefix: 'engine-stopped/', tables: ['charges', 'customers'], rowGroupRows: 200 }, {
    sink: s3Sink(s3, { bucket: BUCKET }),
    source: stripeApiSource({ apiKey: TEST_KEY, keyRef: '${secret:stripe-api-key}', where: 'test', apiBase: api.url, tables: ['charges', 'customers'], token }),
    token,
  });
  const deadline = Date.now() + 60_000;
  while (!(await openUploads('engine-stopped/'))) {
    assert.ok(Date.now() < deadline, 'no multipart upload was opened');
    await new Promise((res) => setTimeout(res, 25));
  }
  token.isCancellationRequested = true;
  const report = await run;
  assert.equal(report.cancelled, true);
  assert.equal(report.success, undefined);
  assert.equal(await openUploads('engine-stopped/'), 0, 'the open upload was aborted');
  assert.ok(!(await keys('engine-stopped/')).some((k) => k.endsWith('_SUCCESS')), 'no success marker');
  assert.ok(api.log.filter((e) => e.endpoint === 'GET /v1/charges').length < 40, 'paging stopped before the end of the table');
  assert.equal(api.counts()['GET /v1/customers'] ?? 0, 0, 'the next table was never read');
});

test('an object deleted between two pages is said as a table that changed while read, to run again', async () => {
  const { stripeApiSource } = await import('../../server/src/node/export/stripe-api');
  const api = await double({ keys: [TEST_KEY], seed: { charges: 1000, seed: 12 } });
  const source = stripeApiSource({ apiKey: TEST_KEY, keyRef: '${secret:stripe-api-key}', where: 'p.pipeline.json:12', apiBase: api.url, tables: ['customers'] });
  const read = source.read('customers')[Symbol.asyncIterator]();
  let last: Record<string, unknown> | undefined;
  for (let i = 0; i < 100; i++) last = (await read.next()).value;
  // The cursor of the next page goes away, as when someone deletes a customer during the export.
  const gone = await fetch(`${api.url}/v1/customers/${last!.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TEST_KEY}` } });
  assert.equal(gone.status, 200);
  await assert.rejects(read.next(), (e: Error & { transient?: boolean }) => {
    assert.match(e.message, /^customers changed while it was read \(No such customer: '.+'\); run the export again/);
    assert.equal(e.transient, true);
    return true;
  });
});
