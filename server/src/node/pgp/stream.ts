/**
 * Streaming PGP encryption and decryption of data files (Stripe Data Pipeline's `.gpg` deliveries), in bounded memory.
 *
 * openpgp 6 works on WHATWG streams; these functions take and give Node streams. Decryption streams its plaintext out
 * before the integrity check (MDC) at the very end of the message has run — openpgp only does that when told to
 * (`allowUnauthenticatedStream`), and otherwise holds the whole plaintext in memory (1.5 GB RSS for a 500 MB file).
 * So `decryptToFile` writes to a temporary file and only renames it into place once the check has passed: a tampered
 * or truncated file leaves nothing behind.
 *
 * The bulk of the work, the encrypted data packet, is done with Node's crypto in one pass (seipd.ts writes it,
 * seipd-open.ts reads it): openpgp's stream stages cost as much again as AES and SHA-1 themselves. openpgp keeps
 * everything that touches a key — reading keys, choosing the cipher, the session key packets — and every message of
 * another shape (signed, BZip2, AEAD), which it decrypts whole. The PGP bench in BENCHMARKS.md has the figures.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { createMessage, decrypt, decryptKey, decryptSessionKeys, encrypt, encryptSessionKey, enums, generateSessionKey, readKey, readMessage, readPrivateKey, type Message, type PrivateKey, type SessionKey } from 'openpgp';
import { reasonOf } from './keys';
import { seipdPacket, seipdSupports } from './seipd';
import { openMessage, type Opened, type OpenedKey } from './seipd-open';

export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export interface EncryptOptions {
  /** File name recorded inside the message (gpg shows it; it never decides where anything is written). Default: none. */
  filename?: string;
}

/**
 * The binary OpenPGP message (what gpg writes to `.gpg`) of `input`, encrypted to `publicArmored`. Streams: memory
 * stays bounded whatever the input size. Not compressed: Stripe's deliveries are Parquet, compressed already. A bad
 * key or an input error destroys the returned stream with that error.
 */
export function encryptStream(input: ByteSource, publicArmored: string, options: EncryptOptions = {}): Readable {
  const out = new PassThrough();
  (async () => {
    let key;
    try {
      key = await readKey({ armoredKey: publicArmored });
      await key.getEncryptionKey();
    } catch (e) {
      throw new Error(`The public key cannot be used to encrypt (${reasonOf(e)}). Check it with "pipewright pgp inspect <file.key>".`);
    }
    // openpgp picks the cipher from the key's preferences, as its own encrypt() does. An AES session key for a
    // SEIPD v1 packet (what every RSA key of gpg or openpgp asks for) is written by seipd.ts, faster; anything else
    // (an AEAD key asking for SEIPD v2, an older cipher) by openpgp.
    const sessionKey = await generateSessionKey({ encryptionKeys: key });
    if (sessionKey.aeadAlgorithm || !seipdSupports(sessionKey.algorithm)) {
      const message = await createMessage({ binary: toWebStream(bytesOf(input)), format: 'binary', filename: options.filename ?? '' });
      const encrypted = await encrypt({ message, encryptionKeys: key, sessionKey, format: 'binary', config: { preferredCompressionAlgorithm: enums.compression.uncompressed } });
      await pipeline(Readable.fromWeb(encrypted as NodeWebReadableStream<Uint8Array>), out);
      return;
    }
    const keyPackets = await encryptSessionKey({ ...sessionKey, encryptionKeys: key, format: 'binary' });
    const source = bytesOf(input);
    await pipeline(
      Readable.from(
        (async function* () {
          yield Buffer.from(keyPackets);
          yield* seipdPacket(source, { algorithm: sessionKey.algorithm, sessionKey: sessionKey.data, filename: options.filename });
        })(),
        { objectMode: false },
      ),
      out,
    );
  })().catch((e: unknown) => {
    if (!out.destroyed) out.destroy(e instanceof Error ? e : new Error(String(e)));
  });
  return out;
}

export type PgpDecryptErrorCode =
  /** None of the file's session keys opens with this private key: it was encrypted for another key (or its key packet is damaged). */
  | 'no-key-match'
  /** The data failed its integrity check or its structure broke off: modified or truncated after encryption. */
  | 'integrity'
  /** The input is not an OpenPGP message at all. */
  | 'not-pgp'
  /** The private key could not be read, or its passphrase is missing or wrong. */
  | 'private-key'
  /** Reading the input failed (a disk or network error): says nothing about the data. */
  | 'source'
  /** Writing the plaintext failed (disk full, permissions). */
  | 'write'
  /** The plaintext grew past `maxBytes` (a compressed message that inflates hugely: a damaged file or a bomb). */
  | 'too-large';

export class PgpDecryptError extends Error {
  constructor(
    readonly code: PgpDecryptErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PgpDecryptError';
  }
}

