/**
 * Reading a stripe-export pipeline's deliveries, as the CLI (`pipewright preview`) and the language server both do:
 * the bucket grouped by run, and the content of one file. The engine does the reading (engine/delivery/); this file
 * connects it to S3 with the pipeline's settings and supplies what needs Node: decryption of `.parquet.gpg` files
 * through a temporary file, and the key ids of the pipeline's public key.
 *
 * Decryption goes through decryptToFile (node/pgp/stream.ts), which makes the plaintext visible only once the whole
 * message has passed its integrity check: a tampered file yields an error and no rows. The plaintext lives in a
 * private temporary folder for the time of the preview and is deleted afterwards, whatever happens.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CancellationToken } from '../../engine/lint';
import { previewParquetObject, parquetKind, type Decryptor, type ParquetPreview } from '../../engine/delivery/object';
import type { RangeSource } from '../../engine/delivery/parquet';
import { ENVELOPE_BYTES } from '../../engine/delivery/pgp-envelope';
import { previewDeliveries, type DeliveryPage, type DeliveryTotals } from '../../engine/delivery/runs';
import { previewObject, type ContentPreview } from '../../engine/import/preview';
import { formatOfKey } from '../../engine/import/parse';
import type { S3Access } from '../../engine/import/types';
import { s3Access } from '../aws/s3';
import { exportClient, type ConnectOptions } from './jobs';
import type { ExportPipeline } from './pipeline';

export interface DeliveryObjectOptions extends ConnectOptions {
  key: string;
  /** The armored private key, for a `.parquet.gpg` file. Read, never logged or written anywhere. */
  privateArmored?: string;
  passphrase?: string;
  maxRows?: number;
  columns?: string[];
  signal?: AbortSignal;
  /** Where the decrypted copy is kept while it is read (default: the system's temporary folder). */
  tempDir?: string;
}

export type DeliveryObjectPreview = ParquetPreview | ContentPreview;

/** The content of one object of the pipeline's bucket: Parquet (decrypted when a key is given), or a CSV/JSON file such as the penny test. */
export async function previewDeliveryObject(p: ExportPipeline, o: DeliveryObjectOptions): Promise<DeliveryObjectPreview> {
  const client = exportClient(p, o);
  try {
    const s3 = s3Access(client);
    const kind = parquetKind(o.key);
    if (kind) {
      return await previewParquetObject(s3, p.bucket, o.key, {
        maxRows: o.maxRows,
        columns: o.columns,
        signal: o.signal,
        knownKey: p.pgpPublicKey ? { ids: await keyIdsOf(p.pgpPublicKey.armored), name: p.pgpPublicKey.path } : undefined,
        decrypt: kind === 'parquet.gpg' && o.privateArmored ? fileDecryptor(s3, p.bucket, o.privateArmored, { passphrase: o.passphrase, tempDir: o.tempDir }) : undefined,
      });
    }
    if (o.key.endsWith('.gpg')) throw new Error(`s3://${p.bucket}/${o.key} is encrypted and not Parquet: for the penny-test file, "pipewright penny verify --private-key FILE" decrypts and checks it`);
    if (formatOfKey(o.key)) return await previewObject(s3, p.bucket, o.key, undefined, { maxRows: o.maxRows, signal: o.signal });
    throw new Error(`s3://${p.bucket}/${o.key}: not a file the preview reads (.parquet, .parquet.gpg, CSV, TSV, JSON or JSON Lines)${o.key.endsWith('_SUCCESS') ? '; _SUCCESS is the marker a run writes last' : ''}`);
  } finally {
    client.destroy();
  }
}

/** The bucket grouped by run directory, page by page; see engine/delivery/runs.ts. */
export async function previewDeliveryBucket(p: ExportPipeline, o: ConnectOptions & { prefix?: string }, onPage: (page: DeliveryPage) => void, token?: CancellationToken): Promise<DeliveryTotals> {
  const client = exportClient(p, o);
  try {
    return await previewDeliveries(s3Access(client), p.bucket, { prefix: p.prefix, from: o.prefix, account: p.account }, onPage, token);
  } finally {
    client.destroy();
  }
}

/**
 * Decrypts an object into a private temporary folder with decryptToFile (plaintext only after the integrity check)
 * and opens it for ranged reads; `close()` deletes the folder. On any failure nothing is left behind.
 */
export function fileDecryptor(s3: S3Access, bucket: string, privateArmored: string, options: { passphrase?: string; tempDir?: string } = {}): Decryptor {
  return async (object, signal) => {
    const { decryptToFile } = await import('../pgp/stream');
    const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'pw-preview-'));
    let bytesRead = 0;
    const head: Uint8Array[] = [];
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const c of s3.read(bucket, object.key, { etag: object.etag || undefined, signal })) {
        if (bytesRead < ENVELOPE_BYTES) head.push(c.slice(0, ENVELOPE_BYTES - bytesRead));
        bytesRead += c.length;
        yield c;
      }
    }
    try {
      const path = join(dir, 'plaintext.parquet');
      await decryptToFile(counted(), privateArmored, path, { passphrase: options.passphrase, source: `s3://${bucket}/${object.key}` });
      const fh = await open(path, 'r');
      const { size } = await fh.stat();
      const source: RangeSource = {
        byteLength: size,
        async read(start, end) {
          const out = Buffer.alloc(Math.max(0, Math.min(end, size) - start));
          let at = 0;
          while (at < out.length) {
            const { bytesRead: n } = await fh.read(out, at, out.length - at, start + at);
            if (n === 0) break;
            at += n;
          }
          return out.subarray(0, at);
        },
      };
      return {
        source,
        bytesRead,
        head: Buffer.concat(head),
        close: async () => {
          await fh.close().catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  };
}

/** The key ids (16 hex digits) of a public key and its subkeys: what an encrypted file names as its recipient. */
export async function keyIdsOf(armored: string): Promise<string[]> {
  try {
    const { readKey } = await import('openpgp');
    const key = await readKey({ armoredKey: armored });
    return key.getKeyIDs().map((id) => id.toHex().toUpperCase());
  } catch {
    // An unreadable key is the linter's finding (pgp-key); the preview just cannot tell whose key a file names.
    return [];
  }
}
