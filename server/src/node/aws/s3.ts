/**
 * S3 for the import (and the preview): an S3Client configured the way the AWS CLI would be, and `s3Access`, the
 * engine's `S3Access` (server/src/engine/import/types.ts) over it.
 *
 * Credentials: the SDK's default chain, exactly as clients.ts documents it (environment variables, then the shared
 * files for the `profile` given here, else AWS_PROFILE, else `default` — static keys, SSO, assume-role,
 * credential_process, web identity —, then container / EC2 instance roles). With `assumeRole`, those are only the
 * base credentials: the S3 client signs with the session credentials of `sts:AssumeRole` on `roleArn` (with the
 * ExternalId when given), obtained by an STS client with the same profile, region, endpoint setting and retry
 * strategy, and renewed 5 minutes before they expire (credentials.ts).
 *
 * Endpoint, in this order:
 *   1. `endpoint` given here (explicit, always wins; the STS client of `assumeRole` gets it too, since emulators
 *      such as moto and LocalStack answer every service on one URL);
 *   2. AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL (environment, read by the SDK itself; the STS client reads
 *      AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL the same way — so AWS_ENDPOINT_URL_S3 alone leaves STS on AWS);
 *   3. `endpoint_url` in the profile's `services` section or the profile itself (read by the SDK itself);
 *   4. AWS itself (https://<bucket>.s3.<region>.amazonaws.com).
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns 2 and 3 off. Addressing: with 1 or 2 the client uses path-style
 * URLs (`forcePathStyle`: http://host:port/<bucket>/<key>), because such endpoints are almost always S3-compatible
 * servers (MinIO, LocalStack, moto, Ceph…) that do not serve <bucket>.host; AWS itself gets virtual-hosted URLs.
 * (An endpoint from the profile, 3, is not inspected here: it keeps the SDK's default addressing; pass it as
 * `endpoint` to get path-style.)
 *
 * Region: `region` given here, else the SDK's (AWS_REGION, the profile's `region`), else us-east-1 (clients.ts).
 * A bucket in another region answers 301 PermanentRedirect; that is reported by explainAwsError (errors.ts) with
 * the region to set, not followed silently (every call would pay a redirect).
 *
 * Retries: retry.ts (exponential backoff with full jitter, 8 attempts, no retry quota), for S3 and STS calls alike.
 * A body that breaks mid-download is not retried by the SDK: `read` resumes it itself (see s3Access below).
 *
 * Timeouts: connecting 5 s (`connectionTimeoutMs`); waiting for the answer's headers, and any silence of the socket
 * afterwards (a stalled body), 30 s (`requestTimeoutMs`) — then the call fails with TimeoutError and is retried. (In
 * the pinned SDK `requestTimeout` alone only logs a warning; this file also sets `throwOnRequestTimeout` and
 * `socketTimeout`. createIamClient in clients.ts does not, and keeps the SDK's behaviour.)
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider, RetryStrategyV2 } from '@smithy/types';
import { ObjectChangedError, type ListPage, type ReadOptions, type S3Access, type S3Object } from '../../engine/import/types';
import { regionOption, requestHandlerOptions, type AwsClientOptions } from './clients';
import { assumeRoleCredentials, type AssumeRoleCredentialProvider, type AssumeRoleOptions } from './credentials';
import { BackoffRetryStrategy, fullJitterBackoff, type RetryStats } from './retry';

export interface S3ClientOptions extends AwsClientOptions {
  /** Sign with the credentials of this role (sts:AssumeRole), obtained with the base credentials of the chain. */
  assumeRole?: AssumeRoleOptions;
  /**
   * The retry strategy of the S3 (and STS) client. Default: a new BackoffRetryStrategy with `maxAttempts`
   * (default 8). Pass one to share its counters between clients or, in tests, to shorten its delays.
   */
  retryStrategy?: RetryStrategyV2;
  /** Base credentials instead of the SDK's default chain (with `assumeRole`, the STS client signs with them). */
  credentials?: AwsCredentialIdentityProvider;
}

/** The region S3 calls use when none is configured anywhere (as the AWS CLI does). */
export const S3_FALLBACK_REGION = 'us-east-1';

