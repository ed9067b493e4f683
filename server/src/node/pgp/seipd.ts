/**
 * The data part of an encrypted OpenPGP message, written with Node's own crypto: a Symmetrically Encrypted Integrity
 * Protected Data packet, version 1 (RFC 4880 §5.13, RFC 9580 §5.13.1), around one Literal Data packet (§5.9).
 *
 * Why not openpgp's `encrypt` for this part: it runs the data through several WHATWG stream stages (a tee for the
 * hash, concatenations, the cipher), and on 500 MB that plumbing costs as much as AES and SHA-1 themselves. Here one
 * pass per chunk feeds SHA-1 (the MDC) and AES-CFB and frames the result. openpgp still does everything that touches
 * the recipient's key: it picks the cipher from the key's preferences, makes the session key and writes the
 * public-key-encrypted session key packets (stream.ts).
 *
 * Layout of what is written:
 *   0xD2 (new-format tag 18), partial body lengths, body = 0x01 (version) || AES-CFB(zero IV) of
 *     prefix (block-size random octets, then its last two repeated)
 *     0xCB (tag 11) partial lengths, body = 'b' || filename length || filename || date (4 octets) || data
 *     0xD3 0x14 || SHA-1(everything above in this list, 0xD3 0x14 included)   — the MDC packet
 * Both packets of unknown length use partial body lengths of 1 MiB each (a power of two, the first ≥ 512 octets as
 * the RFC requires); the last part carries a definite length of 1 octet to 1 MiB, so no zero-length part is written.
 */
import { createCipheriv, createHash, randomBytes, type Cipher, type Hash } from 'node:crypto';

/** AES key sizes by openpgp's symmetric algorithm names (the only ciphers this writer takes). */
const AES_CFB: Record<string, { cipher: string; ecb: string; keyBytes: number }> = {
  aes128: { cipher: 'aes-128-cfb', ecb: 'aes-128-ecb', keyBytes: 16 },
  aes192: { cipher: 'aes-192-cfb', ecb: 'aes-192-ecb', keyBytes: 24 },
  aes256: { cipher: 'aes-256-cfb', ecb: 'aes-256-ecb', keyBytes: 32 },
};
const AES_BLOCK = 16;
/** 2^20 octets a part: one octet of length (224 + 20) per MiB. */
const PART_POWER = 20;
const PART = 1 << PART_POWER;

export function seipdSupports(algorithm: string): boolean {
  return Object.hasOwn(AES_CFB, algorithm);
}

/** Node's names of the cipher for an openpgp session key (CFB, and ECB for cfb.ts), or undefined for one this module does not take. */
export function seipdCipher(algorithm: string, sessionKey: Uint8Array): { name: string; ecb: string; block: number } | undefined {
  const spec = Object.hasOwn(AES_CFB, algorithm) ? AES_CFB[algorithm] : undefined;
  return spec && spec.keyBytes === sessionKey.length ? { name: spec.cipher, ecb: spec.ecb, block: AES_BLOCK } : undefined;
}

/** A packet's new-format length octets for a definite length (RFC 4880 §4.2.2.1–3). */
export function definiteLength(n: number): Buffer {
  if (n < 192) return Buffer.of(n);
  if (n < 8384) return Buffer.of(((n - 192) >> 8) + 192, (n - 192) & 0xff);
  const b = Buffer.alloc(5);
  b[0] = 0xff;
  b.writeUInt32BE(n, 1);
  return b;
}

/**
 * Frames a packet body of unknown length as it arrives: the tag octet at once, then a 1 MiB part whenever more than
 * 1 MiB is waiting (holding back at least one octet for the final part), then the rest with a definite length.
 */
class PacketFramer {
  private waiting: Buffer[] = [];
  private size = 0;

  constructor(
    tag: number,
    private readonly emit: (b: Buffer) => void,
  ) {
    emit(Buffer.of(0xc0 | tag));
  }

  write(b: Buffer): void {
    if (!b.length) return;
    this.waiting.push(b);
    this.size += b.length;
    while (this.size > PART) {
      this.emit(Buffer.of(224 + PART_POWER));
      this.take(PART);
    }
  }

  end(): void {
    this.emit(definiteLength(this.size));
    this.take(this.size);
  }

  /** Emits the first `n` waiting octets as they lie (no copy), splitting a buffer at the boundary. */
  private take(n: number): void {
    while (n > 0) {
      const head = this.waiting[0];
      if (head.length <= n) {
        this.waiting.shift();
        this.emit(head);
        n -= head.length;
        this.size -= head.length;
      } else {
        this.emit(head.subarray(0, n));
        this.waiting[0] = head.subarray(n);
        this.size -= n;
        n = 0;
      }
    }
  }
}

export interface SeipdOptions {
  /** openpgp's name of the session key's cipher: aes128, aes192 or aes256. */
  algorithm: string;
  sessionKey: Uint8Array;
  /** File name recorded in the literal packet (at most 255 octets of UTF-8). */
  filename?: string;
  /** The literal packet's date (default: now). */
  date?: Date;
}

/**
 * The encrypted data packet of `input`, yielded as it is produced: one or a few buffers per input chunk, so memory
 * stays near 2 MiB whatever the input size.
 */
export async function* seipdPacket(input: AsyncIterable<Uint8Array>, o: SeipdOptions): AsyncGenerator<Buffer> {
  const spec = Object.hasOwn(AES_CFB, o.algorithm) ? AES_CFB[o.algorithm] : undefined;
  if (!spec) throw new Error(`the SEIPD writer takes AES only, not ${o.algorithm}`);
  if (o.sessionKey.length !== spec.keyBytes) throw new Error(`a ${o.algorithm} session key has ${spec.keyBytes} octets, not ${o.sessionKey.length}`);
  const filename = Buffer.from(o.filename ?? '', 'utf8');
  if (filename.length > 255) throw new Error(`the file name recorded in the message may have 255 octets at most; "${o.filename}" has ${filename.length}`);

  let out: Buffer[] = [];
  const outer = new PacketFramer(18, (b) => out.push(b));
  // The cipher runs in plain CFB from a zero IV over the prefix and everything after it (no resync in SEIPD).
  const cipher: Cipher = createCipheriv(spec.cipher, o.sessionKey, Buffer.alloc(AES_BLOCK));
  const mdc: Hash = createHash('sha1');
  const seal = (plain: Buffer) => {
    mdc.update(plain);
    outer.write(cipher.update(plain));
  };

  outer.write(Buffer.of(1));
  const prefix = randomBytes(AES_BLOCK + 2);
  prefix[AES_BLOCK] = prefix[AES_BLOCK - 2];
  prefix[AES_BLOCK + 1] = prefix[AES_BLOCK - 1];
  seal(prefix);
  // Made after the prefix is sealed: its constructor emits the literal packet's tag octet.
  const inner = new PacketFramer(11, seal);
  const header = Buffer.alloc(2 + filename.length + 4);
  header[0] = 0x62; // 'b': binary data
  header[1] = filename.length;
  filename.copy(header, 2);
  header.writeUInt32BE(Math.floor((o.date ?? new Date()).getTime() / 1000) >>> 0, 2 + filename.length);
  inner.write(header);

  const flush = () => {
    const chunk = out.length === 1 ? out[0] : Buffer.concat(out);
    out = [];
    return chunk;
  };
  for await (const chunk of input) {
    inner.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (out.length) yield flush();
  }
  inner.end();
  const tag = Buffer.of(0xd3, 0x14);
  mdc.update(tag);
  outer.write(cipher.update(Buffer.concat([tag, mdc.digest()])));
  outer.write(cipher.final());
  outer.end();
  yield flush();
}