export interface DecryptOptions {
  /** For a private key protected by a passphrase. Never logged or put in a message. */
  passphrase?: string;
  /** What the input is (a file path, s3://bucket/key), named in error messages. Default: "the encrypted data". */
  source?: string;
  /**
   * The most plaintext to write. A compressed message can inflate a thousandfold; past this the decryption stops
   * with `too-large` and nothing is kept. Default: no limit (a delivery is as large as its table).
   */
  maxBytes?: number;
}

/**
 * Decrypts the binary OpenPGP message `input` with `privateArmored` into `destPath` (replaced if it exists; created
 * 0600, since it holds the plaintext). The plaintext goes to a temporary file beside `destPath` first, renamed into
 * place only after the whole message has been read and its integrity check passed. On any failure the temporary file
 * is deleted and a PgpDecryptError says why: `no-key-match` (encrypted for another key) is told apart from `integrity`
 * (tampered with or truncated).
 */
export async function decryptToFile(input: ByteSource, privateArmored: string, destPath: string, options: DecryptOptions = {}): Promise<{ bytes: number }> {
  const source = options.source ?? 'the encrypted data';
  const tmp = join(dirname(destPath), `.${basename(destPath)}.${randomBytes(6).toString('hex')}.partial`);
  // Errors of the input itself (a network or disk error) must not be reported as tampering: the wrapper notes them.
  const read = { error: undefined as unknown };
  try {
    const key = await loadPrivateKey(privateArmored, options.passphrase);
    // The common message (key packets, SEIPD v1 with AES, literal data) is decrypted in one pass by seipd-open.ts;
    // openpgp opens its session key, and decrypts whole any other message, replayed from its first byte.
    let opened: Opened;
    try {
      opened = await openMessage(bytesOf(input, read), async (packets) => {
        let message;
        try {
          message = await readMessage({ binaryMessage: packets });
        } catch {
          return undefined; // openpgp, reading the whole message, says what is wrong with it
        }
        return (await sessionKeysOf(message, key, source, read)) as OpenedKey[];
      });
    } catch (e) {
      if (read.error) throw sourceError(source, read.error);
      if (e instanceof PgpDecryptError) throw e;
      throw integrityError(source, destPath, e);
    }
    const decrypted = opened.kind === 'fast' ? Readable.from(opened.plaintext) : Readable.fromWeb((await openpgpPlaintext(opened.input, opened.sessionKeys, key, source, destPath, read)) as NodeWebReadableStream<Uint8Array>);
    const limit = { over: false };
    const plaintext = options.maxBytes === undefined ? decrypted : decrypted.compose(capped(options.maxBytes, limit));
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    const write = { error: undefined as unknown };
    out.on('error', (e) => (write.error = e));
    try {
      await pipeline(plaintext, out);
    } catch (e) {
      if (read.error) throw sourceError(source, read.error);
      if (limit.over) throw new PgpDecryptError('too-large', `${source} decrypts to more than ${options.maxBytes!.toLocaleString('en-US')} bytes, more than such a file holds: it is damaged or a decompression bomb. Nothing was written to ${destPath}.`);
      if (write.error) throw new PgpDecryptError('write', `Cannot write the plaintext beside ${destPath} (${reasonOf(write.error)}): check the folder exists, is writable and has room.`, { cause: write.error });
      throw integrityError(source, destPath, e);
    }
    // Durable before it is visible under its real name: a crash must not leave a short file at destPath.
    const fh = await open(tmp, 'r+');
    let bytes: number;
    try {
      await fh.sync();
      bytes = (await fh.stat()).size;
    } finally {
      await fh.close();
    }
    await rename(tmp, destPath);
    return { bytes };
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (isNodeReadable(input)) input.destroy();
    throw e;
  }
}

/** Passes bytes on until more than `max` have come, then fails (and says so in `limit`). */
function capped(max: number, limit: { over: boolean }) {
  let total = 0;
  return async function* (source: AsyncIterable<Uint8Array>) {
    for await (const c of source) {
      total += c.length;
      if (total > max) {
        limit.over = true;
        throw new Error(`more than ${max} bytes of plaintext`);
      }
      yield c;
    }
  };
}

/** openpgp's streaming decryption of a whole message (`sessionKeys` when seipd-open.ts has opened them already). */
async function openpgpPlaintext(input: AsyncIterable<Buffer>, sessionKeys: OpenedKey[] | undefined, key: PrivateKey, source: string, destPath: string, read: { error: unknown }) {
  let message;
  try {
    message = await readMessage({ binaryMessage: toWebStream(input) });
  } catch (e) {
    if (read.error) throw sourceError(source, read.error);
    throw new PgpDecryptError('not-pgp', `${source} is not a binary OpenPGP message (${reasonOf(e)}): decrypt the .gpg file as delivered, not an armored or already decrypted copy.`, { cause: e });
  }
  sessionKeys ??= (await sessionKeysOf(message, key, source, read)) as OpenedKey[];
  try {
    return (await decrypt({ message, sessionKeys: sessionKeys as SessionKey[], format: 'binary', config: { allowUnauthenticatedStream: true } })).data;
  } catch (e) {
    if (read.error) throw sourceError(source, read.error);
    throw integrityError(source, destPath, e);
  }
}