const clientExtras = new WeakMap<S3Client, { retry?: BackoffRetryStrategy; credentials?: AssumeRoleCredentialProvider }>();

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const profile = options.profile || undefined;
  const region = regionOption(options, S3_FALLBACK_REGION);
  const retryStrategy = options.retryStrategy ?? new BackoffRetryStrategy({ maxAttempts: options.maxAttempts });
  // The retry middleware also reads maxAttempts (for the amz-sdk-request header); keep both in step.
  const maxAttempts = retryStrategy instanceof BackoffRetryStrategy ? retryStrategy.maxAttempts : options.maxAttempts;
  // In the pinned SDK, `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set, and it stops at
  // the response headers; `socketTimeout` is the idle timeout that also covers a response body that stalls (a
  // ListObjectsV2 XML body, a GetObject body — which `read` additionally watches itself, see idleTimeoutMs).
  const base = requestHandlerOptions(options);
  const requestHandler = { ...base, throwOnRequestTimeout: true, socketTimeout: base.requestTimeout };

  let sts: STSClient | undefined;
  let credentials: AssumeRoleCredentialProvider | undefined;
  if (options.assumeRole?.roleArn) {
    sts = new STSClient({
      region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(profile ? { profile } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      retryStrategy,
      ...(maxAttempts ? { maxAttempts } : {}),
      requestHandler,
    });
    credentials = assumeRoleCredentials(sts, options.assumeRole);
  }

  const config: S3ClientConfig = {
    region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: Boolean(options.endpoint) || configuredEndpointFromEnvironment() !== undefined,
    ...(profile ? { profile } : {}),
    ...(credentials ? { credentials } : options.credentials ? { credentials: options.credentials } : {}),
    retryStrategy,
    ...(maxAttempts ? { maxAttempts } : {}),
    requestHandler,
    // Checksums only where S3 requires them (the SDK's default before 3.729). The default since, WHEN_SUPPORTED,
    // adds a CRC32 to every upload — as an aws-chunked trailer on stream bodies, which many S3-compatible servers
    // (older MinIO, Ceph RGW, GCS's interoperability API…) reject — and validates a checksum on every GetObject of
    // an object stored with one, which cannot be done for a ranged (resumed) read and wraps each body in a
    // validating stream. TLS and S3's own Content-MD5/ETag checks already cover transfer integrity.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = new S3Client(config);
  clientExtras.set(client, {
    retry: retryStrategy instanceof BackoffRetryStrategy ? retryStrategy : undefined,
    credentials,
  });
  if (sts) {
    const destroy = client.destroy.bind(client);
    const stsClient = sts;
    client.destroy = () => {
      destroy();
      stsClient.destroy();
    };
  }
  return client;
}

/** The retry strategy createS3Client gave this client (its `stats` count retries), if it is a BackoffRetryStrategy. */
export function retryStrategyOf(client: S3Client): BackoffRetryStrategy | undefined {
  return clientExtras.get(client)?.retry;
}

/** The assume-role credential provider of a client created with `assumeRole` (its `stats` count STS calls). */
export function assumeRoleProviderOf(client: S3Client): AssumeRoleCredentialProvider | undefined {
  return clientExtras.get(client)?.credentials;
}

/** AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (the SDK's rule). */
function configuredEndpointFromEnvironment(): string | undefined {
  if (process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// S3Access
//
// listPage: one ListObjectsV2 call (MaxKeys 1000), keys in S3's order, ETags without their quotes.
//
// read: GetObject from `start` to `end` (Range: bytes=<start>-[<end - 1>]) with If-Match on the ETag (the caller's, else the one of the
// first answer, so that every resumed range comes from the same version of the object). When the body breaks —
// an error of the stream (connection reset), fewer bytes than Content-Length / Content-Range announced, or no data
// for `idleTimeoutMs` — it issues a new GetObject from the next byte, after a backoff, and carries on: the caller
// sees each byte of the object exactly once. 412 Precondition Failed (the ETag changed) is an ObjectChangedError;
// 416 for a start equal to the object's size reads nothing. An aborted signal stops the call or the body at once
// with an AbortError. A caller that stops iterating early frees the connection.

export interface S3AccessOptions {
  /**
   * Resumes of one read after a body that broke (a reset connection, a truncated body) without delivering at least
   * `RESUME_PROGRESS_BYTES` since the previous break (default 10). A read that keeps progressing keeps resuming.
   */
  maxResumes?: number;
  /** Delay before resume number n (1-based) of a read, in ms (default: full jitter, 100 ms base, 20 s cap). */
  resumeBackoff?: (resume: number) => number;
  /** A body that sends nothing for this long while it is being read is broken off and resumed (default 30 s). */
  idleTimeoutMs?: number;
}

export interface S3AccessStats {
  /** GetObject requests that continued a broken body (Range from the next byte). */
  resumes: number;
  /** Retries of the client's retry strategy (when it is a BackoffRetryStrategy), all calls together. */
  readonly retries: number;
  /** The retry strategy's full counters, when it is a BackoffRetryStrategy. */
  readonly retry: RetryStats | undefined;
}

export interface NodeS3Access extends S3Access {
  readonly client: S3Client;
  readonly stats: S3AccessStats;
}

/** A broken body was resumed so many times without progress that the read gave up; `cause` is the last break. */
export class ReadInterruptedError extends Error {
  override name = 'ReadInterruptedError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly resumes: number,
    readonly bytesRead: number,
    cause: unknown,
  ) {
    super(`reading s3://${bucket}/${key} broke off ${resumes + 1} times in a row (at byte ${bytesRead})`, { cause });
  }
}

/** A body that delivered at least this many bytes before breaking resets the resume budget of its read. */
export const RESUME_PROGRESS_BYTES = 1024 * 1024;
const DEFAULT_MAX_RESUMES = 10;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const LIST_PAGE_SIZE = 1000;

export function s3Access(client: S3Client, options: S3AccessOptions = {}): NodeS3Access {
  const maxResumes = options.maxResumes ?? DEFAULT_MAX_RESUMES;
  const resumeBackoff = options.resumeBackoff ?? fullJitterBackoff();
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const retry = (): BackoffRetryStrategy | undefined => clientExtras.get(client)?.retry;
  const stats: S3AccessStats = {
    resumes: 0,
    get retries() {
      return retry()?.stats.retries ?? 0;
    },
    get retry() {
      return retry()?.stats;
    },
  };

  async function listPage(bucket: string, prefix: string, continuationToken: string | undefined, signal?: AbortSignal, delimiter?: string): Promise<ListPage> {
    throwIfAborted(signal);
    let out;
    try {
      out = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
          ...(delimiter ? { Delimiter: delimiter } : {}),
          MaxKeys: LIST_PAGE_SIZE,
        }),
        { abortSignal: signal },
      );
    } catch (e) {
      if (signal?.aborted) throw abortError(signal, e);
      throw e;
    }
    const objects: S3Object[] = [];
    for (const o of out.Contents ?? []) {
      if (o.Key === undefined) continue;
      objects.push({
        key: o.Key,
        size: o.Size ?? 0,
        lastModified: o.LastModified ?? new Date(0),
        etag: stripQuotes(o.ETag),
      });
    }
    const folders = delimiter ? (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])) : undefined;
    if (!out.IsTruncated) return { objects, ...(folders ? { folders } : {}) };
    const next = out.NextContinuationToken;
    if (!next || next === continuationToken) {
      throw new Error(`the listing of s3://${bucket}/${prefix} says it is truncated but gives no new continuation token`);
    }
    return { objects, nextToken: next, ...(folders ? { folders } : {}) };
  }

  async function* read(bucket: string, key: string, readOptions: ReadOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const { signal } = readOptions;
    let next = Math.max(0, Math.floor(readOptions.start ?? 0));
    /** Exclusive end asked for; Infinity for the whole rest of the object. */
    const end = readOptions.end === undefined ? Infinity : Math.max(0, Math.floor(readOptions.end));
    if (next >= end) return;
    /** The ETag the read is pinned to: the caller's, else that of the first answer (so resumes read the same version). */
    let etag = readOptions.etag ? stripQuotes(readOptions.etag) : undefined;
    let size: number | undefined;
    let resumesInARow = 0;

    for (;;) {
      throwIfAborted(signal);
      let out: GetObjectCommandOutput;
      try {
        out = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(next > 0 || end !== Infinity ? { Range: `bytes=${next}-${end === Infinity ? '' : end - 1}` } : {}),
            ...(etag ? { IfMatch: `"${etag}"` } : {}),
          }),
          { abortSignal: signal },
        );
      } catch (e) {
        if (signal?.aborted) throw abortError(signal, e);
        const status = httpStatus(e);
        if (status === 412) throw new ObjectChangedError(bucket, key);
        if (status === 416) {
          // Range from `next` is not satisfiable: S3 answers 416 for a start at (or past) the end.
          const actual = await objectSizeAfter416(client, e, bucket, key, etag, signal);
          if (actual === next) return; // nothing left to read
          if (size !== undefined && actual !== size) throw new ObjectChangedError(bucket, key);
          throw new Error(`s3://${bucket}/${key} is ${actual} bytes long: there is no byte ${next} to read from`, { cause: e });
        }
        throw e;
      }

      const range = parseContentRange(out.ContentRange);
      let skip = 0;
      let total: number | undefined;
      if (range) {
        if (range.start !== next) {
          destroyBody(out.Body);
          throw new Error(`s3://${bucket}/${key}: asked for bytes from ${next}, the answer starts at byte ${range.start}`);
        }
        total = range.total;
      } else if (next > 0) {
        // A server that ignores Range sends the whole object (200): skip what was already delivered.
        skip = next;
        total = out.ContentLength;
      } else {
        total = out.ContentLength;
      }
      if (size !== undefined && total !== undefined && total !== size) {
        destroyBody(out.Body);
        throw new ObjectChangedError(bucket, key);
      }
      size = total ?? size;
      etag ??= out.ETag ? stripQuotes(out.ETag) : undefined;

      const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?: (e?: Error) => void; destroyed?: boolean }) | undefined;
      if (!body) {
        if (size === undefined || next >= size) return;
        throw new Error(`s3://${bucket}/${key}: the answer has no body`);
      }
      const startedAt = next;
      let broke: unknown;
      let finished = false;
      let overflowed = false;
      const onAbort = (): void => body.destroy?.(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const chunks = body[Symbol.asyncIterator]();
      try {
        for (;;) {
          let step: IteratorResult<Uint8Array>;
          // The SDK's requestTimeout does not cover a body that stalls after the headers: a body that sends nothing
          // for idleTimeoutMs while we wait for it is broken off (and resumed). Time spent by the caller between
          // chunks does not count.
          const idle = setTimeout(() => body.destroy?.(bodyTimeoutError(idleTimeoutMs)), idleTimeoutMs);
          try {
            step = await chunks.next();
          } catch (e) {
            if (signal?.aborted) throw abortError(signal, e);
            broke = e;
            break;
          } finally {
            clearTimeout(idle);
          }
          if (step.done) break;
          let chunk = step.value;
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          // A server that ignores Range sends more than asked for: stop at the end asked for (the finally below then
          // frees the connection, since the body was not read to its end).
          if (next + chunk.length > end) {
            chunk = chunk.subarray(0, end - next);
            next += chunk.length;
            overflowed = true;
            if (chunk.length) yield chunk;
            break;
          }
          if (chunk.length === 0) continue;
          next += chunk.length;
          yield chunk;
        }
        finished = !overflowed;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        // The caller stopped early (break), or the stream broke: free the connection.
        if (!finished || broke !== undefined) body.destroy?.();
      }

      const limit = Math.min(end, size ?? Infinity);
      if (next >= limit) return;
      if (broke === undefined) {
        if (size === undefined) return;
        broke = new Error(`the body ended after ${next - startedAt} of ${limit - startedAt} bytes`);
      }
      if (next - startedAt >= RESUME_PROGRESS_BYTES) resumesInARow = 0;
      if (resumesInARow >= maxResumes) throw new ReadInterruptedError(bucket, key, resumesInARow, next, broke);
      resumesInARow++;
      stats.resumes++;
      await sleep(resumeBackoff(resumesInARow), signal);
    }
  }

  return { client, stats, listPage, read };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** `"9b2c…"` → `9b2c…` (ETags come quoted in headers and listings). */
