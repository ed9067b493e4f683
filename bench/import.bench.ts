/**
 * Importing from S3: throughput, memory, and the bucket preview.
 *
 * Three measurements, one run:
 * 1. **Throughput** — a ~500 MB CSV and a ~500 MB JSON Lines file of Stripe-products-like rows (the columns of
 *    examples/stripe-import/products.template.json), served by the embedded S3 server running in a child process
 *    (bench/local-s3-child.ts). Pipewright end to end (`runImport` wired as `pipewright import` wires it: read from
 *    S3, parse, map, validate, write SQLite, commit the state), against papaparse alone (CSV) or a split-lines +
 *    JSON.parse loop (JSON Lines) reading the same bytes from local disk, and DuckDB (`CREATE TABLE … AS SELECT *
 *    FROM read_csv/read_json`) as the native reference. Target: Pipewright at least half papaparse's throughput.
 * 2. **Peak RSS** — `node bin/pipewright.js import` (the CLI as users run it) on a CSV just under 10^9 bytes (Stripe's
 *    per-file limit), as a child process. Target ≤ 250 MB.
 * 3. **Preview of 50,000 objects** — `previewBucket` against a bare ListObjectsV2 loop on the same server (target:
 *    ratio ≤ 1.1), and the time from the call to the first page, client creation included (target ≤ 300 ms).
 *
 * The big files are generated once (seeded, streamed to disk) under .bench-tmp/import-data/ and reused while their
 * size and generator match; everything else lives in a run folder under .bench-tmp/ that is removed at the end.
 * BENCH_IMPORT_SCALE=0.1 shrinks every input (for trying the benchmark out; the report says so).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, existsSync, linkSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { previewBucket } from '../server/src/engine/import/preview';
import { runImport, stateIdOf, type ImportReport } from '../server/src/engine/import/run';
import type { SelectOptions } from '../server/src/engine/import/select';
import { createS3Client, s3Access, type NodeS3Access } from '../server/src/node/aws/s3';
import { s3For } from '../server/src/node/import/connect';
import { loadImportPipeline, openDestination } from '../server/src/node/import/pipeline';
import { importWorkspace } from '../test/helpers/import-data';
import { prng } from './fixtures';
import { assert, machineCpu, sideBySide, stats, type Benchmark, type BenchResult, type Table } from './harness';
import { csvStages, stageColumns, type Stage, type StageRow } from './import-stages';
import type { ServerStats } from './local-s3-child';

const SCALE = Number(process.env.BENCH_IMPORT_SCALE ?? 1) || 1;
const SEED = 20_260_501;
/** Bump when the generator changes: files made by another version are regenerated. */
const GENERATOR = 'stripe-products-v2';
const MB = 1_000_000;
/** ~500 MB: rows are written until the file reaches this size. */
const THROUGHPUT_BYTES = Math.round(500 * MB * SCALE);
/** Just under Stripe's 10^9-byte limit per file (a larger file is skipped as too large). */
const RSS_MAX_BYTES = Math.round(999 * MB * SCALE);
const PREVIEW_OBJECTS = Math.max(2_000, Math.round(50_000 * SCALE));
/**
 * No timed warm-up: a run takes seconds to a minute, far beyond JIT warm-up. What a warm-up would absorb is done
 * untimed before the runs instead: the server's MD5 ETag of the object (first listing) and the file in the page cache.
 */
const THROUGHPUT_WARMUP = 0;
/** Runs of one contender differ by up to ±15 % on the 2-core machines here: five runs (nine for the short preview) steady the median. */
const THROUGHPUT_RUNS = 5;
/** The stage breakdown: ~100 MB of the same CSV (the first records of the 500 MB file: same seed), held in memory. */
const STAGES_BYTES = Math.round(100 * MB * SCALE);
const STAGES_RUNS = 3;
const PREVIEW_RUNS = 9;
const FIRST_PAGE_WARMUP = 3;
const FIRST_PAGE_RUNS = 20;
const FOLDER = 'imports/products/';
/** Every object was written long before; `since` the epoch takes them whatever their age (a first sync takes 90 days). */
const SINCE = new Date(0);
const REGION = 'us-east-1';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_EC2_METADATA_DISABLED: 'true' };

// ---------------------------------------------------------------------------------------------------------
// Stripe-products-like rows (the columns of examples/stripe-import/products.template.json)

interface Product {
  product_id: string;
  name: string;
  description: string;
  active: boolean;
  unit_amount: string;
  currency: string;
  created: string;
}

const COLUMNS = ['product_id', 'name', 'description', 'active', 'unit_amount', 'currency', 'created'] as const;
const ADJECTIVES = ['Basic', 'Premium', 'Classic', 'Eco', 'Pro', 'Mini', 'Large', 'Limited', 'Everyday', 'Travel'];
const NOUNS = ['Mug', 'Tea, green', 'Notebook "A5"', 'Café crème', 'Lamp', 'Desk mat', 'Pen set', 'Bag', 'Water bottle', 'Backpack, 20 L', 'Sticker pack', 'Hoodie', 'Plan — monthly', 'Gift card'];
const WORDS = ['soft', 'durable', 'cotton', 'recycled', 'steel', 'handmade', 'compact', 'waterproof', 'light', 'classic', 'design', 'for', 'daily', 'use', 'with', 'a', 'matte', 'finish', 'and', 'lifetime', 'warranty', 'ships', 'in', 'two', 'days', 'größe', 'M', 'colour', 'blue', 'edition'];
const CURRENCIES = ['usd', 'eur', 'gbp'];
const T0 = Date.UTC(2019, 0, 1);
const SPAN_S = 7 * 365 * 86_400;

