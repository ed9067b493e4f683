/**
 * Reading deliveries, as a user previews a stripe-export pipeline's bucket: the sample data exported to moto's S3
 * (plain and PGP-encrypted), then previewed — a Parquet file's schema, row count and first rows are what DuckDB reads
 * from the same object; only the footer and the first row group cross the network; a `.parquet.gpg` names its key
 * without the private key and shows its rows with it (gpg as the oracle of both), a tampered one yields an integrity
 * error and no rows; a truncated file a clear error; runs are grouped, and a run killed before `_SUCCESS` is incomplete.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ParquetPreview } from '../../server/src/engine/delivery/object';
import type { DeliveryObject, DeliveryRun, DeliveryTotals } from '../../server/src/engine/delivery/runs';
import { runExport } from '../../server/src/engine/export/run';
import { exportClient } from '../../server/src/node/export/jobs';
import { loadExportPipeline, type ExportPipeline } from '../../server/src/node/export/pipeline';
import { previewDeliveryBucket, previewDeliveryObject } from '../../server/src/node/export/preview';
import { s3Sink } from '../../server/src/node/export/s3-sink';
import { jsonlFolderSource, writeSampleData } from '../../server/src/node/export/sources';
import { generateStripeKeyPair } from '../../server/src/node/pgp/keys';
import { ACCOUNT, cli, duckdbFile, duckdbFirstRows, duckdbRows, writeExportPipeline, writePolicies } from '../helpers/export-workspace';
import { startFaultProxy } from '../helpers/fault-proxy';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';

const BUCKET = 'acme-deliveries';
let moto: MotoServer;
let s3: S3Client;
let dir: string;
let local: string;
let gnupg: string;
let plain: ExportPipeline;
let pgp: ExportPipeline;
let plainRun: { runDir: string; files: Record<string, string[]> };
let pgpRun: { runDir: string; files: Record<string, string[]> };
let privateKeyFile: string;
let privateArmored: string;

async function exportWithCli(path: string): Promise<{ runDir: string; files: Record<string, string[]> }> {
  const r = await cli(['export', path, '--endpoint', moto.endpoint, '--json'], dir).done;
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { runDir: string; success?: string; tables: Array<{ table: string; files: string[] }> };
  assert.ok(report.success);
  return { runDir: report.runDir, files: Object.fromEntries(report.tables.map((t) => [t.table, t.files])) };
}

async function download(key: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const path = join(local, key.replace(/\//g, '__'));
  writeFileSync(path, await r.Body!.transformToByteArray());
  return path;
}

/** Temporary folders the preview made and did not delete (it makes `pw-preview-*` in the folder it is given). */
const leftovers = (folder: string) => readdirSync(folder).filter((f) => f.startsWith('pw-preview-'));

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-deliveries-'));
  local = mkdtempSync(join(tmpdir(), 'pw-deliveries-dl-'));
  gnupg = mkdtempSync(join(tmpdir(), 'pw-deliveries-gnupg-'));
  writePolicies(dir, BUCKET);
  await writeSampleData(join(dir, 'data'), { charges: 3000, seed: 11 });
  const pair = await generateStripeKeyPair(ACCOUNT);
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', `${ACCOUNT}.key`), pair.publicArmored);
  privateArmored = pair.privateArmored;
  privateKeyFile = join(gnupg, 'private.asc');
  writeFileSync(privateKeyFile, pair.privateArmored);
  execFileSync('gpg', ['--homedir', gnupg, '--batch', '--yes', '--import', privateKeyFile], { stdio: 'pipe' });
  plain = loadExportPipeline(writeExportPipeline(dir, BUCKET, 'plain', { prefix: 'plain/' }));
  pgp = loadExportPipeline(writeExportPipeline(dir, BUCKET, 'pgp', { prefix: 'pgp/', encryption: { type: 'pgp', publicKey: `keys/${ACCOUNT}.key` } }));
  plainRun = await exportWithCli(plain.path);
  pgpRun = await exportWithCli(pgp.path);
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  for (const d of [dir, local, gnupg]) if (d) rmSync(d, { recursive: true, force: true });
});

/** The preview's schema in DuckDB's terms (parquet_schema): name, physical type, converted type, nullability. */
function schemaOf(c: ParquetPreview) {
  return c.file!.columns.map((x) => ({ name: x.name, type: x.physicalType, converted: x.convertedType ?? null, nullable: x.nullable }));
}

