/**
 * Decrypting the common message in one pass with Node's crypto, the reading side of seipd.ts: public-key encrypted
 * session key packets, then a SEIPD v1 packet (AES-CFB) holding a Literal Data packet — bare, or in a ZIP or ZLIB
 * Compressed Data packet — and the MDC. That is what Pipewright, openpgp and gpg write, with or without compression.
 *
 * openpgp still opens the session key (its key packets are handed to it whole). Everything else — a signed or BZip2
 * message, SEIPD v2 (AEAD), an old cipher, no key packet, framing this reader does not take — is handed back for
 * openpgp to decrypt: the input read so far is recorded until the first literal packet is known, so the caller
 * replays it whole. Once data flows, the plaintext streams out before the MDC at the very end is checked, exactly as
 * openpgp's `allowUnauthenticatedStream` does: the caller writes it to a temporary file and keeps it only if the
 * generator ends without an error.
 */
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { pipeline, Readable, type Transform } from 'node:stream';
import { createInflate, createInflateRaw } from 'node:zlib';
import { CfbDecipher } from './cfb';
import { ByteReader, FramingError, packetBody, readHeader, type PacketHeader } from './packets';
import { seipdCipher } from './seipd';

export interface OpenedKey {
  data: Uint8Array;
  algorithm: string | null;
}

/** A message that fails its integrity check or breaks off: modified or truncated after encryption. */
class IntegrityError extends Error {
  override name = 'IntegrityError';
}

export type Opened =
  /** The literal data's bytes, as they are decrypted; the generator throws at the end if the MDC does not match. */
  | { kind: 'fast'; plaintext: AsyncGenerator<Buffer> }
  /** Not a message this reader takes: the whole input again, for openpgp, and the session keys if already opened. */
  | { kind: 'fallback'; input: AsyncIterable<Buffer>; sessionKeys?: OpenedKey[] };

const PKESK = 1;
const SKESK = 3;
const SEIPD = 18;
const LITERAL = 11;
const COMPRESSED = 8;
const PADDING = 21;
const EMPTY = Buffer.alloc(0);
const MDC_TAG = Buffer.of(0xd3, 0x14);
const MAX_KEY_PACKET = 64 * 1024;
/** Plaintext is handed on in pieces of at least this much (but the last). */
const OUT_CHUNK = 256 * 1024;

class NotVersion1 extends Error {}

/**
 * `unlock` gets the key packets (bytes, whole) and returns their session keys — or undefined to have openpgp take
 * the whole message; its own errors (no key matches) go to the caller as they are.
 */
