/**
 * The Stripe API as an export source: each table read from its list endpoint (`GET /v1/charges` …) through the
 * official `stripe` SDK, page by page with the SDK's auto-pagination, so memory holds one page (100 objects) at a
 * time whatever the table's size.
 *
 * - Retries: the SDK retries connection errors, 409 and 5xx itself (`maxNetworkRetries`). It does not retry 429
 *   (rate_limit) unless Stripe says `Stripe-Should-Retry: true`, and never reads `Retry-After`; so a 429 is waited
 *   out here — `Retry-After` when the answer has one, else exponential backoff — and paging resumes after the last
 *   object already handed on (`starting_after`), so no object is read twice.
 * - Cancellation: the token is looked at while a page is awaited and while a 429 is waited out; once set, paging
 *   stops (the run itself then aborts its uploads and writes no success marker).
 * - The key: test mode (`sk_test_`, `rk_test_`) always; live mode (`sk_live_`, `rk_live_`) only when the pipeline
 *   says `"allowLiveKey": true`, checked before any request is sent. No message made here contains the key, nor
 *   the masked key Stripe echoes in some of its errors.
 */
import type Stripe from 'stripe';
import type { CancellationToken } from '../../engine';
import type { ExportSource } from '../../engine/export/run';
import { SourceError } from './sources';

export interface StripeApiSourceOptions {
  /** The key itself (resolved from the reference); never put into a message. */
  apiKey: string;
  /** The reference the key came from (`${secret:stripe-api-key}`), for messages. */
  keyRef: string;
  /** `file:line` of `source.apiKey`, starting messages about the key or the endpoint. */
  where: string;
  /** `https://host[:port]` (default https://api.stripe.com); plain http only to this machine. */
  apiBase?: string;
  allowLiveKey?: boolean;
  /** The tables of the run, named in the advice of a refused key. */
  tables: string[];
  /** Objects per page, 1–100 (default 100, Stripe's maximum: the fewest requests). */
  pageSize?: number;
  /** 429 answers in a row before the run gives up (default 8). */
  rateLimitRetries?: number;
  /** Longest wait for one 429, whatever `Retry-After` says (default 60 s). */
  maxRetryAfterMs?: number;
  token?: CancellationToken;
}

/** The list endpoint of each table: the SDK resource, and parameters without which the list is not the whole table. */
const ENDPOINTS: Record<string, { resource: string; params?: Record<string, string> }> = {
  charges: { resource: 'charges' },
  customers: { resource: 'customers' },
  // Stripe leaves canceled subscriptions out of the list unless asked for status=all.
  subscriptions: { resource: 'subscriptions', params: { status: 'all' } },
  refunds: { resource: 'refunds' },
  balance_transactions: { resource: 'balanceTransactions' },
  prices: { resource: 'prices' },
  products: { resource: 'products' },
  invoices: { resource: 'invoices' },
  payment_intents: { resource: 'paymentIntents' },
  disputes: { resource: 'disputes' },
  payouts: { resource: 'payouts' },
  coupons: { resource: 'coupons' },
};

type StripeObject = Record<string, unknown> & { id: string };
type ListResource = { list(params: Record<string, unknown>): AsyncIterable<StripeObject> };

export type KeyMode = 'test' | 'live';

/** Test or live mode from the key's prefix; anything that cannot read data is refused with what to use instead. */
export function keyModeOf(key: string, o: Pick<StripeApiSourceOptions, 'keyRef' | 'where' | 'tables'>): KeyMode {
  const m = /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.exec(key);
  if (m) return m[2] as KeyMode;
  const use = `a restricted key (rk_test_… or rk_live_…) with read access to ${o.tables.join(', ')}, or a secret key (sk_…)`;
  if (/^pk_/.test(key)) throw new SourceError(`${o.where}: ${o.keyRef} holds a publishable key (pk_…), which cannot read data: use ${use}`);
  throw new SourceError(`${o.where}: ${o.keyRef} does not hold a Stripe secret or restricted key: use ${use}`);
}

