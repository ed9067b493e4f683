/**
 * The encrypted data packet written by seipd.ts (encryptStream's fast path): gpg and openpgp read it back byte for
 * byte at every size where its framing changes — length octets of 1, 2 and 5, the first 1 MiB part, the part
 * boundaries shifted by the literal packet's header — from chunks of any shape; the file name is recorded; and when
 * openpgp asks for an AEAD packet, openpgp writes it instead.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { config as openpgpConfig, decryptSessionKeys, generateKey, readMessage, readPrivateKey } from 'openpgp';
import { gpgHome, type GpgHome } from '../helpers/gpg';
import { generateStripeKeyPair, type StripeKeyPair } from '../../server/src/node/pgp/keys';
import { definiteLength } from '../../server/src/node/pgp/seipd';
import { decryptToFile, encryptStream } from '../../server/src/node/pgp/stream';

const ACCOUNT = 'acct_1SeipdFraming0001';
const MiB = 1 << 20;
/** The literal packet's header before the data: 'b', a name length of 0, 4 octets of date. */
const LITERAL_HEADER = 6;
let pair: StripeKeyPair;
let dir: string;
let home: GpgHome;

const gpg = (args: string[]) => home.run(args);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function encrypt(plain: Buffer, chunk: (i: number) => number, filename?: string): Promise<Buffer> {
  async function* pieces() {
    for (let at = 0, i = 0; at < plain.length; i++) {
      const n = Math.max(1, chunk(i));
      yield plain.subarray(at, at + n);
      at += n;
    }
  }
  const parts: Buffer[] = [];
  for await (const c of encryptStream(pieces(), pair.publicArmored, { filename })) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-seipd-'));
  home = gpgHome();
  pair = await generateStripeKeyPair(ACCOUNT);
  home.importPrivate(pair.privateArmored);
});

