/**
 * Importing into Stripe: records per second against the Stripe API double held to Stripe's documented test-mode
 * rate limit (25 requests a second), and the share of the time spent waiting on that limit.
 *
 * Wired as `pipewright import` wires it: the pipeline loaded and linted, `s3For` on the embedded S3 server
 * (`startLocalS3`, in this process: at 25 requests a second its work is noise), `openDestination` for the pipeline's
 * "stripe" destination (the real `stripe` SDK, the ledger in a JSON Lines folder), `runImport` with the CLI's batch
 * of 100 records. The double (test/helpers/stripe-api.ts) keeps state and answers 429 with `Retry-After: 1` past 25
 * requests in any second, as Stripe's basic limiter does in test mode.
 *
 * Four runs: a first import of N new products (one create each, a default price with it); a rerun after 10 % of the
 * rows were edited (the object listing, then one update per edited row); the same first import with the client's
 * pacing switched off (`maxRequestsPerSecond` 1000: only 429s and Retry-After hold it back); and the first import
 * against a double without a limit (the time the work itself takes). Wall share waiting = 1 − that unlimited time /
 * the limited run's time. BENCH_STRIPE_SCALE=0.2 shrinks N.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runImport, stateIdOf } from '../server/src/engine/import/run';
import { s3For } from '../server/src/node/import/connect';
import { loadImportPipeline, openDestination } from '../server/src/node/import/pipeline';
import type { StripeStats } from '../server/src/node/import/stripe';
import { startLocalS3 } from '../server/src/node/s3server/server';
import { importWorkspace, products, toCsv, type StripeDestination } from '../test/helpers/import-data';
import { startStripeDouble, type StripeDouble } from '../test/helpers/stripe-api';
import { assert, type Benchmark, type BenchResult } from './harness';

const SCALE = Number(process.env.BENCH_STRIPE_SCALE ?? 1) || 1;
const N = Math.max(100, Math.round(1000 * SCALE));
/** Stripe's documented basic limit in test mode (https://docs.stripe.com/rate-limits). */
const TEST_MODE_LIMIT = 25;
const KEY = 'sk_test_51PipewrightBenchKey0a1b2c3d';
const BUCKET = 'bench-stripe';

interface Measured {
  ms: number;
  records: number;
  actions: Record<string, number>;
  stats: StripeStats;
}

