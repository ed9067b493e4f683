/**
 * `pipewright import` into Stripe as a user runs it: files in moto's S3, the pipeline's destination the Stripe
 * API double (helpers/stripe-api.ts) reached through the real `stripe` SDK. A product catalogue becomes products
 * with default prices; a rerun sends nothing; an edited row updates exactly its product; a dry run and the
 * object preview show each record's plan; a record Stripe refuses is reported and the rest are imported; live
 * keys need the pipeline's consent; 429s are waited out.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { importWorkspace, products, toCsv, type Product, type StripeDestination } from '../helpers/import-data';
import { startStripeDouble, type StripeDouble, type StripeObject } from '../helpers/stripe-api';

const BUCKET = 'acme-stripe-import';
const KEY = 'sk_test_51PipewrightImportKey0a1b2c3';
const LIVE_KEY = 'rk_live_51PipewrightImportKey9z8y7x6';
let moto: MotoServer;
let s3: S3Client;
let stripe: StripeDouble;
let root: string;
const catalog = products(30, 5);
const env = { PIPEWRIGHT_SECRET_STRIPE_API_KEY: KEY };

const BIN = resolve(__dirname, '../../bin/pipewright.js');

function run(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

function workspace(name: string, destination: Partial<StripeDestination> = {}, folder?: string): string {
  return importWorkspace(join(root, name), { bucket: BUCKET, folder, destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: stripe.url, maxRequestsPerSecond: 200, ...destination } });
}

/** The requests logged from `mark` on, as `METHOD /path`. */
const since = (d: StripeDouble, mark: number) => d.log.slice(mark).map((r) => `${r.method} ${r.url.replace(/\?.*$/, '')}`);
const writes = (d: StripeDouble, mark: number) => since(d, mark).filter((r) => !r.startsWith('GET'));
const byExternalId = (d: StripeDouble, mode: 'test' | 'live' = 'test') => new Map(d.objects('products', mode).map((p) => [(p.metadata as Record<string, string>).external_id, p]));
const cents = (p: Product) => Number(p.unit_amount.replace('.', ''));

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  stripe = await startStripeDouble({ keys: [KEY, LIVE_KEY], seed: false });
  root = mkdtempSync(join(tmpdir(), 'pw-stripe-import-'));
  await put('imports/products/catalog.csv', toCsv(catalog));
});

