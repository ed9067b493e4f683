/**
 * Decrypting the common message in one pass with Node's crypto, the reading side of seipd.ts: public-key encrypted
 * session key packets, then a SEIPD v1 packet (AES-CFB) holding one Literal Data packet and the MDC. That is what
 * Pipewright, openpgp and gpg write for incompressible data such as Parquet.
 *
 * openpgp still opens the session key (its key packets are handed to it whole). Everything else — a compressed or
 * signed message, SEIPD v2 (AEAD), an old cipher, no key packet, framing this reader does not take — is handed back
 * for openpgp to decrypt: the input read so far is recorded until the first plaintext packet is known, so the caller
 * replays it whole. Once data flows, the plaintext streams out before the MDC at the very end is checked, exactly as
 * openpgp's `allowUnauthenticatedStream` does: the caller writes it to a temporary file and keeps it only if the
 * generator ends without an error.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CfbDecipher } from './cfb';
import { ByteReader, FramingError, packetBody, readHeader, type PacketHeader } from './packets';
import { seipdCipher } from './seipd';

export interface OpenedKey {
  data: Uint8Array;
  algorithm: string | null;
}

/** A message that fails its integrity check or breaks off: modified or truncated after encryption. */
export class IntegrityError extends Error {
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
const MDC_TAG = Buffer.of(0xd3, 0x14);
const MAX_KEY_PACKET = 64 * 1024;

class NotVersion1 extends Error {}

/**
 * `unlock` gets the key packets (bytes, whole) and returns their session keys — or undefined to have openpgp take
 * the whole message; its own errors (no key matches) go to the caller as they are.
 */
export async function openMessage(input: AsyncIterator<Buffer>, unlock: (keyPackets: Buffer) => Promise<OpenedKey[] | undefined>): Promise<Opened> {
  const raw = new ByteReader(input, true);
  let sessionKeys: OpenedKey[] | undefined;
  const fallback = (): Opened => ({ kind: 'fallback', input: raw.replay(), sessionKeys });

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
    try {
      for await (let c of body) {
        if (first) {
          first = false;
          if (c[0] !== 1) throw new NotVersion1();
          c = c.subarray(1);
        }
        if (c.length) yield decipher.update(c);
      }
    } catch (e) {
      throw e instanceof FramingError ? new IntegrityError(e.message) : e;
    }
    const rest = decipher.final();
    if (rest.length) yield rest;
  }

  const p = new ByteReader(plain());
  const mdc = createHash('sha1');
  p.onTake = (b) => mdc.update(b);
  let literal: PacketHeader | undefined;
  try {
    if (!(await p.need(cipher.block + 2))) throw new IntegrityError('the encrypted data ends inside its random prefix');
    p.take(cipher.block + 2);
    literal = await readHeader(p);
  } catch (e) {
    if (e instanceof NotVersion1) return fallback();
    if (e instanceof FramingError) throw new IntegrityError(e.message);
    throw e;
  }
  if (!literal) throw new IntegrityError('the encrypted data holds no packet');
  // Compressed data (tag 8), a signed message (tag 4 first), an indeterminate length: openpgp reads those.
  if (literal.tag !== LITERAL || literal.length === undefined) return fallback();
  raw.stopRecording();
  return { kind: 'fast', plaintext: literalData(raw, p, literal, () => mdc.digest()) };
}

async function* literalData(raw: ByteReader, p: ByteReader, literal: PacketHeader, digest: () => Buffer): AsyncGenerator<Buffer> {
  try {
    const l = new ByteReader(packetBody(p, literal));
    if (!(await l.need(2))) throw new IntegrityError('the literal data packet breaks off in its header');
    const nameLength = l.take(2)[1];
    if (!(await l.need(nameLength + 4))) throw new IntegrityError('the literal data packet breaks off in its header');
    l.take(nameLength + 4);
    for (let c = await l.takeSome(Infinity); c; c = await l.takeSome(Infinity)) yield c;
    // The MDC packet: its two header octets are hashed, its 20-octet SHA-1 is what the hash must equal.
    if (!(await p.need(MDC_TAG.length + 20))) throw new IntegrityError('the modification detection code (MDC) is missing: the data was cut short');
    if (!p.take(MDC_TAG.length).equals(MDC_TAG)) throw new IntegrityError('no modification detection code (MDC) after the literal data');
    p.onTake = undefined;
    const want = digest();
    if (!timingSafeEqual(p.take(20), want)) throw new IntegrityError('the modification detection code (MDC) does not match');
    if (!(await p.atEnd())) throw new IntegrityError('data after the modification detection code (MDC)');
    if (!(await raw.atEnd())) throw new IntegrityError('data after the encrypted packet');
  } catch (e) {
    throw e instanceof FramingError ? new IntegrityError(e.message) : e;
  }
}
