/**
 * Decryption's one-pass reader (seipd-open.ts): the messages gpg, openpgp and Pipewright write take it — definite
 * and partial lengths, old- and new-format headers, ZIP and ZLIB compression — and every other message goes back to
 * openpgp whole, replayed from its first byte, with the same plaintext. On the one-pass reader, every kind of damage
 * is the integrity error and leaves nothing behind, as gpg agrees.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decryptSessionKeys, readMessage, readPrivateKey, type PrivateKey } from 'openpgp';
import { gpgHome, type GpgHome } from '../helpers/gpg';
import { generateStripeKeyPair, type StripeKeyPair } from '../../server/src/node/pgp/keys';
import { openMessage, type OpenedKey } from '../../server/src/node/pgp/seipd-open';
import { decryptToFile, encryptStream, PgpDecryptError } from '../../server/src/node/pgp/stream';

const ACCOUNT = 'acct_1SeipdOpen000001';
let pair: StripeKeyPair;
let key: PrivateKey;
let home: GpgHome;
let dir: string;
const plain = randomBytes(2 * 1024 * 1024 + 777);
const compressible = Buffer.concat([Buffer.from('id,amount,currency\n'), Buffer.alloc(3 * 1024 * 1024, 'ch_1,100,usd\n'), plain.subarray(0, 100_000)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const files: Record<string, Buffer> = {};

async function ours(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of encryptStream(Readable.from([plain]), pair.publicArmored)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Which reader takes `bytes` (in 64 KiB chunks), and what it gives. */
async function open(bytes: Buffer): Promise<{ kind: string; plaintext?: Buffer }> {
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += 65_536) yield bytes.subarray(i, i + 65_536);
  }
  const opened = await openMessage(chunks(), async (packets) => (await decryptSessionKeys({ message: await readMessage({ binaryMessage: packets }), decryptionKeys: key })) as OpenedKey[]);
  if (opened.kind !== 'fast') return { kind: opened.kind };
  const out: Buffer[] = [];
  for await (const c of opened.plaintext) out.push(c);
  return { kind: 'fast', plaintext: Buffer.concat(out) };
}

async function decrypted(bytes: Buffer): Promise<Buffer> {
  const dest = join(dir, 'out.bin');
  await decryptToFile(Readable.from([bytes]), pair.privateArmored, dest);
  return readFileSync(dest);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-seipd-open-'));
  home = gpgHome();
  pair = await generateStripeKeyPair(ACCOUNT);
  key = await readPrivateKey({ armoredKey: pair.privateArmored });
  home.importPrivate(pair.privateArmored);
  writeFileSync(join(dir, 'plain.bin'), plain);
  const gpg = (name: string, args: string[], input?: Buffer) => {
    const out = join(dir, name);
    const r = home.run(['--recipient', ACCOUNT, '--output', out, ...args, ...(input ? [] : [join(dir, 'plain.bin')])], input);
    assert.equal(r.code, 0, r.err);
    files[name] = readFileSync(out);
  };
  files.ours = await ours();
  gpg('gpg-z0-file', ['-z', '0', '--encrypt']);
  gpg('gpg-z0-stdin', ['-z', '0', '--encrypt'], plain);
  // Text first, so that gpg compresses (it leaves data that starts like a compressed format alone).
  gpg('gpg-zlib', ['--compress-algo', 'zlib', '--encrypt'], compressible);
  gpg('gpg-zip', ['--compress-algo', 'zip', '--encrypt'], compressible);
  gpg('gpg-bzip2', ['--compress-algo', 'bzip2', '--encrypt'], compressible);
  gpg('gpg-signed', ['-z', '0', '--local-user', ACCOUNT, '--sign', '--encrypt']);
  gpg('gpg-signed-zlib', ['--compress-algo', 'zlib', '--local-user', ACCOUNT, '--sign', '--encrypt'], compressible);
  for (const name of ['gpg-zlib', 'gpg-zip', 'gpg-bzip2', 'gpg-signed-zlib']) assert.match(home.run(['--list-packets', join(dir, name)]).out.toString(), /compressed packet: algo=[123]/, name);
});

