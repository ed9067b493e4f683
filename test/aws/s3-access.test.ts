/**
 * The S3 access layer of the import (server/src/node/aws/s3.ts, retry.ts, credentials.ts, errors.ts) through the
 * real AWS SDK against moto_server, a local AWS started and stopped by this file (test/helpers/moto.ts), and — for
 * throttling, 5xx and broken connections — through a fault-injecting proxy in front of it
 * (test/helpers/fault-proxy.ts). Nothing here reaches AWS or reads ~/.aws. Retry and resume delays are made tiny.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { STSClient } from '@aws-sdk/client-sts';
import { clientConfig, freePort, startMoto, type MotoServer } from '../helpers/moto';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { prng } from '../helpers/random';
import { ObjectChangedError } from '../../server/src/engine/import/types';
import { assumeRoleProviderOf, createS3Client, retryStrategyOf, s3Access, type NodeS3Access } from '../../server/src/node/aws/s3';
import { BackoffRetryStrategy, classifyRetry, fullJitterBackoff } from '../../server/src/node/aws/retry';
import { AssumeRoleError, assumeRoleCredentials } from '../../server/src/node/aws/credentials';
import { explainAwsError } from '../../server/src/node/aws/errors';
import { withEnv } from '../helpers/env';

const LISTING = 'pw-listing';
const ORDER = 'pw-order';
const DATA = 'pw-data';
const BIG = 'big/five-mb.bin';
const BIG_SIZE = 5 * 1024 * 1024;
const SMALL_COUNT = 40;
const ACCOUNT = '123456789012';

/** Retry and resume delays of a few milliseconds: the real full-jitter code path, test-sized. */
const tinyRetry = (maxAttempts = 8): BackoffRetryStrategy => new BackoffRetryStrategy({ maxAttempts, baseDelayMs: 2, maxDelayMs: 10 });
const tinyResume = { resumeBackoff: fullJitterBackoff(2, 10) };

let moto: MotoServer;
let admin: S3Client;
/** What was put in the listing bucket: key → { etag, size }. */
const listed = new Map<string, { etag: string; size: number }>();
let big: Buffer;
let bigSha: string;
const fileStarted = performance.now();

