/**
 * Streaming encryption and decryption against gpg as the peer, both ways, byte for byte; tampered, truncated and
 * misaddressed files leave nothing behind; memory stays bounded on 200 MB. One RSA-4096 pair for the whole file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { encryptKey, generateKey, readPrivateKey } from 'openpgp';
import { gpgHome, type GpgHome } from '../helpers/gpg';
import { generateStripeKeyPair, type StripeKeyPair } from '../../server/src/node/pgp/keys';
import { decryptToFile, encryptStream, PgpDecryptError } from '../../server/src/node/pgp/stream';

const ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';
let pair: StripeKeyPair;
let dir: string;
let home: GpgHome;
let plain: Buffer;
let ours: string; // our encryption of `plain`
let theirs: string; // gpg's encryption of `plain`

const gpg = (args: string[]) => home.run(args);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A fresh folder holding only a copy of `from` (optionally altered): to check what a failed decryption leaves. */
function caseDir(name: string, from: string, alter?: (b: Buffer) => Buffer): { folder: string; input: string; dest: string } {
  const folder = join(dir, name);
  mkdirSync(folder);
  const input = join(folder, 'delivery.parquet.gpg');
  const bytes = readFileSync(from);
  writeFileSync(input, alter ? alter(bytes) : bytes);
  return { folder, input, dest: join(folder, 'delivery.parquet') };
}

async function decryptError(promise: Promise<unknown>): Promise<PgpDecryptError> {
  const e = await promise.then(
    () => assert.fail('decryption succeeded'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof PgpDecryptError, String(e));
  return e;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-pgp-'));
  home = gpgHome();
  pair = await generateStripeKeyPair(ACCOUNT);
  home.importPrivate(pair.privateArmored);
  // A few MB, not a multiple of any block or chunk size.
  // A fixed text head: gpg does not compress a file whose first bytes look like a compressed format's
  // magic number, which random bytes sometimes do (the zlib case below needs gpg to compress).
  plain = Buffer.concat([Buffer.from('pipewright test plaintext\n'), randomBytes(3 * 1024 * 1024 + 4099)]);
  writeFileSync(join(dir, 'plain.bin'), plain);
  ours = join(dir, 'ours.gpg');
  await pipeline(encryptStream(createReadStream(join(dir, 'plain.bin')), pair.publicArmored), createWriteStream(ours));
  theirs = join(dir, 'theirs.gpg');
  const r = gpg(['--recipient', ACCOUNT, '--output', theirs, '--encrypt', join(dir, 'plain.bin')]);
  assert.equal(r.code, 0, r.err);
});

after(() => {
  home?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('encryptStream → gpg --decrypt gives back the same bytes', () => {
  const r = gpg(['--decrypt', ours]);
  assert.equal(r.code, 0, r.err);
  assert.equal(sha(r.out), sha(plain));
  // gpg names our encryption subkey as the recipient, and the data as integrity-protected (MDC).
  assert.match(r.err, /encrypted with 4096-bit RSA key/);
  const packets = gpg(['--list-packets', ours]).out.toString();
  assert.match(packets, /:encrypted data packet:[\s\S]*mdc_method: 2/);
  assert.doesNotMatch(packets, /compressed packet/);
});

test('encryptStream takes an async iterable as well as a Node stream', async () => {
  async function* chunks() {
    for (let i = 0; i < plain.length; i += 100_000) yield plain.subarray(i, i + 100_000);
  }
  const out = join(dir, 'iterable.gpg');
  await pipeline(encryptStream(chunks(), pair.publicArmored), createWriteStream(out));
  assert.equal(sha(gpg(['--decrypt', out]).out), sha(plain));
});

test('gpg --encrypt to our public key → decryptToFile gives back the same bytes', async () => {
  const { dest } = caseDir('from-gpg', theirs);
  const r = await decryptToFile(createReadStream(theirs), pair.privateArmored, dest);
  assert.equal(r.bytes, plain.length);
  assert.equal(sha(readFileSync(dest)), sha(plain));
});

test('gpg\'s compressed (zlib) output decrypts too', async () => {
  const src = join(dir, 'zlib.gpg');
  assert.equal(gpg(['--recipient', ACCOUNT, '--compress-algo', 'zlib', '--output', src, '--encrypt', join(dir, 'plain.bin')]).code, 0);
  assert.match(gpg(['--list-packets', src]).out.toString(), /compressed packet: algo=2/);
  const { dest } = caseDir('zlib', src);
  await decryptToFile(createReadStream(src), pair.privateArmored, dest);
  assert.equal(sha(readFileSync(dest)), sha(plain));
});

for (const [what, file] of [['ours', () => ours], ['gpg\'s', () => theirs]] as const) {
  test(`one byte flipped in the middle of ${what}: the integrity error, no destination, no temporary file`, async () => {
    const { folder, input, dest } = caseDir(`tampered-${what.replace(/\W/g, '')}`, file(), (b) => {
      b[b.length >> 1] ^= 0x01;
      return b;
    });
    // gpg agrees it was tampered with.
    const peer = gpg(['--decrypt', input]);
    assert.notEqual(peer.code, 0);
    const e = await decryptError(decryptToFile(createReadStream(input), pair.privateArmored, dest, { source: input }));
    assert.equal(e.code, 'integrity');
    assert.match(e.message, /delivery\.parquet\.gpg failed its integrity check \(.+\): it was modified or truncated after it was encrypted\. Nothing was written to .*delivery\.parquet\./);
    assert.equal(existsSync(dest), false);
    assert.deepEqual(readdirSync(folder), ['delivery.parquet.gpg']);
  });
}

test('a truncated file is an integrity error too, and an existing destination is left as it was', async () => {
  const { folder, input, dest } = caseDir('truncated', ours, (b) => b.subarray(0, b.length - 5000));
  writeFileSync(dest, 'yesterday\'s good copy');
  const e = await decryptError(decryptToFile(createReadStream(input), pair.privateArmored, dest));
  assert.equal(e.code, 'integrity');
  assert.equal(readFileSync(dest, 'utf8'), 'yesterday\'s good copy');
  assert.deepEqual(readdirSync(folder).sort(), ['delivery.parquet', 'delivery.parquet.gpg']);
});

test('the wrong private key: "no key matches", naming the key the file is for; nothing written', async () => {
  const other = await generateKey({ type: 'ecc', userIDs: [{ name: 'acct_Someone3lse' }], format: 'armored' });
  const { folder, input, dest } = caseDir('wrong-key', theirs);
  const e = await decryptError(decryptToFile(createReadStream(input), other.privateKey, dest));
  assert.equal(e.code, 'no-key-match');
  assert.match(e.message, /^No key matches: .* encrypted for key [0-9A-F]{16}, and this private key is [0-9A-F]{40}/);
  assert.deepEqual(readdirSync(folder), ['delivery.parquet.gpg']);
});

test('the wrong private key on a file with hidden recipients (gpg --throw-keyids): still "no key matches"', async () => {
  const src = join(dir, 'hidden.gpg');
  assert.equal(gpg(['--recipient', ACCOUNT, '--throw-keyids', '--output', src, '--encrypt', join(dir, 'plain.bin')]).code, 0);
  const other = await generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'acct_Someone3lse' }], format: 'armored' });
  const { folder, input, dest } = caseDir('hidden', src);
  const e = await decryptError(decryptToFile(createReadStream(input), other.privateKey, dest));
  assert.equal(e.code, 'no-key-match', e.message);
  assert.deepEqual(readdirSync(folder), ['delivery.parquet.gpg']);
  // …while the right key still opens it.
  await decryptToFile(createReadStream(input), pair.privateArmored, dest);
  assert.equal(sha(readFileSync(dest)), sha(plain));
});

