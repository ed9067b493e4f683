/**
 * Who an OpenPGP message is encrypted for, from its first bytes only: a `.parquet.gpg` delivery starts with one
 * Public-Key Encrypted Session Key packet per recipient (RFC 4880 §5.1 / RFC 9580 §5.1), each naming the recipient
 * key's id, before the encrypted data. Reading them needs the first few hundred bytes, not the object — so the bucket
 * preview can say "encrypted for key id …" of a multi-GB file without the private key and without downloading it.
 *
 * openpgp's readMessage is not used here: it wants the whole message (or a stream it will read to the end).
 */

export interface PgpEnvelope {
  /** Recipient key ids, 16 uppercase hex digits as gpg prints them; `0000000000000000` is a hidden (wildcard) recipient. */
  keyIds: string[];
  /** v6 session-key packets name the recipient by fingerprint instead: 40 or 64 uppercase hex digits. */
  fingerprints: string[];
  /** Passphrase-encrypted session keys (gpg --symmetric): no private key opens those. */
  symmetric: number;
}

/** Bytes to read from the start of the object: room for a dozen RSA-4096 recipients. */
export const ENVELOPE_BYTES = 8 * 1024;

const TAG_PKESK = 1;
const TAG_SKESK = 3;
/** Tags after which no further session-key packet can come (encrypted or literal data, compressed data). */
const DATA_TAGS = new Set([8, 9, 11, 18, 20]);

/**
 * The recipients named at the start of a binary OpenPGP message, or an Error whose message says why `head` is not
 * one (an armored message, or not OpenPGP at all). `head` may stop anywhere: packets cut off at its end are ignored.
 */
export function readPgpEnvelope(head: Uint8Array): PgpEnvelope | Error {
  const text = new TextDecoder().decode(head.subarray(0, 64));
  if (text.startsWith('-----BEGIN PGP')) return new Error('an ASCII-armored message: Stripe delivers binary OpenPGP, and the preview reads binary messages only');
  const out: PgpEnvelope = { keyIds: [], fingerprints: [], symmetric: 0 };
  let at = 0;
  while (at < head.length) {
    const packet = packetAt(head, at);
    if (!packet) break;
    if (packet instanceof Error) return out.keyIds.length || out.fingerprints.length || out.symmetric ? out : packet;
    if (DATA_TAGS.has(packet.tag)) break;
    if (packet.end > head.length) break;
    const body = head.subarray(packet.bodyStart, packet.end);
    if (packet.tag === TAG_PKESK) {
      if (body[0] === 3 && body.length >= 9) out.keyIds.push(hex(body.subarray(1, 9)));
      else if (body[0] === 6 && body.length >= 2) {
        // v6: a length, then the key version and its fingerprint (length 0: anonymous recipient).
        const n = body[1];
        if (n === 0) out.keyIds.push('0000000000000000');
        else out.fingerprints.push(hex(body.subarray(3, 2 + n)));
      }
    } else if (packet.tag === TAG_SKESK) out.symmetric++;
    else if (!out.keyIds.length && !out.fingerprints.length && !out.symmetric) return new Error(`not an encrypted OpenPGP message (its first packet has tag ${packet.tag})`);
    at = packet.end;
  }
  if (!out.keyIds.length && !out.fingerprints.length && !out.symmetric) return new Error('not an encrypted OpenPGP message (no session-key packet at its start)');
  return out;
}

interface Packet {
  tag: number;
  bodyStart: number;
  /** Offset after the body (may be past `head`'s end when the packet is cut off). */
  end: number;
}

/** The packet header at `at`: undefined when cut off, an Error when the byte there cannot start a packet. */
function packetAt(b: Uint8Array, at: number): Packet | Error | undefined {
  const first = b[at];
  if ((first & 0x80) === 0) return new Error(`not an OpenPGP message (byte 0x${first.toString(16).padStart(2, '0')} at offset ${at} does not start a packet)`);
  if (first & 0x40) {
    // New format: the length in one, two or five octets; a partial length only starts data packets.
    const tag = first & 0x3f;
    const l = b[at + 1];
    if (l === undefined) return undefined;
    if (l < 192) return { tag, bodyStart: at + 2, end: at + 2 + l };
    if (l < 224) {
      if (at + 2 >= b.length) return undefined;
      return { tag, bodyStart: at + 3, end: at + 3 + ((l - 192) << 8) + b[at + 2] + 192 };
    }
    if (l === 255) {
      if (at + 5 >= b.length) return undefined;
      return { tag, bodyStart: at + 6, end: at + 6 + readU32(b, at + 2) };
    }
    return { tag, bodyStart: at + 2, end: Infinity };
  }
  // Old format: the tag in bits 5–2, the length's size in bits 1–0 (3: indeterminate, data packets only).
  const tag = (first >> 2) & 0x0f;
  const sizes = [1, 2, 4, 0];
  const n = sizes[first & 3];
  if (n === 0) return { tag, bodyStart: at + 1, end: Infinity };
  if (at + n >= b.length) return undefined;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[at + i];
  return { tag, bodyStart: at + 1 + n, end: at + 1 + n + len };
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
}
