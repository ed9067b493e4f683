/**
 * Kill and rerun into Stripe: `pipewright import` with a Stripe destination (the API double, through the real
 * SDK) killed with SIGKILL at seeded moments while it is creating products, then run again until it finishes,
 * must leave exactly one product (and one default price) per row — nothing created twice — with the values of
 * the rows, and a ledger that says the sync is complete.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { importWorkspace, products, toCsv, toJsonl } from '../helpers/import-data';
import { prng } from '../helpers/random';
import { startStripeDouble, type StripeDouble } from '../helpers/stripe-api';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const BUCKET = 'acme-stripe-resume';
const KEY = 'sk_test_51PipewrightResumeKey0a1b2c3';
const ROWS = products(240, 21);
const SCENARIOS = 4;
let moto: MotoServer;
let s3: S3Client;
let root: string;

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  await put('imports/products/1.csv', toCsv(ROWS.slice(0, 120)));
  await put('imports/products/2.jsonl', toJsonl(ROWS.slice(120)));
  root = mkdtempSync(join(tmpdir(), 'pw-stripe-resume-'));
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

function start(pipeline: string, cwd: string, json = false): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; kill(): void } {
  const args = [BIN, 'import', pipeline, '--endpoint', moto.endpoint, '--batch', '10', ...(json ? ['--json'] : [])];
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, PIPEWRIGHT_SECRET_STRIPE_API_KEY: KEY } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.on('close', (code) => r({ code, stdout, stderr })));
  return { done, kill: () => child.kill('SIGKILL') };
}

/** Resolves once the double has answered `n` more product creates than at the call, or the run ended. */
function afterCreates(d: StripeDouble, n: number, ended: Promise<unknown>): Promise<boolean> {
  const from = d.log.filter((r) => r.endpoint === 'POST /v1/products').length;
  return new Promise((resolve) => {
    let over = false;
    void ended.then(() => {
      over = true;
    });
    const timer = setInterval(() => {
      const now = d.log.filter((r) => r.endpoint === 'POST /v1/products' && r.status).length;
      if (now - from >= n || over) {
        clearInterval(timer);
        resolve(!over);
      }
    }, 2);
  });
}

test(`imports into Stripe killed while creating, then rerun, create every product once (${SCENARIOS} scenarios)`, async () => {
  const r = prng(0x57a1);
  let kills = 0;
  for (let s = 0; s < SCENARIOS; s++) {
    // Latency makes a run last long enough for kills to land in the middle of it.
    const stripe = await startStripeDouble({ keys: [KEY], seed: false, latencyMs: 3, idSeed: s + 1 });
    try {
      const ws = join(root, `s${s}`);
      const pipeline = importWorkspace(ws, { bucket: BUCKET, destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: stripe.url, maxRequestsPerSecond: 400, concurrency: 4 } });
      for (let k = 0, n = 1 + Math.floor(r() * 3); k < n; k++) {
        const run = start(pipeline, ws);
        if (!(await afterCreates(stripe, 5 + Math.floor(r() * 70), run.done))) break;
        run.kill();
        await run.done;
        kills++;
      }
      const last = await start(pipeline, ws, true).done;
      assert.equal(last.code, 0, last.stderr);

      const made = stripe.objects('products');
      const ids = made.map((p) => (p.metadata as Record<string, string>).external_id);
      assert.equal(new Set(ids).size, ROWS.length, `scenario ${s}: every row has its product`);
      assert.equal(made.length, ROWS.length, `scenario ${s}: a product was created twice`);
      assert.equal(stripe.objects('prices').length, ROWS.length, `scenario ${s}: a default price was created twice`);
      const applied = stripe.log.filter((x) => x.endpoint === 'POST /v1/products' && x.status === 200 && !x.replayed);
      assert.equal(applied.length, ROWS.length, `scenario ${s}: creates applied`);
      const byId = new Map(made.map((p) => [(p.metadata as Record<string, string>).external_id, p]));
      for (const row of ROWS) {
        const p = byId.get(row.product_id)!;
        assert.equal(p.name, row.name);
        assert.equal(stripe.get('prices', p.default_price as string)!.unit_amount, Number(row.unit_amount.replace('.', '')));
      }
      // The ledger says complete: a further run finds nothing to take and sends nothing.
      const mark = stripe.log.length;
      const again = await start(pipeline, ws, true).done;
      assert.equal(again.code, 0, again.stderr);
      // Both objects are skipped: 'already-imported' when their LastModified is the watermark, 'not-modified' when
      // the first was written a second before the second (the puts in before() may straddle a second).
      const rerun = JSON.parse(again.stdout) as { verdicts: Record<string, number>; objects: unknown[]; records: number };
      assert.deepEqual(Object.keys(rerun.verdicts).filter((v) => v !== 'already-imported' && v !== 'not-modified'), [], again.stdout);
      assert.equal((rerun.verdicts['already-imported'] ?? 0) + (rerun.verdicts['not-modified'] ?? 0), 2, again.stdout);
      assert.equal(rerun.objects.length, 0, again.stdout);
      assert.equal(rerun.records, 0, again.stdout);
      assert.equal(stripe.log.length, mark);
    } finally {
      await stripe.close();
    }
  }
  assert.ok(kills >= SCENARIOS, `only ${kills} kills landed in a run`);
});