function productRows(seed: number): (i: number) => Product {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const words = (n: number) => {
    let s = pick(WORDS);
    for (let k = 1; k < n; k++) s += ` ${pick(WORDS)}`;
    return s;
  };
  return (i) => {
    // Ascending, as in an export sorted by id: prod_ and 14 base-36 digits. (Ids in random order make every batch of
    // SQLite upserts touch pages all over the WITHOUT ROWID table, and the import grows quadratic: not measured here.)
    const id = `prod_${i.toString(36).padStart(14, '0')}`;
    const d = r();
    // 20 % empty, 40 % plain, 20 % with commas, 10 % with quotes (`""` in CSV), 10 % on two lines.
    const description =
      d < 0.2 ? ''
      : d < 0.6 ? `${words(6 + Math.floor(r() * 14))}.`
      : d < 0.8 ? `${words(3 + Math.floor(r() * 5))}, ${words(3 + Math.floor(r() * 5))}, ${words(2 + Math.floor(r() * 4))}.`
      : d < 0.9 ? `The "${pick(ADJECTIVES)}" edition, ${words(4 + Math.floor(r() * 8))}.`
      : `${words(4 + Math.floor(r() * 6))}.\n${words(3 + Math.floor(r() * 6))}, ${words(2 + Math.floor(r() * 3))}.`;
    return {
      product_id: id,
      name: `${pick(ADJECTIVES)} ${pick(NOUNS)} ${1 + Math.floor(r() * 999)}`,
      description,
      active: r() < 0.85,
      unit_amount: `${Math.floor(r() * 100_000)}.${String(Math.floor(r() * 100)).padStart(2, '0')}`,
      currency: pick(CURRENCIES),
      created: `${new Date(T0 + Math.floor(r() * SPAN_S) * 1000).toISOString().slice(0, 19)}Z`,
    };
  };
}

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csvLine = (p: Product) => `${csvField(p.product_id)},${csvField(p.name)},${csvField(p.description)},${p.active},${p.unit_amount},${p.currency},${p.created}\n`;
const jsonLine = (p: Product) => `${JSON.stringify(p)}\n`;

interface DataFile {
  path: string;
  format: 'csv' | 'jsonl';
  bytes: number;
  /** Records, the CSV header not counted. */
  rows: number;
}

interface DataMeta {
  generator: string;
  seed: number;
  format: 'csv' | 'jsonl';
  minBytes?: number;
  maxBytes?: number;
  bytes: number;
  rows: number;
}

/**
 * A data file of products, written row by row in 4 MB writes (never built in memory): rows are added until the
 * file reaches `minBytes`, or for as long as the next row keeps it within `maxBytes`. Reused while its size and
 * recipe match the `.meta.json` written beside it.
 */
function dataFile(path: string, format: 'csv' | 'jsonl', seed: number, size: { minBytes?: number; maxBytes?: number }, log: (m: string) => void): DataFile {
  const recipe = { generator: GENERATOR, seed, format, ...size };
  const metaPath = `${path}.meta.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as DataMeta;
      const same = meta.generator === recipe.generator && meta.seed === seed && meta.format === format && meta.minBytes === size.minBytes && meta.maxBytes === size.maxBytes;
      if (same && statSync(path).size === meta.bytes) {
        log(`import: reusing ${relativeName(path)} (${(meta.bytes / MB).toFixed(0)} MB, ${meta.rows.toLocaleString('en-US')} records)`);
        return { path, format, bytes: meta.bytes, rows: meta.rows };
      }
    } catch {
      // regenerate
    }
  }
  const t0 = performance.now();
  log(`import: generating ${relativeName(path)} (${format}, ${size.minBytes ? `≥ ${size.minBytes / MB}` : `≤ ${size.maxBytes! / MB}`} MB, seed ${seed})…`);
  rmSync(metaPath, { force: true });
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  const row = productRows(seed);
  const line = format === 'csv' ? csvLine : jsonLine;
  let bytes = 0;
  let rows = 0;
  let chunk: string[] = [];
  let chunkBytes = 0;
  const flush = () => {
    if (chunk.length) writeSync(fd, chunk.join(''));
    chunk = [];
    chunkBytes = 0;
  };
  const add = (text: string, n: number) => {
    chunk.push(text);
    bytes += n;
    chunkBytes += n;
    if (chunkBytes >= 4 * 1024 * 1024) flush();
  };
  try {
    if (format === 'csv') {
      const header = `${COLUMNS.join(',')}\n`;
      add(header, header.length);
    }
    for (;;) {
      const text = line(row(rows));
      const n = Buffer.byteLength(text, 'utf8');
      if (size.maxBytes !== undefined && bytes + n > size.maxBytes) break;
      add(text, n);
      rows++;
      if (size.minBytes !== undefined && bytes >= size.minBytes) break;
    }
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const meta: DataMeta = { ...recipe, bytes, rows };
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
  log(`import: … ${rows.toLocaleString('en-US')} records, ${bytes.toLocaleString('en-US')} bytes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { path, format, bytes, rows };
}

let repoRoot = '';
const relativeName = (p: string) => relative(repoRoot, p) || p;

// ---------------------------------------------------------------------------------------------------------
// The S3 server in its own process

