/**
 * Hostile inputs through the real readers and the built CLI against moto: csv-spectrum (the peer corpus of CSV
 * edge cases, from npm) read by the import's CSV reader fed one byte at a time and in one piece, equal to the
 * corpus's own expected JSON; object keys with spaces, `+`, `%`, non-ASCII, emoji and decomposed Unicode listed,
 * previewed and imported by `pipewright preview` and `pipewright import`, each row landing once; compressed and
 * bomb-like objects (imports read no compression) skipped with their reason, never inflated; a truncated CSV
 * reported by file and line. Every command ends with a clear message, never a stack trace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createRecordReader } from '../../server/src/engine/import/parse';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { importWorkspace, products, toCsv } from '../helpers/import-data';
import { cli } from '../helpers/export-workspace';

const SPECTRUM = dirname(require.resolve('csv-spectrum/package.json'));
const BUCKET = 'hostile-keys';
/** Keys S3 accepts and a careless reader mangles: URL encoding, `+` as space, NFC vs NFD, emoji, spaces. */
const ODD_KEYS = [
  'imports/products/with space.csv',
  'imports/products/plus+sign.csv',
  'imports/products/percent%20literal.csv',
  'imports/products/100%.csv',
  'imports/products/café-nfc.csv',
  'imports/products/cafe\u0301-nfd.csv',
  'imports/products/日本語/製品.csv',
  'imports/products/emoji-😀.jsonl',
  'imports/products/quote\'s & amp=1?.csv',
  'imports/products/  leading and trailing  .csv',
];

let moto: MotoServer;
let s3: S3Client;
let ws: string;

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const [i, key] of ODD_KEYS.entries()) {
    const rows = products(3, 100 + i, `k${i}`);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key.endsWith('.jsonl') ? rows.map((r) => JSON.stringify(r)).join('\n') + '\n' : toCsv(rows) }));
  }
  // 10 MB of zeros gzip to ~10 KB: a reader that inflated it would hold 10 MB for nothing.
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/products/bomb.csv.gz', Body: gzipSync(Buffer.alloc(10 * 1024 * 1024)) }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/products/gzip-named.csv', Body: gzipSync(Buffer.from(toCsv(products(50, 9)))) }));
  const cut = toCsv(products(4, 11, 'cut')).replace(/\n$/, '') + '\ncut-9,"never closed,true,1.00,usd,2026-01-01T00:00:00Z\n';
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/products/truncated.csv', Body: cut }));
  ws = mkdtempSync(join(tmpdir(), 'pw-hostile-cli-'));
  importWorkspace(ws, { bucket: BUCKET, destination: { type: 'sqlite', path: 'out/import.db' } });
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

const noStack = (text: string, what: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?\n|TypeError|ReferenceError|RangeError: Invalid|Unhandled/, `${what} printed a stack trace:\n${text}`);

/**
 * Where the corpus accepts what RFC 4180 (and so Stripe's connector) does not: a bare quote inside an unquoted
 * field. The import refuses that row with the fix, on its line, rather than guess. (The corpus's expected JSON for
 * this file is an object with another phone number: it was never a round trip.)
 */
const DIVERGES: Record<string, RegExp> = { 'location_coordinates.csv': /^2: a quote inside unquoted field 2 \(quote the whole field and double the quotes inside\)$/ };

test('csv-spectrum: every file reads as the corpus expects, byte by byte and whole', () => {
  const files = readdirSync(join(SPECTRUM, 'csvs')).filter((f) => f.endsWith('.csv'));
  assert.ok(files.length >= 12, files.join(','));
  for (const f of files) {
    const bytes = readFileSync(join(SPECTRUM, 'csvs', f));
    if (DIVERGES[f]) {
      const problems: string[] = [];
      const reader = createRecordReader({ format: 'csv' } as never, () => undefined, (p) => problems.push(`${p.line}: ${p.message}`));
      reader.push(bytes);
      reader.end();
      assert.match(problems.join('\n'), DIVERGES[f], f);
      continue;
    }
    const expected = JSON.parse(readFileSync(join(SPECTRUM, 'json', f.replace(/\.csv$/, '.json')), 'utf8')) as Array<Record<string, string>>;
    for (const chunk of [1, bytes.length || 1]) {
      const rows: string[][] = [];
      const problems: string[] = [];
      const reader = createRecordReader({ format: 'csv' } as never, (r) => rows.push(r.fields!), (p) => problems.push(`${p.line}: ${p.message}`));
      for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
      reader.end();
      assert.deepEqual(problems, [], `${f} (chunks of ${chunk})`);
      const [header, ...body] = rows;
      const got = body.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i]])));
      assert.deepEqual(got, expected, `${f} (chunks of ${chunk})`);
    }
  }
});