const bench: Benchmark = {
  id: 'stripe-import',
  title: 'Import into Stripe at the test-mode rate limit',
  async run(ctx): Promise<BenchResult> {
    const notes: string[] = [];
    if (SCALE !== 1) notes.push(`⚠️ BENCH_STRIPE_SCALE=${SCALE}: ${N} products instead of 1,000.`);
    mkdirSync(join(ctx.root, '.bench-tmp'), { recursive: true });
    const dir = mkdtempSync(join(ctx.root, '.bench-tmp', 'stripe-import-'));
    const s3 = await startLocalS3({ root: join(dir, 's3') });
    process.env.PIPEWRIGHT_SECRET_STRIPE_API_KEY = KEY;
    const doubles: StripeDouble[] = [];
    const rows = products(N, 2026);
    const put = (name: string, body: string) => {
      mkdirSync(join(dir, 's3', BUCKET, 'imports/products'), { recursive: true });
      writeFileSync(join(dir, 's3', BUCKET, 'imports/products', name), body);
    };
    const run = async (name: string, stripe: StripeDouble, destination: Partial<StripeDestination> = {}): Promise<Measured> => {
      const pipeline = importWorkspace(join(dir, name), { bucket: BUCKET, destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: stripe.url, ...destination } });
      const p = loadImportPipeline(pipeline);
      const d = openDestination(p) as ReturnType<typeof openDestination> & { stats(): StripeStats };
      const t0 = performance.now();
      try {
        const report = await runImport({ bucket: p.bucket, folder: p.folder, formats: p.formats }, p.template, stateIdOf(p.name), { s3: s3For(p, { endpoint: s3.endpoint }), destination: d }, { since: new Date(0), batchSize: 100 });
        const ms = performance.now() - t0;
        assert(report.problems === 0, `${name}: ${report.problems} problems: ${JSON.stringify(report.problemSamples.slice(0, 3))}`);
        return { ms, records: report.records, actions: (report.actions ?? {}) as Record<string, number>, stats: d.stats() };
      } finally {
        await d.close();
      }
    };
    try {
      put('catalog.csv', toCsv(rows));
      const limited = () => startStripeDouble({ keys: [KEY], seed: false, rateLimit: { perSecond: TEST_MODE_LIMIT, retryAfterSeconds: 1 } }).then((d) => (doubles.push(d), d));

      ctx.log(`stripe-import: first import of ${N} products at ${TEST_MODE_LIMIT} requests/s (≈ ${Math.round(N / TEST_MODE_LIMIT)} s)`);
      const stripe = await limited();
      const first = await run('first', stripe);
      assert(first.actions.create === N && stripe.objects('products').length === N, `first import: ${JSON.stringify(first.actions)}, ${stripe.objects('products').length} products`);

      ctx.log('stripe-import: rerun after editing 10 % of the rows');
      put('catalog.csv', toCsv(rows.map((r, i) => (i % 10 === 0 ? { ...r, name: `${r.name} (new)` } : r))));
      // The double's second still holds the first run's last requests, which a new run cannot know of: let it pass.
      await new Promise((r) => setTimeout(r, 1100));
      const rerun = await run('first', stripe);
      assert(rerun.actions.update === Math.ceil(N / 10) && rerun.actions.unchanged === N - Math.ceil(N / 10), `rerun: ${JSON.stringify(rerun.actions)}`);
      assert(stripe.objects('products').length === N, 'the rerun created products');
      put('catalog.csv', toCsv(rows));

      ctx.log('stripe-import: first import without client pacing (429 and Retry-After only)');
      const raw = await limited();
      const unpaced = await run('unpaced', raw, { maxRequestsPerSecond: 1000 });
      assert(unpaced.actions.create === N && raw.objects('products').length === N, `unpaced: ${JSON.stringify(unpaced.actions)}, ${raw.objects('products').length} products`);

      ctx.log('stripe-import: first import against a double without a limit');
      const free = await startStripeDouble({ keys: [KEY], seed: false }).then((d) => (doubles.push(d), d));
      const unlimited = await run('unlimited', free, { maxRequestsPerSecond: 1000 });
      assert(unlimited.actions.create === N, `unlimited: ${JSON.stringify(unlimited.actions)}`);

      const row = (what: string, m: Measured, wallShare?: number) => ({
        what,
        records: m.records,
        requests: m.stats.requests,
        limited: m.stats.rateLimited,
        ms: m.ms,
        rps: m.records / (m.ms / 1000),
        writes: (m.actions.create ?? 0) + (m.actions.update ?? 0),
        share: m.stats.waitedMs + m.stats.sentMs ? (100 * m.stats.waitedMs) / (m.stats.waitedMs + m.stats.sentMs) : 0,
        wall: wallShare === undefined ? undefined : 100 * wallShare,
      });
      notes.push(`Requests of the first import: ${first.stats.requests} (${N} creates and ${first.stats.requests - N - first.stats.rateLimited} listing page${first.stats.requests - N - first.stats.rateLimited === 1 ? '' : 's'}, ${first.stats.rateLimited} answered 429); the rerun reads ${Math.ceil(N / 100)} listing pages of 100 before it plans.`);
      notes.push(`Without client pacing the same import sends ${unpaced.stats.requests} requests for ${N} creates: ${unpaced.stats.rateLimited} are answered 429 and waited out (Retry-After: 1 s).`);
      return {
        id: 'stripe-import',
        title: 'Import into Stripe at the test-mode rate limit',
        method:
          `${N} Stripe-products-like rows (test/helpers/import-data.ts, seed 2026) in one CSV served by the embedded S3 server; the pipeline's destination is \`"stripe"\` with a test-mode key, so the client paces itself to Stripe's documented test-mode limit of ${TEST_MODE_LIMIT} requests a second with 4 requests in flight. ` +
          `The import is wired as \`pipewright import\` wires it (\`loadImportPipeline\`, \`s3For\`, \`openDestination\`, \`runImport\`, batches of 100 records) and runs in this process against the Stripe API double (test/helpers/stripe-api.ts) through the real \`stripe\` SDK; the double answers 429 with \`Retry-After: 1\` past ${TEST_MODE_LIMIT} requests in any second. ` +
          'Each product is one create (its default price made with it); an update sends one request. Time waiting on the limit, per request: the time a request was held back by the pacing or a 429’s Retry-After, over that plus its time on the wire, summed over requests. Wall share: 1 − the same import’s time against a double without a limit / its time at the limit. One run of each.',
        tables: [
          {
            title: `At Stripe's test-mode limit (${TEST_MODE_LIMIT} requests/s): one write per record`,
            columns: [
              { key: 'what', header: 'Run', unit: 'text' },
              { key: 'records', header: 'Records', unit: 'count' },
              { key: 'writes', header: 'Writes', unit: 'count' },
              { key: 'requests', header: 'Requests', unit: 'count' },
              { key: 'limited', header: '429 answers', unit: 'count' },
              { key: 'ms', header: 'Wall time', unit: 'ms' },
              { key: 'rps', header: 'Records/s', unit: 'count', target: { op: '≥', limit: 0.9 * TEST_MODE_LIMIT } },
              { key: 'share', header: 'Request time waiting on the limit (%)', unit: 'count' },
              { key: 'wall', header: 'Wall share waiting (%)', unit: 'count' },
            ],
            rows: [row(`First import, ${N} new products`, first, 1 - unlimited.ms / first.ms)],
          },
          {
            title: 'The other runs',
            columns: [
              { key: 'what', header: 'Run', unit: 'text' },
              { key: 'records', header: 'Records', unit: 'count' },
              { key: 'writes', header: 'Writes', unit: 'count' },
              { key: 'requests', header: 'Requests', unit: 'count' },
              { key: 'limited', header: '429 answers', unit: 'count' },
              { key: 'ms', header: 'Wall time', unit: 'ms' },
              { key: 'rps', header: 'Records/s', unit: 'count' },
              { key: 'share', header: 'Request time waiting on the limit (%)', unit: 'count' },
              { key: 'wall', header: 'Wall share waiting (%)', unit: 'count' },
            ],
            rows: [
              row('Rerun after 10 % of the rows were edited', rerun),
              row('First import, no client pacing (429 + Retry-After only)', unpaced, 1 - unlimited.ms / unpaced.ms),
              row('First import, double without a limit (baseline)', unlimited),
            ],
          },
        ],
        notes,
      };
    } finally {
      delete process.env.PIPEWRIGHT_SECRET_STRIPE_API_KEY;
      await Promise.all(doubles.map((d) => d.close()));
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