interface ChildServer {
  endpoint: string;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

async function startChildServer(root: string, s3Root: string): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'local-s3-child.ts'), s3Root], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the local S3 server (bench/local-s3-child.ts) did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the local S3 server exited with code ${code} before it was ready`)));
    child.on('message', (m: { type?: string; endpoint?: string }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.endpoint!);
      }
    });
  });
  const waiting: Array<(s: ServerStats) => void> = [];
  child.on('message', (m: { type?: string }) => {
    if (m.type === 'stats') waiting.shift()?.(m as ServerStats);
  });
  return {
    endpoint,
    stats: () =>
      new Promise<ServerStats>((resolve) => {
        waiting.push(resolve);
        child.send({ type: 'stats' });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.disconnect();
      }),
  };
}

/** Reads a file once, so that every contender finds it in the page cache. */
async function readThrough(file: string): Promise<void> {
  for await (const _ of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    // nothing
  }
}

/** A hard link (same file system), else a copy: the server then serves the very bytes the local readers read. */
function place(file: string, dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, name);
  try {
    linkSync(file, target);
  } catch {
    copyFileSync(file, target);
  }
  return target;
}

function removeDatabase(path: string): void {
  for (const p of [path, `${path}-journal`, `${path}.pipewright-pid`, `${path}.wal`]) rmSync(p, { force: true });
  rmSync(`${path}.lock`, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// Contenders

/** `pipewright import <pipeline> --endpoint … --since 1970-01-01`, in process: the wiring of server/src/cli/import.ts. */
async function pipewrightImport(pipelinePath: string, endpoint: string): Promise<ImportReport> {
  const p = loadImportPipeline(pipelinePath);
  const destination = openDestination(p);
  const s3 = s3For(p, { endpoint }) as NodeS3Access;
  try {
    return await runImport({ bucket: p.bucket, folder: p.folder, formats: p.formats }, p.template, stateIdOf(p.name), { s3, destination }, { since: SINCE });
  } finally {
    await destination.close();
    s3.client.destroy();
  }
}

/** papaparse alone, as its README streams a file in Node: records as arrays (no header objects), counted. */
function papaparseCount(file: string): Promise<{ records: number; errors: number }> {
  return new Promise((resolve, reject) => {
    let records = 0;
    let errors = 0;
    Papa.parse<string[]>(createReadStream(file), {
      delimiter: ',',
      step: (row) => {
        records++;
        errors += row.errors.length;
      },
      complete: () => resolve({ records, errors }),
      error: (e) => reject(e),
    });
  });
}

/** The JSON Lines peer: a read stream decoded as UTF-8, cut at newlines, each line to JSON.parse. */
function jsonLinesCount(file: string): Promise<{ records: number; errors: number }> {
  return new Promise((resolve, reject) => {
    let records = 0;
    let rest = '';
    let sink = 0;
    const parse = (line: string) => {
      if (!line) return;
      const v = JSON.parse(line) as { product_id?: string };
      if (v.product_id) sink++;
      records++;
    };
    const stream = createReadStream(file, { encoding: 'utf8' });
    stream.on('data', (text) => {
      const s = rest + (text as string);
      let from = 0;
      for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
        parse(s.slice(from, nl));
        from = nl + 1;
      }
      rest = s.slice(from);
    });
    stream.on('end', () => {
      try {
        parse(rest);
        resolve({ records, errors: records - sink });
      } catch (e) {
        reject(e);
      }
    });
    stream.on('error', reject);
  });
}

/** DuckDB: the file into a table of an on-disk database, with its own (multi-threaded, native) reader. */
async function duckdbLoad(file: string, dbPath: string, format: 'csv' | 'jsonl'): Promise<number> {
  const instance = await DuckDBInstance.create(dbPath);
  const conn = await instance.connect();
  try {
    const literal = `'${file.replace(/'/g, "''")}'`;
    await conn.run(format === 'csv' ? `CREATE TABLE t AS SELECT * FROM read_csv(${literal}, header = true)` : `CREATE TABLE t AS SELECT * FROM read_json(${literal}, format = 'newline_delimited')`);
    const rows = (await conn.runAndReadAll('SELECT count(*) FROM t')).getRows();
    return Number(rows[0][0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** ListObjectsV2, page after page, with the SDK's client and nothing else: the floor for a preview. */
async function bareListing(endpoint: string, bucket: string, prefix: string, onFirstPage?: () => boolean): Promise<number> {
  const client = new S3Client({ region: REGION, endpoint, forcePathStyle: true });
  try {
    let n = 0;
    let token: string | undefined;
    do {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000, ...(token ? { ContinuationToken: token } : {}) }));
      n += out.Contents?.length ?? 0;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
      if (onFirstPage?.()) break;
    } while (token);
    return n;
  } finally {
    client.destroy();
  }
}

