/**
 * `pipewright preview` and `pipewright import` as a user runs them, against moto's S3 (started here) through
 * the real AWS SDK: the verdicts the preview prints are the objects the import takes; records land in SQLite
 * mapped through the template; a second run takes nothing; a changed object is imported again; bad files are
 * reported with key and line and do not stop the rest.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sqlite from 'node-sqlite3-wasm';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { importWorkspace, products, toCsv, toJsonArray, toJsonl } from '../helpers/import-data';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const BUCKET = 'acme-imports';
let moto: MotoServer;
let s3: S3Client;
let dir: string;
let pipeline: string;

export function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

function rows(db: string, sql: string): Array<Record<string, unknown>> {
  const d = new sqlite.Database(db, { readOnly: true });
  try {
    return d.all(sql) as Array<Record<string, unknown>>;
  } finally {
    d.close();
  }
}

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-import-'));
  pipeline = importWorkspace(dir, { bucket: BUCKET, formats: ['csv', 'jsonl', 'json'] });
  const all = products(300, 7);
  await put('imports/products/a.csv', toCsv(all.slice(0, 100)));
  await put('imports/products/b.jsonl', toJsonl(all.slice(100, 200)));
  await put('imports/products/c.json', toJsonArray(all.slice(200, 300)));
  await put('imports/products/notes.txt', 'not data');
  await put('imports/products/d.tsv', toCsv(all.slice(0, 5), '\t'));
  await put('elsewhere/e.csv', toCsv(all.slice(0, 5)));
  // Bad content: a wrong amount, a bad currency, invalid UTF-8, and a JSON file that is not an array.
  const bad = [
    'product_id,name,description,active,unit_amount,currency,created',
    'bad-1,Mug,,true,12.345,usd,2026-01-01T00:00:00Z',
    'bad-2,Mug,,true,12.34,USD,2026-01-01T00:00:00Z',
    'good-1,"Mug, large",,true,9.50,usd,2026-01-01T00:00:00Z',
    '',
  ].join('\n');
  await put('imports/products/bad.csv', Buffer.concat([Buffer.from(bad), Buffer.from([0x62, 0x2d, 0xff, 0xfe, 0x2c, 0x78, 0x0a])]));
  await put('imports/products/object.json', '{"product_id": "x"}');
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('preview: every object with the verdict of the next import and its reason', async () => {
  const r = await run(['preview', pipeline, '--endpoint', moto.endpoint, '--prefix', ''], dir);
  assert.equal(r.code, 0, r.stderr);
  const line = (key: string) => r.stdout.split('\n').find((l) => l.includes(` ${key} — `)) ?? `(no line for ${key})`;
  assert.match(line('imports/products/a.csv'), /^✓ import .* modified in the last 90 days \(first sync\)/);
  assert.match(line('imports/products/c.json'), /^✓ import/);
  assert.match(line('imports/products/notes.txt'), /^· unsupported-format .*not a CSV, TSV, JSON or JSONL file \(\.txt\)/);
  assert.match(line('imports/products/d.tsv'), /^· format-not-enabled .*lists only csv, jsonl, json/);
  assert.match(line('elsewhere/e.csv'), /^· outside-folder .*only that folder is read/);
  assert.match(r.stdout, /will import: 5 \(/);
});

test('import: records mapped through the template into SQLite; problems named with key, line, column; a second run takes nothing', async () => {
  const first = await run(['import', pipeline, '--endpoint', moto.endpoint], dir);
  assert.equal(first.code, 1, `exit 1: done, with problems\n${first.stdout}\n${first.stderr}`);
  const db = join(dir, 'out/import.db');
  const count = rows(db, 'SELECT count(*) AS n FROM products')[0].n;
  assert.equal(count, 300 + 1, 'the 300 good products, and the one good row of bad.csv');
  const p = rows(db, `SELECT * FROM products WHERE key = 'p-0'`)[0];
  const expected = products(300, 7)[0];
  assert.equal(p['metadata.external_id'], 'p-0');
  assert.equal(p.name, expected.name);
  assert.equal(p['default_price_data.unit_amount'], Number(expected.unit_amount.replace('.', '')));
  assert.equal(p['metadata.source_created_at'], Date.parse(expected.created) / 1000);
  assert.equal(p._source, 'imports/products/a.csv');
  assert.equal(rows(db, `SELECT "default_price_data.unit_amount" AS a FROM products WHERE key = 'good-1'`)[0].a, 950);
  const problems = rows(db, 'SELECT object, line, "column", value, message FROM _pipewright_problems ORDER BY object, line');
  const text = problems.map((x) => `${x.object}:${x.line}:${x.column ?? ''}:${x.message}`).join('\n');
  assert.match(text, /imports\/products\/bad\.csv:2:unit_amount:"unit_amount" has more than 2 decimal places/);
  assert.match(text, /imports\/products\/bad\.csv:3:currency:"currency" is not one of usd, eur, gbp \(did you mean "usd"\? values are case-sensitive\)/);
  assert.match(text, /imports\/products\/bad\.csv:5::invalid UTF-8/);
  assert.match(text, /imports\/products\/object\.json:1::.*JSON array/);
  assert.match(first.stdout, /imported 4 .*301 records/);

  const second = await run(['import', pipeline, '--endpoint', moto.endpoint], dir);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /imported 0 /);
  const preview = await run(['preview', pipeline, '--endpoint', moto.endpoint], dir);
  assert.match(preview.stdout, /will import: 0 /);
  assert.match(preview.stdout, /· (already-imported|not-modified) .* imports\/products\/a\.csv — /);
});

test('an object changed after its import (new ETag) is imported again, and only it', async () => {
  const changed = products(100, 7);
  changed[5] = { ...changed[5], name: 'Renamed product' };
  await new Promise((r) => setTimeout(r, 1100)); // a later LastModified second than the last sync's
  await put('imports/products/a.csv', toCsv(changed));
  const r = await run(['import', pipeline, '--endpoint', moto.endpoint], dir);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /imported 1 .* 100 records/);
  assert.equal(rows(join(dir, 'out/import.db'), `SELECT name FROM products WHERE key = 'p-5'`)[0].name, 'Renamed product');
});

test('dry run: reads and maps, writes nothing', async () => {
  await new Promise((r) => setTimeout(r, 1100));
  await put('imports/products/new.jsonl', toJsonl(products(10, 99, 'n')));
  const before = rows(join(dir, 'out/import.db'), 'SELECT count(*) AS n FROM products')[0].n;
  const r = await run(['import', pipeline, '--endpoint', moto.endpoint, '--dry-run'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Dry run: .*\n.*would import 1 .* 10 records/);
  assert.equal(rows(join(dir, 'out/import.db'), 'SELECT count(*) AS n FROM products')[0].n, before);
});

test('errors say what to do: a bucket that does not exist, an endpoint nobody listens on', async () => {
  const other = importWorkspace(join(dir, 'nobucket'), { bucket: 'no-such-bucket-here' });
  const r = await run(['preview', other, '--endpoint', moto.endpoint], dir);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no-such-bucket-here/);
  assert.match(r.stderr, /does not exist/);
  const closed = await run(['preview', pipeline, '--endpoint', 'http://127.0.0.1:9'], dir);
  assert.equal(closed.code, 3);
  assert.match(closed.stderr, /127\.0\.0\.1:9/);
  assert.doesNotMatch(closed.stderr + r.stderr, /testing/, 'no credential in any message');
});

test('the AWS CLI lists exactly the keys the preview lists (peer oracle)', async () => {
  const ours = await run(['preview', pipeline, '--endpoint', moto.endpoint, '--prefix', '', '--json'], dir);
  assert.equal(ours.code, 0, ours.stderr);
  const entries = ours.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.key);
  const aws = await new Promise<string>((done, fail) => {
    const child = spawn('aws', ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--endpoint-url', moto.endpoint, '--output', 'json'], { env: process.env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`aws exited ${code}`))));
  });
  const listed = JSON.parse(aws).Contents as Array<{ Key: string; Size: number; ETag: string }>;
  assert.deepEqual(entries.map((e) => [e.key, e.size, `"${e.etag}"`]), listed.map((o) => [o.Key, o.Size, o.ETag]));
});

test('preview filters by glob; --object shows the first rows and the template mapping', async () => {
  const g = await run(['preview', pipeline, '--endpoint', moto.endpoint, '--glob', '*.json*', '--summary'], dir);
  assert.match(g.stdout, /8 objects listed, 4 shown/);
  const o = await run(['preview', pipeline, '--endpoint', moto.endpoint, '--object', 'imports/products/bad.csv'], dir);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stdout, /imports\/products\/bad\.csv \(CSV\): 7 columns/);
  assert.match(o.stdout, /✗ unit_amount → default_price_data\.unit_amount \(decimal\): 1 value fails/);
  assert.match(o.stdout, /✓ product_id → metadata\.external_id/);
  assert.match(o.stdout, /line 3, currency = "USD": "currency" is not one of usd, eur, gbp/);
});

test('the per-file problem limit rejects a file and says how many of its records were imported', async () => {
  const ws = join(dir, 'limit');
  const p = importWorkspace(ws, { bucket: BUCKET, destination: { type: 'jsonl', path: 'out/records' } });
  const r = await run(['import', p, '--endpoint', moto.endpoint, '--max-problems', '1', '--full'], ws);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /rejected: imports\/products\/bad\.csv — more than 1 problem/);
  assert.match(r.stdout, /object rejected: more than 1 problem; 0 records before that were imported/);
});

test('shards: two workers with --shard 1/2 and 2/2 together import what one run imports, with no overlap', async () => {
  const keysOf = async (shard: string) => {
    const ws = join(dir, `shard-${shard.replace('/', '-')}`);
    const p = importWorkspace(ws, { bucket: BUCKET, destination: { type: 'jsonl', path: 'out/records' } });
    const r = await run(['import', p, '--endpoint', moto.endpoint, '--shard', shard, '--json'], ws);
    return (JSON.parse(r.stdout) as { objects: Array<{ key: string }> }).objects.map((o) => o.key);
  };
  const a = await keysOf('1/2');
  const b = await keysOf('2/2');
  assert.ok(a.length > 0 && b.length > 0, `both shards get work (${a.length} + ${b.length})`);
  assert.deepEqual(a.filter((k) => b.includes(k)), []);
  assert.deepEqual([...a, ...b].sort(), ['imports/products/a.csv', 'imports/products/b.jsonl', 'imports/products/bad.csv', 'imports/products/c.json', 'imports/products/new.jsonl', 'imports/products/object.json'].sort());
});
