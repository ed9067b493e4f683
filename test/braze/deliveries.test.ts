/**
 * `pipewright braze deliveries`: a Currents folder laid out as Braze lays it out, with Avro files written by Apache
 * Avro's own Python library (helpers/avro-peer.py) — grouped by event type and hour, an hour without files flagged,
 * event ids delivered twice found with the files and rows that hold them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { summarizeCurrents } from '../../server/src/engine/braze/currents';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const PEER = resolve(__dirname, '../helpers/avro-peer.py');
const BUCKET = 'acme-braze-data';
const BASE = 'currents/dataexport.prod-01.S3.integration.5f76be8c';
const send = (hour: string, file: string) => `${BASE}/event_type=users.messages.email.Send/date=${hour}/422/prod-01/${file}`;

let moto: MotoServer;
let dir: string;

before(async () => {
  moto = await startMoto();
  dir = mkdtempSync(join(tmpdir(), 'pw-currents-'));
  const s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const avro = (name: string, seed: number, rows: number) => {
    const out = join(dir, name);
    // Debian's Python, where python3-avro lives (a pyenv Python first on PATH does not have it).
    execFileSync('/usr/bin/python3', [PEER, 'write', out, '--codec', 'deflate', '--rows', String(rows), '--seed', String(seed)]);
    return readFileSync(out);
  };
  // Hour 09 and 11 have Send files, hour 10 none; the second file of hour 11 repeats the first 5 events of hour 09
  // (the same seed writes the same ids): Currents' at-least-once delivery.
  const objects: Array<[string, Buffer | string]> = [
    [send('2026-11-23-09', 'a.avro'), avro('a.avro', 1, 20)],
    [send('2026-11-23-11', 'b.avro'), avro('b.avro', 2, 20)],
    [send('2026-11-23-11', 'c.avro'), avro('c.avro', 1, 5)],
    [`${BASE}/event_type=users.behaviors.CustomEvent/date=2026-11-23-09/423/prod-01/d.avro`, avro('d.avro', 3, 10)],
    ['currents/notes.txt', 'not a delivery'],
  ];
  for (const [Key, Body] of objects) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  s3.destroy();
  writeFileSync(join(dir, 'currents.pipeline.json'), JSON.stringify({ kind: 'braze-currents', name: 'Currents', bucket: BUCKET, folderPath: 'currents', auth: { method: 'role-arn', roleArn: 'arn:aws:iam::123456789012:role/braze', brazeAccountId: '563918207415', externalId: 'x' } }, null, 2));
});

after(async () => {
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'braze', 'deliveries', 'currents.pipeline.json', '--endpoint', moto.endpoint, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the folder by event type and hour: an hour without files between two with files is flagged', () => {
  const r = cli(['--json', '--no-duplicates']);
  assert.equal(r.code, 1, r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.files, 4);
  assert.deepEqual(report.other, ['currents/notes.txt']);
  assert.deepEqual(report.eventTypes.map((g: { eventType: string; files: number; hours: Array<{ hour: string; files: number }>; gaps: string[] }) => [g.eventType, g.files, g.hours.map((h) => `${h.hour}:${h.files}`), g.gaps]), [
    ['users.behaviors.CustomEvent', 1, ['2026-11-23-09:1'], []],
    ['users.messages.email.Send', 3, ['2026-11-23-09:1', '2026-11-23-11:2'], ['2026-11-23-10']],
  ]);
  assert.match(report.gapMessages[0], /users\.messages\.email\.Send: no file for 1 hour\(s\) \(2026-11-23-10\)/);
  assert.equal(report.duplicates, undefined, 'not looked for');
});

test('event ids delivered twice are found, with the file and row of each copy', () => {
  const r = cli([]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /5 event id\(s\) delivered more than once among 55 events/);
  const json = JSON.parse(cli(['--json']).out);
  assert.equal(json.duplicates.length, 5);
  for (const d of json.duplicates) {
    assert.deepEqual(d.copies.map((c: { key: string }) => c.key.split('/').pop()), ['a.avro', 'c.avro']);
    assert.equal(d.copies[0].row, d.copies[1].row);
  }
});

test('a range of hours: only those count, and a range with no file of a type is all gap', () => {
  const r = JSON.parse(cli(['--json', '--no-duplicates', '--from', '2026-11-23-10', '--to', '2026-11-23-11']).out);
  assert.deepEqual(r.eventTypes.map((g: { eventType: string; gaps: string[] }) => [g.eventType, g.gaps]), [['users.messages.email.Send', ['2026-11-23-10']]]);
  const bad = cli(['--from', '2026-11-23']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--from takes an hour as Currents names it, YYYY-MM-DD-HH \(UTC\)/);
});

test('keys that only look like Currents deliveries are not taken for them', () => {
  const { summary } = summarizeCurrents([
    { key: `${BASE}/event_type=x/date=2026-13-01-00/1/z/f.avro`, size: 1, lastModified: '' },
    { key: `${BASE}/event_type=x/date=2026-11-23-09/f.parquet`, size: 1, lastModified: '' },
    { key: `other/${BASE.slice('currents/'.length)}/event_type=x/date=2026-11-23-09/f.avro`, size: 1, lastModified: '' },
    { key: `${BASE}/event_type=x/date=2026-11-23-09/f.avro`, size: 1, lastModified: '' },
  ], 'currents');
  assert.equal(summary.files, 1);
  assert.equal(summary.other.length, 3);
});

test('pipewright preview of a braze-currents pipeline shows the folder by event type and hour', () => {
  const r = spawnSync(process.execPath, [BIN, 'preview', 'currents.pipeline.json', '--endpoint', moto.endpoint], { cwd: dir, encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /s3:\/\/acme-braze-data\/currents\/: 4 Currents file\(s\), .*, 2 event type\(s\)/);
  assert.match(r.stdout, /users\.messages\.email\.Send: 3 file\(s\), .*hours 2026-11-23-09 … 2026-11-23-11 — 1 hour\(s\) without files/);
  assert.doesNotMatch(r.stdout, /delivered more than once/, 'the preview does not read every file');
  const gone = spawnSync(process.execPath, [BIN, 'preview', 'currents.pipeline.json', '--endpoint', 'http://127.0.0.1:9'], { cwd: dir, encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
  assert.equal(gone.status, 3, 'an unreachable endpoint is a failure, not a clean preview');
});
