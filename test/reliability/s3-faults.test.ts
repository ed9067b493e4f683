/**
 * Every S3 path under injected faults: the bucket preview, the import, the export, the penny test (send and verify),
 * the Braze connection test and the Currents deliveries run through a fault-injecting proxy in front of moto that
 * answers about 10% of all requests with 503 SlowDown, 500, a connection reset mid-body or a truncated body. Each must
 * end with the same result as the run without faults. The figures (faults, retries seen by the proxy, time) are
 * printed for RELIABILITY.md.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sqlite from 'node-sqlite3-wasm';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../helpers/fault-proxy';
import { importWorkspace, products, toCsv, toJsonl } from '../helpers/import-data';
import { writeExportPipeline, writePolicies } from '../helpers/export-workspace';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const IMPORT_BUCKET = 'acme-faults-import';
const EXPORT_BUCKET = 'acme-faults-export';
const BRAZE_BUCKET = 'acme-faults-braze';
/** About 10% of every request gets one of these (the rules draw one after the other). */
const TEN_PERCENT: FaultRule[] = [
  { match: 'any', rate: 0.03, fault: 'slowdown' },
  { match: 'any', rate: 0.03, fault: 'internal' },
  { match: 'any', rate: 0.025, fault: 'reset' },
  { match: 'any', rate: 0.02, fault: 'truncate' },
];

let moto: MotoServer;
let proxy: FaultProxy;
let dir: string;
const figures: string[] = [];

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, LANG: 'C.UTF-8', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr, ms: Date.now() - t0 })));
}

type Run = { code: number | null; stdout: string; stderr: string; ms: number };

/**
 * Runs `args` against moto directly, then `times` times through the proxy with faults on (each with its own seed,
 * so that even a path of a few requests meets faults), checking each faulty run with `same`; notes the figures.
 */
async function both(what: string, args: (endpoint: string, run: string) => string[], same: (clean: Run, faulty: Run) => void | Promise<void>, times = 10, env: Record<string, string> = {}): Promise<void> {
  const clean = await cli(args(moto.endpoint, 'clean'), env);
  assert.equal(clean.code, 0, `${what} without faults: ${clean.stderr}`);
  proxy.resetCounts();
  let ms = 0;
  for (let i = 0; i < times; i++) {
    proxy.setRules(TEN_PERCENT, 42 + i);
    const faulty = await cli(args(proxy.endpoint, `faults-${i}`), env);
    proxy.setRules([]);
    ms += faulty.ms;
    assert.equal(faulty.code, 0, `${what} with faults (seed ${42 + i}): ${faulty.stderr}${faulty.stdout}`);
    await same(clean, faulty);
  }
  const c = proxy.counts;
  const injected = c.slowdown + c.internal + c.reset + c.truncate;
  figures.push(`${what}: ${times} runs, ${c.requests} requests, ${injected} faults (${c.slowdown} SlowDown, ${c.internal} 500, ${c.reset} resets, ${c.truncate} truncated), every run the same result; ${clean.ms} ms clean, ${Math.round(ms / times)} ms on average with faults`);
  // A path of a few requests meets a fault only every few runs at 10%: enough runs that each path meets several.
  assert.ok(injected >= 2, `${what}: only ${injected} faults in ${c.requests} requests`);
}

before(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy({ target: moto.endpoint });
  dir = mkdtempSync(join(tmpdir(), 'pw-faults-'));
  const s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  for (const b of [IMPORT_BUCKET, EXPORT_BUCKET, BRAZE_BUCKET]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  const all = products(4000, 5);
  for (let i = 0; i < 8; i++) {
    const part = all.slice(i * 500, (i + 1) * 500);
    await s3.send(new PutObjectCommand({ Bucket: IMPORT_BUCKET, Key: `imports/products/${i}.${i % 2 ? 'jsonl' : 'csv'}`, Body: i % 2 ? toJsonl(part) : toCsv(part) }));
  }
  s3.destroy();
  writePolicies(dir, EXPORT_BUCKET);
  const data = await cli(['sample-data', 'data', '--charges', '3000', '--seed', '8']);
  assert.equal(data.code, 0, data.stderr);
});

