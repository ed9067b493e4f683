/**
 * Previewing Avro files, as Braze Currents delivers its events to S3: Apache Avro's own Python library (Debian's
 * python3-avro, through helpers/avro-peer.py) writes Currents-like event files — null, deflate and snappy codecs,
 * nested records, unions with null, arrays, maps, enums, longs past 2^53, timestamp-millis and -micros —, they are
 * uploaded to moto's S3, and our preview's rows must equal what the same library reads back from the same file.
 * A large file is read only in part (bytes counted at the fault proxy), a truncated or damaged one is an error that
 * names s3://bucket/key; the same through the engine, `pipewright preview --object` and a real LSP connection.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import { Project } from '../../server/src/engine';
import type { AvroCell, AvroPreview } from '../../server/src/engine/avro/container';
import { AvroReadError, previewAvroOfPipeline } from '../../server/src/node/avro';
import { nodeFileAccess } from '../../server/src/node/files';
import { Requests, type PreviewObjectResult } from '../../server/src/protocol';
import { cli } from '../helpers/export-workspace';
import { startFaultProxy } from '../helpers/fault-proxy';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';

const BUCKET = 'acme-braze-events';
const PEER = resolve(__dirname, '../helpers/avro-peer.py');
// Debian's Python, where python3-avro lives (a pyenv Python first on PATH does not have it).
const PYTHON = '/usr/bin/python3';
let moto: MotoServer;
let s3: S3Client;
let dir: string;
let currents: string;
const files: Record<string, { key: string; path: string }> = {};

function peer(args: string[]): string {
  return execFileSync(PYTHON, [PEER, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** What Apache Avro's reader reads: the codec, the field names and the rows (cells by the preview's rules). */
function avroRead(path: string, rows?: number): { codec: string; fields: string[]; rows: AvroCell[][] } {
  const [head, ...lines] = peer(['read', path, ...(rows === undefined ? [] : ['--rows', String(rows)])]).trim().split('\n');
  return { ...(JSON.parse(head) as { codec: string; fields: string[] }), rows: lines.map((l) => JSON.parse(l) as AvroCell[]) };
}

/**
 * Python's datetimes carry microseconds: a millisecond timestamp of ours (…:00.137Z) is the same instant as its
 * …:00.137000Z. Widened inside JSON cells too.
 */