after(async () => {
  s3?.destroy();
  await stripe?.close();
  await moto?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('a product catalogue CSV becomes products with their prices in Stripe; a rerun sends nothing; an edited row updates exactly that product', async () => {
  const pipeline = workspace('catalogue');
  const first = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Stripe: created 30, updated 0, unchanged 0, rejected 0/);
  const made = byExternalId(stripe);
  assert.equal(made.size, 30);
  assert.equal(stripe.objects('products').length, 30, 'one product per row, none twice');
  for (const p of catalog) {
    const product = made.get(p.product_id)!;
    assert.equal(product.name, p.name);
    assert.equal(product.active, p.active);
    assert.equal(product.description, p.description || null);
    assert.equal((product.metadata as Record<string, string>).source_created_at, String(Date.parse(p.created) / 1000));
    const price = stripe.get('prices', product.default_price as string)!;
    assert.deepEqual([price.unit_amount, price.currency, price.product], [cents(p), p.currency, product.id]);
  }
  const posts = stripe.log.filter((r) => r.method === 'POST');
  assert.ok(posts.length === 30 && posts.every((r) => r.idempotencyKey && r.idempotencyKey.length <= 255), 'every write carries an idempotency key');
  assert.equal(new Set(posts.map((r) => r.idempotencyKey)).size, 30);

  let mark = stripe.log.length;
  const again = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(since(stripe, mark), [], 'nothing changed in the bucket: no request at all');

  // One row renamed, another repriced.
  const edited = catalog.map((p) => (p.product_id === 'p-7' ? { ...p, name: 'Renamed mug' } : p.product_id === 'p-12' ? { ...p, unit_amount: '1.99' } : p));
  await put('imports/products/catalog.csv', toCsv(edited));
  mark = stripe.log.length;
  const third = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /Stripe: created 0, updated 2, unchanged 28, rejected 0/);
  const p7 = byExternalId(stripe).get('p-7')!;
  const p12 = byExternalId(stripe).get('p-12')!;
  const oldPrice = stripe.objects('prices').find((x) => x.product === p12.id && x.id !== p12.default_price)!;
  assert.deepEqual([...writes(stripe, mark)].sort(), [`POST /v1/prices`, `POST /v1/products/${p12.id}`, `POST /v1/prices/${oldPrice.id}`, `POST /v1/products/${p7.id}`].sort());
  // The product's three requests in this order: new price, product pointing at it, old price archived.
  const p12Writes = writes(stripe, mark).filter((w) => w !== `POST /v1/products/${p7.id}`);
  assert.deepEqual(p12Writes, [`POST /v1/prices`, `POST /v1/products/${p12.id}`, `POST /v1/prices/${oldPrice.id}`]);
  assert.equal(p7.name, 'Renamed mug');
  assert.equal(stripe.get('prices', p12.default_price as string)!.unit_amount, 199, 'a changed amount is a new default price');
  assert.equal(stripe.get('prices', p12.default_price as string)!.active, true);
  assert.deepEqual([oldPrice.unit_amount, oldPrice.active], [cents(catalog.find((p) => p.product_id === 'p-12')!), false], 'the replaced price is archived');
  assert.equal(stripe.objects('products').length, 30);
  assert.equal(stripe.objects('prices').length, 31);
  assert.equal(stripe.objects('prices').filter((x) => x.active).length, 30, 'one active price per product');
  assert.equal((stripe.get('prices', p12.default_price as string)!.metadata as Record<string, string>).pipewright_replaces, oldPrice.id, 'the new price names the one it replaced');

  // What a run killed between pointing a product at its new price and archiving the old one leaves behind: the next
  // run, whose record now equals the product, finishes the archive and sends nothing else.
  const p20 = byExternalId(stripe).get('p-20')!;
  const old20 = p20.default_price as string;
  stripe.add('prices', { ...stripe.get('prices', old20)!, id: 'price_newAfterAKill20', unit_amount: 4242, metadata: { pipewright_replaces: old20 } });
  p20.default_price = 'price_newAfterAKill20';
  await put('imports/products/catalog.csv', toCsv(edited.map((p) => (p.product_id === 'p-20' ? { ...p, unit_amount: '42.42' } : p))));
  mark = stripe.log.length;
  const fourth = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
  assert.equal(fourth.code, 0, fourth.stderr);
  assert.match(fourth.stdout, /Stripe: created 0, updated 1, unchanged 29, rejected 0/);
  assert.deepEqual(writes(stripe, mark), [`POST /v1/prices/${old20}`]);
  assert.deepEqual([stripe.get('prices', old20)!.active, stripe.get('prices', 'price_newAfterAKill20')!.active], [false, true]);
});

test('the object preview and a dry run show create, update and unchanged per record, and write nothing', async () => {
  const pipeline = workspace('catalogue');
  const rows = [...products(2, 9, 'n'), { ...catalog[3], description: 'Now with a lid' }, catalog[4]];
  await put('imports/products/more.csv', toCsv(rows));
  const ledger = join(root, 'catalogue/out/stripe/products.jsonl');
  const before = readFileSync(ledger, 'utf8');
  const mark = stripe.log.length;
  const preview = await run(['preview', pipeline, '--object', 'imports/products/more.csv', '--endpoint', moto.endpoint], root, env);
  assert.equal(preview.code, 0, preview.stderr);
  const p3 = byExternalId(stripe).get('p-3')!.id;
  assert.match(preview.stdout, /Stripe:\n {2}line 2: create n-0\n {2}line 3: create n-1\n {2}line 4: update p-3 → prod_\w+ \(description\)\n {2}line 5: unchanged p-4 → prod_\w+/);
  const dry = await run(['import', pipeline, '--dry-run', '--endpoint', moto.endpoint], root, env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /Stripe: would create 2, update 1, unchanged 1, rejected 0/);
  assert.match(dry.stdout, new RegExp(`update +imports/products/more\\.csv:4 p-3 → ${p3} \\(description\\)`));
  assert.deepEqual(writes(stripe, mark), [], 'a dry run only reads');
  assert.equal(readFileSync(ledger, 'utf8'), before);

  const real = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /Stripe: created 2, updated 1, unchanged 1, rejected 0/);
  assert.equal(byExternalId(stripe).get('p-3')!.description, 'Now with a lid');
  assert.equal(stripe.objects('products').length, 32);
});