after(async () => {
  process.stdout.write(figures.map((f) => `# ${f}\n`).join(''));
  await proxy?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function records(db: string): string[] {
  const d = new sqlite.Database(db, { readOnly: true });
  try {
    return (d.all('SELECT * FROM products ORDER BY key') as Array<Record<string, unknown>>).map(({ _imported_at, ...rest }) => JSON.stringify(rest));
  } finally {
    d.close();
  }
}

test('the bucket preview lists the same objects with the same verdicts under 10% faults', async () => {
  const p = importWorkspace(join(dir, 'preview'), { bucket: IMPORT_BUCKET });
  const entries = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((e) => e.key).map((e) => `${e.key}:${e.verdict?.kind ?? e.verdict}`);
  await both('preview', (endpoint) => ['preview', p, '--endpoint', endpoint, '--json'], (clean, faulty) => {
    assert.equal(entries(faulty.stdout).length, 8);
    assert.deepEqual(entries(faulty.stdout), entries(clean.stdout));
  }, 30);
});

test('the import holds the same records under 10% faults (bodies cut mid-stream resume by Range)', async () => {
  let n = 0;
  await both('import', (endpoint, run) => ['import', importWorkspace(join(dir, `import-${run}`), { bucket: IMPORT_BUCKET }), '--endpoint', endpoint], () => {
    const got = records(join(dir, `import-faults-${n++}/out/import.db`));
    assert.equal(got.length, 4000);
    assert.deepEqual(got, records(join(dir, 'import-clean/out/import.db')));
  }, 5);
});

test('the export delivers the same tables and rows under 10% faults, _SUCCESS last', async () => {
  const pipeline = (run: string) => writeExportPipeline(dir, EXPORT_BUCKET, `export-${run}`, { tables: ['charges', 'customers', 'refunds'], prefix: `${run}/` });
  const tables = (out: string) => (JSON.parse(out) as { tables: Array<{ table: string; rows: number; files: string[] }> }).tables.map((t) => `${t.table}:${t.rows}:${t.files.length}`);
  let n = 0;
  await both('export', (endpoint, run) => ['export', pipeline(run), '--endpoint', endpoint, '--json', '--rows-per-file', '1000'], async (clean, faulty) => {
    assert.deepEqual(tables(faulty.stdout), tables(clean.stdout));
    assert.ok(JSON.parse(faulty.stdout).success);
    // Read back without faults: the delivery preview finds the run complete, nothing else under its prefix.
    const runs = await cli(['preview', join(dir, `export-faults-${n++}.pipeline.json`), '--endpoint', moto.endpoint, '--json']);
    assert.match(runs.stdout, /"complete":true/);
    assert.doesNotMatch(runs.stdout, /"complete":false/);
  }, 8);
});

test('the penny test is sent and verified with the same code under 10% faults', async () => {
  const path = writeExportPipeline(dir, EXPORT_BUCKET, 'penny', { tables: ['charges'] });
  let code = '';
  await both('penny send', (endpoint) => ['penny', 'send', path, '--endpoint', endpoint], (_clean, faulty) => {
    code = /Validation code: (\S+)/.exec(faulty.stdout)![1];
  }, 30);
  await both('penny verify', (endpoint) => ['penny', 'verify', path, '--endpoint', endpoint], (_clean, faulty) => {
    assert.match(faulty.stdout, new RegExp(`Validation code: ${code}`));
  }, 15);
});

test('the Braze connection test passes every step under 10% faults, and leaves no test object', async () => {
  const path = join(dir, 'braze.pipeline.json');
  writeFileSync(path, JSON.stringify({ kind: 'braze-currents', name: 'braze', bucket: BRAZE_BUCKET, region: 'us-east-1', folderPath: 'currents', auth: { method: 'access-key', accessKeyId: '${env:BRAZE_KEY_ID}', secretAccessKey: '${secret:braze-s3-secret}' } }, null, 2));
  const env = { BRAZE_KEY_ID: 'AKIAFAULTTEST0000001', PIPEWRIGHT_SECRET_BRAZE_S3_SECRET: 'fault-test-secret' };
  const steps = (out: string) => (JSON.parse(out) as { steps: Array<{ step: { action: string }; status: string }> }).steps.map((s) => `${s.step.action}:${s.status}`);
  await both('braze test', (endpoint) => ['braze', 'test', path, '--endpoint', endpoint, '--propagation-wait', '0', '--json'], (clean, faulty) => {
    assert.deepEqual(steps(faulty.stdout), steps(clean.stdout));
    assert.ok(steps(faulty.stdout).every((s) => s.endsWith(':passed')), faulty.stdout);
    assert.equal(JSON.parse(faulty.stdout).testObject.removed, true);
  }, 10, env);
});
