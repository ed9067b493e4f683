/**
 * A decompression bomb in an Avro file: one deflate block of a few hundred kilobytes that inflates to 300 MB. The
 * preview (CLI and engine) refuses it with a clear error naming the object, instead of inflating it into memory —
 * and a file of ordinary blocks still previews.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const BUCKET = 'acme-avro-bomb';
let moto: MotoServer;
let dir: string;

/** Avro's zig-zag varint long. */
function long(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}
const str = (s: string) => Buffer.concat([long(Buffer.byteLength(s)), Buffer.from(s)]);

/** An Object Container File with schema "bytes", the deflate codec, and one block of one record of `size` zero bytes. */
function bombFile(size: number): Buffer {
  const sync = Buffer.alloc(16, 7);
  const header = Buffer.concat([Buffer.from('Obj\x01', 'latin1'), long(2), str('avro.schema'), str('"bytes"'), str('avro.codec'), str('deflate'), long(0), sync]);
  const zeros = Buffer.alloc(size);
  const block = deflateRawSync(Buffer.concat([long(size), zeros]), { level: 9 });
  return Buffer.concat([header, long(1), long(block.length), block, sync]);
}

before(async () => {
  moto = await startMoto();
  dir = mkdtempSync(join(tmpdir(), 'pw-avro-bomb-'));
  const s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'currents/bomb.avro', Body: bombFile(300 * 1024 * 1024) }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'currents/small.avro', Body: bombFile(1024) }));
  s3.destroy();
  writeFileSync(join(dir, 'c.pipeline.json'), JSON.stringify({ kind: 'braze-currents', name: 'c', bucket: BUCKET, folderPath: 'currents', auth: { method: 'role-arn', roleArn: 'arn:aws:iam::123456789012:role/braze', brazeAccountId: '563918207415', externalId: 'x' } }));
});

after(async () => {
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function preview(key: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'preview', 'c.pipeline.json', '--object', key, '--endpoint', moto.endpoint], { cwd: dir, env: { ...process.env, LANG: 'C.UTF-8' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr })));
}

test('a deflate block that inflates past the limit is refused by name, without a crash', async () => {
  const r = await preview('currents/bomb.avro');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /s3:\/\/acme-avro-bomb\/currents\/bomb\.avro is not a readable Avro file: block 1 cannot be decompressed \(a block inflates to more than 128 MB/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('a file of ordinary blocks in the same bucket previews', async () => {
  const r = await preview('currents/small.avro');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /bytes/);
});