before(async () => {
  const t0 = performance.now();
  moto = await startMoto();
  admin = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  for (const bucket of [LISTING, ORDER, DATA]) await admin.send(new CreateBucketCommand({ Bucket: bucket }));

  // 1,005 keys in the listing bucket, put in a shuffled order, each with its own size.
  const random = prng(1005);
  const keys = Array.from({ length: 1005 }, (_, i) => `k/${String(i).padStart(4, '0')}.csv`);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  await mapLimit(keys, 16, async (key) => {
    const body = `id,name\n${key},${'x'.repeat(key.charCodeAt(key.length - 5) % 50)}\n`;
    const out = await admin.send(new PutObjectCommand({ Bucket: LISTING, Key: key, Body: body }));
    listed.set(key, { etag: out.ETag!.replace(/"/g, ''), size: Buffer.byteLength(body) });
  });

  // Keys beside same-named "folders", and non-ASCII keys whose UTF-8 order differs from JavaScript's UTF-16 order.
  for (const key of ['a/b', 'b', 'a-b', '\u{1F600}', 'a', 'a0', '\uFF01', 'a/b/c', 'a.b']) {
    await admin.send(new PutObjectCommand({ Bucket: ORDER, Key: key, Body: key }));
  }

  big = randomBytes(BIG_SIZE, 5);
  bigSha = sha256(big);
  await admin.send(new PutObjectCommand({ Bucket: DATA, Key: BIG, Body: big }));
  await admin.send(new PutObjectCommand({ Bucket: DATA, Key: 'hello.txt', Body: 'hello world' }));
  console.log(`# moto up and ${listed.size + 9 + 2} objects put in ${Math.round(performance.now() - t0)} ms`);
});

after(async () => {
  admin?.destroy();
  await moto?.stop();
  console.log(`# s3-access tests took ${Math.round(performance.now() - fileStarted)} ms`);
});

describe('listPage', () => {
  test('1,005 keys come as two pages (1,000 + 5) in key order, with the ETags and sizes that were put', async () => {
    const s3 = s3Access(createS3Client({ endpoint: moto.endpoint, retryStrategy: tinyRetry() }));
    const first = await s3.listPage(LISTING, '', undefined);
    assert.equal(first.objects.length, 1000);
    assert.ok(first.nextToken, 'a continuation token after the first page');
    const second = await s3.listPage(LISTING, '', first.nextToken);
    assert.equal(second.objects.length, 5);
    assert.equal(second.nextToken, undefined, 'no token after the last page');

    const all = [...first.objects, ...second.objects];
    assert.deepEqual(
      all.map((o) => o.key),
      [...listed.keys()].sort(),
    );
    for (const o of all) {
      assert.equal(o.etag, listed.get(o.key)!.etag, `ETag of ${o.key}, without quotes`);
      assert.ok(!o.etag.includes('"'));
      assert.equal(o.size, listed.get(o.key)!.size, `size of ${o.key}`);
      assert.ok(o.lastModified instanceof Date && !Number.isNaN(o.lastModified.getTime()));
    }
    s3.client.destroy();
  });

  test("keys beside same-named folders are listed in S3's order (UTF-8 bytes), a prefix narrows the listing", async () => {
    const s3 = s3Access(createS3Client({ endpoint: moto.endpoint, retryStrategy: tinyRetry() }));
    const page = await s3.listPage(ORDER, '', undefined);
    // a < a-b < a.b < a/b < a/b/c < a0 < b < U+FF01 (EF BC 81) < U+1F600 (F0 9F 98 80): byte order, not UTF-16's.
    assert.deepEqual(
      page.objects.map((o) => o.key),
      ['a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a0', 'b', '\uFF01', '\u{1F600}'],
    );
    const underA = await s3.listPage(ORDER, 'a/', undefined);
    assert.deepEqual(
      underA.objects.map((o) => o.key),
      ['a/b', 'a/b/c'],
    );
    assert.deepEqual((await s3.listPage(ORDER, 'nothing-here/', undefined)).objects, []);
    s3.client.destroy();
  });
});

describe('read', () => {
  let s3: NodeS3Access;
  before(() => {
    s3 = s3Access(createS3Client({ endpoint: moto.endpoint, retryStrategy: tinyRetry() }), tinyResume);
  });
  after(() => s3.client.destroy());

  test('a whole object, in chunks', async () => {
    const { bytes, chunks } = await readAll(s3, DATA, BIG);
    assert.equal(bytes.length, BIG_SIZE);
    assert.equal(sha256(bytes), bigSha);
    assert.ok(chunks > 1, 'streamed, not buffered into one piece');
    assert.equal(s3.stats.resumes, 0);
  });

  test('from an offset (a Range request), with the listed ETag', async () => {
    const [hello] = (await s3.listPage(DATA, 'hello', undefined)).objects;
    assert.equal((await readAll(s3, DATA, 'hello.txt', { start: 6, etag: hello!.etag })).bytes.toString(), 'world');
    const tail = await readAll(s3, DATA, BIG, { start: BIG_SIZE - 1000 });
    assert.ok(tail.bytes.equals(big.subarray(BIG_SIZE - 1000)));
  });

  test('a byte range with an end (Range bytes=a-b): exactly those bytes; an end past the object reads to its end', async () => {
    assert.equal((await readAll(s3, DATA, 'hello.txt', { start: 2, end: 7 })).bytes.toString(), 'llo w');
    assert.equal((await readAll(s3, DATA, 'hello.txt', { end: 5 })).bytes.toString(), 'hello');
    assert.equal((await readAll(s3, DATA, 'hello.txt', { start: 6, end: 1000 })).bytes.toString(), 'world');
    assert.equal((await readAll(s3, DATA, 'hello.txt', { start: 4, end: 4 })).bytes.length, 0);
    const middle = await readAll(s3, DATA, BIG, { start: 1_000_003, end: 3_000_001 });
    assert.ok(middle.bytes.equals(big.subarray(1_000_003, 3_000_001)));
  });

  test('a stale ETag (the object was replaced) is an ObjectChangedError', async () => {
    const v1 = await admin.send(new PutObjectCommand({ Bucket: DATA, Key: 'changing.txt', Body: 'version 1' }));
    await admin.send(new PutObjectCommand({ Bucket: DATA, Key: 'changing.txt', Body: 'version 2' }));
    const stale = v1.ETag!.replace(/"/g, '');
    await assert.rejects(readAll(s3, DATA, 'changing.txt', { etag: stale }), (e: unknown) => {
      assert.ok(e instanceof ObjectChangedError, String(e));
      assert.equal(e.key, 'changing.txt');
      return true;
    });
    await assert.rejects(readAll(s3, DATA, 'changing.txt', { etag: stale, start: 3 }), ObjectChangedError);
  });

  test('a start equal to the size reads nothing, without error; a start past the end is an error', async () => {
    assert.equal((await readAll(s3, DATA, 'hello.txt', { start: 11 })).bytes.length, 0);
    assert.equal((await readAll(s3, DATA, BIG, { start: BIG_SIZE })).bytes.length, 0);
    await assert.rejects(readAll(s3, DATA, 'hello.txt', { start: 12 }), /is 11 bytes long: there is no byte 12/);
  });

  test('an aborted signal stops a read promptly with an AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(readAll(s3, DATA, BIG, { signal: controller.signal }), { name: 'AbortError' });
    await assert.rejects(s3.listPage(LISTING, '', undefined, controller.signal), { name: 'AbortError' });

    const midway = new AbortController();
    let received = 0;
    const t0 = performance.now();
    await assert.rejects(
      (async () => {
        for await (const chunk of s3.read(DATA, BIG, { signal: midway.signal })) {
          received += chunk.length;
          midway.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.ok(received > 0 && received < BIG_SIZE, `stopped after ${received} bytes`);
    assert.ok(performance.now() - t0 < 2_000);
  });

  test('a caller that stops early frees the connection (the next read works)', async () => {
    for (let i = 0; i < 3; i++) {
      for await (const _ of s3.read(DATA, BIG)) break;
    }
    assert.equal((await readAll(s3, DATA, 'hello.txt')).bytes.toString(), 'hello world');
  });
});

describe('createS3Client', () => {
  test('AWS_ENDPOINT_URL_S3 (no endpoint option) reaches moto, with path-style URLs', async () => {
    await withEnv({ AWS_ENDPOINT_URL_S3: moto.endpoint, AWS_ENDPOINT_URL: undefined }, async () => {
      const client = createS3Client({ retryStrategy: tinyRetry(2) }); // the variable must be set before this
      try {
        assert.equal(await pathStyle(client), true);
        const page = await s3Access(client).listPage(ORDER, 'a/', undefined);
        assert.deepEqual(
          page.objects.map((o) => o.key),
          ['a/b', 'a/b/c'],
        );
      } finally {
        client.destroy();
      }
    });
    assert.equal(process.env.AWS_ENDPOINT_URL_S3, undefined, 'the environment is restored');
  });

  test('default: 8 attempts, our retry strategy, checksums only when required, region from the chain', async () => {
    const client = createS3Client({});
    try {
      assert.equal(retryStrategyOf(client)?.maxAttempts, 8);
      assert.equal(await client.config.maxAttempts(), 8);
      assert.ok((await client.config.retryStrategy()) instanceof BackoffRetryStrategy);
      assert.equal(await client.config.requestChecksumCalculation(), 'WHEN_REQUIRED');
      assert.equal(await client.config.responseChecksumValidation(), 'WHEN_REQUIRED');
      assert.equal(await client.config.region(), 'us-east-1'); // AWS_REGION of the isolated test environment
      assert.equal(await pathStyle(client), false, 'AWS itself: virtual-hosted URLs');
    } finally {
      client.destroy();
    }
    await withEnv({ AWS_REGION: undefined }, async () => {
      const fallback = createS3Client({});
      assert.equal(await fallback.config.region(), 'us-east-1', 'no region anywhere: us-east-1');
      fallback.destroy();
    });
    const explicit = createS3Client({ region: 'eu-west-3', maxAttempts: 3 });
    assert.equal(await explicit.config.region(), 'eu-west-3');
    assert.equal(retryStrategyOf(explicit)?.maxAttempts, 3);
    explicit.destroy();
  });

  test('assumeRole: S3 is called with the session credentials of sts:AssumeRole (moto STS), with the ExternalId', async () => {
    const iam = new IAMClient(clientConfig(moto.endpoint));
    const roleName = 'pipewright-import-role';
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-42' } } }],
    };
    const role = await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    iam.destroy();
    const roleArn = role.Role!.Arn!;

    const sent: Array<{ command: string; externalId?: string }> = [];
    const client = createS3Client({ endpoint: moto.endpoint, assumeRole: { roleArn, externalId: 'ext-42', sessionName: 'pw-test' }, retryStrategy: tinyRetry() });
    try {
      const page = await s3Access(client).listPage(ORDER, 'a/', undefined);
      assert.equal(page.objects.length, 2);
      const provider = assumeRoleProviderOf(client)!;
      assert.equal(provider.stats.calls, 1, 'one AssumeRole call');
      const creds = await client.config.credentials();
      assert.match(creds.accessKeyId, /^ASIA/, 'moto STS hands out session keys');
      assert.notEqual(creds.accessKeyId, 'testing', 'not the base credentials');
      assert.ok(creds.sessionToken && creds.expiration instanceof Date);
      await s3Access(client).listPage(ORDER, 'b', undefined);
      assert.equal(provider.stats.calls, 1, 'credentials are reused until they near expiry');
    } finally {
      client.destroy();
    }

    // The provider on its own: ExternalId sent, a refresh before expiry, concurrent callers share one call.
    const sts = new STSClient(clientConfig(moto.endpoint));
    sts.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as { input?: { ExternalId?: string } }).input;
        sent.push({ command: context.commandName!, externalId: input?.ExternalId });
        return next(args);
      },
      { step: 'initialize' },
    );
    let clock = Date.now();
    const provider = assumeRoleCredentials(sts, { roleArn, externalId: 'ext-42', durationSeconds: 900 }, { now: () => clock });
    const [a, b] = await Promise.all([provider(), provider()]);
    assert.equal(a, b);
    assert.equal(provider.stats.calls, 1);
    assert.deepEqual(sent, [{ command: 'AssumeRoleCommand', externalId: 'ext-42' }]);
    clock = a.expiration!.getTime() - 6 * 60_000; // 6 minutes left: still good
    await provider();
    assert.equal(provider.stats.calls, 1);
    clock = a.expiration!.getTime() - 4 * 60_000; // 4 minutes left: refreshed
    const c = await provider();
    assert.equal(provider.stats.calls, 2);
    assert.notEqual(c.accessKeyId, a.accessKeyId);
    sts.destroy();
  });

  test('assumeRole failures are AssumeRoleErrors that explainAwsError turns into advice', async () => {
    const port = await freePort();
    const client = createS3Client({
      endpoint: `http://127.0.0.1:${port}`,
      assumeRole: { roleArn: `arn:aws:iam::${ACCOUNT}:role/nope` },
      retryStrategy: tinyRetry(2),
    });
    const e = await s3Access(client).listPage(LISTING, '', undefined).catch((x: unknown) => x);
    client.destroy();
    assert.ok(e instanceof AssumeRoleError, String(e));
    const text = explainAwsError(e, { operation: 's3:ListBucket', bucket: LISTING });
    assert.match(text, /^could not assume role arn:aws:iam::123456789012:role\/nope \(for s3:ListBucket on s3:\/\/pw-listing\): could not connect to 127\.0\.0\.1:\d+ for sts:AssumeRole for arn:aws:iam::123456789012:role\/nope \(ECONNREFUSED\)/);

    const denied = new AssumeRoleError(`arn:aws:iam::${ACCOUNT}:role/r`, Object.assign(new Error('User: x is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied', Code: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    assert.match(explainAwsError(denied, { operation: 's3:ListBucket', bucket: 'b' }), /^AccessDenied on sts:AssumeRole for arn:aws:iam::123456789012:role\/r — the role's trust policy .* ExternalId/);
  });
});

describe('faults: throttling, 5xx and broken connections (fault proxy in front of moto)', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy({ target: moto.endpoint, seed: 30 });
  });
  after(async () => {
    await proxy?.close();
  });

  test('30% 503 SlowDown on ListObjectsV2 and GetObject: listing 1,005 keys and reading a 5 MB object succeed', async () => {
    proxy.setRules(
      [
        { match: 'listObjectsV2', rate: 0.3, fault: 'slowdown' },
        { match: 'getObject', rate: 0.3, fault: 'slowdown' },
      ],
      30,
    );
    proxy.resetCounts();
    const t0 = performance.now();
    const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, retryStrategy: tinyRetry() }), tinyResume);
    const keys = await listAll(s3, LISTING, '');
    assert.deepEqual(keys, [...listed.keys()].sort());
    assert.equal(sha256((await readAll(s3, DATA, BIG)).bytes), bigSha);
    for (const key of keys.slice(0, SMALL_COUNT)) {
      const text = (await readAll(s3, LISTING, key)).bytes.toString();
      assert.ok(text.startsWith(`id,name\n${key},`), key);
    }
    const { counts } = proxy;
    assert.ok(counts.slowdown > 0, 'faults were injected');
    assert.equal(s3.stats.retries, counts.slowdown, 'each 503 was retried once more');
    assert.equal(s3.stats.retry!.throttling, counts.slowdown);
    assert.equal(s3.stats.retry!.gaveUp, 0);
    console.log(
      `# 30% SlowDown: ${counts.requests} requests, ${counts.slowdown} 503s injected, ${s3.stats.retries} retries, ` +
        `${Math.round(performance.now() - t0)} ms`,
    );
    s3.client.destroy();
  });

  test('connections reset mid-body on 50% of GetObject answers: the bytes read are the object, resumed by Range', async () => {
    proxy.setRules([{ match: 'getObject', rate: 0.5, fault: 'reset' }], 50);
    proxy.resetCounts();
    const t0 = performance.now();
    const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, retryStrategy: tinyRetry() }), tinyResume);
    for (let i = 0; i < 3; i++) {
      const { bytes } = await readAll(s3, DATA, BIG);
      assert.equal(bytes.length, BIG_SIZE);
      assert.equal(sha256(bytes), bigSha, `read ${i + 1}: the object's bytes, each once`);
    }
    const { counts } = proxy;
    assert.ok(counts.reset > 0, 'resets were injected');
    assert.ok(s3.stats.resumes >= 1, 'at least one Range resume');
    assert.equal(counts.rangeRequests, s3.stats.resumes, 'every resume is a Range request');
    // A range with an end is resumed within that range, never past its end.
    for (let i = 0; i < 3; i++) {
      const { bytes } = await readAll(s3, DATA, BIG, { start: 777, end: BIG_SIZE - 777 });
      assert.ok(bytes.equals(big.subarray(777, BIG_SIZE - 777)), `ranged read ${i + 1}`);
    }
    console.log(
      `# 50% resets: ${counts.getObject} GetObject requests, ${counts.reset} reset mid-body, ${s3.stats.resumes} Range resumes, ` +
        `${s3.stats.retries} SDK retries, ${Math.round(performance.now() - t0)} ms`,
    );
    s3.client.destroy();
  });

  test('a mix of truncated bodies, hang-ups, 500s and 503s: listings and reads from an offset still return the exact keys and bytes', async () => {
    const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, retryStrategy: tinyRetry() }), tinyResume);
    // Listings: a truncated XML body is an error of the call, retried by the strategy like a 5xx.
    proxy.setRules(
      [
        { match: 'listObjectsV2', rate: 0.25, fault: 'truncate' },
        { match: 'listObjectsV2', rate: 0.15, fault: 'internal' },
        { match: 'listObjectsV2', rate: 0.15, fault: 'slowdown' },
      ],
      76,
    );
    proxy.resetCounts();
    for (let i = 0; i < 4; i++) assert.deepEqual(await listAll(s3, LISTING, ''), [...listed.keys()].sort());
    const lists = { ...proxy.counts };
    assert.ok(lists.truncate > 0, JSON.stringify(lists));
    assert.equal(s3.stats.retries, lists.truncate + lists.internal + lists.slowdown, 'each fault retried once');
    assert.equal(s3.stats.retry!.network, lists.truncate);

    // Reads: a truncated GetObject body is resumed by `read`; a hang-up, a 500 or a 503 is retried by the strategy.
    proxy.setRules(
      [
        { match: 'getObject', rate: 0.25, fault: 'truncate' },
        { match: 'getObject', rate: 0.15, fault: 'hangup' },
        { match: 'getObject', rate: 0.15, fault: 'internal' },
        { match: 'getObject', rate: 0.15, fault: 'slowdown' },
      ],
      77,
    );
    proxy.resetCounts();
    const before = { ...s3.stats.retry! };
    const start = 1_234_567;
    for (let i = 0; i < 3; i++) {
      const { bytes } = await readAll(s3, DATA, BIG, { start });
      assert.ok(bytes.equals(big.subarray(start)), `read ${i + 1}`);
    }
    const reads = proxy.counts;
    assert.ok(reads.truncate > 0 && reads.hangup > 0 && reads.internal > 0, JSON.stringify(reads));
    assert.equal(s3.stats.resumes, reads.truncate, 'every truncated body was resumed');
    assert.equal(s3.stats.retry!.network - before.network, reads.hangup);
    assert.equal(s3.stats.retry!.serverErrors - before.serverErrors, reads.internal);
    assert.equal(s3.stats.retry!.throttling - before.throttling, reads.slowdown);
    console.log(
      `# mixed faults: listings ${JSON.stringify(lists)}, reads ${JSON.stringify(reads)}; resumes ${s3.stats.resumes}, ` +
        `retries ${JSON.stringify(s3.stats.retry)}`,
    );
    s3.client.destroy();
  });

  test('a server that stops answering is abandoned after requestTimeoutMs and retried; a stalled body is resumed', async () => {
    // The first GetObject gets no answer at all, the second its headers and part of the body then silence; the first
    // ListObjectsV2 likewise stalls in the middle of its XML.
    let gets = 0;
    let lists = 0;
    proxy.setRules(
      [
        { match: (r) => r.method === 'GET' && r.query.get('list-type') === '2' && ++lists === 1, rate: 1, fault: 'stallBody' },
        { match: (r) => r.method === 'GET' && !r.query.has('list-type') && ++gets === 1, rate: 1, fault: 'stall' },
        { match: (r) => r.method === 'GET' && !r.query.has('list-type') && gets === 2, rate: 1, fault: 'stallBody' },
      ],
      9,
    );
    proxy.resetCounts();
    const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, requestTimeoutMs: 600, retryStrategy: tinyRetry() }), tinyResume);
    const t0 = performance.now();
    assert.deepEqual(await listAll(s3, ORDER, 'a'), ['a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a0']);
    assert.equal(sha256((await readAll(s3, DATA, BIG)).bytes), bigSha);
    const ms = performance.now() - t0;
    const { counts } = proxy;
    assert.equal(counts.stall, 1);
    assert.equal(counts.stallBody, 2);
    // (>=: on a loaded machine a slow moto answer may also exceed the short timeout, and is retried the same way.)
    assert.ok(s3.stats.retry!.network >= 2, 'the silent answer and the stalled XML body were retried (TimeoutError)');
    assert.equal(s3.stats.resumes, 1, 'the stalled GetObject body was resumed');
    assert.ok(ms < 5_000, `${Math.round(ms)} ms`);
    console.log(`# stalls: ${JSON.stringify(counts)}; retries ${s3.stats.retries}, resumes ${s3.stats.resumes}, ${Math.round(ms)} ms`);
    s3.client.destroy();
  });

  test("read's own idle timeout breaks off a stalled body even when the client's timeouts are long", async () => {
    let gets = 0;
    proxy.setRules([{ match: (r) => r.method === 'GET' && !r.query.has('list-type') && ++gets === 1, rate: 1, fault: 'stallBody' }], 10);
    proxy.resetCounts();
    const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, requestTimeoutMs: 20_000, retryStrategy: tinyRetry() }), { ...tinyResume, idleTimeoutMs: 300 });
    const t0 = performance.now();
    assert.equal(sha256((await readAll(s3, DATA, BIG)).bytes), bigSha);
    assert.equal(proxy.counts.stallBody, 1);
    assert.equal(s3.stats.resumes, 1);
    assert.ok(performance.now() - t0 < 3_000);
    s3.client.destroy();
  });

  test('a read that keeps breaking without progress gives up after maxResumes with a ReadInterruptedError', async () => {
    proxy.setRules([{ match: 'getObject', rate: 1, fault: 'reset' }], 11);
    proxy.resetCounts();
    const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, retryStrategy: tinyRetry() }), { ...tinyResume, maxResumes: 3 });
    const e = await readAll(s3, DATA, 'hello.txt').catch((x: unknown) => x);
    assert.equal((e as Error).name, 'ReadInterruptedError', String(e));
    assert.equal(s3.stats.resumes, 3);
    assert.equal(proxy.counts.reset, 4, 'the first request and three resumes');
    assert.match(
      explainAwsError(e, { operation: 's3:GetObject', bucket: DATA, key: 'hello.txt' }),
      /^the connection broke 4 times in a row while reading s3:\/\/pw-data\/hello\.txt \(at byte \d+; last: .*\) — check the network/,
    );
    s3.client.destroy();
  });

  test('100% 503s: the call fails after maxAttempts, and the explanation says S3 kept answering 503 SlowDown', async () => {
    proxy.setRules([{ match: 'any', rate: 1, fault: 'slowdown' }], 1);
    proxy.resetCounts();
    const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, retryStrategy: tinyRetry() }), tinyResume);
    const e = await s3.listPage(LISTING, 'k/', undefined).catch((x: unknown) => x);
    assert.equal((e as { name?: string }).name, 'SlowDown');
    assert.equal((e as { $metadata: { attempts: number } }).$metadata.attempts, 8, 'maxAttempts (default 8)');
    assert.equal(proxy.counts.slowdown, 8, 'eight attempts, no more');
    assert.equal(s3.stats.retries, 7);
    assert.equal(s3.stats.retry!.gaveUp, 1);
    assert.equal(
      explainAwsError(e, { operation: 's3:ListBucket', bucket: LISTING, region: 'us-east-1' }),
      'S3 kept answering 503 SlowDown to s3:ListBucket for arn:aws:s3:::pw-listing 8 times in a row: it is throttling requests to this bucket — run again later, or with fewer parallel reads',
    );
    const r = await readAll(s3, DATA, BIG).catch((x: unknown) => x);
    assert.match(explainAwsError(r, { operation: 's3:GetObject', bucket: DATA, key: BIG }), /^S3 kept answering 503 SlowDown to s3:GetObject for arn:aws:s3:::pw-data\/big\/five-mb\.bin 8 times in a row/);
    s3.client.destroy();
  });

  test("the SDK's standard strategy runs out of retry quota under 50% 503s where ours does not (why we configure our own)", async () => {
    // Same 8 attempts and tiny delays for both: the only difference is the standard strategy's token bucket.
    const calls = 400;
    const run = async (retryStrategy: BackoffRetryStrategy | StandardRetryStrategy): Promise<{ failed: number; ms: number }> => {
      proxy.setRules([{ match: 'getObject', rate: 0.5, fault: 'slowdown' }], 4242);
      proxy.resetCounts();
      const s3 = s3Access(createS3Client({ endpoint: proxy.endpoint, maxAttempts: 8, retryStrategy }), tinyResume);
      const t0 = performance.now();
      let failed = 0;
      for (let i = 0; i < calls; i++) {
        try {
          await readAll(s3, DATA, 'hello.txt');
        } catch {
          failed++;
        }
      }
      s3.client.destroy();
      return { failed, ms: Math.round(performance.now() - t0) };
    };
    const standard = new StandardRetryStrategy({ maxAttempts: 8, backoff: { computeNextBackoffDelay: () => 1, setDelayBase: () => undefined } });
    const theirs = await run(standard);
    const ours = await run(tinyRetry(8));
    console.log(
      `# ${calls} GetObject calls at 50% 503s: standard strategy ${theirs.failed} failed (${theirs.ms} ms, quota left ` +
        `${standard.getCapacity()}), ours ${ours.failed} failed (${ours.ms} ms)`,
    );
    // Ours fails a call only when all 8 attempts get a 503: 1 in 2^8 at 50%. The standard strategy fails every call
    // that meets a 503 while its bucket holds less than one retry's cost (5 tokens), which it does after ~250 calls.
    assert.ok(ours.failed <= calls / 100, `ours failed ${ours.failed} of ${calls} calls`);
    assert.ok(theirs.failed >= calls / 10, `the standard strategy failed ${theirs.failed} of ${calls} calls`);
    assert.ok(theirs.failed >= 10 * Math.max(1, ours.failed));
    assert.ok(standard.getCapacity() < 14, 'its quota is spent');
  });
});