test('a delivered .parquet: its schema, row count, row groups, compression and first rows are what DuckDB reads from the same object', async () => {
  const key = plainRun.files.charges[0];
  const c = (await previewDeliveryObject(plain, { key, endpoint: moto.endpoint, maxRows: 25 })) as ParquetPreview;
  assert.equal(c.format, 'parquet');
  const file = await download(key);
  const reference = await duckdbFile(file);
  assert.deepEqual(schemaOf(c), reference.columns);
  assert.equal(c.file!.rows, reference.rows);
  assert.equal(c.file!.rows, 3000, 'every charge of the sample data');
  assert.equal(c.file!.rowGroups.length, reference.rowGroups);
  assert.deepEqual(c.file!.compression, reference.compression);
  assert.deepEqual(c.file!.columns.find((x) => x.name === 'created')?.logicalType, 'TIMESTAMP(MILLIS, UTC)');
  assert.deepEqual(c.shown, c.file!.columns.map((x) => x.name));
  assert.equal(c.rows.length, 25);
  assert.equal(c.truncated, true);
  assert.deepEqual(c.rows, await duckdbFirstRows(file, 25));
  assert.ok(c.rows.some((r) => r.includes(null)), 'nulls are shown as null');
  assert.match(String(c.rows[0][c.shown.indexOf('created')]), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
});

test('a multi-megabyte file is read through Range requests: the footer and the first row group, not the whole object', async () => {
  // Written by the export engine with small row groups, so the first rows are a small part of the file.
  await writeSampleData(join(dir, 'wide'), { charges: 30000, seed: 12 });
  const client = exportClient(plain, { endpoint: moto.endpoint });
  const report = await runExport({ prefix: 'large/', tables: ['charges'], rowGroupRows: 2000 }, { sink: s3Sink(client, { bucket: BUCKET }), source: jsonlFolderSource(join(dir, 'wide')) });
  client.destroy();
  const key = report.tables[0].files[0];
  const proxy = await startFaultProxy({ target: moto.endpoint });
  try {
    const c = (await previewDeliveryObject(plain, { key, endpoint: proxy.endpoint, maxRows: 10 })) as ParquetPreview;
    const size = c.size;
    assert.ok(size > 2_000_000, `a file of ${size} bytes`);
    assert.equal(c.file!.rowGroups.length, 15);
    assert.ok(proxy.counts.rangeRequests >= 2, 'the footer, then the column chunks');
    assert.equal(proxy.counts.getObjectBytes, c.bytesRead, 'the bytes the preview counts are the bytes that crossed the network');
    assert.ok(c.bytesRead < size / 5, `read ${c.bytesRead} of ${size} bytes`);
    const file = await download(key);
    assert.equal(c.file!.rows, (await duckdbFile(file)).rows);
    assert.deepEqual(c.rows, await duckdbFirstRows(file, 10));

    // Asking for two columns reads only their chunks.
    proxy.resetCounts();
    const two = (await previewDeliveryObject(plain, { key, endpoint: proxy.endpoint, maxRows: 10, columns: ['id', 'amount'] })) as ParquetPreview;
    assert.deepEqual(two.shown, ['id', 'amount']);
    assert.deepEqual(two.rows, c.rows.map((r) => [r[c.shown.indexOf('id')], r[c.shown.indexOf('amount')]]));
    assert.ok(two.bytesRead < c.bytesRead, `${two.bytesRead} < ${c.bytesRead}`);
  } finally {
    await proxy.close();
  }
});

test('a file from another writer (DuckDB): INT64 past 2^53 exact, microsecond timestamps, nulls, as DuckDB reads them', async () => {
  const file = join(local, 'duckdb.parquet');
  await duckdbRows(`COPY (SELECT i AS id, CASE WHEN i % 3 = 0 THEN NULL ELSE 9007199254740993 + i END AS big, -42 - i AS small, TIMESTAMP '2026-03-04 05:06:07.123456' + INTERVAL (i) SECOND AS at, i % 2 = 0 AS flag, 'name ' || i AS name FROM range(40) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 16)`);
  const key = 'plain/elsewhere/from-duckdb.parquet';
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await import('node:fs').then((fs) => fs.readFileSync(file)) }));
  const c = (await previewDeliveryObject(plain, { key, endpoint: moto.endpoint, maxRows: 20 })) as ParquetPreview;
  assert.deepEqual(schemaOf(c), (await duckdbFile(file)).columns);
  assert.deepEqual(c.rows, await duckdbFirstRows(file, 20));
  assert.equal(c.rows[1][1], '9007199254740994', 'past 2^53: the exact digits, as a string');
  assert.equal(c.rows[0][1], null);
  assert.equal(c.rows[1][3], '2026-03-04T05:06:08.123456Z');
});

