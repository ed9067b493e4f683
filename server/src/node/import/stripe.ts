/**
 * The Stripe destination: each mapped record created or updated in the Stripe account through the official
 * `stripe` SDK, matched on the template's key (the object id, or an external id kept in a metadata key).
 *
 * - Matching: the first batch lists the target's objects once (100 a request) and keeps, per key, the id and
 *   the current values of the template's fields; records then plan as create, update, unchanged or reject
 *   (engine/import/stripe-plan.ts). An unchanged record sends nothing, so a rerun after one row was edited
 *   updates that one object.
 * - Safety: every write carries an idempotency key made from the S3 object key, its ETag and the record's line
 *   (with the step, the run and the object's state it starts from), so a retried or resumed request is replayed
 *   by Stripe, not applied twice; and a killed run's objects are found by their key when it runs again. Records
 *   go to Stripe first, then into a local ledger (a JSON Lines folder: what was sent, the problems and the sync
 *   state, committed together), so the state never claims a record Stripe has not taken.
 * - Rate: requests are paced to Stripe's documented limit (test mode 25, live mode 100 requests a second, or
 *   `maxRequestsPerSecond`), counted in a sliding second as Stripe counts them at arrival, with at most
 *   `concurrency` in flight; a 429 is waited out as its `Retry-After` says, and nobody starts meanwhile.
 * - A record Stripe refuses (400/404) is a problem naming the object key, the line, the column and Stripe's
 *   message; the rest continue. A refused key, a missing permission or Stripe failing stops the run (resumable).
 * - The key: test mode always, live mode only with `"allowLiveKey": true`; no message contains it.
 */
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { CancellationToken } from '../../engine';
import type { Batch, CommitResult, Destination, ImportProblem, PlannedRecord } from '../../engine/import/destination';
import type { MappedRecord } from '../../engine/import/mapping';
import { appliedValues, keyOfObject, planRecord, REPLACES_KEY, valuesOf, type ExistingObject, type Params, type RecordPlan, type StripeTarget } from '../../engine/import/stripe-plan';
import * as l10n from '../../engine/l10n';
import { apiEndpointOf, retryAfterMs } from '../export/stripe-api';

/** Stripe's documented basic rate limits, requests a second (https://docs.stripe.com/rate-limits). */
export const STRIPE_RATE_LIMIT = { test: 25, live: 100 } as const;

export class StripeDestinationError extends Error {
  override name = 'StripeDestinationError';
}

export interface StripeDestinationOptions {
  /** The key itself (resolved from the reference); never put into a message. */
  apiKey: string;
  /** The reference it came from (`${secret:stripe-api-key}`), for messages. */
  keyRef: string;
  /** `file:line` of `destination.apiKey`. */
  where: string;
  apiBase?: string;
  /** Stripe-Version sent with every request (default: the one the SDK is built for). */
  apiVersion?: string;
  allowLiveKey?: boolean;
  target: StripeTarget;
  /** The ledger: a JSON Lines destination for what was sent, the problems and the state. */
  ledger: Destination;
  maxRequestsPerSecond?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** 429 answers in a row for one request before the run gives up (default 8). */
  rateLimitRetries?: number;
  token?: CancellationToken;
}

export interface StripeStats {
  requests: number;
  /** 429 answers. */
  rateLimited: number;
  /** Time requests spent held back by the pacing or a 429's Retry-After, summed over requests. */
  waitedMs: number;
  /** Time requests spent on the wire, summed over requests. */
  sentMs: number;
}

type Sdk = Stripe;
type Resource = {
  create(p: Params, o: Stripe.RequestOptions): Promise<Record<string, unknown> & { id: string }>;
  update(id: string, p: Params, o: Stripe.RequestOptions): Promise<Record<string, unknown> & { id: string }>;
  list(p: Params): Promise<{ data: Array<Record<string, unknown> & { id: string }>; has_more: boolean }>;
};