after(() => {
  home?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('what gpg writes for a file and for a pipe (definite and partial lengths), ZIP and ZLIB compressed, and what we write, take the one-pass reader', async () => {
  assert.match(home.run(['--list-packets', join(dir, 'gpg-z0-stdin')]).out.toString(), /:encrypted data packet:\s*\n\s*length: unknown/);
  assert.match(home.run(['--list-packets', join(dir, 'gpg-z0-file')]).out.toString(), /:encrypted data packet:\s*\n\s*length: \d+/);
  for (const [name, want] of [['ours', plain], ['gpg-z0-file', plain], ['gpg-z0-stdin', plain], ['gpg-zlib', compressible], ['gpg-zip', compressible]] as const) {
    const r = await open(files[name]);
    assert.equal(r.kind, 'fast', name);
    assert.equal(sha(r.plaintext!), sha(want), name);
    assert.equal(sha(await decrypted(files[name])), sha(want), name);
  }
});

test('signed and BZip2-compressed messages go to openpgp, replayed whole: the same plaintext as gpg gives', async () => {
  for (const name of ['gpg-signed', 'gpg-signed-zlib', 'gpg-bzip2']) {
    assert.equal((await open(files[name])).kind, 'fallback', name);
    const peer = home.run(['--decrypt', join(dir, name)]);
    assert.equal(peer.code, 0, peer.err);
    assert.equal(sha(await decrypted(files[name])), sha(peer.out), name);
  }
});

test('damage anywhere in a one-pass message is the integrity error, gpg agrees, and nothing is written', async () => {
  const base = files['gpg-z0-file'];
  const flip = (at: number, from = base) => {
    const b = Buffer.from(from);
    b[at] ^= 0x40;
    return b;
  };
  const zlib = files['gpg-zlib'];
  const cases: Array<[string, Buffer, boolean]> = [
    ['a byte flipped in the data', flip(base.length >> 1), true],
    // Before the data: the literal packet's header (5 + 'b' + name length + "plain.bin" + date = 20 octets), before
    // that the random prefix (18).
    ['a byte flipped in the literal packet header', flip(base.length - 22 - plain.length - 3), true],
    ['a byte flipped in the random prefix', flip(base.length - 22 - plain.length - 20 - 5), true],
    ['a byte flipped in the MDC packet header', flip(base.length - 22), true],
    ['the last byte (of the SHA-1) flipped', flip(base.length - 1), true],
    ['one byte cut off', base.subarray(0, base.length - 1), true],
    ['the MDC cut off whole', base.subarray(0, base.length - 22), true],
    ['cut in the data', base.subarray(0, base.length - 100_000), true],
    ['a byte appended after the encrypted packet', Buffer.concat([base, Buffer.of(0)]), false],
    ['a byte flipped in compressed data', flip(zlib.length >> 1, zlib), true],
    ['the last byte of compressed data flipped', flip(zlib.length - 1, zlib), true],
    ['compressed data cut short', zlib.subarray(0, zlib.length - 1000), true],
  ];
  for (const [what, bytes, gpgToo] of cases) {
    const folder = join(dir, what.replace(/\W+/g, '-'));
    mkdirSync(folder);
    const input = join(folder, 'delivery.parquet.gpg');
    writeFileSync(input, bytes);
    if (gpgToo) assert.notEqual(home.run(['--decrypt', input]).code, 0, `${what}: gpg decrypted it`);
    const e = await decryptToFile(Readable.from([bytes]), pair.privateArmored, join(folder, 'delivery.parquet')).then(
      () => assert.fail(`${what}: decrypted`),
      (err: unknown) => err,
    );
    assert.ok(e instanceof PgpDecryptError, `${what}: ${String(e)}`);
    assert.equal(e.code, 'integrity', `${what}: ${e.message}`);
    assert.equal(existsSync(join(folder, 'delivery.parquet')), false, what);
    assert.deepEqual(readdirSync(folder), ['delivery.parquet.gpg'], what);
  }
});

test('a key packet announcing 1 MB is not buffered by the one-pass reader: openpgp gets the message, and refuses it', async () => {
  const header = Buffer.from([0xc1, 0xff, 0x00, 0x10, 0x00, 0x00]); // new-format tag 1, 5-octet length 1 MiB
  const bytes = Buffer.concat([header, randomBytes(1024 * 1024), files.ours.subarray(600)]);
  assert.equal((await open(bytes)).kind, 'fallback');
  const folder = join(dir, 'huge-key-packet');
  mkdirSync(folder);
  const e = await decryptToFile(Readable.from([bytes]), pair.privateArmored, join(folder, 'out.bin')).then(
    () => assert.fail('decrypted'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof PgpDecryptError, String(e));
  assert.deepEqual(readdirSync(folder), []);
});

test('a signed, compressed message replays whole to openpgp whatever the chunks, while the decompressor was reading ahead', async () => {
  const want = home.run(['--decrypt', join(dir, 'gpg-signed-zlib')]).out;
  const bytes = files['gpg-signed-zlib'];
  for (const size of [13, 100, 4096, 65_536, 1 << 20]) {
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    }
    const dest = join(dir, `signed-${size}.bin`);
    await decryptToFile(chunks(), pair.privateArmored, dest);
    assert.equal(sha(readFileSync(dest)), sha(want), `chunks of ${size}`);
  }
});

test('a message that inflates past maxBytes (a decompression bomb) stops with "too-large" and leaves nothing, on either reader', async () => {
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  for (const algo of ['zlib', 'bzip2']) {
    const file = join(dir, `bomb-${algo}.gpg`);
    const r = home.run(['--recipient', ACCOUNT, '--compress-algo', algo, '-z', '9', '--output', file, '--encrypt'], zeros);
    assert.equal(r.code, 0, r.err);
    const bytes = readFileSync(file);
    assert.ok(bytes.length < 1024 * 1024, `${algo}: ${bytes.length} bytes encrypted`);
    const folder = join(dir, `bomb-${algo}`);
    mkdirSync(folder);
    const e = await decryptToFile(Readable.from([bytes]), pair.privateArmored, join(folder, 'validation.csv'), { maxBytes: 8 * 1024 * 1024, source: 's3://acme/penny_test/x.csv.gpg' }).then(
      () => assert.fail(`${algo}: decrypted`),
      (err: unknown) => err,
    );
    assert.ok(e instanceof PgpDecryptError, String(e));
    assert.equal(e.code, 'too-large', e.message);
    assert.match(e.message, /^s3:\/\/acme\/penny_test\/x\.csv\.gpg decrypts to more than 8,388,608 bytes/);
    assert.deepEqual(readdirSync(folder), [], algo);
    // Without a limit the same file is only large, not wrong.
    const whole = await decryptToFile(Readable.from([bytes]), pair.privateArmored, join(folder, 'whole.bin'));
    assert.equal(whole.bytes, zeros.length, algo);
    rmSync(join(folder, 'whole.bin'));
  }
});
