/**
 * A local, stateful stand-in for the Stripe API, spoken to through the real `stripe` SDK (or raw HTTP): a node:http
 * server on a random port of 127.0.0.1 that answers in Stripe's wire format.
 *
 *   const stripe = await startStripeDouble({ keys: ['rk_test_…'], seed: { charges: 250, seed: 3 } });
 *   new Stripe('rk_test_…', { host: '127.0.0.1', port: stripe.port, protocol: 'http' });
 *   …
 *   await stripe.close();
 *
 * What it does as Stripe does:
 * - `Authorization: Bearer <key>` (or Basic with the key as user name) checked against the keys it was given —
 *   401 otherwise, with the masked key in the message as Stripe writes it; a key may be restricted to read or
 *   write some resources only (403, naming the permission); test and live keys see separate data;
 * - list endpoints `GET /v1/<resource>`: `{ object: 'list', data, has_more, url }`, newest first by `created`,
 *   `limit` 1..100 (default 10), `starting_after` / `ending_before` cursors, `created[gte]`-style and per-resource
 *   filters (subscriptions leave out canceled ones unless `status=all`), unknown parameters refused;
 * - `GET /v1/<resource>/<id>`, 404 `resource_missing`; `POST` create and update of products, prices, customers and
 *   coupons from form bodies in bracket notation (stripe-form.ts, rules in stripe-api-objects.ts); `DELETE` of
 *   products, customers and coupons;
 * - `Idempotency-Key` on POST: the same key and parameters replay the stored answer with `Idempotent-Replayed:
 *   true`; the same key with other parameters or another endpoint is a 400 `idempotency_error`; answers to
 *   requests that failed validation are not stored (Stripe's documented rules);
 * - 429 `rate_limit` with `Retry-After` on a seeded share of requests, or past a number of requests a second (a
 *   sliding window per mode, as Stripe's documented limits); `Stripe-Version` read (a malformed one is refused)
 *   and echoed.
 * Every request is logged (`log`, `counts()`), so a test sees which pages were asked for. State lives in memory
 * and is seeded from the sample-data generator; nothing is answered that was not stored or computed from state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prng } from '../../server/src/engine/prng';
import { sampleObjects, type SampleOptions } from '../../server/src/engine/export/sample';
import { ApiError, missing, readParams, resources, type Kind, type Resource, type Store, type StripeObject } from './stripe-api-objects';
import { canonicalForm, decodeForm, FormError, type Form } from './stripe-form';

export type { StripeObject } from './stripe-api-objects';

export interface StripeKey {
  key: string;
  /** Resources (`charges`, `products` …) the key may read; every one when absent. */
  read?: string[];
  /** Resources the key may create, update or delete; every one when absent. */
  write?: string[];
}

export interface RateLimit {
  /** Share of requests answered 429, 0..1. */
  share?: number;
  /**
   * Requests a second per mode, as Stripe's basic rate limiter counts them (25 in test mode, 100 in live mode):
   * a request past that many in the last second is answered 429 with `Retry-After`, and does not count.
   */
  perSecond?: number;
  /** Seed of the draw (the same seed refuses the same requests in the same order). */
  seed?: number;
  /** The `Retry-After` header, in seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface StripeDoubleOptions {
  /** Accepted keys (default one test key, `sk_test_pipewright_double`). `sk_live_`/`rk_live_` keys see live data. */
  keys?: Array<string | StripeKey>;
  /** Test-mode data from the sample generator (default 100 charges, seed 42); false for none. */
  seed?: SampleOptions | false;
  /** Live-mode data from the sample generator (none by default). */
  liveSeed?: SampleOptions;
  rateLimit?: RateLimit;
  /** Added to every answer, to let a test act in the middle of a run. */
  latencyMs?: number;
  /** Unix seconds for `created` of new objects (default the clock). */
  now?: () => number;
  /** Seed of generated ids (default 1). */
  idSeed?: number;
  /** The account named in permission errors. */
  account?: string;
}

export interface LoggedRequest {
  method: string;
  /** The path with its query string. */
  url: string;
  /** `GET /v1/charges`, `POST /v1/products/:id` … */
  endpoint: string;
  query: Form;
  params: Form;
  status: number;
  idempotencyKey?: string;
  replayed: boolean;
  stripeVersion?: string;
  mode?: 'test' | 'live';
  /** Date.now() when the request arrived. */
  at: number;
}