export function keyModeOf(key: string, keyRef: string, where: string): 'test' | 'live' {
  const m = /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.exec(key);
  if (m) return m[2] as 'test' | 'live';
  throw new StripeDestinationError(l10n.t('{0}: {1} does not hold a Stripe secret key (sk_…) or restricted key (rk_…) with write access; a publishable key (pk_…) cannot write.', where, keyRef));
}

export function stripeDestination(o: StripeDestinationOptions): Destination & { stats(): StripeStats } {
  const mode = keyModeOf(o.apiKey, o.keyRef, o.where);
  if (mode === 'live' && !o.allowLiveKey) {
    throw new StripeDestinationError(l10n.t('{0}: {1} holds a live-mode key and this pipeline does not allow one: add "allowLiveKey": true to "destination" to write to your live account, or use a test-mode key (sk_test_…/rk_test_…).', o.where, o.keyRef));
  }
  let endpoint: ReturnType<typeof apiEndpointOf>;
  try {
    endpoint = apiEndpointOf(o.apiBase, o.where);
  } catch (e) {
    throw new StripeDestinationError((e as Error).message);
  }
  const { target } = o;
  const rate = o.maxRequestsPerSecond ?? STRIPE_RATE_LIMIT[mode];
  const concurrency = Math.max(1, o.concurrency ?? 4);
  const stats: StripeStats = { requests: 0, rateLimited: 0, waitedMs: 0, sentMs: 0 };
  const redact = (text: string) => text.split(o.apiKey).join('[key]').replace(/\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*]+/g, '[key]');

  let client: Promise<Sdk> | undefined;
  const sdk = () =>
    (client ??= import('stripe').then(({ default: StripeSdk }) =>
      new StripeSdk(o.apiKey, {
        ...endpoint,
        ...(o.apiVersion ? { apiVersion: o.apiVersion as Stripe.LatestApiVersion } : {}),
        // Connection errors, 409 and 5xx are retried by the SDK with the same idempotency key.
        maxNetworkRetries: 3,
        timeout: 60_000,
        telemetry: false,
        appInfo: { name: 'Pipewright', url: 'https://pipewright.dev' },
      }),
    ));
  const resource = async (name: string) => (await sdk())[name as 'products'] as unknown as Resource;

  // Pacing as Stripe counts, at a request's arrival there: a request takes a place in the window from its start
  // here until a second after its answer (it arrived somewhere in between), and a new one starts only while fewer
  // than `rate` places are taken. So, whatever the delays on the way, no second ever sees more than `rate` of our
  // requests arrive: pacing by start times alone lets a delayed request bunch with later ones, and each refusal
  // costs a whole Retry-After.
  const perWindow = Math.max(1, Math.floor(rate));
  let inFlight = 0;
  /** Answer times of the requests of the last second, oldest first. */
  const answered: number[] = [];
  let blockedUntil = 0;
  let wake: Array<() => void> = [];
  const acquire = async (): Promise<number> => {
    const t0 = Date.now();
    for (;;) {
      const now = Date.now();
      while (answered.length && answered[0] <= now - 1000) answered.shift();
      if (now >= blockedUntil && inFlight + answered.length < perWindow) {
        inFlight++;
        return now - t0;
      }
      if (now < blockedUntil) await sleep(blockedUntil - now);
      else if (answered.length) await sleep(answered[0] + 1000 - now + 1);
      else await new Promise<void>((resolve) => wake.push(resolve));
    }
  };
  const release = () => {
    inFlight--;
    answered.push(Date.now());
    const waiting = wake;
    wake = [];
    for (const w of waiting) w();
  };
  const call = async <T>(what: string, send: () => Promise<T>): Promise<T> => {
    for (let refusals = 0; ; ) {
      if (o.token?.isCancellationRequested) throw new StripeDestinationError(l10n.t('stopped before the batch was committed: run the import again to resume (idempotency keys keep Stripe from applying a record twice).'));
      stats.waitedMs += await acquire();
      const t0 = Date.now();
      stats.requests++;
      try {
        return await send();
      } catch (e) {
        if ((e as { type?: string }).type !== 'StripeRateLimitError') throw e;
        stats.rateLimited++;
        if (++refusals > (o.rateLimitRetries ?? 8)) throw new StripeDestinationError(l10n.t('Stripe kept answering 429 (rate limit) on {0} after {1} tries: the key is shared with busier work, or "maxRequestsPerSecond" is above the account’s limit; run the import again later.', what, refusals));
        const wait = Math.min(retryAfterMs((e as { headers?: Record<string, string> }).headers?.['retry-after']) ?? 500 * 2 ** (refusals - 1), 60_000);
        // Nobody starts while the limit is being waited out: the others would only be refused too.
        blockedUntil = Math.max(blockedUntil, Date.now() + wait);
      } finally {
        stats.sentMs += Date.now() - t0;
        release();
      }
    }
  };

  // key → what Stripe holds; built on the first batch with records.
  let index: Map<string, ExistingObject> | undefined;
  const loadIndex = async (): Promise<Map<string, ExistingObject>> => {
    if (index) return index;
    const prices = new Map<string, Record<string, unknown>>();
    if (target.resource === 'products' && target.fields.some((f) => f.startsWith('default_price_data.'))) {
      for await (const p of listAll('prices')) prices.set(p.id, p);
    }
    const map = new Map<string, ExistingObject>();
    for await (const obj of listAll(target.resource)) {
      const key = keyOfObject(target, obj as { id: string; metadata?: Record<string, string> });
      if (key === undefined || map.has(key)) continue;
      const price = typeof obj.default_price === 'string' ? prices.get(obj.default_price) : undefined;
      const replaced = (price?.metadata as Record<string, unknown> | undefined)?.[REPLACES_KEY];
      const unarchived = typeof replaced === 'string' && prices.get(replaced)?.active === true ? replaced : undefined;
      map.set(key, { id: obj.id, values: valuesOf(target, obj, price), ...(price ? { defaultPrice: price.id as string } : {}), ...(unarchived ? { unarchived } : {}) });
    }
    return (index = map);
  };
  async function* listAll(name: string) {
    const res = await resource(name);
    let after: string | undefined;
    for (;;) {
      const page = await call(`GET /v1/${name}`, () => res.list({ limit: 100, ...(after ? { starting_after: after } : {}) })).catch((e) => {
        throw fatal(e, `GET /v1/${name}`);
      });
      for (const obj of page.data) yield obj;
      if (!page.has_more || !page.data.length) return;
      after = page.data[page.data.length - 1].id;
    }
  }

  const fatal = (e: unknown, call: string): Error => {
    if (e instanceof StripeDestinationError) return e;
    const err = e as { type?: string; statusCode?: number; message?: string; requestId?: string };
    const request = err.requestId ? ` (request ${err.requestId})` : '';
    const detail = redact(err.message ?? String(e));
    switch (err.type) {
      case 'StripeAuthenticationError':
        return new StripeDestinationError(l10n.t('{0}: the Stripe key in {1} was refused (401 on {2}): check that it is a key of the account you import into and that it was not rolled or deleted{3}', o.where, o.keyRef, call, request));
      case 'StripePermissionError':
        return new StripeDestinationError(l10n.t('{0}: the Stripe key in {1} may not do {2} (403): give the restricted key Write access to {3} in the Stripe Dashboard (Developers > API keys){4}', o.where, o.keyRef, call, target.resource, request));
      case 'StripeConnectionError':
        return new StripeDestinationError(l10n.t('could not reach the Stripe API for {0} ({1}): check the network or proxy, or "apiBase" at {2}; run the import again to resume', call, detail, o.where));
      default:
        return new StripeDestinationError(l10n.t('the Stripe API failed on {0} ({1}: {2}); run the import again to resume{3}', call, String(err.statusCode ?? 'no status'), detail, request));
    }
  };

  /** A refusal that belongs to the record (invalid parameter, missing object, idempotency conflict). */
  const refusedRecord = (e: unknown): string | undefined => {
    const err = e as { type?: string; message?: string; param?: string; requestId?: string };
    if (err.type !== 'StripeInvalidRequestError' && err.type !== 'StripeIdempotencyError' && err.type !== 'StripeCardError') return undefined;
    return `${redact(err.message ?? '')}${err.param ? ` (${err.param})` : ''}${err.requestId ? ` [${err.requestId}]` : ''}`;
  };

  /**
   * The record (object key, ETag, line), the step, the run, and the state of the Stripe object the request starts
   * from. A resumed run is the same run (the state it loaded names it) and starts from the same state, so Stripe
   * replays what was already applied; but a later run sending the same record again (a later file changed the
   * object, and this file is imported again with --full) must have it applied, not answered with the replay of its
   * first time: Stripe keeps idempotency keys for 24 hours.
   */
  const idempotencyKey = (r: MappedRecord, step: string, from: ExistingObject | undefined) => {
    const state = from ? [from.id, ...target.fields.map((f) => JSON.stringify(from.values[f] ?? null))] : [];
    return `pipewright-${createHash('sha256').update([target.resource, r.source ?? '', r.etag ?? '', String(r.line), step, runOf, ...state].join('\n')).digest('hex').slice(0, 48)}`;
  };
  /** The run the keys belong to, from the state it started from: a run in progress, or the last completed sync. */
  let runOf = '';

  /** Sends a record's plan; returns the object id, or Stripe's message when Stripe refused the record. */
  const apply = async (r: MappedRecord, plan: RecordPlan, from: ExistingObject | undefined): Promise<{ id?: string; defaultPrice?: string; refused?: string; param?: string }> => {
    let id = plan.id;
    let defaultPrice: string | undefined;
    for (const req of plan.requests) {
      const onPrices = req.kind === 'price' || req.kind === 'archive-price';
      const what = req.kind === 'update' ? `POST /v1/${target.resource}/${id}` : req.kind === 'archive-price' ? `POST /v1/prices/${req.id}` : `POST /v1/${onPrices ? 'prices' : target.resource}`;
      try {
        const res = await resource(onPrices ? 'prices' : target.resource);
        // A plan may archive two prices (the one it replaces, one an interrupted run replaced): one key each.
        const options = { idempotencyKey: idempotencyKey(r, req.kind === 'archive-price' ? `${req.kind} ${req.id}` : req.kind, from) };
        if (req.kind === 'price') defaultPrice = (await call(what, () => res.create(req.params, options))).id;
        else if (req.kind === 'archive-price') await call(what, () => res.update(req.id!, req.params, options));
        else if (req.kind === 'create') {
          const created = await call(what, () => res.create(req.params, options));
          id = created.id;
          // A product made with default_price_data: its price, archived if a later record of this run replaces it.
          if (typeof created.default_price === 'string') defaultPrice = created.default_price;
        }
        else await call(what, () => res.update(id!, defaultPrice ? { ...req.params, default_price: defaultPrice } : req.params, options));
      } catch (e) {
        const refused = refusedRecord(e);
        if (refused === undefined) throw fatal(e, what);
        return { id, defaultPrice, refused, param: (e as { param?: string }).param };
      }
    }
    return { id, defaultPrice };
  };

  /** Decides (and unless dry, sends) every record of a batch: one key at a time, `concurrency` keys at once. */
  const run = async (batch: Batch, dry: boolean): Promise<CommitResult & { sent: MappedRecord[] }> => {
    const idx = await loadIndex();
    const results = new Array<{ plan: RecordPlan; id?: string; defaultPrice?: string; refused?: string; param?: string }>(batch.records.length);
    const groups = new Map<string, number[]>();
    batch.records.forEach((r, i) => {
      const g = groups.get(r.key);
      if (g) g.push(i);
      else groups.set(r.key, [i]);
    });
    const queue = [...groups.values()];
    let failure: unknown;
    const worker = async () => {
      while (queue.length && failure === undefined) {
        for (const i of queue.shift()!) {
          const r = batch.records[i];
          const before = idx.get(r.key);
          const plan = planRecord(target, r, before);
          const out: (typeof results)[number] = { plan, id: plan.id };
          if (plan.action !== 'reject' && plan.action !== 'unchanged' && !dry) Object.assign(out, await apply(r, plan, before));
          results[i] = out;
          if (plan.action !== 'reject' && out.refused === undefined) {
            const defaultPrice = out.defaultPrice ?? before?.defaultPrice;
            idx.set(r.key, { id: out.id ?? before?.id ?? '', values: appliedValues(target, r, before), ...(defaultPrice ? { defaultPrice } : {}) });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, () => worker().catch((e) => void (failure ??= e))));
    if (failure !== undefined) throw failure;
    const result: CommitResult & { sent: MappedRecord[] } = { actions: {}, rejected: [], records: [], sent: [] };
    batch.records.forEach((r, i) => {
      const { plan, id, refused, param } = results[i];
      const action = refused !== undefined ? 'reject' : plan.action;
      const message = refused ?? plan.message;
      result.actions[action] = (result.actions[action] ?? 0) + 1;
      result.records.push({ object: r.source ?? '', line: r.line, key: r.key, action, id, message, ...(plan.changed ? { changed: plan.changed } : {}) });
      if (action === 'reject') result.rejected.push(problemOf(r, message ?? '', param));
      else result.sent.push({ ...r, fields: { ...r.fields, _stripe_id: id ?? null, _stripe_action: action } });
    });
    return result;
  };

  const problemOf = (r: MappedRecord, message: string, param?: string): ImportProblem => {
    // Stripe names the parameter in bracket form (default_price_data[unit_amount]): the template's column that fills it.
    const field = param?.replace(/\[([^\]]*)\]/g, '.$1');
    const at = field ? target.fields.indexOf(field) : -1;
    const value = at >= 0 ? r.fields[target.fields[at]] : undefined;
    return { object: r.source ?? '', line: r.line, message: l10n.t('Stripe refused the {0}: {1}', target.schema.object, message), ...(at >= 0 ? { column: target.columns[at] } : {}), ...(value !== undefined && value !== null ? { value: String(value) } : {}) };
  };

  return {
    description: l10n.t('Stripe {0} ({1} mode), ledger in {2}', target.resource, mode, o.ledger.description),
    async loadState(stateId) {
      const state = await o.ledger.loadState(stateId);
      runOf = state?.run ? `run ${state.run.startedAt}` : `after ${state?.lastSyncAt ?? 'none'}`;
      return state;
    },
    async commit(batch) {
      const result = batch.records.length ? await run(batch, false) : { actions: {}, rejected: [], records: [], sent: [] };
      const { sent, ...report } = result;
      await o.ledger.commit({ ...batch, records: sent, problems: [...batch.problems, ...result.rejected] });
      return report;
    },
    async plan(batch) {
      if (!batch.records.length) return { actions: {}, rejected: [], records: [] };
      const { sent: _sent, ...report } = await run(batch, true);
      return report;
    },
    close: () => o.ledger.close(),
    stats: () => ({ ...stats }),
  };
}

/** For the preview: the plan of some records against the account, read-only. */
export async function planRecords(d: Destination, records: MappedRecord[]): Promise<PlannedRecord[]> {
  if (!d.plan) return [];
  const r = await d.plan({ stateId: '', target: '', records, problems: [], state: { version: 1, atWatermark: {} }, finished: [] });
  return r.records;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