/** host, port and protocol for the SDK from `apiBase`; refuses anything the key should not be sent to. */
export function apiEndpointOf(apiBase: string | undefined, where: string): { host: string; port: number; protocol: 'http' | 'https' } {
  if (!apiBase) return { host: 'api.stripe.com', port: 443, protocol: 'https' };
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new SourceError(`${where}: "apiBase" ${JSON.stringify(apiBase)} is not a URL; write https://host[:port] (default https://api.stripe.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SourceError(`${where}: "apiBase" must start with https:// (got ${url.protocol})`);
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
  // Plain http would send the key in clear text over the network: only a server on this machine may have it.
  if (url.protocol === 'http:' && !loopback) throw new SourceError(`${where}: "apiBase" ${url.origin} is plain http to another machine: the key would cross the network unencrypted; use https://`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) throw new SourceError(`${where}: "apiBase" takes a scheme, host and port only (the SDK adds /v1/…); got ${JSON.stringify(apiBase)}`);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

/**
 * An export source over the Stripe API. Checks the key's mode and the endpoint at once (before any upload or
 * request); the SDK is loaded on the first read.
 */
export function stripeApiSource(o: StripeApiSourceOptions): ExportSource {
  const mode = keyModeOf(o.apiKey, o);
  if (mode === 'live' && !o.allowLiveKey) {
    throw new SourceError(`${o.where}: ${o.keyRef} holds a live-mode key (sk_live_…/rk_live_…) and this pipeline does not allow one: add "allowLiveKey": true to "source" to export live data, or use a test-mode key (rk_test_…/sk_test_…)`);
  }
  const endpoint = apiEndpointOf(o.apiBase, o.where);
  const base = o.apiBase ?? 'https://api.stripe.com';
  const pageSize = Math.min(100, Math.max(1, o.pageSize ?? 100));
  let client: Promise<Stripe> | undefined;
  const stripe = () =>
    (client ??= import('stripe').then(({ default: StripeSdk }) =>
      new StripeSdk(o.apiKey, {
        ...endpoint,
        maxNetworkRetries: 3,
        timeout: 60_000,
        // The SDK would send the ids and timings of earlier requests along with later ones; an export has no use for it.
        telemetry: false,
        appInfo: { name: 'Pipewright', url: 'https://pipewright.dev' },
      }),
    ));
  const redact = (text: string) => text.split(o.apiKey).join('[key]').replace(/\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*]+/g, '[key]');

  const explain = (e: unknown, table: string): SourceError => {
    if (e instanceof SourceError) return e;
    const err = e as { type?: string; statusCode?: number; code?: string; message?: string; requestId?: string };
    const call = `GET /v1/${table}`;
    const request = err.requestId ? ` (request ${err.requestId})` : '';
    const detail = redact(err.message ?? String(e));
    switch (err.type) {
      case 'StripeAuthenticationError':
        return new SourceError(`${o.where}: the Stripe key in ${o.keyRef} was refused (401 on ${call}) — check it is a restricted key with read access to ${o.tables.join(', ')} (or a secret key) of the account you export, and that it was not rolled or deleted${request}`);
      case 'StripePermissionError':
        return new SourceError(`${o.where}: the Stripe key in ${o.keyRef} may not read ${table} (403 on ${call}) — give the restricted key Read access to ${table} in the Stripe Dashboard (Developers > API keys), or take "${table}" out of "tables"${request}`);
      case 'StripeRateLimitError':
        return new SourceError(`Stripe kept answering 429 (rate limit) on ${call} after ${(o.rateLimitRetries ?? 8) + 1} tries; the key is shared with busier work or the account's limit is low: run the export again later${request}`, true);
      case 'StripeConnectionError':
        return new SourceError(`could not reach the Stripe API at ${base} for ${call} (${detail}): check the network or proxy, or "apiBase" at ${o.where}`, true);
      case 'StripeAPIError':
        return new SourceError(`the Stripe API failed on ${call} (${err.statusCode ?? 'no status'}: ${detail}) after the SDK's retries; run the export again${request}`, true);
      case 'StripeInvalidRequestError':
        if (err.statusCode === 404 && err.code !== 'resource_missing') return new SourceError(`${base} has no ${call} (404): check that "apiBase" at ${o.where} points at the Stripe API${request}`);
        // The cursor object was deleted between two pages: a new run reads the table as it is now.
        if (err.code === 'resource_missing') return new SourceError(`${table} changed while it was read (${detail}); run the export again${request}`, true);
        return new SourceError(`the Stripe API refused ${call} (${err.statusCode ?? 400}${err.code ? ` ${err.code}` : ''}: ${detail})${request}`);
      default:
        return new SourceError(`reading ${table} from the Stripe API at ${base} failed: ${detail}`, true);
    }
  };

  return {
    async *read(table) {
      const ep = ENDPOINTS[table];
      if (!ep) throw new SourceError(`"${table}" is not a table Pipewright can read from the Stripe API (known: ${Object.keys(ENDPOINTS).join(', ')})`);
      const sdk = await stripe();
      const resource = (sdk as unknown as Record<string, ListResource>)[ep.resource];
      let after: string | undefined;
      let refusals = 0;
      for (;;) {
        // A new auto-paging list from the cursor: after a failed page the SDK's iterator only repeats its error.
        const pages = resource.list({ ...ep.params, limit: pageSize, ...(after ? { starting_after: after } : {}) })[Symbol.asyncIterator]();
        let next: IteratorResult<StripeObject> | typeof CANCELLED;
        try {
          for (;;) {
            next = await unlessCancelled(pages.next(), o.token);
            if (next === CANCELLED || next.done) return;
            refusals = 0;
            after = next.value.id;
            yield wireForm(next.value);
          }
        } catch (e) {
          const limited = (e as { type?: string }).type === 'StripeRateLimitError';
          if (!limited || ++refusals > (o.rateLimitRetries ?? 8)) throw explain(e, table);
          const wait = retryAfterMs((e as { headers?: Record<string, string> }).headers?.['retry-after']) ?? 500 * 2 ** (refusals - 1);
          if (!(await sleepUnlessCancelled(Math.min(wait, o.maxRetryAfterMs ?? 60_000), o.token))) return;
        }
      }
    },
  };
}

const CANCELLED = Symbol('cancelled');

/**
 * The object as the API sent it. The SDK turns decimal strings (`unit_amount_decimal`, `"19900"`) into its own
 * Decimal objects; their JSON form is the wire string again, which is what the export's columns are defined on.
 */
function wireForm(obj: StripeObject): StripeObject {
  return JSON.parse(JSON.stringify(obj)) as StripeObject;
}

/** Milliseconds from a `Retry-After` value: delay-seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves with the promise's value, or CANCELLED as soon as the token is set (the request is left to finish unread). */
async function unlessCancelled<T>(p: Promise<T>, token: CancellationToken | undefined): Promise<T | typeof CANCELLED> {
  if (!token) return p;
  if (token.isCancellationRequested) {
    p.catch(() => undefined);
    return CANCELLED;
  }
  let timer: NodeJS.Timeout | undefined;
  const cancelled = new Promise<typeof CANCELLED>((resolve) => {
    timer = setInterval(() => token.isCancellationRequested && resolve(CANCELLED), 50);
  });
  try {
    const r = await Promise.race([p, cancelled]);
    if (r === CANCELLED) p.catch(() => undefined);
    return r;
  } finally {
    clearInterval(timer);
  }
}

/** Waits `ms`; false when the token was set meanwhile (the timer is cleared: a stopped run exits at once). */
async function sleepUnlessCancelled(ms: number, token: CancellationToken | undefined): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  try {
    return (await unlessCancelled(done, token)) !== CANCELLED;
  } finally {
    clearTimeout(timer);
  }
}
