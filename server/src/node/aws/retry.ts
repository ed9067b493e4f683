/**
 * The retry strategy of Pipewright's S3 (and STS) clients: exponential backoff with full jitter, up to
 * `maxAttempts` attempts per call, and no retry quota.
 *
 * Why not the SDK's own: its standard strategy (the default, @smithy/core/retry StandardRetryStrategy) keeps a
 * per-client token bucket — 500 tokens, 5 per throttling retry and 14 per other retry, refunded only slowly on
 * success — and refuses any retry once the bucket is empty. Under sustained throttling (S3 answering 503 SlowDown
 * to a share of the requests of a long import) the bucket runs dry after a few hundred calls and from then on most
 * failed requests fail after one attempt: the import dies on a condition S3 documents as "slow down and retry".
 * It also stops at 3 attempts by default. An import is a batch job that can afford to wait, so this strategy
 * retries every retryable error up to `maxAttempts` (default 8) with delays of
 * random(0, min(cap, base · 2^retry)) — base 100 ms, cap 20 s (full jitter: concurrent requests spread out
 * instead of retrying in lock step) — and honours a Retry-After hint when the server sends one.
 *
 * What is retried — the SDK classifies each error before it reaches the strategy (@smithy/core/retry:
 * `isThrottlingError`, `isTransientError`, `isServerError`, whose result arrives as `errorInfo.errorType`):
 *   - THROTTLING: HTTP 429, SlowDown, Throttling(Exception), RequestLimitExceeded… and `$retryable.throttling`;
 *   - TRANSIENT: HTTP 500/502/503/504, `$retryable`, TimeoutError / RequestTimeout, clock skew the SDK corrected,
 *     and network errors (ECONNRESET — "socket hang up" —, EPIPE, ETIMEDOUT, ECONNREFUSED, ENOTFOUND, EAI_AGAIN…);
 *   - SERVER_ERROR: any other 5xx;
 *   - plus, re-checked here on the error itself, S3's `InternalError` code and the Node socket errors the SDK does
 *     not list (ECONNABORTED, "aborted" bodies).
 * Not retried: client errors (403 AccessDenied, 404 NoSuchKey, 412 PreconditionFailed, 416 InvalidRange…), 501,
 * and a cancelled call (AbortError). A connection that cannot be opened at all (ECONNREFUSED, ENOTFOUND,
 * EAI_AGAIN: a wrong endpoint or host name, nothing listening) is retried only `unreachableRetries` times (default
 * 2), so that a wrong endpoint setting is reported in well under a second instead of after the whole backoff.
 *
 * Counters (`stats`) record every retry granted, by kind, and the calls that gave up: the import reports them.
 */
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, RetryToken, SdkError } from '@smithy/types';

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 20_000;
export const DEFAULT_UNREACHABLE_RETRIES = 2;

/** The delay before retry number `retry` (1 for the first retry), in milliseconds. */
export type BackoffFunction = (retry: number, errorType: RetryErrorType) => number;

/** Full-jitter exponential backoff: random(0, min(maxDelayMs, baseDelayMs · 2^(retry-1))). */
export function fullJitterBackoff(
  baseDelayMs = DEFAULT_BASE_DELAY_MS,
  maxDelayMs = DEFAULT_MAX_DELAY_MS,
  random: () => number = Math.random,
): (retry: number) => number {
  return (retry) => Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1)));
}

export interface RetryOptions {
  /** Attempts per call, the first one included (default 8). */
  maxAttempts?: number;
  /** Base of the exponential backoff in milliseconds (default 100). Ignored when `backoff` is given. */
  baseDelayMs?: number;
  /** Longest delay between two attempts in milliseconds (default 20 s), Retry-After hints included. */
  maxDelayMs?: number;
  /** Computes each delay (default: full jitter from baseDelayMs and maxDelayMs). Tests pass tiny delays. */
  backoff?: BackoffFunction;
  /** Retries of a call whose connection could not be opened (ECONNREFUSED, ENOTFOUND, EAI_AGAIN; default 2). */
  unreachableRetries?: number;
}

export interface RetryStats {
  /** Retries granted (attempts after the first), all calls together. */
  retries: number;
  /** …of which after throttling (503 SlowDown, 429…). */
  throttling: number;
  /** …of which after a 5xx other than throttling. */
  serverErrors: number;
  /** …of which after a network error or a timeout. */
  network: number;
  /** Calls that failed with a retryable error after their last attempt. */
  gaveUp: number;
  /** Milliseconds of backoff requested, all retries together. */
  delayMs: number;
}