/** The message's session keys opened with `key`; a key the message is not for is named before openpgp tries. */
async function sessionKeysOf(message: Message<unknown>, key: PrivateKey, source: string, read: { error: unknown }) {
  // openpgp would say only "Session key decryption failed". gpg's --throw-keyids writes wildcard (all-zero) key ids,
  // which only trying can settle.
  const wanted = message.getEncryptionKeyIDs();
  const ours = key.getKeyIDs();
  if (wanted.length && !wanted.some((id) => ours.some((o) => o.equals(id, true)))) {
    throw noKeyMatch(source, `it is encrypted for key ${wanted.map((id) => id.toHex().toUpperCase()).join(', ')}, and this private key is ${key.getFingerprint().toUpperCase()}`);
  }
  // A step of its own, so that a failure says which: opening the session key (the key's part) or the data (integrity).
  try {
    return await decryptSessionKeys({ message: message as Message<Uint8Array>, decryptionKeys: key });
  } catch (e) {
    if (read.error) throw sourceError(source, read.error);
    throw noKeyMatch(source, reasonOf(e), e);
  }
}

async function loadPrivateKey(armored: string, passphrase: string | undefined): Promise<PrivateKey> {
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey: armored });
  } catch (e) {
    throw new PgpDecryptError('private-key', `The private key cannot be read (${reasonOf(e)}): give the armored private key block ("-----BEGIN PGP PRIVATE KEY BLOCK-----"), e.g. from gpg --armor --export-secret-keys <key id>.`, { cause: e });
  }
  if (key.isDecrypted()) return key;
  if (passphrase === undefined) {
    throw new PgpDecryptError('private-key', `The private key ${key.getFingerprint().toUpperCase()} is protected by a passphrase: give the passphrase.`);
  }
  try {
    return await decryptKey({ privateKey: key, passphrase });
  } catch (e) {
    // openpgp's message here is "Incorrect key passphrase" or similar: it never contains the passphrase, but say it in our words.
    throw new PgpDecryptError('private-key', `The passphrase does not unlock the private key ${key.getFingerprint().toUpperCase()}.`, { cause: e });
  }
}

function noKeyMatch(source: string, detail: string, cause?: unknown): PgpDecryptError {
  return new PgpDecryptError(
    'no-key-match',
    `No key matches: ${source} cannot be decrypted with this private key (${detail}). Use the private key whose public key was given to the sender (Stripe: the acct_….key you uploaded); if it is the right key, the file's key packet is damaged.`,
    { cause },
  );
}

function integrityError(source: string, destPath: string, cause: unknown): PgpDecryptError {
  return new PgpDecryptError(
    'integrity',
    `${source} failed its integrity check (${reasonOf(cause)}): it was modified or truncated after it was encrypted. Nothing was written to ${destPath}. Fetch it again; if it fails again, do not use it.`,
    { cause },
  );
}

function sourceError(source: string, cause: unknown): PgpDecryptError {
  return new PgpDecryptError('source', `Reading ${source} failed (${reasonOf(cause)}); nothing was written. Try again.`, { cause });
}

function isNodeReadable(x: unknown): x is Readable {
  return typeof (x as Readable)?.destroy === 'function' && typeof (x as Readable)?.pipe === 'function';
}

/**
 * The input's chunks as Buffers, whether it is a Node stream or any async iterable; an error of the input itself is
 * noted in `read` (so that it is not reported as tampering).
 */
async function* bytesOf(input: ByteSource, read?: { error: unknown }): AsyncGenerator<Buffer> {
  const iterable = input as AsyncIterable<Uint8Array | string>;
  if (typeof iterable?.[Symbol.asyncIterator] !== 'function') throw new TypeError('The input must be a Node readable stream or an async iterable of bytes.');
  const it = iterable[Symbol.asyncIterator]();
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array | string>;
      try {
        r = await it.next();
      } catch (e) {
        if (read) read.error = e;
        throw e;
      }
      if (r.done) return;
      if (typeof r.value === 'string') throw new TypeError('The input gives text, not bytes: do not set an encoding on the stream.');
      if (r.value.byteLength) yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
  } finally {
    await it.return?.();
  }
}

/**
 * A WHATWG byte stream over chunks of bytes, pulled one chunk at a time so that openpgp's pace reaches the source:
 * memory stays bounded however fast the source is.
 */
function toWebStream(input: AsyncIterable<Buffer>): ReadableStream<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = await it.next();
        if (r.done) return controller.close();
        // A plain Uint8Array view of a Buffer: openpgp expects Uint8Array semantics (Buffer#slice does not copy).
        controller.enqueue(new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength));
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}