export async function openMessage(input: AsyncIterator<Buffer>, unlock: (keyPackets: Buffer) => Promise<OpenedKey[] | undefined>): Promise<Opened> {
  const raw = new ByteReader(input, true);
  let sessionKeys: OpenedKey[] | undefined;
  let inflater: Transform | undefined;
  const fallback = async (): Promise<Opened> => {
    inflater?.destroy();
    return { kind: 'fallback', input: await raw.replay(), sessionKeys };
  };

  const keyPackets: Buffer[] = [];
  let data: PacketHeader | undefined;
  try {
    for (;;) {
      const h = await readHeader(raw);
      if (!h) return fallback();
      if (h.tag !== PKESK && h.tag !== SKESK) {
        data = h;
        break;
      }
      // A key packet is a few hundred octets (2 KiB for RSA-16384): one announcing more is not read into memory here.
      if (h.partial || h.length === undefined || h.length > MAX_KEY_PACKET || !(await raw.need(h.length))) return fallback();
      keyPackets.push(h.bytes, raw.take(h.length));
    }
  } catch (e) {
    if (e instanceof FramingError) return fallback();
    throw e;
  }
  if (data.tag !== SEIPD || !keyPackets.length) return fallback();
  sessionKeys = await unlock(Buffer.concat(keyPackets));
  // Several candidate keys (openpgp tries each on the data) or a cipher seipd.ts does not take: openpgp's part.
  if (!sessionKeys || sessionKeys.length !== 1) return fallback();
  const cipher = sessionKeys[0].algorithm ? seipdCipher(sessionKeys[0].algorithm, sessionKeys[0].data) : undefined;
  if (!cipher) return fallback();

  const decipher = new CfbDecipher(cipher.ecb, sessionKeys[0].data, Buffer.alloc(cipher.block));
  const body = packetBody(raw, data);
  async function* plain(): AsyncGenerator<Buffer> {
    let first = true;
    // gpg writes parts of 8 KiB when it does not know the length: they are deciphered in runs of 256 KiB or more
    // (the first part alone, so the first packet is known early), not one by one.
    let run: Buffer[] = [];
    let size = 0;
    try {
      for await (let c of body) {
        if (first) {
          first = false;
          if (c[0] !== 1) throw new NotVersion1();
          c = c.subarray(1);
          if (c.length) yield decipher.update(c);
          continue;
        }
        run.push(c);
        size += c.length;
        if (size >= OUT_CHUNK) {
          yield decipher.update(run.length === 1 ? run[0] : Buffer.concat(run, size));
          run = [];
          size = 0;
        }
      }
    } catch (e) {
      throw e instanceof FramingError ? new IntegrityError(e.message) : e;
    }
    if (size) yield decipher.update(run.length === 1 ? run[0] : Buffer.concat(run, size));
    const rest = decipher.final();
    if (rest.length) yield rest;
  }

  // The plaintext is the random prefix, the packets, then the MDC packet (22 octets). The packets are read from a
  // reader that holds the last 22 octets back, so that a packet of indeterminate length (gpg writes its compressed
  // packet so) ends where the MDC begins; everything it gives is hashed.
  const mdc = createHash('sha1');
  const trailer = { bytes: EMPTY };
  const inner = new ByteReader(withoutTrailer(plain(), MDC_TAG.length + 20, mdc, trailer));
  let container = inner;
  let literal: PacketHeader | undefined;
  try {
    if (!(await inner.need(cipher.block + 2))) throw new IntegrityError('the encrypted data ends inside its random prefix');
    inner.take(cipher.block + 2);
    literal = await readHeader(inner);
    if (literal?.tag === COMPRESSED) {
      const compressed = new ByteReader(packetBody(inner, literal));
      if (!(await compressed.need(1))) throw new IntegrityError('the compressed data packet is empty');
      const algorithm = compressed.take(1)[0];
      // BZip2 (3) and unknown algorithms: openpgp's part.
      if (algorithm > 2) return fallback();
      if (algorithm !== 0) inflater = inflated(compressed.rest(), algorithm as 1 | 2);
      container = new ByteReader(inflater ?? compressed.rest());
      literal = await readHeader(container);
    }
  } catch (e) {
    if (e instanceof NotVersion1) return fallback();
    if (e instanceof FramingError || e instanceof IntegrityError) throw new IntegrityError(e.message);
    // zlib's own errors: the data was damaged before it was decrypted, or never was deflate.
    throw new IntegrityError(`the compressed data does not inflate (${(e as Error).message})`);
  }
  if (!literal) throw new IntegrityError('the encrypted data holds no packet');
  // A signed message (a one-pass signature packet first), or anything else: openpgp reads those.
  if (literal.tag !== LITERAL) return fallback();
  raw.stopRecording();
  return { kind: 'fast', plaintext: literalData(raw, inner, container, literal, mdc, trailer) };
}

/**
 * `src` less its last `n` octets, which are left in `trailer` at the end; every octet given is hashed. No chunk is
 * copied but the few octets held back.
 */