class BackoffToken implements RetryToken {
  constructor(
    private readonly count: number,
    private readonly delay: number,
    /** Retries spent on "cannot connect at all" errors in this call. */
    readonly unreachable: number,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  /** The SDK's retry middleware sleeps this long (abortably) before the next attempt. */
  getRetryDelay(): number {
    return this.delay;
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET']);
const RETRYABLE_NAMES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'TimeoutError']);

/** Exponential backoff with full jitter, no retry quota; see the top of this file. */
export class BackoffRetryStrategy implements RetryStrategyV2 {
  readonly maxAttempts: number;
  readonly stats: RetryStats = { retries: 0, throttling: 0, serverErrors: 0, network: 0, gaveUp: 0, delayMs: 0 };
  private readonly backoff: BackoffFunction;
  private readonly maxDelayMs: number;
  private readonly unreachableRetries: number;

  constructor(options: RetryOptions = {}) {
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.backoff = options.backoff ?? fullJitterBackoff(options.baseDelayMs, this.maxDelayMs);
    this.unreachableRetries = options.unreachableRetries ?? DEFAULT_UNREACHABLE_RETRIES;
  }

  async acquireInitialRetryToken(_retryTokenScope: string): Promise<RetryToken> {
    return new BackoffToken(0, 0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const previous = token as BackoffToken;
    const kind = classifyRetry(errorInfo);
    if (kind === undefined) throw new Error('not a retryable error'); // the middleware then throws the call's error
    const retry = previous.getRetryCount() + 1;
    const unreachable = (previous.unreachable ?? 0) + (kind === 'unreachable' ? 1 : 0);
    if (retry >= this.maxAttempts || unreachable > this.unreachableRetries) {
      this.stats.gaveUp++;
      throw new Error(`no retry left after ${retry} attempts`);
    }
    let delay = Math.max(0, Math.min(this.maxDelayMs, this.backoff(retry, errorInfo.errorType)));
    if (errorInfo.retryAfterHint instanceof Date) {
      delay = Math.max(delay, Math.min(this.maxDelayMs, errorInfo.retryAfterHint.getTime() - Date.now()));
    }
    this.stats.retries++;
    this.stats.delayMs += delay;
    if (kind === 'throttling') this.stats.throttling++;
    else if (kind === 'server') this.stats.serverErrors++;
    else this.stats.network++;
    return new BackoffToken(retry, delay, unreachable);
  }

  recordSuccess(_token: RetryToken): void {
    // No quota to refill: every call gets its full maxAttempts.
  }
}

type RetryKind = 'throttling' | 'server' | 'network' | 'unreachable';

/** Whether (and as what) an error is retried; undefined: it is not. Exported for tests. */
export function classifyRetry(errorInfo: RetryErrorInfo): RetryKind | undefined {
  const error = errorInfo.error as (SdkError & { code?: string; Code?: string }) | undefined;
  if (error && isAbort(error)) return undefined;
  const status = error?.$metadata?.httpStatusCode;
  const code = networkCode(error);
  if (code && UNREACHABLE.has(code)) return 'unreachable';
  if (errorInfo.errorType === 'THROTTLING' || (error && isThrottlingError(error))) return 'throttling';
  if (status !== undefined && status >= 500 && status !== 501) return 'server';
  if (code && NETWORK.has(code)) return 'network';
  if (errorInfo.errorType === 'TRANSIENT' || errorInfo.errorType === 'SERVER_ERROR') return 'network';
  if (error && (RETRYABLE_NAMES.has(error.name) || RETRYABLE_NAMES.has(error.Code ?? ''))) return 'server';
  if (error && isTransientError(error)) return 'network';
  if (error && /socket hang up|\baborted\b|premature close/i.test(error.message ?? '')) return 'network';
  return undefined;
}

function isAbort(error: { name?: string; code?: string }): boolean {
  return error.name === 'AbortError' || error.code === 'ABORT_ERR';
}

/** The Node system error code of the error or of one of its causes. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const o = error as { code?: unknown; cause?: unknown };
  if (typeof o.code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(o.code)) return o.code;
  return networkCode(o.cause, depth + 1);
}
