/**
 * The embedded S3 server (`pipewright s3 serve`), spoken to through the real AWS SDK and the AWS CLI: a folder
 * whose subfolders are buckets, listed in S3's order with continuation, read with ranges and preconditions.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { startLocalS3, type LocalS3 } from '../../server/src/node/s3server/server';
import { isolateAwsEnvironment } from '../helpers/moto';

let root: string;
let s3: LocalS3;
let client: S3Client;

before(async () => {
  isolateAwsEnvironment();
  root = mkdtempSync(join(tmpdir(), 'pw-local-s3-'));
  s3 = await startLocalS3({ root });
  client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
after(async () => {
  client?.destroy();
  await s3?.close();
  rmSync(root, { recursive: true, force: true });
});

const listAll = async (bucket: string, prefix = '') => {
  const keys: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) keys.push(o.Key!);
    token = r.NextContinuationToken;
    pages++;
  } while (token);
  return { keys, pages };
};

test('files copied into the folder are objects; listing pages past 1,000 keys in S3 order', async () => {
  const dir = join(root, 'many');
  mkdirSync(join(dir, 'a'), { recursive: true });
  for (let i = 0; i < 1005; i++) writeFileSync(join(dir, `k${String(i).padStart(4, '0')}.csv`), `id\n${i}\n`);
  // A key beside a same-named folder: a, a-b, a/b sort as a, a-b, a/b (UTF-8 byte order: '-' < '/').
  writeFileSync(join(dir, 'a', 'b'), 'x');
  writeFileSync(join(root, 'many', 'a-b'), 'x');
  const { keys, pages } = await listAll('many');
  assert.equal(keys.length, 1007);
  assert.equal(pages, 2);
  assert.deepEqual(keys.slice(0, 2), ['a-b', 'a/b']);
  assert.deepEqual(keys, [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  // The server runs in this process: the CLI must be awaited, not run synchronously.
  const { stdout } = await promisify(execFile)('aws', ['s3api', 'list-objects-v2', '--bucket', 'many', '--endpoint-url', s3.endpoint, '--output', 'json'], { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1' } });
  const cli = JSON.parse(stdout);
  assert.deepEqual(cli.Contents.map((o: { Key: string }) => o.Key), keys, 'the AWS CLI lists the same keys, in the same order');
});

test('PUT with the SDK’s streaming checksums stores the bytes, not the aws-chunked framing', async () => {
  await client.send(new CreateBucketCommand({ Bucket: 'put-bucket' }));
  const body = Buffer.from('id,name\n1,Mug\n2,"Tea, green"\n');
  await client.send(new PutObjectCommand({ Bucket: 'put-bucket', Key: 'in/x.csv', Body: Readable.from([body]), ContentLength: body.length }));
  const got = await client.send(new GetObjectCommand({ Bucket: 'put-bucket', Key: 'in/x.csv' }));
  assert.equal(Buffer.from(await got.Body!.transformToByteArray()).toString(), body.toString());
  assert.equal(got.ETag, `"${createHash('md5').update(body).digest('hex')}"`);
});

test('ranges, If-Match, sizes from the file system (a sparse 1 GB file costs nothing), LastModified from mtime', async () => {
  const dir = join(root, 'ranges');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'abc.txt'), 'abcdefghij');
  const part = await client.send(new GetObjectCommand({ Bucket: 'ranges', Key: 'abc.txt', Range: 'bytes=3-' }));
  assert.equal(await part.Body!.transformToString(), 'defghij');
  assert.equal(part.ContentRange, 'bytes 3-9/10');
  await assert.rejects(client.send(new GetObjectCommand({ Bucket: 'ranges', Key: 'abc.txt', IfMatch: '"0000"' })), (e: S3ServiceException) => e.$metadata.httpStatusCode === 412);
  writeFileSync(join(dir, 'huge.csv'), '');
  truncateSync(join(dir, 'huge.csv'), 1_000_000_001);
  const old = new Date('2025-01-02T03:04:05Z');
  utimesSync(join(dir, 'abc.txt'), old, old);
  const head = await client.send(new HeadObjectCommand({ Bucket: 'ranges', Key: 'huge.csv' }));
  assert.equal(head.ContentLength, 1_000_000_001);
  const list = await client.send(new ListObjectsV2Command({ Bucket: 'ranges' }));
  assert.equal(list.Contents?.find((o) => o.Key === 'abc.txt')?.LastModified?.toISOString(), '2025-01-02T03:04:05.000Z');
  await assert.rejects(client.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' })), (e: S3ServiceException) => e.name === 'NoSuchBucket');
});