test('a truncated Parquet file gives a clear error naming the key; the CLI exits 1', async () => {
  const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: plainRun.files.refunds[0] }));
  const bytes = await whole.Body!.transformToByteArray();
  const key = 'plain/snapshot/20260101T000000.000Z/refunds/part-00000.parquet';
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes.subarray(0, Math.floor(bytes.length / 2)) }));
  await assert.rejects(previewDeliveryObject(plain, { key, endpoint: moto.endpoint }), (e: Error) => {
    assert.equal(e.name, 'ParquetReadError');
    assert.ok(e.message.startsWith(`s3://${BUCKET}/${key} is not a readable Parquet file (`), e.message);
    assert.match(e.message, /truncated, damaged or not Parquet/);
    return true;
  });
  const r = await cli(['preview', plain.path, '--object', key, '--endpoint', moto.endpoint], dir).done;
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^pipewright preview: s3://${BUCKET}/${key.replace(/\./g, '\\.')} is not a readable Parquet file`));
});

test('a .parquet.gpg without the key: "encrypted, key id …" (the id gpg reads) and how to give the key; with it, the rows of the gpg-decrypted file', async () => {
  const key = pgpRun.files.refunds[0];
  assert.match(key, /\.parquet\.gpg$/);
  const encrypted = await download(key);
  // gpg names the recipient key id of the message (it cannot decrypt without a key in an empty home: only the listing matters).
  const empty = mkdtempSync(join(tmpdir(), 'pw-deliveries-nokey-'));
  const listing = spawnSync('gpg', ['--homedir', empty, '--batch', '--list-packets', encrypted], { encoding: 'utf8' });
  rmSync(empty, { recursive: true, force: true });
  const gpgKeyId = /:pubkey enc packet: version 3, algo \d+, keyid ([0-9A-F]{16})/.exec(listing.stdout + listing.stderr)?.[1];
  assert.ok(gpgKeyId, listing.stdout + listing.stderr);

  const locked = (await previewDeliveryObject(pgp, { key, endpoint: moto.endpoint })) as ParquetPreview;
  assert.deepEqual(locked.encryption?.keyIds, [gpgKeyId]);
  assert.equal(locked.encryption?.decrypted, false);
  assert.equal(locked.encryption?.pipelineKey, true);
  assert.ok(locked.encryption!.message.startsWith(`encrypted, key id ${gpgKeyId} (the pipeline's public key ${join(dir, 'keys', `${ACCOUNT}.key`)})`), locked.encryption!.message);
  assert.match(locked.encryption!.message, /give its private key/);
  assert.equal(locked.file, undefined);
  assert.deepEqual(locked.rows, []);
  assert.ok(locked.bytesRead < locked.size, 'only the start of the message was read');

  const text = await cli(['preview', pgp.path, '--object', key, '--endpoint', moto.endpoint], dir).done;
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`encrypted, key id ${gpgKeyId} .*--private-key FILE`));

  const temp = mkdtempSync(join(tmpdir(), 'pw-deliveries-tmp-'));
  try {
    const open = (await previewDeliveryObject(pgp, { key, endpoint: moto.endpoint, privateArmored, maxRows: 30, tempDir: temp })) as ParquetPreview;
    assert.equal(open.encryption?.decrypted, true);
    assert.match(open.encryption!.message, /integrity check passed/);
    assert.equal(open.bytesRead, open.size, 'one download of the whole message, which cannot be checked in part');
    const decrypted = `${encrypted}.parquet`;
    execFileSync('gpg', ['--homedir', gnupg, '--batch', '--yes', '--output', decrypted, '--decrypt', encrypted], { stdio: 'pipe' });
    const reference = await duckdbFile(decrypted);
    assert.deepEqual(schemaOf(open), reference.columns);
    assert.equal(open.file!.rows, reference.rows);
    assert.deepEqual(open.rows, await duckdbFirstRows(decrypted, 30));
    assert.deepEqual(leftovers(temp), [], 'the decrypted copy is deleted after the preview');
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }

  const withKey = await cli(['preview', pgp.path, '--object', key, '--private-key', privateKeyFile, '--rows', '3', '--endpoint', moto.endpoint], dir).done;
  assert.equal(withKey.code, 0, withKey.stderr);
  assert.match(withKey.stdout, /decrypted with the private key given, integrity check passed/);
  assert.match(withKey.stdout, /First 3 of [\d,]+ rows:/);
  assert.ok(!withKey.stdout.includes('PRIVATE KEY') && !withKey.stderr.includes('PRIVATE KEY'), 'the key never reaches the output');
});