const widen = (c: AvroCell): AvroCell => (typeof c === 'string' ? c.replace(/(T\d{2}:\d{2}:\d{2}\.\d{3})Z/g, '$1000Z') : c);
/** JSON cells compared as values (key order and spacing are not the point; exact numbers are strings on both sides). */
const comparable = (rows: AvroCell[][]) => rows.map((r) => r.map((c) => (typeof c === 'string' && /^[[{]/.test(c) ? JSON.parse(widen(c) as string) : widen(c))));

async function put(name: string, key: string, body: Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  files[name] = { key, path: join(dir, `${name}.avro`) };
  writeFileSync(files[name].path, body);
}

async function writeAndPut(name: string, args: string[]): Promise<void> {
  const path = join(dir, `${name}.avro`);
  peer(['write', path, ...args]);
  await put(name, `currents/dataexport.prod-01.S3.integration.abc/event_type=users.messages.email.Send/date=2026-11-23-15/${name}.avro`, readFileSync(path));
}

const project = () => new Project(nodeFileAccess);
const preview = (key: string, o: { maxRows?: number; endpoint?: string } = {}) => previewAvroOfPipeline(project().get(currents)!, { key, endpoint: o.endpoint ?? moto.endpoint, maxRows: o.maxRows });

/** A container file's header, written by hand: for a codec python3-avro does not write here (zstandard). */
function headerWith(meta: Record<string, string>): Uint8Array {
  const long = (n: number) => {
    const out: number[] = [];
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z > 0x7f) {
      out.push((z & 0x7f) | 0x80);
      z = Math.floor(z / 128);
    }
    out.push(z);
    return out;
  };
  const bytes = (s: string) => {
    const b = [...Buffer.from(s)];
    return [...long(b.length), ...b];
  };
  const entries = Object.entries(meta);
  return new Uint8Array([0x4f, 0x62, 0x6a, 1, ...long(entries.length), ...entries.flatMap(([k, v]) => [...bytes(k), ...bytes(v)]), 0, ...Array.from({ length: 16 }, (_, i) => i * 7)]);
}

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-avro-'));
  currents = join(dir, 'currents.pipeline.json');
  const example = JSON.parse(readFileSync(resolve(__dirname, '../../examples/braze/currents.pipeline.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(currents, JSON.stringify({ ...example, bucket: BUCKET, region: 'us-east-1' }, null, 2));
  for (const codec of ['null', 'deflate', 'snappy']) await writeAndPut(codec, ['--codec', codec, '--rows', '60', '--seed', String(codec.length)]);
  // About 8 MB of events in blocks of ~64 KB, as a busy Currents hour delivers them.
  await writeAndPut('large', ['--codec', 'null', '--rows', '4000', '--padding', '2000', '--seed', '9']);
  await writeAndPut('longHeader', ['--codec', 'deflate', '--rows', '30', '--doc-bytes', '200000', '--seed', '4']);
  const snappy = readFileSync(files.snappy.path);
  await put('truncated', 'currents/truncated.avro', snappy.subarray(0, Math.floor(snappy.length * 0.6)));
  const flipped = Buffer.from(snappy);
  flipped[Math.floor(flipped.length * 0.5)] ^= 0x10;
  await put('damaged', 'currents/damaged.avro', flipped);
  await put('csv', 'currents/renamed.avro', Buffer.from('id,name\n1,a\n'));
  const schema = JSON.parse(avroSchemaOf(files.null.path)) as unknown;
  await put('zstandard', 'currents/zstandard.avro', headerWith({ 'avro.schema': JSON.stringify(schema), 'avro.codec': 'zstandard' }));
});

/** The header's schema as python3-avro wrote it. */
function avroSchemaOf(path: string): string {
  return execFileSync(PYTHON, ['-c', 'import sys, avro.datafile, avro.io; r = avro.datafile.DataFileReader(open(sys.argv[1], "rb"), avro.io.DatumReader()); print(r.meta["avro.schema"].decode())', path], { encoding: 'utf8' }).trim();
}

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const codec of ['null', 'deflate', 'snappy']) {
  test(`a ${codec}-codec Currents file previews the rows Apache Avro's reader reads from it, with its schema's types`, async () => {
    const c = await preview(files[codec].key, { maxRows: 25 });
    const peerView = avroRead(files[codec].path, 25);
    assert.equal(c.format, 'avro');
    assert.equal(c.codec, peerView.codec);
    assert.equal(c.schemaName, 'com.braze.currents.users_messages_email_Send');
    assert.deepEqual(c.fields.map((f) => f.name), peerView.fields);
    assert.equal(c.rows.length, 25);
    assert.deepEqual(comparable(c.rows), comparable(peerView.rows));
    assert.equal(c.truncated, true, 'the file holds 60 rows');
    const type = (name: string) => c.fields.find((f) => f.name === name)?.type;
    assert.equal(type('dispatch_id'), 'long');
    assert.equal(type('external_user_id'), '["null","string"]');
    assert.equal(type('time_ms'), '{"type":"long","logicalType":"timestamp-millis"}');
    assert.equal(c.fields.find((f) => f.name === 'id')?.doc, 'Globally unique ID of the event');
    // Exactness where a double would round: the peer gives the digits, and they are not a rounded number.
    const big = c.rows[0][c.fields.findIndex((f) => f.name === 'dispatch_id')];
    assert.equal(typeof big, 'string');
    assert.notEqual(String(Number(big)), big, 'past 2^53: only the digit string is exact');
  });
}

test('asking for more rows than the file holds shows every row and says there are no more', async () => {
  const c = await preview(files.deflate.key, { maxRows: 500 });
  const all = avroRead(files.deflate.path);
  assert.equal(c.rows.length, 60);
  assert.deepEqual(comparable(c.rows), comparable(all.rows));
  assert.equal(c.truncated, false);
  assert.equal(c.bytesRead, c.size);
  const schemaOnly = await preview(files.deflate.key, { maxRows: 0 });
  assert.deepEqual(schemaOnly.rows, []);
  assert.equal(schemaOnly.truncated, true);
  assert.ok(schemaOnly.bytesRead <= 64 * 1024);
});

test('a header larger than the first range read (a schema with a long doc) is read on, and the rows follow', async () => {
  const c = await preview(files.longHeader.key, { maxRows: 12 });
  assert.ok(c.size > 200_000);
  assert.deepEqual(comparable(c.rows), comparable(avroRead(files.longHeader.path, 12).rows));
  assert.equal(c.truncated, true);
});

test('a large Currents file is read only in part: the bytes that cross the network are its first blocks', async () => {
  const proxy = await startFaultProxy({ target: moto.endpoint });
  try {
    const c = await preview(files.large.key, { maxRows: 10, endpoint: proxy.endpoint });
    assert.ok(c.size > 8_000_000, `a file of ${c.size} bytes`);
    assert.deepEqual(comparable(c.rows), comparable(avroRead(files.large.path, 10).rows));
    assert.equal(c.truncated, true);
    assert.equal(proxy.counts.getObjectBytes, c.bytesRead, 'the bytes the preview counts are the bytes that crossed the network');
    assert.ok(c.bytesRead < c.size / 20, `read ${c.bytesRead} of ${c.size} bytes`);
    assert.equal(proxy.counts.rangeRequests, proxy.counts.getObject, 'every read is a Range request');
  } finally {
    await proxy.close();
  }
});

test('a truncated, damaged or non-Avro .avro object is an error naming s3://bucket/key, and zstandard says what to do', async () => {
  const fails = async (name: string, pattern: RegExp) => {
    const where = `s3://${BUCKET}/${files[name].key}`;
    await assert.rejects(preview(files[name].key), (e: unknown) => {
      assert.ok(e instanceof AvroReadError, String(e));
      assert.ok(e.message.startsWith(where), e.message);
      assert.match(e.message, pattern);
      return true;
    });
  };
  await fails('truncated', /is not a readable Avro file: it ends inside block 1 .*download it again/);
  await fails('damaged', /is not a readable Avro file: (block 1 cannot be decompressed|record \d+ of block 1)/);
  await fails('csv', /does not begin with the Avro marker/);
  await fails('zstandard', /codec "zstandard", which the preview does not read \(it reads null, deflate and snappy\)/);
  await assert.rejects(preview('currents/none.avro'), /s3:\/\/acme-braze-events\/currents\/none\.avro: no such object/);
});

test('pipewright preview --object prints the schema and a table of the first rows, --json the preview, exit 1 for a damaged file', async () => {
  const key = files.snappy.key;
  const text = await cli(['preview', currents, '--object', key, '--rows', '5', '--endpoint', moto.endpoint], dir).done;
  assert.equal(text.code, 0, text.stderr);
  const out = text.stdout;
  assert.match(out, new RegExp(`^s3://${BUCKET}/${key.replace(/[.]/g, '\\.')} — Avro, .*codec snappy, records of com\\.braze\\.currents\\.users_messages_email_Send, 16 fields`));
  assert.match(out, /\n {2}time_ms +\{"type":"long","logicalType":"timestamp-millis"\}\n/);
  assert.match(out, /\n {2}external_user_id +\["null","string"\]\n/);
  const peerRows = avroRead(files.snappy.path, 5).rows;
  const lines = out.split('\n');
  const header = lines.findIndex((l) => /^ {2}id +│ user_id/.test(l));
  assert.ok(header > 0, out);
  assert.equal(lines.slice(header + 2).filter((l) => / │ /.test(l)).length, 5);
  for (let i = 0; i < 5; i++) assert.ok(lines[header + 2 + i].includes(String(peerRows[i][1])), `row ${i + 1} shows ${peerRows[i][1]}`);
  assert.match(out, /more rows in the file/);

  const json = await cli(['preview', currents, '--object', key, '--rows', '5', '--endpoint', moto.endpoint, '--json'], dir).done;
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), JSON.parse(JSON.stringify(await preview(key, { maxRows: 5 }))));

  const bad = await cli(['preview', currents, '--object', files.truncated.key, '--endpoint', moto.endpoint], dir).done;
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`^pipewright preview: s3://${BUCKET}/currents/truncated\\.avro is not a readable Avro file`));
  assert.equal(bad.stdout, '');
});