export interface StripeDouble {
  url: string;
  host: string;
  port: number;
  protocol: 'http';
  /** The objects of a resource in list order (newest first), as stored. */
  objects(resource: string, mode?: 'test' | 'live'): StripeObject[];
  get(resource: string, id: string, mode?: 'test' | 'live'): StripeObject | undefined;
  add(resource: string, obj: StripeObject, mode?: 'test' | 'live'): void;
  readonly log: LoggedRequest[];
  /** Requests per endpoint (`GET /v1/charges` → 3), 429s included. */
  counts(): Record<string, number>;
  setRateLimit(r: RateLimit | undefined): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$/;
const DEFAULT_VERSION = '2025-10-29.clover';

/** The key as Stripe shows it in errors: prefix, stars, the last four characters. */
export function maskKey(key: string): string {
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

class ModeStore implements Store {
  private readonly data = new Map<string, Map<string, { obj: StripeObject; seq: number }>>();
  private readonly sorted = new Map<string, StripeObject[]>();
  private seq = 0;
  constructor(readonly livemode: boolean, private readonly ids: () => number, private readonly clock: () => number) {}
  get(resource: string, id: string) {
    return this.data.get(resource)?.get(id)?.obj;
  }
  put(resource: string, obj: StripeObject) {
    let m = this.data.get(resource);
    if (!m) this.data.set(resource, (m = new Map()));
    const had = m.get(obj.id);
    m.set(obj.id, { obj, seq: had?.seq ?? this.seq++ });
    this.sorted.delete(resource);
  }
  remove(resource: string, id: string) {
    this.data.get(resource)?.delete(id);
    this.sorted.delete(resource);
  }
  all(resource: string) {
    return [...(this.data.get(resource)?.values() ?? [])].map((e) => e.obj);
  }
  /** Stripe's list order: newest `created` first; among equals, the later stored first. */
  ordered(resource: string): StripeObject[] {
    let s = this.sorted.get(resource);
    if (!s) {
      const entries = [...(this.data.get(resource)?.values() ?? [])];
      entries.sort((a, b) => b.obj.created - a.obj.created || b.seq - a.seq);
      this.sorted.set(resource, (s = entries.map((e) => e.obj)));
    }
    return s;
  }
  newId(prefix: string, length: number) {
    for (;;) {
      let id = `${prefix}_`;
      for (let k = 0; k < length; k++) id += ALNUM[Math.floor(this.ids() * ALNUM.length)];
      if (![...this.data.values()].some((m) => m.has(id))) return id;
    }
  }
  now() {
    return this.clock();
  }
}

const CREATED: Record<string, Kind> = { gt: 'int', gte: 'int', lt: 'int', lte: 'int' };

/** One page of a list, by Stripe's rules for limit and the two cursors. */
function listPage(store: ModeStore, name: string, res: Resource, query: Form): Record<string, unknown> {
  const { limit: limitText, starting_after: after, ending_before: before, created, ...rest } = query;
  const filters = readParams(rest, res.filters ?? {});
  let limit = 10;
  if (limitText !== undefined) {
    if (typeof limitText !== 'string' || !/^-?\d+$/.test(limitText)) throw new ApiError(400, 'invalid_request_error', `Invalid integer: ${String(limitText)}`, 'limit');
    limit = Number(limitText);
    if (limit < 1 || limit > 100) throw new ApiError(400, 'invalid_request_error', `This value must be ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}.`, 'limit');
  }
  if (after !== undefined && before !== undefined) throw new ApiError(400, 'invalid_request_error', 'You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  let range: Record<string, unknown> = {};
  if (typeof created === 'string') range = { gte: Number(created), lte: Number(created) };
  else if (created !== undefined) range = readParams(created as Form, CREATED, 'created');
  const inRange = (o: StripeObject) =>
    (range.gt === undefined || o.created > (range.gt as number)) && (range.gte === undefined || o.created >= (range.gte as number)) &&
    (range.lt === undefined || o.created < (range.lt as number)) && (range.lte === undefined || o.created <= (range.lte as number));
  const keep = (o: StripeObject) => inRange(o) && (res.matches?.(o, filters) ?? true);
  const all = store.ordered(name);
  const cursor = (after ?? before) as string | undefined;
  let candidates: StripeObject[];
  if (cursor !== undefined) {
    const at = all.findIndex((o) => o.id === cursor);
    if (at < 0) throw missing(res.object, String(cursor), after !== undefined ? 'starting_after' : 'ending_before');
    candidates = (after !== undefined ? all.slice(at + 1) : all.slice(0, at)).filter(keep);
  } else candidates = all.filter(keep);
  // ending_before pages toward newer objects: the `limit` closest to the cursor, still newest first.
  const data = before !== undefined ? candidates.slice(Math.max(0, candidates.length - limit)) : candidates.slice(0, limit);
  return { object: 'list', data, has_more: candidates.length > limit, url: `/v1/${name}` };
}

export async function startStripeDouble(options: StripeDoubleOptions = {}): Promise<StripeDouble> {
  const keys = new Map((options.keys ?? ['sk_test_pipewright_double']).map((k) => (typeof k === 'string' ? { key: k } : k)).map((k) => [k.key, k]));
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000));
  const idDraw = prng(options.idSeed ?? 1);
  const stores = { test: new ModeStore(false, idDraw, clock), live: new ModeStore(true, idDraw, clock) };
  const seedInto = (store: ModeStore, seed: SampleOptions) => {
    for (const [table, obj] of sampleObjects(seed)) store.put(table, store.livemode ? { ...obj, livemode: true } : obj);
  };
  if (options.seed !== false) seedInto(stores.test, options.seed ?? { charges: 100, seed: 42 });
  if (options.liveSeed) seedInto(stores.live, options.liveSeed);
  const routes = { test: resources(stores.test), live: resources(stores.live) };
  let rateLimit = options.rateLimit;
  let rateDraw = prng(rateLimit?.seed ?? 7);
  let latency = options.latencyMs ?? 0;
  const requestIds = prng(99);
  const idempotent = new Map<string, { endpoint: string; params: string; status: number; body: string; requestId: string }>();
  const log: LoggedRequest[] = [];
  // Arrival times (ms) of the requests admitted in the last second, per mode, for `perSecond`.
  const admitted = { test: [] as number[], live: [] as number[] };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    const endpoint = `${method} /${parts.slice(0, 2).join('/')}${parts.length > 2 ? '/:id' : ''}`;
    const idemKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    const entry: LoggedRequest = { method, url: `${url.pathname}${url.search}`, endpoint, query: {}, params: {}, status: 0, idempotencyKey: idemKey, replayed: false, stripeVersion: req.headers['stripe-version'] as string | undefined, at: Date.now() };
    log.push(entry);
    let requestId = 'req_';
    for (let k = 0; k < 14; k++) requestId += ALNUM[Math.floor(requestIds() * ALNUM.length)];
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Request-Id': requestId, 'Stripe-Version': entry.stripeVersion ?? DEFAULT_VERSION };
    if (idemKey) headers['Idempotency-Key'] = idemKey;
    const send = (status: number, payload: string, extra: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { ...headers, ...extra });
      res.end(payload);
    };
    if (latency) await new Promise((r) => setTimeout(r, latency));
    try {
      const auth = req.headers.authorization ?? '';
      const given = /^Bearer (.+)$/.exec(auth)?.[1] ?? (/^Basic (.+)$/.exec(auth) ? Buffer.from(auth.slice(6), 'base64').toString('utf8').replace(/:.*$/, '') : '');
      if (!given) throw new ApiError(401, 'invalid_request_error', "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.");
      const key = keys.get(given);
      if (!key) throw new ApiError(401, 'invalid_request_error', `Invalid API Key provided: ${maskKey(given)}`, undefined, 'api_key_invalid');
      const mode = /_live_/.test(key.key) ? 'live' : 'test';
      entry.mode = mode;
      if (entry.stripeVersion !== undefined && !VERSION.test(entry.stripeVersion)) throw new ApiError(400, 'invalid_request_error', `Invalid Stripe API version: ${entry.stripeVersion}`);
      let formError: unknown;
      try {
        entry.query = decodeForm(url.search.slice(1));
        if (method === 'POST' && body) {
          if (!/^application\/x-www-form-urlencoded/.test(String(req.headers['content-type']))) throw new ApiError(400, 'invalid_request_error', 'Invalid request: the body must be form-encoded (Content-Type: application/x-www-form-urlencoded).');
          entry.params = decodeForm(body);
        }
      } catch (e) {
        formError = e instanceof FormError ? new ApiError(400, 'invalid_request_error', e.message, e.param) : e;
      }
      const window = admitted[mode];
      while (window.length && window[0] <= entry.at - 1000) window.shift();
      const overLimit = rateLimit?.perSecond !== undefined && window.length >= rateLimit.perSecond;
      if (rateLimit && (overLimit || rateDraw() < (rateLimit.share ?? 0))) {
        const e = new ApiError(429, 'invalid_request_error', 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', undefined, 'rate_limit');
        send(429, JSON.stringify(e.body()), { 'Retry-After': String(rateLimit.retryAfterSeconds ?? 1) });
        return;
      }
      window.push(entry.at);
      if (formError) throw formError;
      if (idemKey && idemKey.length > 255) throw new ApiError(400, 'invalid_request_error', 'Idempotency-Key must be at most 255 characters long.');
      const fingerprint = canonicalForm(entry.params);
      const stored = idemKey ? idempotent.get(`${mode} ${idemKey}`) : undefined;
      if (stored) {
        if (stored.endpoint !== `${method} ${url.pathname}` || stored.params !== fingerprint) {
          throw new ApiError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`);
        }
        entry.replayed = true;
        send(stored.status, stored.body, { 'Idempotent-Replayed': 'true', 'Original-Request': stored.requestId });
        return;
      }
      const result = route(mode, method, parts, entry, key);
      const payload = JSON.stringify(result);
      if (idemKey) idempotent.set(`${mode} ${idemKey}`, { endpoint: `${method} ${url.pathname}`, params: fingerprint, status: 200, body: payload, requestId });
      send(200, payload);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, 'api_error', `An unknown error occurred: ${(e as Error).message}`);
      send(err.status, JSON.stringify(err.body()));
    }
  };

  const route = (mode: 'test' | 'live', method: string, parts: string[], entry: LoggedRequest, key: StripeKey): unknown => {
    const unrecognized = () => new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${entry.url.replace(/\?.*$/, '')}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
    if (parts[0] !== 'v1' || parts.length < 2 || parts.length > 3) throw unrecognized();
    const name = parts[1];
    const res = routes[mode][name];
    if (!res) throw unrecognized();
    const store = stores[mode];
    const write = method !== 'GET';
    const allowed = write ? key.write : key.read;
    if (allowed && !allowed.includes(name)) {
      throw new ApiError(403, 'invalid_request_error', `The provided key '${maskKey(key.key)}' does not have the required permissions for this endpoint on account '${options.account ?? 'acct_1DoubleAccount00'}'. Having the 'rak_${res.object}_${write ? 'write' : 'read'}' permission would allow this request to continue.`);
    }
    if (parts.length === 2) {
      if (method === 'GET') return listPage(store, name, res, entry.query);
      if (method === 'POST' && res.create) {
        const obj = res.create(entry.params, store);
        store.put(name, obj);
        return obj;
      }
      throw unrecognized();
    }
    const id = decodeURIComponent(parts[2]);
    const obj = store.get(name, id);
    if (method === 'GET') {
      if (!obj) throw missing(res.object, id);
      return obj;
    }
    if (method === 'POST' && res.update) {
      if (!obj) throw missing(res.object, id);
      res.update(obj, entry.params, store);
      store.put(name, obj);
      return obj;
    }
    if (method === 'DELETE' && res.deletable) {
      if (!obj) throw missing(res.object, id);
      store.remove(name, id);
      return { id, object: res.object, deleted: true };
    }
    throw unrecognized();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'api_error', message: String(e) } }));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    protocol: 'http',
    objects: (resource, mode = 'test') => [...stores[mode].ordered(resource)],
    get: (resource, id, mode = 'test') => stores[mode].get(resource, id),
    add: (resource, obj, mode = 'test') => stores[mode].put(resource, obj),
    log,
    counts() {
      const out: Record<string, number> = {};
      for (const r of log) out[r.endpoint] = (out[r.endpoint] ?? 0) + 1;
      return out;
    },
    setRateLimit(r) {
      rateLimit = r;
      rateDraw = prng(r?.seed ?? 7);
    },
    setLatency(ms) {
      latency = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