function stripQuotes(etag: string | undefined): string {
  if (!etag) return '';
  // Called for every object of every listing page: plain string tests, no regular expressions.
  const e = etag.startsWith('W/') ? etag.slice(2) : etag;
  return e.length >= 2 && e.charCodeAt(0) === 34 && e.charCodeAt(e.length - 1) === 34 ? e.slice(1, -1) : e;
}

/** `bytes 100-199/1000` → { start: 100, end: 199, total: 1000 } (total undefined for `/*`). */
function parseContentRange(value: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const m = value && /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** The object's size from a 416 answer (S3 and moto put ActualObjectSize in it), else from HeadObject. */
async function objectSizeAfter416(
  client: S3Client,
  e: unknown,
  bucket: string,
  key: string,
  etag: string | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  const fromError = (e as { ActualObjectSize?: unknown }).ActualObjectSize;
  if (fromError !== undefined && fromError !== '' && Number.isFinite(Number(fromError))) return Number(fromError);
  const headers = (e as { $response?: { headers?: Record<string, string> } }).$response?.headers;
  const range = /\/(\d+)$/.exec(headers?.['content-range'] ?? '');
  if (range) return Number(range[1]);
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: `"${etag}"` } : {}) }), {
      abortSignal: signal,
    });
    if (head.ContentLength !== undefined) return head.ContentLength;
  } catch (headError) {
    if (signal?.aborted) throw abortError(signal, headError);
    if (httpStatus(headError) === 412) throw new ObjectChangedError(bucket, key);
  }
  throw e;
}

function bodyTimeoutError(ms: number): Error {
  return Object.assign(new Error(`no data for ${ms} ms while reading the body`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}

function destroyBody(body: unknown): void {
  (body as { destroy?: () => void } | undefined)?.destroy?.();
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** An AbortError (name "AbortError"), keeping the signal's reason as its cause. */
function abortError(signal: AbortSignal, cause?: unknown): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return Object.assign(new Error('The read was cancelled', { cause: reason ?? cause }), { name: 'AbortError', code: 'ABORT_ERR' });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(abortError(signal)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