/** Pipewright's preview as the CLI and the editor start it: a new client, s3Access, previewBucket. */
async function pipewrightPreview(endpoint: string, bucket: string, onPage?: () => boolean): Promise<{ listed: number; toImport: number }> {
  const client = createS3Client({ region: REGION, endpoint });
  try {
    const select: SelectOptions = { folder: FOLDER, formats: ['csv', 'jsonl', 'json'], now: new Date(), since: SINCE };
    const token = { isCancellationRequested: false };
    const totals = await previewBucket(s3Access(client), bucket, select, {}, () => {
      if (onPage?.()) token.isCancellationRequested = true;
    }, token);
    return { listed: totals.listed, toImport: totals.toImport.objects };
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Peak RSS of the CLI

interface CliRun {
  ms: number;
  /** CPU seconds of the process (user + system), when /usr/bin/time measured it. */
  cpuS: number;
  peakKb: number;
  method: string;
  report: ImportReport;
}

async function cliImport(root: string, pipelinePath: string, endpoint: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  const cli = [join(root, 'bin', 'pipewright.js'), 'import', pipelinePath, '--endpoint', endpoint, '--since', '1970-01-01T00:00:00Z', '--json'];
  const useTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const child = useTime
    ? spawn('/usr/bin/time', ['-f', 'PIPEWRIGHT_BENCH_MAXRSS_KB=%M PIPEWRIGHT_BENCH_CPU_S=%U+%S', process.execPath, ...cli], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, cli, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  // Without /usr/bin/time: poll VmHWM (the kernel's high-water mark of the RSS); the last value read is the peak.
  let polledKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledKb = Number(m[1]);
        } catch {
          // exited
        }
      }, 50);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  const ms = performance.now() - t0;
  if (poll) clearInterval(poll);
  assert(code === 0, `pipewright import exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const peakKb = useTime ? Number(/PIPEWRIGHT_BENCH_MAXRSS_KB=(\d+)/.exec(stderr)?.[1] ?? NaN) : polledKb;
  assert(peakKb > 0, `no peak RSS measured (${useTime ? '/usr/bin/time printed none' : '/proc/<pid>/status could not be read'})`);
  const cpu = /PIPEWRIGHT_BENCH_CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  return { ms, peakKb, cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0, method: useTime ? '`/usr/bin/time -f %M` (the maximum resident set size the kernel reports for the process)' : '`VmHWM` of /proc/<pid>/status, polled every 50 ms', report: JSON.parse(stdout) as ImportReport };
}

/** A stage's throughput ratio against papaparse, as text. */
function stageRatio(rows: StageRow[], stage: Stage): string {
  return rows.find((r) => r.stage === stage)!.ratio.toFixed(2);
}

// ---------------------------------------------------------------------------------------------------------

const bench: Benchmark = {
  id: 'import',
  title: 'Import from S3: throughput, peak memory, preview of 50,000 objects',
  async run(ctx): Promise<BenchResult> {
    repoRoot = ctx.root;
    const notes: string[] = [];
    if (SCALE !== 1) notes.push(`⚠️ BENCH_IMPORT_SCALE=${SCALE}: every input is scaled down; these are not the figures of the issue.`);
    const cliJs = join(ctx.root, 'dist', 'cli.js');
    assert(existsSync(cliJs), `${cliJs} does not exist: run \`npm run build\` before \`npm run bench -- import\``);
    const stale = newestSource(join(ctx.root, 'server', 'src'));
    if (stale > statSync(cliJs).mtimeMs) notes.push('⚠️ dist/cli.js is older than server/src: the peak-RSS row measures the last build, not the sources as they are. Run `npm run build` first.');

    const dataDir = join(ctx.root, '.bench-tmp', 'import-data');
    mkdirSync(dataDir, { recursive: true });
    const tag = SCALE === 1 ? '' : `-x${SCALE}`;
    const csv = dataFile(join(dataDir, `products-500mb${tag}.csv`), 'csv', SEED, { minBytes: THROUGHPUT_BYTES }, ctx.log);
    const jsonl = dataFile(join(dataDir, `products-500mb${tag}.jsonl`), 'jsonl', SEED + 1, { minBytes: THROUGHPUT_BYTES }, ctx.log);
    const big = dataFile(join(dataDir, `products-1gb${tag}.csv`), 'csv', SEED + 2, { maxBytes: RSS_MAX_BYTES }, ctx.log);
    const slice = dataFile(join(dataDir, `products-100mb${tag}.csv`), 'csv', SEED, { minBytes: STAGES_BYTES }, ctx.log);
    assert(big.bytes < 1_000_000_000, `${big.path} is ${big.bytes} bytes: Stripe's limit is 10^9`);

    const cpuStart = machineCpu();
    const ownStart = process.cpuUsage();
    let childCpuS = 0;
    const saved = Object.fromEntries(Object.keys(CREDENTIALS).map((k) => [k, process.env[k]]));
    Object.assign(process.env, CREDENTIALS);
    const run = mkdtempSync(join(ctx.root, '.bench-tmp', 'import-run-'));
    const s3Root = join(run, 's3');
    let server: ChildServer | undefined;
    try {
      // Buckets: one per file (each pipeline imports exactly one object), and one with the preview's small files.
      place(csv.path, join(s3Root, 'bench-csv', FOLDER), 'products.csv');
      place(jsonl.path, join(s3Root, 'bench-jsonl', FOLDER), 'products.jsonl');
      place(big.path, join(s3Root, 'bench-rss', FOLDER), 'products-1gb.csv');
      const previewDir = join(s3Root, 'bench-preview', FOLDER);
      mkdirSync(previewDir, { recursive: true });
      const t0 = performance.now();
      const small = productRows(SEED + 3);
      for (let i = 0; i < PREVIEW_OBJECTS; i++) writeFileSync(join(previewDir, `part-${String(i).padStart(5, '0')}.csv`), `${COLUMNS.join(',')}\n${csvLine(small(i))}`);
      ctx.log(`import: ${PREVIEW_OBJECTS.toLocaleString('en-US')} small objects written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      server = await startChildServer(ctx.root, s3Root);
      const endpoint = server.endpoint;
      ctx.log(`import: local S3 server (child process) at ${endpoint}`);
      const workspace = (bucket: string) => {
        const dir = join(run, `ws-${bucket}`);
        const db = join(run, `${bucket}.db`);
        return { db, pipeline: importWorkspace(dir, { bucket, folder: FOLDER, formats: ['csv', 'jsonl'], destination: { type: 'sqlite', path: db } }) };
      };

      // 1. Throughput -------------------------------------------------------------------------------------
      const throughputRows: Table['rows'] = [];
      const gcNotes: string[] = [];
      for (const file of [csv, jsonl]) {
        const bucket = file.format === 'csv' ? 'bench-csv' : 'bench-jsonl';
        const ws = workspace(bucket);
        const duckDb = join(run, `${bucket}.duckdb`);
        const peerName = file.format === 'csv' ? 'papaparse' : 'split + JSON.parse';
        const peer = file.format === 'csv' ? papaparseCount : jsonLinesCount;
        const counts: Record<string, number> = {};
        ctx.log(`import: ${file.format}: ${THROUGHPUT_RUNS} runs of Pipewright, ${peerName}, DuckDB (${(file.bytes / MB).toFixed(0)} MB each)`);
        const tWarm = performance.now();
        assert((await bareListing(endpoint, bucket, FOLDER)) === 1, `${bucket} should hold one object`);
        await readThrough(file.path);
        ctx.log(`import: ${file.format}: untimed warm-up (server ETag, page cache) ${((performance.now() - tWarm) / 1000).toFixed(1)} s`);
        let iteration = 0;
        const result = await sideBySide({
          warmup: THROUGHPUT_WARMUP,
          runs: THROUGHPUT_RUNS,
          input: (i) => {
            iteration = i;
            removeDatabase(ws.db);
            removeDatabase(duckDb);
            return i;
          },
          contenders: [
            {
              name: 'Pipewright',
              fn: async () => {
                const t = performance.now();
                const r = await pipewrightImport(ws.pipeline, endpoint);
                assert(r.records === file.rows && r.problems === 0 && r.objects.length === 1 && r.objects[0].status === 'imported', `Pipewright imported ${r.records} records with ${r.problems} problems (${JSON.stringify(r.problemSamples.slice(0, 3))}) from ${r.objects.length} objects; ${file.rows} expected`);
                counts.Pipewright = r.records;
                ctx.log(`import:   ${file.format} #${iteration} Pipewright ${((performance.now() - t) / 1000).toFixed(1)} s`);
              },
            },
            {
              name: 'peer',
              fn: async () => {
                const t = performance.now();
                const r = await peer(file.path);
                const expected = file.rows + (file.format === 'csv' ? 1 : 0);
                assert(r.records === expected && r.errors === 0, `${peerName} read ${r.records} records (${r.errors} errors); ${expected} expected`);
                counts[peerName] = r.records - (file.format === 'csv' ? 1 : 0);
                ctx.log(`import:   ${file.format} #${iteration} ${peerName} ${((performance.now() - t) / 1000).toFixed(1)} s`);
              },
            },
            {
              name: 'DuckDB',
              fn: async () => {
                const t = performance.now();
                const n = await duckdbLoad(file.path, duckDb, file.format);
                assert(n === file.rows, `DuckDB loaded ${n} rows; ${file.rows} expected`);
                counts.DuckDB = n;
                ctx.log(`import:   ${file.format} #${iteration} DuckDB ${((performance.now() - t) / 1000).toFixed(1)} s`);
              },
            },
          ],
        });
        // The last run's database: the rows are there, once each.
        const p = loadImportPipeline(ws.pipeline);
        const check = openDestination(p, { readOnly: true }) as ReturnType<typeof openDestination> & { db: { get(sql: string): unknown } };
        try {
          const row = check.db.get(`SELECT count(*) AS n FROM "${p.template.object}"`) as { n: number };
          assert(Number(row.n) === file.rows, `the SQLite table ${p.template.object} holds ${row.n} rows; ${file.rows} expected`);
        } finally {
          await check.close();
        }
        removeDatabase(ws.db);
        removeDatabase(duckDb);
        const pw = stats(result.samples.Pipewright);
        const pe = stats(result.samples.peer);
        const dk = stats(result.samples.DuckDB);
        const mbps = (ms: number) => file.bytes / MB / (ms / 1000);
        throughputRows.push({
          what: `${file.format === 'csv' ? 'CSV' : 'JSON Lines'}, ${(file.bytes / MB).toFixed(0)} MB, ${file.rows.toLocaleString('en-US')} records`,
          pwMs: pw.median,
          pw: mbps(pw.median),
          peerName,
          peer: mbps(pe.median),
          ratio: pe.median / pw.median,
          duck: mbps(dk.median),
          duckRatio: dk.median / pw.median,
        });
        const gcMedian = stats(result.gc.Pipewright).median;
        gcNotes.push(`${file.format.toUpperCase()}: Pipewright ${(gcMedian / 1000).toFixed(1)} s of GC per run (median)`);
        ctx.log(`import: ${file.format}: records agree (${Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')})`);
      }

      // 1b. Where the CSV import's time goes -----------------------------------------------------------------
      ctx.log(`import: stages: ${STAGES_RUNS} runs of each stage over ${(slice.bytes / MB).toFixed(0)} MB of the CSV, in memory`);
      const stages: { rows: StageRow[]; bytes: number } = await csvStages(slice.path, slice.rows, loadImportPipeline(workspace('bench-csv').pipeline).template, join(run, 'stages.db'), STAGES_RUNS, papaparseCount, ctx.log);

      // 2. Peak RSS of `pipewright import` on a ~1 GB file ------------------------------------------------
      const rssWs = workspace('bench-rss');
      // The server computes an object's MD5 ETag on its first listing: do it now, not on the CLI's clock.
      const tList = performance.now();
      assert((await bareListing(endpoint, 'bench-rss', FOLDER)) === 1, 'bench-rss should hold one object');
      ctx.log(`import: rss: first listing of the ${(big.bytes / MB).toFixed(0)} MB object (MD5 ETag) ${((performance.now() - tList) / 1000).toFixed(1)} s; running pipewright import…`);
      removeDatabase(rssWs.db);
      const cli = await cliImport(ctx.root, rssWs.pipeline, endpoint, { ...process.env, ...CREDENTIALS });
      assert(cli.report.records === big.rows && cli.report.problems === 0, `pipewright import (CLI) imported ${cli.report.records} records with ${cli.report.problems} problems; ${big.rows} expected`);
      removeDatabase(rssWs.db);
      childCpuS += cli.cpuS;
      ctx.log(`import: rss: ${(cli.ms / 1000).toFixed(1)} s, peak RSS ${(cli.peakKb / 1024).toFixed(0)} MiB`);

      // 3. Preview of 50,000 objects ----------------------------------------------------------------------
      const tFirst = performance.now();
      const s0 = await server.stats();
      const warm = await pipewrightPreview(endpoint, 'bench-preview');
      const s1 = await server.stats();
      const firstEver = performance.now() - tFirst;
      assert(warm.listed === PREVIEW_OBJECTS && warm.toImport === PREVIEW_OBJECTS, `the preview listed ${warm.listed} objects (${warm.toImport} to import); ${PREVIEW_OBJECTS} expected`);
      const bareCount = await bareListing(endpoint, 'bench-preview', FOLDER);
      assert(bareCount === PREVIEW_OBJECTS, `the bare ListObjectsV2 loop listed ${bareCount} objects; ${PREVIEW_OBJECTS} expected`);
      ctx.log(`import: preview: first listing ${(firstEver / 1000).toFixed(1)} s (server: ${((s1.list.ms - s0.list.ms) / 1000).toFixed(1)} s, its ETags computed); both list ${PREVIEW_OBJECTS.toLocaleString('en-US')}; ${PREVIEW_RUNS} runs each…`);
      const serverMs: Record<string, number[]> = { Pipewright: [], bare: [] };
      const pages = Math.ceil(PREVIEW_OBJECTS / 1000);
      const previewRun = await sideBySide({
        warmup: 0,
        runs: PREVIEW_RUNS,
        input: () => undefined,
        contenders: [
          {
            name: 'Pipewright',
            fn: async () => {
              const a = await server!.stats();
              const r = await pipewrightPreview(endpoint, 'bench-preview');
              const b = await server!.stats();
              assert(r.listed === PREVIEW_OBJECTS, `the preview listed ${r.listed}`);
              serverMs.Pipewright.push(b.list.ms - a.list.ms);
            },
          },
          {
            name: 'bare',
            fn: async () => {
              const a = await server!.stats();
              const n = await bareListing(endpoint, 'bench-preview', FOLDER);
              const b = await server!.stats();
              assert(n === PREVIEW_OBJECTS, `the bare loop listed ${n}`);
              serverMs.bare.push(b.list.ms - a.list.ms);
            },
          },
        ],
      });
      ctx.log(`import: preview: time to the first page, ${FIRST_PAGE_WARMUP} warm-ups + ${FIRST_PAGE_RUNS} runs each`);
      const f0 = await server.stats();
      const firstPage = await sideBySide({
        warmup: FIRST_PAGE_WARMUP,
        runs: FIRST_PAGE_RUNS,
        input: () => undefined,
        contenders: [
          { name: 'Pipewright', fn: () => pipewrightPreview(endpoint, 'bench-preview', () => true) },
          { name: 'bare', fn: () => bareListing(endpoint, 'bench-preview', FOLDER, () => true) },
        ],
      });
      const pv = stats(previewRun.samples.Pipewright);
      const bv = stats(previewRun.samples.bare);
      const pvServer = stats(serverMs.Pipewright).median;
      const bvServer = stats(serverMs.bare).median;
      const fp = stats(firstPage.samples.Pipewright);
      const fb = stats(firstPage.samples.bare);
      const endStats = await server.stats();
      /** Server time of one first-page listing (every first-page call, of either contender, is one listing). */
      const firstPageServer = (endStats.list.ms - f0.list.ms) / Math.max(1, endStats.list.n - f0.list.n);

      // Client side of each listing: its wall time minus the server's time answering its requests.
      const clientMs = (name: 'Pipewright' | 'bare') => stats(previewRun.samples[name].map((ms, i) => ms - serverMs[name][i])).median;
      const pvClient = clientMs('Pipewright');
      const bvClient = clientMs('bare');
      // Other processes on the machine: its busy CPU time minus this process's, the server's and the CLI's.
      const cpuEnd = machineCpu();
      if (cpuStart && cpuEnd) {
        const own = process.cpuUsage(ownStart);
        const ours = (own.user + own.system) / 1e6 + (endStats.cpu.user + endStats.cpu.system) / 1e6 + childCpuS;
        const seconds = (cpuEnd.total - cpuStart.total) / cpuEnd.hz;
        const others = Math.max(0, (cpuEnd.busy - cpuStart.busy) / cpuEnd.hz - ours);
        const share = others / Math.max(1e-9, seconds);
        if (share > 0.05) {
          notes.push(`⚠️ The machine was not idle: ${(100 * share).toFixed(0)} % of its CPU time while this benchmark ran (${others.toFixed(0)} CPU-seconds over ${(seconds / cpus().length).toFixed(0)} s on ${cpus().length} cores) went to other processes (and to kernel work charged to no process, such as writing back this benchmark's files, which makes that figure an upper bound). Times are inflated and noisier than on an idle machine; memory much less so.`);
        }
      }
      notes.push(
        `Throughput: ${gcNotes.join('; ')} (inside the timed runs). DuckDB runs its reader on all ${cpus().length} cores; Pipewright on two threads (reading, parsing and mapping on one, SQLite on the other); papaparse and the JSON loop on one. The S3 server's process competes with them for the ${cpus().length} cores when it streams a body.`,
        `Stages: the import thread's work (reader + mapping + packing) runs at ${stageRatio(stages.rows, 'pack')} × papaparse's throughput and the SQLite writer's at ${stageRatio(stages.rows, 'sqlite')} ×, each alone on a core; end to end, both share the ${cpus().length} cores with the S3 server's process, the SDK's reading of the body and the garbage collector's threads.`,
        `Preview: the server's time is measured in its own process, from each request's arrival to the end of its answer: ${(pvServer / pages).toFixed(0)} ms per ListObjectsV2 page in Pipewright's runs, ${(bvServer / pages).toFixed(0)} ms in the bare loop's (medians of the runs' totals, ${pages} pages). The very first listing took ${(firstEver / 1000).toFixed(1)} s (the server computes the MD5 ETag of each of the ${PREVIEW_OBJECTS.toLocaleString('en-US')} files once).`,
        `First page: the server takes ${firstPageServer.toFixed(0)} ms (mean over both contenders' calls) to answer a listing's first page, of Pipewright's ${fp.median.toFixed(0)} ms and the bare loop's ${fb.median.toFixed(0)} ms (medians); it answered ${endStats.list.n.toLocaleString('en-US')} listings in this run.`,
      );

      return {
        id: bench.id,
        title: bench.title,
        method:
          `**Throughput**: a CSV (${(csv.bytes / MB).toFixed(0)} MB, ${csv.rows.toLocaleString('en-US')} records) and a JSON Lines file (${(jsonl.bytes / MB).toFixed(0)} MB, ${jsonl.rows.toLocaleString('en-US')} records) of Stripe-products-like rows — the columns of examples/stripe-import/products.template.json: product_id, name (some with commas and quotes, some non-ASCII), description (20 % empty, 40 % plain, 20 % with commas, 10 % with \`""\`-escaped quotes, 10 % with an embedded newline), active, unit_amount (2 decimals), currency (usd/eur/gbp), created (ISO 8601 Z) —, generated with a seeded PRNG and streamed to .bench-tmp/import-data/ (reused while size and seed match; MB = 10^6 bytes); product_id ascending, as in an export sorted by id. ` +
          `The embedded S3 server (\`startLocalS3\`) serves them from a child process (bench/local-s3-child.ts), hard-linked into its bucket folders. **Pipewright** is \`runImport\` wired as \`pipewright import --since 1970-01-01 --endpoint …\` wires it (pipeline loaded and linted, \`s3For\`, SQLite destination from \`openDestination\`): GetObject, parse, map and validate every field, upsert into a new SQLite file (deleted before every run) in batches of 2,000 records, commit the state. The SQLite writing runs in a worker thread of its own, beside the reading, parsing and mapping (up to 4 packed batches waiting), so Pipewright uses two cores where papaparse and the JSON Lines loop use one. ` +
          `The peers read the same bytes from local disk: **papaparse** 5.5.3 \`Papa.parse(fs.createReadStream(file), { step })\`, rows as arrays; for JSON Lines, a read stream cut at newlines with each line given to JSON.parse (papaparse does not read JSON); **DuckDB** (@duckdb/node-api) \`CREATE TABLE t AS SELECT * FROM read_csv(file, header = true)\` / \`read_json(file, format = 'newline_delimited')\` into a new on-disk database. Every run checks the record count (Pipewright's report and, after the last run, the SQLite table). ` +
          `${THROUGHPUT_RUNS} timed runs of each, contenders alternating (A B C, C B A, …), after an untimed first listing (the server computes the object's MD5 ETag once) and a first read of the file (page cache) instead of a timed warm-up: a run lasts seconds to a minute, far beyond JIT warm-up; MB/s = file size / median time; the ratio is Pipewright's throughput / the peer's (≥ 0.5: at least half as fast). ` +
          `**Stages**: the first ${slice.rows.toLocaleString('en-US')} records of the same CSV (${(slice.bytes / MB).toFixed(0)} MB, same seed), read into memory once for Pipewright; each stage of \`runImport\` alone on this thread, its bytes pushed 64 KiB at a time and its records in batches of 2,000, ${STAGES_RUNS} timed runs after one warm-up, alternating, beside papaparse reading the same file as in the throughput table — bench/import-stages.ts. Each Pipewright stage includes the ones above it, except the SQLite writer: it commits the batches that the packing stage makes (made once, untimed) into a new database, four batches per transaction, as the writer thread does when they wait for it. The import thread and the writer thread run side by side, so the slower of the two bounds the end-to-end throughput. ` +
          `**Peak RSS**: \`node bin/pipewright.js import <pipeline> --endpoint <local S3> --since 1970-01-01 --json\` as a child process on a CSV of ${big.bytes.toLocaleString('en-US')} bytes (${big.rows.toLocaleString('en-US')} records; just under Stripe's 10^9-byte limit per file), one run, peak RSS by ${cli.method}, in MiB (2^20 bytes: the 250 MB target read as 250 MiB); records/s over the whole process lifetime (start-up and listing included). ` +
          `**Preview**: ${PREVIEW_OBJECTS.toLocaleString('en-US')} small CSV files in one folder of the same server; \`previewBucket\` through \`s3Access(createS3Client({ endpoint }))\` against a bare loop of \`ListObjectsV2Command\` on a plain SDK \`S3Client\` (same endpoint, forcePathStyle), each creating its client inside the timed call; one untimed preview first (it makes the server compute its ETags), then ${PREVIEW_RUNS} timed runs each, alternating. Time to the first page: from the call (client creation included) to the first \`onPage\` (bare loop: to the first answer), ${FIRST_PAGE_RUNS} runs after ${FIRST_PAGE_WARMUP} warm-ups; the target applies to the median (with ${FIRST_PAGE_RUNS} runs the p95 is the second-worst run, shown beside it).`,
        tables: [
          {
            title: 'Import throughput (end to end for Pipewright; parse only for the peer)',
            columns: [
              { key: 'what', header: 'File', unit: 'text' },
              { key: 'pwMs', header: 'Pipewright median', unit: 'ms' },
              { key: 'pw', header: 'Pipewright (MB/s)', unit: 'count' },
              { key: 'peerName', header: 'Peer', unit: 'text' },
              { key: 'peer', header: 'Peer (MB/s)', unit: 'count' },
              { key: 'ratio', header: 'Throughput ratio Pipewright / peer', unit: 'ratio', target: { op: '≥', limit: 0.5 } },
              { key: 'duck', header: 'DuckDB (MB/s)', unit: 'count' },
              { key: 'duckRatio', header: 'Throughput ratio Pipewright / DuckDB', unit: 'ratio' },
            ],
            rows: throughputRows,
          },
          {
            title: `Where the CSV import's time goes: each stage alone over ${(stages.bytes / MB).toFixed(0)} MB of the same CSV`,
            columns: stageColumns,
            rows: stages.rows,
          },
          {
            title: 'Peak memory of `pipewright import` on a ~1 GB CSV',
            columns: [
              { key: 'what', header: 'File', unit: 'text' },
              { key: 'ms', header: 'Wall time', unit: 'ms' },
              { key: 'rps', header: 'Records/s', unit: 'count' },
              { key: 'mbps', header: 'MB/s', unit: 'count' },
              { key: 'rss', header: 'Peak RSS (MiB)', unit: 'count', target: { op: '≤', limit: 250 } },
            ],
            rows: [{ what: `CSV, ${big.bytes.toLocaleString('en-US')} bytes, ${big.rows.toLocaleString('en-US')} records`, ms: cli.ms, rps: big.rows / (cli.ms / 1000), mbps: big.bytes / MB / (cli.ms / 1000), rss: cli.peakKb / 1024 }],
          },
          {
            title: `Preview of ${PREVIEW_OBJECTS.toLocaleString('en-US')} objects (${pages} ListObjectsV2 pages)`,
            columns: [
              { key: 'what', header: 'Work', unit: 'text' },
              { key: 'pw', header: 'Pipewright median', unit: 'ms' },
              { key: 'bare', header: 'Bare ListObjectsV2 loop median', unit: 'ms' },
              { key: 'ratio', header: 'Ratio Pipewright / bare', unit: 'ratio', target: { op: '≤', limit: 1.1 } },
              { key: 'server', header: 'Server’s time in a Pipewright run (median)', unit: 'ms' },
              { key: 'pwClient', header: 'Client side, Pipewright (wall − server, median)', unit: 'ms' },
              { key: 'bareClient', header: 'Client side, bare loop', unit: 'ms' },
            ],
            rows: [{ what: 'Whole listing, verdict of every object', pw: pv.median, bare: bv.median, ratio: pv.median / bv.median, server: pvServer, pwClient: pvClient, bareClient: bvClient }],
          },
          {
            title: 'Time to the first page of the preview (client creation included)',
            columns: [
              { key: 'what', header: 'Work', unit: 'text' },
              { key: 'pw', header: 'Pipewright median', unit: 'ms', target: { op: '≤', limit: 300 } },
              { key: 'p95', header: 'Pipewright p95', unit: 'ms' },
              { key: 'bare', header: 'Bare loop median', unit: 'ms' },
              { key: 'ratio', header: 'Ratio Pipewright / bare', unit: 'ratio' },
            ],
            rows: [{ what: 'Call → first onPage (1,000 objects)', pw: fp.median, p95: fp.p95, bare: fb.median, ratio: fp.median / fb.median }],
          },
        ],
        notes,
      };
    } finally {
      await server?.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(run, { recursive: true, force: true });
    }
  },
};


/** mtime of the newest .ts file under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  visit(dir);
  return newest;
}

export default bench;