test('a passphrase-protected private key: missing or wrong passphrase is said, never echoed; the right one works', async () => {
  const passphrase = 'correct horse battery staple';
  const locked = (await encryptKey({ privateKey: await readPrivateKey({ armoredKey: pair.privateArmored }), passphrase })).armor();
  const { dest } = caseDir('passphrase', ours);
  const missing = await decryptError(decryptToFile(createReadStream(ours), locked, dest));
  assert.equal(missing.code, 'private-key');
  assert.match(missing.message, /protected by a passphrase/);
  const wrong = await decryptError(decryptToFile(createReadStream(ours), locked, dest, { passphrase: 'hunter2-not-it' }));
  assert.equal(wrong.code, 'private-key');
  assert.match(wrong.message, /passphrase does not unlock/);
  assert.ok(!wrong.message.includes('hunter2') && !String(wrong.cause).includes('hunter2'));
  await decryptToFile(createReadStream(ours), locked, dest, { passphrase });
  assert.equal(sha(readFileSync(dest)), sha(plain));
});

test('a failing input is a "source" error, not tampering; a plain file is "not-pgp"', async () => {
  const bytes = readFileSync(ours);
  async function* brokenDownload() {
    yield bytes.subarray(0, 1 << 20);
    throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  }
  const { folder, dest } = caseDir('source', ours);
  const e = await decryptError(decryptToFile(brokenDownload(), pair.privateArmored, dest, { source: 's3://acme-stripe-data/charges/part-0.parquet.gpg' }));
  assert.equal(e.code, 'source');
  assert.match(e.message, /Reading s3:\/\/acme-stripe-data\/charges\/part-0\.parquet\.gpg failed \(socket hang up\)/);
  // A Parquet file given where its .gpg was expected ("PAR1…"; random bytes would now and then read as a packet).
  const parquetLike = join(dir, 'plain.parquet');
  writeFileSync(parquetLike, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(4096, 7), Buffer.from('PAR1')]));
  const notPgp = await decryptError(decryptToFile(createReadStream(parquetLike), pair.privateArmored, dest));
  assert.equal(notPgp.code, 'not-pgp');
  assert.deepEqual(readdirSync(folder), ['delivery.parquet.gpg']);
});

test('200 MB through encryptStream and decryptToFile in bounded memory', async () => {
  const block = randomBytes(1 << 20);
  const total = 200;
  async function* source() {
    for (let i = 0; i < total; i++) {
      block[0] = i; // every MB differs, so a mix-up of chunks would show in the hash
      yield Buffer.from(block);
    }
  }
  const want = createHash('sha256');
  for (let i = 0; i < total; i++) {
    block[0] = i;
    want.update(block);
  }
  const dest = join(dir, 'big.out');
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    await decryptToFile(encryptStream(source(), pair.publicArmored), pair.privateArmored, dest);
  } finally {
    clearInterval(sampler);
  }
  const grewMB = (peak - before) / 2 ** 20;
  process.stderr.write(`# 200 MB round trip: RSS grew ${grewMB.toFixed(0)} MB (peak ${(peak / 2 ** 20).toFixed(0)} MB)\n`);
  // Buffering the plaintext would take 200 MB or more (openpgp's default: about 3x the file).
  assert.ok(grewMB < 120, `RSS grew by ${grewMB.toFixed(0)} MB`);
  const got = createHash('sha256');
  for await (const c of createReadStream(dest)) got.update(c as Buffer);
  assert.equal(got.digest('hex'), want.digest('hex'));
  rmSync(dest);
});
