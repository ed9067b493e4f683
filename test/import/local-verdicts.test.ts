/**
 * The verdicts that need control over an object's size and date, through the embedded S3 server (a folder served
 * as S3): a sparse file just over Stripe's 1 GB limit (no gigabyte is written or read), files dated 100 days back
 * (a first sync skips them, --since takes them), and a second sync that takes only what changed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalS3, type LocalS3 } from '../../server/src/node/s3server/server';
import { isolateAwsEnvironment } from '../helpers/moto';
import { importWorkspace, products, toCsv, toJsonl } from '../helpers/import-data';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
let root: string;
let s3: LocalS3;
let ws: string;
let pipeline: string;
const folder = () => join(root, 'local-bucket', 'imports', 'products');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args, '--endpoint', s3.endpoint], { cwd: ws });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
const line = (out: string, key: string) => out.split('\n').find((l) => l.includes(` ${key} — `)) ?? `(no line for ${key})`;

before(async () => {
  isolateAwsEnvironment();
  root = mkdtempSync(join(tmpdir(), 'pw-verdicts-'));
  mkdirSync(folder(), { recursive: true });
  writeFileSync(join(folder(), 'huge.csv'), '');
  truncateSync(join(folder(), 'huge.csv'), 1_000_000_001);
  writeFileSync(join(folder(), 'recent.csv'), toCsv(products(5, 1, 'r')));
  writeFileSync(join(folder(), 'old.jsonl'), toJsonl(products(4, 2, 'o')));
  const old = new Date(Date.now() - 100 * 86_400_000);
  utimesSync(join(folder(), 'old.jsonl'), old, old);
  s3 = await startLocalS3({ root });
  ws = join(root, 'ws');
  pipeline = importWorkspace(ws, { bucket: 'local-bucket' });
});

after(async () => {
  await s3?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('a file over 1 GB and a file 100 days old are skipped with their reasons; the rest imports', async () => {
  const p = await cli(['preview', pipeline]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(line(p.stdout, 'imports/products/huge.csv'), /^· too-large .*954 MB, larger than the 1 GB limit per file: split it/);
  assert.match(line(p.stdout, 'imports/products/old.jsonl'), /^· too-old .*modified 100 days ago: a first sync takes only the last 90 days/);
  assert.match(line(p.stdout, 'imports/products/recent.csv'), /^✓ import/);
  const r = await cli(['import', pipeline]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported 1 \(.*\), 5 records/);
  assert.match(r.stdout, /skipped: too-large 1, too-old 1/);
});

test('--since takes older files; a later sync takes only files modified after the watermark', async () => {
  const since = await cli(['preview', pipeline, '--since', new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10)]);
  assert.match(line(since.stdout, 'imports/products/old.jsonl'), /^✓ import .*modified since/);
  // A new file, written after the first sync.
  writeFileSync(join(folder(), 'later.csv'), toCsv(products(3, 3, 'l')));
  const future = new Date(Date.now() + 60_000);
  utimesSync(join(folder(), 'later.csv'), future, future);
  const p = await cli(['preview', pipeline]);
  assert.match(line(p.stdout, 'imports/products/recent.csv'), /^· (already-imported|not-modified) /);
  assert.match(line(p.stdout, 'imports/products/later.csv'), /^✓ import .*modified after the last sync/);
  const r = await cli(['import', pipeline]);
  assert.match(r.stdout, /imported 1 \(.*\), 3 records/);
});

test('past 50,000 objects the preview warns that every sync lists them all', async () => {
  const big = join(root, 'crowded-bucket', 'imports', 'products');
  mkdirSync(big, { recursive: true });
  for (let i = 0; i < 50_001; i++) writeFileSync(join(big, `f${i}.csv`), '');
  const ws2 = join(root, 'ws-crowded');
  const p = importWorkspace(ws2, { bucket: 'crowded-bucket' });
  const r = await new Promise<{ stdout: string; code: number | null }>((done) => {
    const child = spawn(process.execPath, [BIN, 'preview', p, '--summary', '--endpoint', s3.endpoint], { cwd: ws2 });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => done({ stdout, code }));
  });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /50001 objects listed/);
  assert.match(r.stdout, /warning: 50,001 objects under imports\/products\/: the connector lists every object on every sync/);
});