test('odd object keys: previewed and imported by their exact names, every row once; compressed and broken objects get their reason', async () => {
  const preview = await cli(['preview', 'products.pipeline.json', '--json', '--endpoint', moto.endpoint], ws).done;
  noStack(preview.stdout + preview.stderr, 'preview');
  assert.equal(preview.code, 0, preview.stderr);
  // One JSON object per line: the entries, then the totals.
  const listing = JSON.stringify(preview.stdout.trim().split('\n').map((l) => JSON.parse(l)));
  for (const key of ODD_KEYS) assert.ok(listing.includes(JSON.stringify(key).slice(1, -1)), `preview lists ${key}`);
  assert.match(listing, /bomb\.csv\.gz/);

  for (const key of [ODD_KEYS[1], ODD_KEYS[2], ODD_KEYS[5], ODD_KEYS[6], ODD_KEYS[7], 'imports/products/gzip-named.csv']) {
    const one = await cli(['preview', 'products.pipeline.json', '--object', key, '--endpoint', moto.endpoint], ws).done;
    noStack(one.stdout + one.stderr, `preview --object ${key}`);
    assert.ok(one.code === 0 || one.code === 1, `preview --object ${key} exited ${one.code}: ${one.stderr}`);
    assert.ok((one.stdout + one.stderr).includes(key), `preview --object names ${key}:\n${one.stdout}${one.stderr}`);
  }
  const missing = await cli(['preview', 'products.pipeline.json', '--object', 'imports/products/nope é+.csv', '--endpoint', moto.endpoint], ws).done;
  noStack(missing.stdout + missing.stderr, 'preview of a missing key');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope é\+\.csv/);

  const run = await cli(['import', 'products.pipeline.json', '--json', '--endpoint', moto.endpoint], ws).done;
  noStack(run.stdout + run.stderr, 'import');
  assert.equal(run.code, 1, `rejected rows make exit 1:\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as { records: number; objects: Array<{ key: string; status: string; reason?: string }>; problemSamples: Array<{ object: string; line: number; message: string }> };
  const byKey = new Map(report.objects.map((o) => [o.key, o]));
  for (const key of ODD_KEYS) assert.equal(byKey.get(key)?.status, 'imported', `${key}: ${JSON.stringify(byKey.get(key))}`);
  assert.notEqual(byKey.get('imports/products/bomb.csv.gz')?.status, 'imported', 'a .csv.gz is not read');
  const again = await cli(['import', 'products.pipeline.json', '--json', '--endpoint', moto.endpoint], ws).done;
  assert.equal(JSON.parse(again.stdout).records, 0, 'a second run takes nothing twice');
  // 3 rows per odd key, 4 whole rows of the truncated file; the gzip bytes named .csv are not rows.
  assert.equal(report.records, ODD_KEYS.length * 3 + 4, JSON.stringify(report.objects));
  const cut = report.problemSamples.find((p) => p.object === 'imports/products/truncated.csv');
  assert.ok(cut && cut.line === 6, `the truncated row is reported by file and line: ${JSON.stringify(report.problemSamples)}`);
  console.log(`hostile inputs: ${ODD_KEYS.length} odd keys imported (${report.records} rows), ${report.objects.length} objects, verdicts ${JSON.stringify(Object.fromEntries(report.objects.map((o) => [o.key.slice('imports/products/'.length), o.reason ?? o.status])))}`);
});
