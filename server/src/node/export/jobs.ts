/**
 * The export-side jobs as the CLI and the language server both run them: an export run, penny send and penny
 * verify, each from a loaded stripe-export pipeline and the connection options of the command (CLI flags or
 * editor settings). Only the presentation differs between the two callers.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand, type S3Client, type ServerSideEncryption } from '@aws-sdk/client-s3';
import type { CancellationToken } from '../../engine';
import { runExport, type ExportReport, type ExportSource } from '../../engine/export/run';
import { findPennyFile, PENNY_MAX_BYTES, parsePennyFile, pennyContent, pennyKey, validationCode, type PennyFile } from '../../engine/export/penny';
import { createS3Client, s3Access } from '../aws/s3';
import { explainAwsError } from '../aws/errors';
import { isLoopback, localCredentials } from '../import/connect';
import type { ExportPipeline } from './pipeline';
import { s3Sink } from './s3-sink';
import { resolveSecret, SecretError } from '../secrets';
import { jsonlFolderSource, NotStartedError, SourceError } from './sources';

export interface ConnectOptions {
  endpoint?: string;
  profile?: string;
  region?: string;
}

export function exportClient(p: ExportPipeline, o: ConnectOptions): S3Client {
  const endpoint = o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
  return createS3Client({ region: o.region || p.region, endpoint: o.endpoint || undefined, profile: o.profile || undefined, credentials: endpoint && isLoopback(endpoint) && !o.profile ? localCredentials() : undefined });
}

/** An error of a job, as one sentence: data problems as they are, AWS errors with what to do. */
export function jobError(e: unknown, p: ExportPipeline, o: ConnectOptions, operation: string): string {
  const message = (e as Error)?.message ?? String(e);
  if (e instanceof SourceError || /^s3:\/\//.test(message) || (e as Error)?.name === 'PgpDecryptError') return message;
  return explainAwsError(e, { operation, bucket: p.bucket, region: o.region || p.region, endpoint: o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL, config: p.path, profile: o.profile });
}

export interface ExportJobOptions extends ConnectOptions {
  /** A folder of <table>.jsonl files (else the pipeline's source). */
  sourceDir?: string;
  /** Read from the Stripe API with this key reference (`${secret:…}`/`${env:…}`) instead of the pipeline's source. */
  stripeApiKey?: string;
  /** Another base for the Stripe API than the pipeline's `source.apiBase` (a proxy, a local test server). */
  stripeApiBase?: string;
  /** Values of `${secret:name}` by name, held by the caller (the editor's secret storage); the environment otherwise. */
  secrets?: Record<string, string>;
  rowsPerFile?: number;
  token?: CancellationToken;
  progress?: (p: { table: string; rows: number; tablesDone: number; tables: number }) => void;
}

export async function exportJob(p: ExportPipeline, o: ExportJobOptions): Promise<ExportReport> {
  if (!p.tables.length) throw new NotStartedError(`${p.path}: "tables" names no table to export`);
  // The source first: a key that is missing, refused by its form or live without leave stops the run before S3.
  let source: ExportSource;
  try {
    source = await exportSource(p, o);
  } catch (e) {
    throw e instanceof SourceError || e instanceof SecretError ? new NotStartedError(e.message, e instanceof SecretError ? e.secretName : undefined) : e;
  }
  const client = exportClient(p, o);
  try {
    let encrypt;
    if (p.pgpPublicKey) {
      const { encryptStream } = await import('../pgp/stream');
      const armored = p.pgpPublicKey.armored;
      encrypt = (plain: AsyncIterable<Uint8Array>) => encryptStream(plain, armored) as unknown as AsyncIterable<Uint8Array>;
    }
    return await runExport({ prefix: p.prefix, tables: p.tables, rowsPerFile: o.rowsPerFile }, {
      sink: s3Sink(client, { bucket: p.bucket, sse: p.sse }),
      source,
      encrypt,
      token: o.token,
      progress: o.progress,
    });
  } finally {
    client.destroy();
  }
}

/**
 * The secrets a run needs, checked before anything starts (the editor asks for a missing one and runs again, so a
 * run must not show progress first): a NotStartedError naming the secret, or nothing.
 */
export function checkExportSecrets(p: ExportPipeline, o: ExportJobOptions): void {
  if (o.sourceDir) return;
  const configured = p.source?.type === 'stripe-api' ? p.source : undefined;
  if (!o.stripeApiKey && !configured) return;
  try {
    resolveSecret(o.stripeApiKey ?? configured!.apiKey, o.stripeApiKey ? '--stripe-api-key' : `${p.path}:${configured!.line}`, process.env, o.secrets);
  } catch (e) {
    throw e instanceof SecretError ? new NotStartedError(e.message, e.secretName) : e;
  }
}

/** Where the run reads: --source DIR, --stripe-api-key REF, else the pipeline's `source`. */
async function exportSource(p: ExportPipeline, o: ExportJobOptions): Promise<ExportSource> {
  if (o.sourceDir) return jsonlFolderSource(o.sourceDir);
  const configured = p.source?.type === 'stripe-api' ? p.source : undefined;
  if (o.stripeApiKey || configured) {
    const keyRef = o.stripeApiKey ?? configured!.apiKey;
    const where = o.stripeApiKey ? '--stripe-api-key' : `${p.path}:${configured!.line}`;
    const apiKey = resolveSecret(keyRef, where, process.env, o.secrets);
    const { stripeApiSource } = await import('./stripe-api');
    return stripeApiSource({ apiKey, keyRef, where, apiBase: o.stripeApiBase ?? configured?.apiBase, allowLiveKey: configured?.allowLiveKey, tables: p.tables, token: o.token });
  }
  if (p.source?.type === 'jsonl-folder') return jsonlFolderSource(p.source.path);
  throw new SourceError(`${p.path}: the pipeline has no "source": add { "type": "stripe-api", "apiKey": "\${secret:stripe-api-key}" } or { "type": "jsonl-folder", "path": "data/" }, or run with --source DIR`);
}

/** Writes the penny-test file with the pipeline's credentials; returns its key and the code it holds. */
export async function pennySend(p: ExportPipeline, o: ConnectOptions): Promise<{ key: string; code: string; encrypted: boolean }> {
  const client = exportClient(p, o);
  try {
    const code = validationCode(() => randomInt(0, 1 << 30) / (1 << 30));
    let body: Uint8Array = Buffer.from(pennyContent(p.account, code, new Date()));
    if (p.pgpPublicKey) {
      const { encryptStream } = await import('../pgp/stream');
      const chunks: Buffer[] = [];
      for await (const c of encryptStream(Readable.from([body]), p.pgpPublicKey.armored)) chunks.push(Buffer.from(c as Uint8Array));
      body = Buffer.concat(chunks);
    }
    const key = pennyKey(p.account, !!p.pgpPublicKey);
    const sse = p.sse ? { ServerSideEncryption: p.sse.type as ServerSideEncryption, ...(p.sse.type === 'aws:kms' && p.sse.keyId ? { SSEKMSKeyId: p.sse.keyId } : {}) } : {};
    await client.send(new PutObjectCommand({ Bucket: p.bucket, Key: key, Body: body, ContentType: p.pgpPublicKey ? 'application/pgp-encrypted' : 'text/csv', ...sse }));
    return { key, code, encrypted: !!p.pgpPublicKey };
  } finally {
    client.destroy();
  }
}

export class NeedsPrivateKey extends Error {}

/** Finds, decrypts (with the armored private key, when the file is encrypted) and checks the penny-test file. */
export async function pennyVerify(p: ExportPipeline, o: ConnectOptions & { privateArmored?: string; save?: string }): Promise<PennyFile & { key: string; text: string }> {
  const client = exportClient(p, o);
  try {
    const s3 = s3Access(client);
    const found = await findPennyFile(s3, p.bucket, p.account);
    const chunks: Buffer[] = [];
    for await (const c of s3.read(p.bucket, found.key)) chunks.push(Buffer.from(c));
    let text: string;
    if (found.encrypted) {
      if (!o.privateArmored) throw new NeedsPrivateKey(`s3://${p.bucket}/${found.key} is encrypted: give the private key with --private-key FILE`);
      const { decryptToFile } = await import('../pgp/stream');
      const dir = mkdtempSync(join(tmpdir(), 'pw-penny-'));
      try {
        const out = join(dir, 'validation.csv');
        // Plaintext reaches us only once the integrity check has passed (decryptToFile renames it into place last).
        await decryptToFile(Readable.from(chunks), o.privateArmored, out, { source: `s3://${p.bucket}/${found.key}`, maxBytes: PENNY_MAX_BYTES });
        text = readFileSync(out, 'utf8');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else text = Buffer.concat(chunks).toString('utf8');
    const penny = parsePennyFile(text, p.account, `s3://${p.bucket}/${found.key}`);
    if (o.save) writeFileSync(o.save, text);
    return { ...penny, key: found.key, text };
  } finally {
    client.destroy();
  }
}