test('a tampered .parquet.gpg yields an integrity error and no rows, and leaves no plaintext behind', async () => {
  const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: pgpRun.files.charges[0] }));
  const bytes = Buffer.from(await whole.Body!.transformToByteArray());
  bytes[Math.floor(bytes.length * 0.6)] ^= 0x01;
  const key = 'pgp/snapshot/20260101T000000.000Z/charges/part-00000.parquet.gpg';
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
  const temp = mkdtempSync(join(tmpdir(), 'pw-deliveries-tmp-'));
  try {
    await assert.rejects(previewDeliveryObject(pgp, { key, endpoint: moto.endpoint, privateArmored, tempDir: temp }), (e: Error & { code?: string }) => {
      assert.equal(e.name, 'PgpDecryptError');
      assert.equal(e.code, 'integrity');
      assert.match(e.message, new RegExp(`^s3://${BUCKET}/${key.replace(/\./g, '\\.')} failed its integrity check`));
      return true;
    });
    assert.deepEqual(leftovers(temp), []);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  const r = await cli(['preview', pgp.path, '--object', key, '--private-key', privateKeyFile, '--endpoint', moto.endpoint, '--json'], dir, { TMPDIR: local }).done;
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '', 'no rows');
  assert.match(r.stderr, /failed its integrity check/);
  assert.deepEqual(leftovers(local), []);
});