describe('explainAwsError', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const messages: string[] = [];
  const explain = (e: unknown, context: Parameters<typeof explainAwsError>[1]): string => {
    const text = explainAwsError(e, context);
    messages.push(text);
    return text;
  };

  after(() => {
    for (const text of messages) console.log(`# explained: ${text}`);
    for (const text of messages) {
      assert.ok(!text.includes(SECRET) && !text.includes('AKIAIOSFODNN7EXAMPLE'), text);
      assert.ok(!/Signature=[0-9a-f]{16}|X-Amz-Security-Token=\w/.test(text), text);
      assert.ok(!text.includes('\n'), 'one line');
    }
  });

  test('NoSuchBucket, from a real call', async () => {
    const s3 = s3Access(createS3Client({ endpoint: moto.endpoint, retryStrategy: tinyRetry() }));
    const e = await s3.listPage('no-such-bucket-here', '', undefined).catch((x: unknown) => x);
    s3.client.destroy();
    assert.equal(
      explain(e, { operation: 's3:ListBucket', bucket: 'no-such-bucket-here', config: 'products.pipeline.json' }),
      'bucket "no-such-bucket-here" does not exist (check the name in products.pipeline.json)',
    );
  });

  test('AccessDenied, InvalidAccessKeyId and SignatureDoesNotMatch, from moto enforcing IAM', async () => {
    const iam = new IAMClient(clientConfig(moto.endpoint));
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'reader',
        PolicyName: 'objects-only',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${DATA}/*` }] }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    iam.destroy();
    const as = (accessKeyId: string, secretAccessKey: string): NodeS3Access => {
      const client = createS3Client({ endpoint: moto.endpoint, retryStrategy: tinyRetry() });
      // The env chain is what createS3Client uses; give this client its own keys instead.
      client.config.credentials = async () => ({ accessKeyId, secretAccessKey });
      return s3Access(client);
    };
    const reader = as(key.AccessKeyId!, key.SecretAccessKey!);
    const stranger = as('AKIAIOSFODNN7EXAMPLE', SECRET);
    const forger = as(key.AccessKeyId!, SECRET);
    await setMotoAuth(moto.endpoint, '0');
    try {
      assert.equal((await readAll(reader, DATA, 'hello.txt')).bytes.toString(), 'hello world', 'GetObject is allowed');
      const denied = await reader.listPage(DATA, '', undefined).catch((x: unknown) => x);
      assert.equal(
        explain(denied, { operation: 's3:ListBucket', bucket: DATA, region: 'us-east-1' }),
        'AccessDenied on s3:ListBucket for arn:aws:s3:::pw-data — the credentials\' policy does not allow it (run "pipewright iam check" or add s3:ListBucket on arn:aws:s3:::pw-data)',
      );
      const unknown = await stranger.listPage(DATA, '', undefined).catch((x: unknown) => x);
      assert.match(
        explain(unknown, { operation: 's3:ListBucket', bucket: DATA }),
        /^InvalidAccessKeyId on s3:ListBucket for arn:aws:s3:::pw-data: the access key in use is not known to AWS — check which credentials are picked up \(--profile .*AWS_PROFILE/,
      );
      const forged = await forger.listPage(DATA, '', undefined).catch((x: unknown) => x);
      assert.match(explain(forged, { operation: 's3:ListBucket', bucket: DATA }), /^SignatureDoesNotMatch on s3:ListBucket .* secret access key/);
    } finally {
      await setMotoAuth(moto.endpoint, 'inf');
      for (const s of [reader, stranger, forger]) s.client.destroy();
    }
  });

  test('ECONNREFUSED, from a real call to a closed port, names the endpoint and fails fast', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const s3 = s3Access(createS3Client({ endpoint, retryStrategy: new BackoffRetryStrategy() })); // real delays
    const t0 = performance.now();
    const e = await s3.listPage(LISTING, '', undefined).catch((x: unknown) => x);
    const ms = performance.now() - t0;
    s3.client.destroy();
    assert.ok(ms < 2_000, `a closed port is reported after ${Math.round(ms)} ms (2 quick retries, not 8)`);
    assert.equal(s3.stats.retries, 2);
    const text = explain(e, { operation: 's3:ListBucket', bucket: LISTING });
    assert.match(text, new RegExp(`^could not connect to 127\\.0\\.0\\.1:${port} for s3:ListBucket for arn:aws:s3:::pw-listing \\(ECONNREFUSED\\): nothing accepts connections there`));
    assert.match(explain(e, { operation: 's3:ListBucket', bucket: LISTING, endpoint: `http://user:pw@127.0.0.1:${port}` }), new RegExp(`could not connect to http://127\\.0\\.0\\.1:${port} for`));
  });

  test('a bucket in another region (301 PermanentRedirect, AuthorizationHeaderMalformed) names the region to set', async () => {
    const server = await fakeS3((_req, res) => {
      if (_req.url?.includes('redirect')) {
        res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': 'eu-west-1' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>redirect-bucket.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>redirect-bucket</Bucket></Error>',
        );
      } else {
        res.writeHead(400, { 'content-type': 'application/xml' });
        res.end(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-southeast-2'</Message><Region>ap-southeast-2</Region></Error>",
        );
      }
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s3 = s3Access(createS3Client({ endpoint, region: 'us-east-1', retryStrategy: tinyRetry() }));
    try {
      const moved = await s3.listPage('redirect-bucket', '', undefined).catch((x: unknown) => x);
      assert.equal(
        explain(moved, { operation: 's3:ListBucket', bucket: 'redirect-bucket', region: 'us-east-1' }),
        'bucket "redirect-bucket" is in eu-west-1, the config says us-east-1: set "region": "eu-west-1"',
      );
      const malformed = await readAll(s3, 'other-bucket', 'k.csv').catch((x: unknown) => x);
      assert.equal(
        explain(malformed, { operation: 's3:GetObject', bucket: 'other-bucket', key: 'k.csv', region: 'us-east-1' }),
        'bucket "other-bucket" is in ap-southeast-2, the config says us-east-1: set "region": "ap-southeast-2"',
      );
      assert.equal(s3.stats.retries, 0, 'neither is retried');
    } finally {
      s3.client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('missing or expired credentials say what to set', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined }, async () => {
      const s3 = s3Access(createS3Client({ endpoint: moto.endpoint, profile: 'no-such-profile', retryStrategy: tinyRetry() }));
      const e = await s3.listPage(LISTING, '', undefined).catch((x: unknown) => x);
      s3.client.destroy();
      assert.match(
        explain(e, { operation: 's3:ListBucket', bucket: LISTING }),
        /^no AWS credentials for s3:ListBucket for arn:aws:s3:::pw-listing: set --profile or the pipewright\.aws\.profile setting, AWS_PROFILE, or AWS_ACCESS_KEY_ID/,
      );
      assert.match(
        explain(e, { operation: 's3:ListBucket', bucket: LISTING, profile: 'no-such-profile' }),
        /^no AWS credentials for s3:ListBucket for arn:aws:s3:::pw-listing from profile "no-such-profile": check that it is in ~\/\.aws\/config/,
      );
    });
    const expired = Object.assign(new Error('The provided token has expired.'), { name: 'ExpiredToken', Code: 'ExpiredToken', $metadata: { httpStatusCode: 400 } });
    assert.match(explain(expired, { operation: 's3:GetObject', bucket: 'b', key: 'k' }), /^ExpiredToken on s3:GetObject for arn:aws:s3:::b\/k: the session credentials have expired — for an SSO profile run "aws sso login/);
    const leaky = Object.assign(new Error(`signed https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101&X-Amz-Signature=0123456789abcdef0123 with ${SECRET}`), {
      name: 'Weird',
      Code: 'Weird',
    });
    const text = explain(leaky, { operation: 's3:GetObject', bucket: 'b', key: 'k' });
    assert.ok(!text.includes('0123456789abcdef0123') && !text.includes(SECRET), text);
    assert.match(text, /X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>/);
    const header = Object.assign(new Error('Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024'), { name: 'Weird' });
    assert.ok(!/fe5f80f77d5f|AKIAIOSFODNN7EXAMPLE/.test(explain(header, { operation: 's3:GetObject', bucket: 'b', key: 'k' })));
  });

  test('errors of the read itself: a changed object, a cancelled read, a read that keeps breaking', () => {
    assert.match(explain(new ObjectChangedError('b', 'k'), { operation: 's3:GetObject', bucket: 'b', key: 'k' }), /^s3:\/\/b\/k changed while it was being read/);
    const aborted = Object.assign(new Error('The read was cancelled'), { name: 'AbortError' });
    assert.equal(explain(aborted, { operation: 's3:GetObject', bucket: 'b', key: 'k' }), 's3:GetObject for arn:aws:s3:::b/k: cancelled');
  });
});

describe('retry classification', () => {
  test('throttling, 5xx and network errors are retried; client errors, 501 and aborts are not', () => {
    const err = (props: Record<string, unknown>): Error => Object.assign(new Error(String(props.message ?? 'x')), props);
    const kind = (error: Error, errorType: 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR' = 'CLIENT_ERROR') =>
      classifyRetry({ error: error as never, errorType });
    assert.equal(kind(err({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }), 'THROTTLING'), 'throttling');
    assert.equal(kind(err({ name: 'Unknown', $metadata: { httpStatusCode: 429 } })), 'throttling');
    assert.equal(kind(err({ name: 'InternalError', $metadata: { httpStatusCode: 500 } }), 'TRANSIENT'), 'server');
    assert.equal(kind(err({ name: 'Unknown', $metadata: { httpStatusCode: 507 } }), 'SERVER_ERROR'), 'server');
    assert.equal(kind(err({ name: 'Error', code: 'ECONNRESET', message: 'socket hang up' }), 'TRANSIENT'), 'network');
    assert.equal(kind(err({ name: 'TimeoutError' }), 'TRANSIENT'), 'network');
    assert.equal(kind(err({ name: 'Error', code: 'ECONNREFUSED' }), 'TRANSIENT'), 'unreachable');
    assert.equal(kind(err({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })), undefined);
    assert.equal(kind(err({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })), undefined);
    assert.equal(kind(err({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } })), undefined);
    assert.equal(kind(err({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } })), undefined);
    assert.equal(kind(err({ name: 'AbortError' }), 'TRANSIENT'), undefined);
  });

  test('full jitter stays within [0, min(cap, base·2^(n-1))) and the cap', () => {
    const backoff = fullJitterBackoff(100, 20_000, prng(3));
    for (let n = 1; n <= 20; n++) {
      for (let i = 0; i < 50; i++) {
        const d = backoff(n);
        assert.ok(d >= 0 && d < Math.min(20_000, 100 * 2 ** (n - 1)), `retry ${n}: ${d}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

async function readAll(s3: NodeS3Access, bucket: string, key: string, options: Parameters<NodeS3Access['read']>[2] = {}): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of s3.read(bucket, key, options)) parts.push(chunk);
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

async function listAll(s3: NodeS3Access, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.listPage(bucket, prefix, token);
    keys.push(...page.objects.map((o) => o.key));
    token = page.nextToken;
  } while (token);
  return keys;
}

/** The client's resolved forcePathStyle (a value or a provider, depending on the SDK's config resolution). */
async function pathStyle(client: S3Client): Promise<boolean | undefined> {
  const value: unknown = client.config.forcePathStyle;
  return typeof value === 'function' ? await (value as () => Promise<boolean | undefined>)() : (value as boolean | undefined);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function randomBytes(size: number, seed: number): Buffer {
  const random = prng(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) out.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
  return out;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function fakeS3(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function setMotoAuth(endpoint: string, initialNoAuthActionCount: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: initialNoAuthActionCount });
  assert.equal(res.status, 200, await res.text());
}