async function* withoutTrailer(src: AsyncIterable<Buffer>, n: number, hash: Hash, trailer: { bytes: Buffer }): AsyncGenerator<Buffer> {
  let held = EMPTY;
  const give = (b: Buffer) => {
    hash.update(b);
    return b;
  };
  for await (const c of src) {
    if (c.length >= n) {
      if (held.length) yield give(held);
      if (c.length > n) yield give(c.subarray(0, c.length - n));
      held = Buffer.from(c.subarray(c.length - n));
    } else {
      const joined = Buffer.concat([held, c]);
      if (joined.length > n) yield give(joined.subarray(0, joined.length - n));
      held = joined.subarray(Math.max(0, joined.length - n));
    }
  }
  trailer.bytes = held;
}

/** The inflated bytes of a ZIP (1, raw deflate) or ZLIB (2) compressed packet's data. */
function inflated(src: AsyncIterable<Buffer>, algorithm: 1 | 2): Transform {
  // Output in pieces of 256 KiB, not 16 KiB: each piece costs a turn through the readers and a write.
  const z = algorithm === 1 ? createInflateRaw({ chunkSize: 256 * 1024 }) : createInflate({ chunkSize: 256 * 1024 });
  // An error on either side ends the other: the reader of `z` gets it.
  pipeline(Readable.from(src, { objectMode: false }), z, () => undefined);
  return z;
}

async function* literalData(raw: ByteReader, inner: ByteReader, container: ByteReader, literal: PacketHeader, mdc: Hash, trailer: { bytes: Buffer }): AsyncGenerator<Buffer> {
  try {
    const l = new ByteReader(packetBody(container, literal));
    if (!(await l.need(2))) throw new IntegrityError('the literal data packet breaks off in its header');
    const nameLength = l.take(2)[1];
    if (!(await l.need(nameLength + 4))) throw new IntegrityError('the literal data packet breaks off in its header');
    l.take(nameLength + 4);
    // Small parts (gpg writes 8 KiB partial lengths inside compressed data) are joined before they are written.
    let parts: Buffer[] = [];
    let size = 0;
    for (let c = await l.takeSome(Infinity); c; c = await l.takeSome(Infinity)) {
      // A large piece goes on as it is (not copied to join a few octets held before it).
      if (c.length >= OUT_CHUNK) {
        if (size) yield Buffer.concat(parts, size);
        parts = [];
        size = 0;
        yield c;
        continue;
      }
      parts.push(c);
      size += c.length;
      if (size >= OUT_CHUNK) {
        yield Buffer.concat(parts, size);
        parts = [];
        size = 0;
      }
    }
    if (size) yield Buffer.concat(parts, size);
    // After the literal data, in its container and in the encrypted data: nothing but padding packets (RFC 9580).
    await onlyPadding(container);
    if (container !== inner) await onlyPadding(inner);
    // The MDC packet: its two header octets are hashed, its 20-octet SHA-1 is what the hash must equal.
    const t = trailer.bytes;
    if (t.length < MDC_TAG.length + 20) throw new IntegrityError('the modification detection code (MDC) is missing: the data was cut short');
    if (!t.subarray(0, 2).equals(MDC_TAG)) throw new IntegrityError('no modification detection code (MDC) at the end of the encrypted data');
    mdc.update(MDC_TAG);
    if (!timingSafeEqual(t.subarray(2), mdc.digest())) throw new IntegrityError('the modification detection code (MDC) does not match');
    if (!(await raw.atEnd())) throw new IntegrityError('data after the encrypted packet');
  } catch (e) {
    if (e instanceof IntegrityError) throw e;
    if (e instanceof FramingError) throw new IntegrityError(e.message);
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new IntegrityError(`the compressed data does not inflate (${(e as Error).message})`);
    throw e;
  }
}

async function onlyPadding(r: ByteReader): Promise<void> {
  for (let h = await readHeader(r); h; h = await readHeader(r)) {
    if (h.tag !== PADDING) throw new IntegrityError(`a packet (tag ${h.tag}) after the literal data`);
    for await (const _ of packetBody(r, h)) void _;
  }
}