test('the bucket preview groups objects by run: complete, encrypted, a run killed before _SUCCESS incomplete; penny-test files as such', async () => {
  await writeSampleData(join(dir, 'slow'), { charges: 60000, seed: 13 });
  const path = writeExportPipeline(dir, BUCKET, 'killed', { prefix: 'plain/', source: { type: 'jsonl-folder', path: 'slow' }, tables: ['refunds', 'customers', 'charges'] });
  const run = cli(['export', path, '--endpoint', moto.endpoint, '--rows-per-file', '2000'], dir);
  // Killed once the run has delivered some files: they stay, without _SUCCESS.
  const deadline = Date.now() + 60_000;
  let killedDir: string | undefined;
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'plain/snapshot/' }));
    killedDir = listed.Contents?.map((o) => /^plain\/snapshot\/\d{8}T\d{6}\.\d{3}Z\//.exec(o.Key!)?.[0]).find((d) => d && d !== plainRun.runDir && !d.includes('/20260101T'));
    if (killedDir) break;
    assert.ok(Date.now() < deadline, 'the export delivered nothing');
    await new Promise((r) => setTimeout(r, 20));
  }
  run.kill();
  await run.done;
  const penny = await cli(['penny', 'send', plain.path, '--endpoint', moto.endpoint], dir).done;
  assert.equal(penny.code, 0, penny.stderr);

  const runs: DeliveryRun[] = [];
  const objects: DeliveryObject[] = [];
  const totals: DeliveryTotals = await previewDeliveryBucket(plain, { endpoint: moto.endpoint }, (page) => {
    runs.push(...page.runs);
    objects.push(...page.objects);
  });
  assert.equal(totals.complete, true);
  const done = runs.find((r) => r.dir === plainRun.runDir)!;
  assert.equal(done.verdict, 'complete');
  assert.deepEqual(done.tables.map((t) => [t.table, t.parts.map((p) => p.key)]), Object.entries(plainRun.files));
  const killed = runs.find((r) => r.dir === killedDir)!;
  assert.ok(killed, `the killed run ${killedDir} is listed`);
  assert.equal(killed.verdict, 'incomplete');
  assert.equal(killed.complete, false);
  assert.equal(killed.success, undefined);
  assert.ok(killed.parts >= 1);
  assert.match(killed.reason, /no _SUCCESS/);
  assert.equal(totals.latestComplete, plainRun.runDir, 'the newest run is incomplete: the latest complete one is the earlier run');
  const staged = runs.find((r) => r.dir === 'plain/snapshot/20260101T000000.000Z/')!;
  assert.equal(staged.verdict, 'incomplete', 'a directory with files but no _SUCCESS');
  assert.equal(runs.find((r) => r.dir === 'plain/elsewhere/'), undefined, 'not a run directory');
  assert.ok(objects.some((o) => o.key === 'plain/elsewhere/from-duckdb.parquet' && o.kind === 'other'));
  const pennyFile = objects.find((o) => o.kind === 'penny-test')!;
  assert.equal(pennyFile.key, `penny_test/${ACCOUNT}/account_${ACCOUNT}.validation.csv`);
  assert.equal(pennyFile.account, ACCOUNT);
  assert.match(pennyFile.reason, /penny verify/);
  assert.equal(totals.byVerdict.incomplete, 2);
  assert.equal(totals.runs, runs.length);

  const encrypted = (await previewDeliveryBucket(pgp, { endpoint: moto.endpoint }, () => undefined));
  assert.equal(encrypted.byVerdict.encrypted, 1);
  assert.equal(encrypted.latestComplete, pgpRun.runDir);

  const text = await cli(['preview', plain.path, '--endpoint', moto.endpoint], dir).done;
  assert.equal(text.code, 0, text.stderr);
  const line = (d: string) => text.stdout.split('\n').find((l) => l.includes(` ${d} — `)) ?? '';
  assert.match(line(killedDir!), /^✗ incomplete +\d+ +\d+ .* no _SUCCESS/);
  assert.match(line(plainRun.runDir), /^✓ complete +2 +2 /);
  assert.match(text.stdout, new RegExp(`· penny-test .* penny_test/${ACCOUNT}/account_${ACCOUNT}\\.validation\\.csv — `));
  assert.match(text.stdout, new RegExp(`latest complete run: ${plainRun.runDir.replace(/\./g, '\\.')}`));

  const json = await cli(['preview', plain.path, '--endpoint', moto.endpoint, '--json'], dir).done;
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.at(-1), { totals: JSON.parse(JSON.stringify(totals)) });
  assert.deepEqual(lines.filter((l) => 'dir' in l), JSON.parse(JSON.stringify(runs)));
});

test('the CLI prints a Parquet file as a schema and a table of its first rows; --json is the preview itself', async () => {
  const key = plainRun.files.charges[0];
  const r = await cli(['preview', plain.path, '--object', key, '--rows', '5', '--columns', 'id,amount,created,failure_code', '--endpoint', moto.endpoint], dir).done;
  assert.equal(r.code, 0, r.stderr);
  const c = (await previewDeliveryObject(plain, { key, endpoint: moto.endpoint, maxRows: 5, columns: ['id', 'amount', 'created', 'failure_code'] })) as ParquetPreview;
  const lines = r.stdout.split('\n');
  assert.match(lines[0], new RegExp(`^s3://${BUCKET}/${key.replace(/\./g, '\\.')} — Parquet, [\\d.]+ KB: 3,000 rows in 1 row group, SNAPPY, \\d+ columns$`));
  assert.ok(lines.some((l) => /^ {2}amount +INT64 +nullable$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^ {2}created +INT64 +TIMESTAMP\(MILLIS, UTC\) +nullable$/.test(l)), r.stdout);
  const header = lines.findIndex((l) => l.startsWith('First 5 of 3,000 rows:'));
  assert.deepEqual(lines[header + 1].split('│').map((s) => s.trim()), ['id', 'amount', 'created', 'failure_code']);
  for (const [i, row] of c.rows.entries()) {
    // Cells longer than 24 characters are cut with an ellipsis.
    const shown = row.map((v) => (v === null ? 'NULL' : String(v))).map((v) => (v.length > 24 ? `${v.slice(0, 23)}…` : v));
    assert.deepEqual(lines[header + 3 + i].split('│').map((s) => s.trim()), shown);
  }
  const json = await cli(['preview', plain.path, '--object', key, '--rows', '5', '--columns', 'id,amount,created,failure_code', '--endpoint', moto.endpoint, '--json'], dir).done;
  assert.deepEqual(JSON.parse(json.stdout), JSON.parse(JSON.stringify(c)));
});