test('a record Stripe refuses is reported with object key, line, column and Stripe’s message; the others are imported', async () => {
  const pipeline = workspace('coupons', { apiVersion: '2025-10-29.clover' }, 'imports/coupons/');
  const mark = stripe.log.length;
  writeFileSync(join(root, 'coupons/coupons.template.json'), JSON.stringify({
    object: 'coupons', key: 'code', columns: [
      { column: 'code', field: 'id', type: 'string', required: true },
      { column: 'name', field: 'name', type: 'string' },
      { column: 'percent_off', field: 'percent_off', type: 'decimal', currencyExponent: 0 },
      { column: 'duration', field: 'duration', type: 'enum', values: ['once', 'forever'] },
    ],
  }, null, 2));
  writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('products.template.json', 'coupons.template.json'));
  await put('imports/coupons/spring.csv', 'code,name,percent_off,duration\nSPRING10,Spring,10,once\nBROKEN,Too much,150,once\nVIP,VIP,25,forever\n');
  const r = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /imports\/coupons\/spring\.csv:3 percent_off = "150": Stripe refused the coupon: Invalid percent_off: must be greater than 0 and at most 100 \(percent_off\)/);
  assert.match(r.stdout, /Stripe: created 2, updated 0, unchanged 0, rejected 1/);
  assert.deepEqual(stripe.objects('coupons').map((c) => [c.id, c.percent_off, c.duration]).sort(), [['SPRING10', 10, 'once'], ['VIP', 25, 'forever']]);
  const problems = readFileSync(join(root, 'coupons/out/stripe/problems.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(problems.map((p) => [p.object, p.line, p.column, p.value]), [['imports/coupons/spring.csv', 3, 'percent_off', '150']]);
  assert.deepEqual([...new Set(stripe.log.slice(mark).map((x) => x.stripeVersion))], ['2025-10-29.clover'], 'the API version the pipeline pins');
});

test('a restricted key without write access stops the import with what to grant; a rerun with the right key resumes', async () => {
  const readOnly = 'rk_test_51PipewrightReadOnly0a1b2c';
  const limited = await startStripeDouble({ keys: [{ key: readOnly, write: ['customers'] }, KEY], seed: false });
  try {
    const pipeline = importWorkspace(join(root, 'restricted'), { bucket: BUCKET, destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: limited.url, maxRequestsPerSecond: 200 } });
    const r = await run(['import', pipeline, '--endpoint', moto.endpoint], root, { PIPEWRIGHT_SECRET_STRIPE_API_KEY: readOnly });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /products\.pipeline\.json:\d+: the Stripe key in \$\{secret:stripe-api-key\} may not do POST \/v1\/products \(403\): give the restricted key Write access to products/);
    assert.match(r.stderr, /run the same command again to resume/);
    assert.ok(!r.stderr.includes(readOnly));
    const again = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(limited.objects('products').length, 32);
  } finally {
    await limited.close();
  }
});

