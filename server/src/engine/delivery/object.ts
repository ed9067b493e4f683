/**
 * The content preview of one delivered file: a `.parquet` object read by byte ranges straight from S3, or a
 * `.parquet.gpg` object — whose recipients are read from its first bytes, and whose rows are shown only when the
 * node side can decrypt it (a private key was given). Decryption is the caller's (`Decryptor`): it must hand back
 * the plaintext only after the message's integrity check has passed, and `close()` must delete it.
 */
import type { S3Access } from '../import/types';
import { ENVELOPE_BYTES, readPgpEnvelope, type PgpEnvelope } from './pgp-envelope';
import { findObject, previewParquet, s3RangeSource, type ObjectRef, type ParquetCell, type ParquetFileInfo, type ParquetPreviewOptions, type RangeSource } from './parquet';

export interface ParquetPreview {
  key: string;
  format: 'parquet';
  /** The object's size in S3 (encrypted size for `.parquet.gpg`). */
  size: number;
  lastModified: string;
  /** For a `.parquet.gpg` object: who it is encrypted for, and whether it was decrypted for this preview. */
  encryption?: PgpEncryptionInfo;
  /** The footer: schema, rows, row groups, compression. Absent when the object is encrypted and no key was given. */
  file?: ParquetFileInfo;
  /** Columns of `rows`. */
  shown: string[];
  /** The first rows; cells in `shown` order. */
  rows: ParquetCell[][];
  /** Whether the file has more rows than shown. */
  truncated: boolean;
  /** Bytes fetched from S3 for this preview: the footer and the first row group's chunks (all of a `.gpg`, which cannot be read in part). */
  bytesRead: number;
}

export interface PgpEncryptionInfo {
  type: 'pgp';
  /** Recipient key ids, 16 hex digits as gpg prints them (the encryption subkey's id). */
  keyIds: string[];
  /** v6 messages name recipients by fingerprint. */
  fingerprints?: string[];
  /** Whether the key ids include one of the pipeline's public key (`encryption.publicKey`); absent when it has none. */
  pipelineKey?: boolean;
  decrypted: boolean;
  /** For a person: `encrypted, key id …` and what to do. */
  message: string;
}

/** A decrypted copy of an encrypted object, readable by range; `close()` deletes it. */
export interface Decrypted {
  source: RangeSource;
  /** Bytes downloaded to decrypt it. */
  bytesRead: number;
  /** The first bytes of the encrypted object as downloaded (up to ENVELOPE_BYTES): its recipients, without a second request. */
  head: Uint8Array;
  close(): Promise<void>;
}

export type Decryptor = (object: ObjectRef, signal?: AbortSignal) => Promise<Decrypted>;

export interface ParquetObjectOptions extends ParquetPreviewOptions {
  /** Given when a private key is available. */
  decrypt?: Decryptor;
  /** The pipeline's public key: its key ids (16 hex digits, any case) and a name for messages (its file). */
  knownKey?: { ids: string[]; name: string };
  signal?: AbortSignal;
}

/** `parquet` for a `.parquet` key, `parquet.gpg` for an encrypted one, undefined for anything else. */
export function parquetKind(key: string): 'parquet' | 'parquet.gpg' | undefined {
  if (/\.parquet$/i.test(key)) return 'parquet';
  if (/\.parquet\.gpg$/i.test(key)) return 'parquet.gpg';
  return undefined;
}

export async function previewParquetObject(s3: S3Access, bucket: string, key: string, options: ParquetObjectOptions = {}): Promise<ParquetPreview> {
  const kind = parquetKind(key);
  if (!kind) throw new Error(`s3://${bucket}/${key}: not a .parquet or .parquet.gpg file`);
  const where = `s3://${bucket}/${key}`;
  const object = await findObject(s3, bucket, key, options.signal);
  const source = s3RangeSource(s3, bucket, object, options.signal);
  const base = { key, format: 'parquet' as const, size: object.size, lastModified: object.lastModified.toISOString() };
  if (kind === 'parquet') {
    const c = await previewParquet(source, where, options);
    return { ...base, file: c.file, shown: c.shown, rows: c.rows, truncated: c.truncated, bytesRead: source.bytesRead };
  }

  const envelopeOf = (head: Uint8Array) => {
    const envelope = readPgpEnvelope(head);
    if (envelope instanceof Error) throw new Error(`${where} is named .gpg but cannot be read as an encrypted delivery: ${envelope.message}.`);
    return encryptionInfo(envelope, options.knownKey);
  };
  if (!options.decrypt) {
    // Without a key, the first bytes say all there is to say: who it is for.
    const info = envelopeOf(await source.read(0, Math.min(ENVELOPE_BYTES, object.size)));
    return { ...base, encryption: { ...info, decrypted: false, message: `${info.message}: give its private key to preview the rows` }, shown: [], rows: [], truncated: false, bytesRead: source.bytesRead };
  }
  // An encrypted message cannot be read in part (its integrity check covers all of it): one download, decrypted whole.
  const decrypted = await options.decrypt(object, options.signal);
  try {
    const info = envelopeOf(decrypted.head);
    const c = await previewParquet(decrypted.source, `${where} (decrypted)`, options);
    return {
      ...base,
      encryption: { ...info, decrypted: true, message: `${info.message}; decrypted with the private key given, integrity check passed` },
      file: c.file,
      shown: c.shown,
      rows: c.rows,
      truncated: c.truncated,
      bytesRead: decrypted.bytesRead,
    };
  } finally {
    await decrypted.close();
  }
}

function encryptionInfo(e: PgpEnvelope, known: ParquetObjectOptions['knownKey']): Omit<PgpEncryptionInfo, 'decrypted'> {
  const ids = e.keyIds;
  const names: string[] = [];
  if (ids.length) names.push(`key id${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`);
  if (e.fingerprints.length) names.push(`fingerprint ${e.fingerprints.join(', ')}`);
  if (e.symmetric) names.push('a passphrase');
  let message = `encrypted, ${names.join(' and ')}`;
  if (ids.includes('0000000000000000')) message += ' (a hidden recipient: only trying a private key tells)';
  const info: Omit<PgpEncryptionInfo, 'decrypted'> = { type: 'pgp', keyIds: ids, message };
  if (e.fingerprints.length) info.fingerprints = e.fingerprints;
  if (known) {
    const mine = new Set(known.ids.map((x) => x.toUpperCase()));
    info.pipelineKey = ids.some((x) => mine.has(x)) || e.fingerprints.some((f) => mine.has(f.slice(-16)));
    info.message += info.pipelineKey ? ` (the pipeline's public key ${known.name})` : ` — not the pipeline's public key ${known.name} (key ids ${[...mine].join(', ')})`;
  }
  return info;
}