after(() => {
  home?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('definite lengths take 1, 2 or 5 octets, as RFC 4880 §4.2.2 encodes them', () => {
  assert.deepEqual([...definiteLength(0)], [0]);
  assert.deepEqual([...definiteLength(191)], [191]);
  assert.deepEqual([...definiteLength(192)], [0xc0, 0x00]);
  assert.deepEqual([...definiteLength(8383)], [0xdf, 0xff]);
  assert.deepEqual([...definiteLength(8384)], [0xff, 0x00, 0x00, 0x20, 0xc0]);
  assert.deepEqual([...definiteLength(MiB)], [0xff, 0x00, 0x10, 0x00, 0x00]);
});

// Sizes of the data where the framing changes: the literal packet's body is the data plus its 6-octet header, and
// the encrypted packet's body adds a version octet, the 18-octet prefix and the 22-octet MDC packet.
const SIZES = [0, 1, 185, 186, 191, 192, 511, 512, 8377, 8378, 8384, MiB - LITERAL_HEADER - 1, MiB - LITERAL_HEADER, MiB - LITERAL_HEADER + 1, MiB, MiB - 41, MiB - 40, 2 * MiB - LITERAL_HEADER, 2 * MiB + 1, 3 * MiB + 4099];

test('every framing size: gpg --decrypt and decryptToFile give back the same bytes', async () => {
  const rng = randomBytes(SIZES.length * 4);
  for (const [k, size] of SIZES.entries()) {
    const plain = randomBytes(size);
    // Chunks of 1 octet, of 64 KiB, and of a random size per chunk: the framing must not depend on them.
    const shapes: Array<[string, (i: number) => number]> = [
      ['64 KiB', () => 65_536],
      ['random', (i) => 1 + ((rng.readUInt32BE(k * 4) + i * 7919) % 300_000)],
      ...(size <= 8384 ? [['1 octet', () => 1] as [string, (i: number) => number]] : []),
    ];
    for (const [shape, chunk] of shapes) {
      const what = `${size} octets in chunks of ${shape}`;
      const file = join(dir, `m-${size}-${shape.replace(/ /g, '')}.gpg`);
      writeFileSync(file, await encrypt(plain, chunk));
      const r = gpg(['--decrypt', file]);
      assert.equal(r.code, 0, `${what}: ${r.err}`);
      assert.equal(sha(r.out), sha(plain), `${what}: gpg's plaintext`);
      assert.doesNotMatch(r.err, /WARNING|invalid packet|pending bytes/, `${what}: ${r.err}`);
      const out = join(dir, 'back.bin');
      const d = await decryptToFile(Readable.from([readFileSync(file)]), pair.privateArmored, out);
      assert.equal(d.bytes, size, what);
      assert.equal(sha(readFileSync(out)), sha(plain), `${what}: openpgp's plaintext`);
      rmSync(file);
    }
  }
});

test('the file name goes into the literal packet; one over 255 octets is refused, not cut', async () => {
  const file = join(dir, 'named.gpg');
  writeFileSync(file, await encrypt(Buffer.from('id,amount\nch_1,100\n'), () => 1000, 'part-00000.parquet'));
  assert.match(gpg(['--list-packets', file]).out.toString(), /:literal data packet:\s*\n\s*mode b \(62\), created \d+, name="part-00000.parquet"/);
  await assert.rejects(encrypt(Buffer.from('x'), () => 1, 'é'.repeat(128)), /file name recorded in the message may have 255 octets at most/);
});

test('each message has its own session key and prefix: the same plaintext never encrypts to the same bytes', async () => {
  const plain = randomBytes(5000);
  const a = await encrypt(plain, () => 5000);
  const b = await encrypt(plain, () => 5000);
  assert.equal(a.length, b.length);
  assert.notEqual(sha(a), sha(b));
});

test('the random prefix repeats its last two octets (RFC 4880 §5.13), for readers that still make the quick check', async () => {
  const bytes = await encrypt(randomBytes(5000), () => 700);
  const [{ data: key, algorithm }] = await decryptSessionKeys({ message: await readMessage({ binaryMessage: bytes }), decryptionKeys: await readPrivateKey({ armoredKey: pair.privateArmored }) });
  assert.equal(algorithm, 'aes256');
  // Skip the key packet (new-format header, definite length), then the data packet's tag, length and version octets.
  const header = (at: number): { tag: number; body: number; length: number } => {
    const o = bytes[at + 1];
    if (o < 192) return { tag: bytes[at] & 0x3f, body: at + 2, length: o };
    if (o < 224) return { tag: bytes[at] & 0x3f, body: at + 3, length: ((o - 192) << 8) + bytes[at + 2] + 192 };
    assert.equal(o, 255, 'no partial length on a 5000-octet message');
    return { tag: bytes[at] & 0x3f, body: at + 6, length: bytes.readUInt32BE(at + 2) };
  };
  const pkesk = header(0);
  assert.equal(pkesk.tag, 1);
  const seipd = header(pkesk.body + pkesk.length);
  assert.equal(seipd.tag, 18);
  assert.equal(seipd.body + seipd.length, bytes.length, 'the data packet ends the message');
  assert.equal(bytes[seipd.body], 1, 'version 1');
  const prefix = createDecipheriv('aes-256-cfb', key, Buffer.alloc(16)).update(bytes.subarray(seipd.body + 1, seipd.body + 19));
  assert.deepEqual([...prefix.subarray(16)], [...prefix.subarray(14, 16)]);
});

test('when openpgp picks an AEAD packet (SEIPD v2), openpgp writes it and decryptToFile reads it', async () => {
  // A key that announces SEIPD v2 support, and openpgp told to use it: its choice, not ours, decides the packet.
  const aead = await generateKey({ type: 'curve25519', userIDs: [{ name: 'acct_1SeipdAead0001' }], config: { aeadProtect: true }, format: 'armored' });
  const plain = randomBytes(MiB + 333);
  const parts: Buffer[] = [];
  openpgpConfig.aeadProtect = true;
  try {
    for await (const c of encryptStream(Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]), aead.publicKey)) parts.push(c as Buffer);
  } finally {
    openpgpConfig.aeadProtect = false;
  }
  const bytes = Buffer.concat(parts);
  const message = await readMessage({ binaryMessage: bytes });
  const data = message.packets.filterByTag(18)[0] as unknown as { version: number };
  assert.equal(data.version, 2);
  const out = join(dir, 'aead.bin');
  await decryptToFile(Readable.from([bytes]), aead.privateKey, out);
  assert.equal(sha(readFileSync(out)), sha(plain));
  // The same option with the Stripe key (RSA, no SEIPD v2 feature) still gives a version 1 packet, which gpg reads.
  openpgpConfig.aeadProtect = true;
  let v1: Buffer;
  try {
    v1 = await encrypt(plain, () => 100_000);
  } finally {
    openpgpConfig.aeadProtect = false;
  }
  assert.equal(((await readMessage({ binaryMessage: v1 })).packets.filterByTag(18)[0] as unknown as { version: number }).version, 1);
  const file = join(dir, 'v1.gpg');
  writeFileSync(file, v1);
  assert.equal(sha(gpg(['--decrypt', file]).out), sha(plain));
});