test('a live-mode key is refused before any request unless the pipeline allows it; a missing key names its variable; no output holds a key', async () => {
  const pipeline = workspace('live');
  const mark = stripe.log.length;
  const refused = await run(['import', pipeline, '--endpoint', moto.endpoint], root, { PIPEWRIGHT_SECRET_STRIPE_API_KEY: LIVE_KEY });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /products\.pipeline\.json:\d+: \$\{secret:stripe-api-key\} holds a live-mode key.*"allowLiveKey": true/);
  const missing = await run(['import', pipeline, '--endpoint', moto.endpoint], root, { PIPEWRIGHT_SECRET_STRIPE_API_KEY: '' });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /PIPEWRIGHT_SECRET_STRIPE_API_KEY/);
  assert.deepEqual(since(stripe, mark), []);

  const allowed = workspace('live', { allowLiveKey: true });
  const r = await run(['import', allowed, '--endpoint', moto.endpoint], root, { PIPEWRIGHT_SECRET_STRIPE_API_KEY: LIVE_KEY });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stripe.objects('products', 'live').length, 32, 'both files of the folder');
  assert.equal(stripe.objects('products', 'test').length, 32, 'live and test data stay apart');
  for (const out of [refused, missing, r]) for (const k of [KEY, LIVE_KEY]) assert.ok(!`${out.stdout}${out.stderr}`.includes(k), 'a key in the output');
});

test('429 answers are waited out as Retry-After says, and nothing is created twice', async () => {
  const limited = await startStripeDouble({ keys: [KEY], seed: false, rateLimit: { perSecond: 10, retryAfterSeconds: 1 } });
  try {
    const pipeline = importWorkspace(join(root, 'limited'), { bucket: BUCKET, destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: limited.url, maxRequestsPerSecond: 40, concurrency: 4 } });
    const r = await run(['import', pipeline, '--endpoint', moto.endpoint, '--json'], root, env);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { actions: Record<string, number>; stripe: { rateLimited: number; requests: number } };
    assert.equal(report.actions.create, 32);
    assert.ok(report.stripe.rateLimited > 0, 'the limit was hit');
    assert.equal(limited.log.filter((x) => x.status === 429).length, report.stripe.rateLimited);
    const ids = limited.objects('products').map((p: StripeObject) => (p.metadata as Record<string, string>).external_id);
    assert.equal(ids.length, 32);
    assert.equal(new Set(ids).size, 32);
  } finally {
    await limited.close();
  }
});

test('a record imported again after a later file changed its object is applied again, not answered with the replay of its first time', async () => {
  const pipeline = workspace('twice', {}, 'imports/twice/');
  const [x] = products(1, 17, 'x');
  await put('imports/twice/a.csv', toCsv([{ ...x, name: 'First name' }]));
  await put('imports/twice/b.csv', toCsv([{ ...x, name: 'Second name' }]));
  const first = await run(['import', pipeline, '--endpoint', moto.endpoint], root, env);
  assert.equal(first.code, 0, first.stderr);
  const product = () => stripe.objects('products').find((p) => (p.metadata as Record<string, string>).external_id === 'x-0')!;
  assert.equal(product().name, 'Second name', 'the later file wins');
  // Both files again (--full): a.csv renames it back, then b.csv must rename it once more.
  const mark = stripe.log.length;
  const again = await run(['import', pipeline, '--full', '--since', '2000-01-01', '--endpoint', moto.endpoint], root, env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Stripe: created 0, updated 2, unchanged 0, rejected 0/);
  assert.equal(product().name, 'Second name');
  assert.deepEqual(stripe.log.slice(mark).filter((r) => r.method === 'POST').map((r) => [r.params.name, r.replayed]), [['First name', false], ['Second name', false]]);
});

test('paced to the account’s limit, an import is never refused: Stripe counts no more than the limit in any second', async () => {
  const limited = await startStripeDouble({ keys: [KEY], seed: false, rateLimit: { perSecond: 10, retryAfterSeconds: 1 } });
  try {
    const pipeline = importWorkspace(join(root, 'paced'), { bucket: BUCKET, destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: limited.url, maxRequestsPerSecond: 10, concurrency: 4 } });
    const r = await run(['import', pipeline, '--endpoint', moto.endpoint, '--json'], root, env);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { records: number; actions: Record<string, number>; stripe: { rateLimited: number } };
    assert.ok(report.actions.create >= 30 && !report.actions.reject, JSON.stringify(report.actions));
    assert.equal(limited.objects('products').length, report.actions.create);
    assert.equal(report.stripe.rateLimited, 0);
    assert.deepEqual(limited.log.filter((x) => x.status === 429), []);
  } finally {
    await limited.close();
  }
});