test('previewObject over LSP answers an AvroPreview for a Braze Currents pipeline, and for a stripe-import one; a damaged file is InvalidRequest', async () => {
  // Any kind with a bucket: a stripe-import pipeline on the same bucket previews the same file.
  const imports = join(dir, 'events.pipeline.json');
  writeFileSync(imports, JSON.stringify({ kind: 'stripe-import', name: 'events', bucket: BUCKET, region: 'us-east-1', folder: 'currents/', formats: ['csv'] }, null, 2));
  const client = await LspClient.start({ workspace: dir });
  try {
    const key = files.deflate.key;
    const c = await client.connection.sendRequest<PreviewObjectResult>(Requests.previewObject, { uri: fileUri(currents), key, rows: 7, endpoint: moto.endpoint });
    assert.equal(c.format, 'avro');
    const expected = JSON.parse(JSON.stringify(await preview(key, { maxRows: 7 }))) as AvroPreview;
    assert.deepEqual(c, expected);
    assert.deepEqual(comparable((c as AvroPreview).rows), comparable(avroRead(files.deflate.path, 7).rows));
    const viaImport = await client.connection.sendRequest<PreviewObjectResult>(Requests.previewObject, { uri: fileUri(imports), key, rows: 7, endpoint: moto.endpoint });
    assert.deepEqual(viaImport, expected);

    await assert.rejects(
      client.connection.sendRequest(Requests.previewObject, { uri: fileUri(currents), key: files.damaged.key, endpoint: moto.endpoint }),
      (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidRequest && e.message.startsWith(`s3://${BUCKET}/currents/damaged.avro is not a readable Avro file`),
    );
  } finally {
    client.kill();
  }
});
