/**
 * A local, stateful stand-in for Adobe's Flow Service API (and the Data Prep mapping sets beside it): a node:http
 * server on a random port of 127.0.0.1 speaking the wire protocol of the Stripe source guide.
 *
 *   const fs = await startFlowServiceDouble();
 *   // platform.baseUrl = fs.baseUrl  (…/data/foundation/flowservice; mapping sets under …/data/foundation/conversion)
 *   await fs.close();
 *
 * What it enforces, as the guide and Adobe's API docs say:
 * - every request carries `Authorization: Bearer <token>` (401 otherwise), `x-api-key` and `x-gw-ims-org-id` of the
 *   project (403), `x-sandbox-name` (400; objects live per sandbox), and bodies `Content-Type: application/json` (415);
 * - bodies are JSON (400 on anything else); connection and flow spec ids are the ones the guide fixes (400 naming
 *   the unknown spec); source connections name an existing base connection, flows existing source and target
 *   connections and an existing mapping set version; formats json / parquet_xdm; resource paths the six of the guide;
 * - schedules: a frequency of once/minute/hour/day/week, intervals at least 15/1/1/1, none for once (400);
 * - every object has an etag (body and `ETag` header), changed by each PATCH; PATCH takes JSON Patch operations and
 *   needs `If-Match` (400 without it, 412 when it is not the current etag); mapping sets are versioned by PUT;
 * - DELETE refuses an object another still uses (a base connection with source connections, a connection a flow
 *   uses, a mapping set a flow uses): delete in reverse order;
 * - `GET /runs?property=flowId==<id>` answers pages of `limit` runs (default 5) with `_links.next.href`;
 * - explore (`GET /connections/<id>/explore?objectType=rest&object=json&fileType=json&sourceParams=…`) decodes
 *   the base64 sourceParams and answers the records' schema, inferred from the sample-data generator's objects of
 *   that resource path (not from Pipewright's shipped schemas), with preview rows.
 * Runs are added by the test (`addRun`): their metrics are computed from the counts given. Every request is logged
 * with its headers; `beforeRequest` lets a test act between two requests of a client (a concurrent edit).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleData } from '../../server/src/engine/export/sample';

export const STRIPE_SPEC = 'cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3';
export const DATA_LAKE_SPEC = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
export const FLOW_SPEC = '6499120c-0b15-42dc-936e-847ea3c24d72';
const RESOURCE_PATHS = ['charges', 'subscriptions', 'refunds', 'balance_transactions', 'customers', 'prices'];
const MIN_INTERVAL: Record<string, number> = { minute: 15, hour: 1, day: 1, week: 1 };

export interface FlowServiceDoubleOptions {
  token?: string;
  apiKey?: string;
  imsOrg?: string;
  /** Runs per page of GET /runs (default 5). */
  runsPageSize?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status?: number;
}

type Collection = 'connections' | 'sourceConnections' | 'targetConnections' | 'flows' | 'mappingSets' | 'runs';
type Obj = Record<string, unknown> & { id: string; etag?: string };

class HttpError extends Error {
  constructor(readonly status: number, readonly title: string, readonly detail: string) {
    super(detail);
  }
}

export interface FlowServiceDouble {
  port: number;
  /** `http://127.0.0.1:<port>/data/foundation/flowservice` */
  baseUrl: string;
  token: string;
  apiKey: string;
  imsOrg: string;
  log: LoggedRequest[];
  /** The stored objects of a collection in a sandbox. */
  objects(collection: Collection, sandbox?: string): Obj[];
  /** A run of a flow, as Platform would record it: counts in, metrics and status out. */
  addRun(flowId: string, run: { input: number; failed?: number; errors?: Array<{ code: string; message: string }>; sandbox?: string }): Obj;
  beforeRequest?: (req: LoggedRequest) => Promise<void> | void;
  close(): Promise<void>;
}

let counter = 0;
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const newEtag = () => `"${hex(8)}-0000-0200-0000-${(++counter).toString(16).padStart(12, '0')}"`;

export async function startFlowServiceDouble(options: FlowServiceDoubleOptions = {}): Promise<FlowServiceDouble> {
  const token = options.token ?? 'eyJhbGciOiJSUzI1NiJ9.double-access-token';
  const apiKey = options.apiKey ?? 'd2d4de72c5d196fb83112a678ce50e98';
  const imsOrg = options.imsOrg ?? '6B0F9C2E5F1D3A0B0A495E2A@AdobeOrg';
  const pageSize = options.runsPageSize ?? 5;
  const store = new Map<string, Map<Collection, Map<string, Obj>>>();
  const coll = (sandbox: string, c: Collection) => {
    let s = store.get(sandbox);
    if (!s) store.set(sandbox, (s = new Map()));
    let m = s.get(c);
    if (!m) s.set(c, (m = new Map()));
    return m;
  };
  const log: LoggedRequest[] = [];
  const samples = sampleData({ charges: 20, seed: 7 });

  const double: FlowServiceDouble = {
    port: 0,
    baseUrl: '',
    token,
    apiKey,
    imsOrg,
    log,
    objects: (c, sandbox = 'prod') => [...coll(sandbox, c).values()],
    addRun(flowId, run) {
      const sandbox = run.sandbox ?? 'prod';
      if (!coll(sandbox, 'flows').has(flowId)) throw new Error(`no flow ${flowId}`);
      const failed = run.failed ?? 0;
      const n = coll(sandbox, 'runs').size;
      const started = Date.UTC(2026, 10, 23, 8, 0, 0) + n * 3_600_000;
      const status = failed === 0 ? 'success' : failed >= run.input ? 'failed' : 'partialSuccess';
      const r: Obj = {
        id: uuid(), flowId, etag: newEtag(), createdAt: started, updatedAt: started + 120_000,
        metrics: {
          durationSummary: { startedAtUTC: started, completedAtUTC: started + 120_000 },
          recordSummary: { inputRecordCount: run.input, outputRecordCount: run.input - failed, failedRecordCount: failed },
          statusSummary: { status, errors: run.errors ?? (failed ? [{ code: 'CONNECTOR-2001-500', message: `${failed} record(s) failed mapping` }] : []) },
        },
      };
      coll(sandbox, 'runs').set(r.id, r);
      return r;
    },
    close: () => new Promise((res) => server.close(() => res())),
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const entry: LoggedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, body: Buffer.concat(chunks).toString('utf8') };
      log.push(entry);
      void (async () => {
        try {
          await double.beforeRequest?.(entry);
          const { status, body, headers } = handle(req, entry);
          entry.status = status;
          send(res, status, body, headers);
        } catch (e) {
          const err = e instanceof HttpError ? e : new HttpError(500, 'Internal Server Error', String((e as Error)?.message ?? e));
          entry.status = err.status;
          send(res, err.status, { type: `https://ns.adobe.com/aep/errors/FLOW-${err.status}`, title: err.title, status: err.status, detail: err.detail });
        }
      })();
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (status === 204) {
      res.writeHead(204, headers).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers }).end(text);
  }

  function handle(req: IncomingMessage, entry: LoggedRequest): { status: number; body?: unknown; headers?: Record<string, string> } {
    const url = new URL(entry.path, 'http://double');
    const h = req.headers;
    if (h.authorization !== `Bearer ${token}`) throw new HttpError(401, 'Unauthorized', h.authorization ? 'Oauth token is not valid' : 'Authorization header is missing');
    if (h['x-api-key'] !== apiKey) throw new HttpError(403, 'Forbidden', 'Api Key is invalid');
    if (h['x-gw-ims-org-id'] !== imsOrg) throw new HttpError(403, 'Forbidden', 'x-gw-ims-org-id is not the organisation of the token');
    const sandbox = h['x-sandbox-name'];
    if (typeof sandbox !== 'string' || !sandbox) throw new HttpError(400, 'Bad Request', 'x-sandbox-name header is required');
    let body: unknown;
    if (['POST', 'PATCH', 'PUT'].includes(entry.method)) {
      if (!String(h['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'Unsupported Media Type', 'Content-Type must be application/json');
      try {
        body = JSON.parse(entry.body);
      } catch (e) {
        throw new HttpError(400, 'Bad Request', `Request body is not valid JSON: ${(e as Error).message}`);
      }
    }
    const m = /^\/data\/foundation\/(flowservice|conversion)\/([A-Za-z]+)(?:\/([^/]+))?(?:\/(explore))?$/.exec(url.pathname);
    if (!m) throw new HttpError(404, 'Not Found', `No route ${url.pathname}`);
    const [, api, name, id, explore] = m;
    const c = name as Collection;
    const known: Record<string, Collection[]> = { flowservice: ['connections', 'sourceConnections', 'targetConnections', 'flows', 'runs'], conversion: ['mappingSets'] };
    if (!known[api].includes(c)) throw new HttpError(404, 'Not Found', `No route ${url.pathname}`);
    const objs = coll(sandbox, c);
    const get = (x: Collection, xid: string) => coll(sandbox, x).get(xid);
    if (explore) return exploreAnswer(url, id!, sandbox);
    if (c === 'runs' && entry.method === 'GET' && !id) return runsPage(url, sandbox);
    if (!id) {
      if (entry.method !== 'POST') throw new HttpError(405, 'Method Not Allowed', `${entry.method} ${url.pathname}`);
      const o = body as Record<string, unknown>;
      if (!o || typeof o !== 'object' || Array.isArray(o)) throw new HttpError(400, 'Bad Request', 'The body must be a JSON object');
      validate(c, o, (x, xid) => get(x, xid));
      const now = Date.now();
      if (c === 'mappingSets') {
        const ms: Obj = { ...o, id: hex(32), version: 0, createdDate: now, modifiedDate: now, createdBy: apiKey, modifiedBy: apiKey, versions: [o] };
        objs.set(ms.id, ms);
        return { status: 200, body: { id: ms.id, version: 0, createdDate: now, modifiedDate: now, createdBy: apiKey, modifiedBy: apiKey } };
      }
      const stored: Obj = { ...o, id: uuid(), etag: newEtag(), createdAt: now, updatedAt: now, state: 'enabled' };
      objs.set(stored.id, stored);
      return { status: 201, body: { id: stored.id, etag: stored.etag } };
    }
    const cur = objs.get(id);
    if (!cur) throw new HttpError(404, 'Not Found', `${c} ${id} not found`);
    switch (entry.method) {
      case 'GET':
        if (c === 'mappingSets') return { status: 200, body: publicMapping(cur) };
        return { status: 200, body: { items: [cur] }, headers: { ETag: cur.etag! } };
      case 'PUT': {
        if (c !== 'mappingSets') throw new HttpError(405, 'Method Not Allowed', 'PUT is for mapping sets');
        const o = body as Record<string, unknown>;
        validate(c, o, (x, xid) => get(x, xid));
        const versions = [...(cur.versions as unknown[]), o];
        const next: Obj = { ...cur, ...o, id, version: versions.length - 1, modifiedDate: Date.now(), versions };
        objs.set(id, next);
        return { status: 200, body: publicMapping(next) };
      }
      case 'PATCH': {
        if (c === 'mappingSets') throw new HttpError(405, 'Method Not Allowed', 'mapping sets are updated with PUT');
        const ifMatch = h['if-match'];
        if (!ifMatch) throw new HttpError(400, 'Bad Request', 'If-Match header is required for PATCH');
        if (ifMatch !== cur.etag) throw new HttpError(412, 'Precondition Failed', `If-Match ${ifMatch} is not the current etag of ${c} ${id}: it was changed since you read it`);
        if (!Array.isArray(body)) throw new HttpError(400, 'Bad Request', 'PATCH takes a JSON Patch array of operations');
        const next = applyPatch(cur, body as PatchOp[]);
        validate(c, next, (x, xid) => get(x, xid));
        next.etag = newEtag();
        next.updatedAt = Date.now();
        objs.set(id, next);
        return { status: 200, body: { id, etag: next.etag } };
      }
      case 'DELETE': {
        const users = usersOf(sandbox, c, id);
        if (users.length) throw new HttpError(400, 'Bad Request', `${c} ${id} is used by ${users.join(', ')}: delete those first`);
        objs.delete(id);
        return { status: 204 };
      }
      default:
        throw new HttpError(405, 'Method Not Allowed', entry.method);
    }
  }

  function publicMapping(o: Obj): Record<string, unknown> {
    const { versions: _v, ...rest } = o;
    return rest;
  }

  function usersOf(sandbox: string, c: Collection, id: string): string[] {
    const out: string[] = [];
    if (c === 'connections') for (const s of coll(sandbox, 'sourceConnections').values()) if (s.baseConnectionId === id) out.push(`source connection ${s.id}`);
    for (const f of coll(sandbox, 'flows').values()) {
      if (c === 'sourceConnections' && (f.sourceConnectionIds as string[]).includes(id)) out.push(`flow ${f.id}`);
      if (c === 'targetConnections' && (f.targetConnectionIds as string[]).includes(id)) out.push(`flow ${f.id}`);
      if (c === 'mappingSets' && (f.transformations as Array<{ params?: { mappingId?: string } }>).some((t) => t.params?.mappingId === id)) out.push(`flow ${f.id}`);
    }
    return out;
  }

  function validate(c: Collection, o: Record<string, unknown>, get: (c: Collection, id: string) => Obj | undefined): void {
    const at = (p: string) => p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
    const need = (p: string) => {
      if (at(p) === undefined || at(p) === '') throw new HttpError(400, 'Bad Request', `${p} is required`);
    };
    const spec = (p: string, want: string) => {
      need(p);
      if (at(p) !== want) throw new HttpError(400, 'Bad Request', `Connection spec ${String(at(p))} not found`);
    };
    switch (c) {
      case 'connections':
        need('name');
        spec('connectionSpec.id', STRIPE_SPEC);
        if (at('auth.specName') !== 'OAuth2 Refresh Code') throw new HttpError(400, 'Bad Request', `auth.specName ${String(at('auth.specName'))} is not a spec of this connection`);
        need('auth.params.accessToken');
        break;
      case 'sourceConnections':
        need('name');
        spec('connectionSpec.id', STRIPE_SPEC);
        need('baseConnectionId');
        if (!get('connections', String(at('baseConnectionId')))) throw new HttpError(400, 'Bad Request', `Base connection ${String(at('baseConnectionId'))} not found`);
        if (at('data.format') !== 'json') throw new HttpError(400, 'Bad Request', `data.format ${String(at('data.format'))} is not supported: json`);
        if (!RESOURCE_PATHS.includes(String(at('params.resourcePath')))) throw new HttpError(400, 'Bad Request', `params.resourcePath ${String(at('params.resourcePath'))} is not supported`);
        break;
      case 'targetConnections':
        need('name');
        spec('connectionSpec.id', DATA_LAKE_SPEC);
        if (at('data.format') !== 'parquet_xdm') throw new HttpError(400, 'Bad Request', `data.format ${String(at('data.format'))} is not supported: parquet_xdm`);
        need('data.schema.id');
        need('params.dataSetId');
        break;
      case 'mappingSets':
        need('xdmSchema');
        if (!Array.isArray(o.mappings) || !o.mappings.length) throw new HttpError(400, 'Bad Request', 'mappings must be a non-empty array');
        for (const [i, x] of (o.mappings as Array<Record<string, unknown>>).entries()) {
          if (typeof x?.destinationXdmPath !== 'string' || ((x.sourceType ?? 'ATTRIBUTE') === 'ATTRIBUTE' && typeof x.sourceAttribute !== 'string')) throw new HttpError(400, 'Bad Request', `mappings[${i}] needs sourceAttribute and destinationXdmPath`);
        }
        break;
      case 'flows': {
        need('name');
        if (at('flowSpec.id') !== FLOW_SPEC) throw new HttpError(400, 'Bad Request', `Flow spec ${String(at('flowSpec.id'))} not found`);
        for (const sid of (o.sourceConnectionIds as string[] | undefined) ?? []) if (!get('sourceConnections', sid)) throw new HttpError(400, 'Bad Request', `Source connection ${sid} not found`);
        for (const tid of (o.targetConnectionIds as string[] | undefined) ?? []) if (!get('targetConnections', tid)) throw new HttpError(400, 'Bad Request', `Target connection ${tid} not found`);
        if (!(o.sourceConnectionIds as unknown[])?.length || !(o.targetConnectionIds as unknown[])?.length) throw new HttpError(400, 'Bad Request', 'sourceConnectionIds and targetConnectionIds are required');
        for (const t of (o.transformations as Array<{ params?: { mappingId?: string; mappingVersion?: number } }>) ?? []) {
          const ms = t.params?.mappingId ? get('mappingSets', t.params.mappingId) : undefined;
          if (!ms) throw new HttpError(400, 'Bad Request', `Mapping set ${String(t.params?.mappingId)} not found`);
          if (typeof t.params?.mappingVersion !== 'number' || t.params.mappingVersion > (ms.version as number)) throw new HttpError(400, 'Bad Request', `Mapping set ${ms.id} has no version ${String(t.params?.mappingVersion)}`);
        }
        const freq = at('scheduleParams.frequency') ?? 'once';
        const interval = at('scheduleParams.interval');
        if (freq === 'once') {
          if (interval !== undefined) throw new HttpError(400, 'Bad Request', 'interval is not allowed for a once flow');
        } else if (!(String(freq) in MIN_INTERVAL)) {
          throw new HttpError(400, 'Bad Request', `frequency ${String(freq)} is not one of once, minute, hour, day, week`);
        } else if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < MIN_INTERVAL[String(freq)]) {
          throw new HttpError(400, 'Bad Request', `interval ${String(interval)} is below the minimum of ${MIN_INTERVAL[String(freq)]} for ${String(freq)}`);
        }
        if (!/^\d+$/.test(String(at('scheduleParams.startTime') ?? ''))) throw new HttpError(400, 'Bad Request', 'scheduleParams.startTime must be epoch seconds');
        break;
      }
      default:
        break;
    }
  }

  function exploreAnswer(url: URL, id: string, sandbox: string) {
    if (!coll(sandbox, 'connections').has(id)) throw new HttpError(404, 'Not Found', `connection ${id} not found`);
    if (url.searchParams.get('objectType') !== 'rest' || url.searchParams.get('fileType') !== 'json' || url.searchParams.get('object') !== 'json') throw new HttpError(400, 'Bad Request', 'objectType=rest, object=json and fileType=json are required');
    let rp: unknown;
    try {
      rp = (JSON.parse(Buffer.from(url.searchParams.get('sourceParams') ?? '', 'base64').toString('utf8')) as { resourcePath?: unknown }).resourcePath;
    } catch {
      throw new HttpError(400, 'Bad Request', 'sourceParams is not base64-encoded JSON');
    }
    if (typeof rp !== 'string' || !RESOURCE_PATHS.includes(rp)) throw new HttpError(400, 'Bad Request', `resourcePath ${String(rp)} is not supported`);
    const objects = samples[rp as keyof typeof samples];
    const preview = url.searchParams.get('preview') === 'true';
    return { status: 200, body: { format: 'hierarchical', schema: { type: 'object', properties: { data: infer(objects) } }, ...(preview ? { data: objects.slice(0, 5).map((x) => ({ data: x })) } : {}) } };
  }

  function runsPage(url: URL, sandbox: string) {
    const prop = url.searchParams.get('property') ?? '';
    const m = /^flowId==(.+)$/.exec(prop);
    if (!m) throw new HttpError(400, 'Bad Request', 'property=flowId==<id> is required');
    const all = [...coll(sandbox, 'runs').values()].filter((r) => r.flowId === m[1]).sort((a, b) => (b.createdAt as number) - (a.createdAt as number));
    const start = Number(url.searchParams.get('continuationToken') ?? 0);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? pageSize), pageSize);
    const items = all.slice(start, start + limit);
    const next = start + limit < all.length ? { next: { href: `/runs?property=${encodeURIComponent(prop)}&continuationToken=${start + limit}` } } : {};
    return { status: 200, body: { items, _links: next } };
  }

  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  double.port = (server.address() as AddressInfo).port;
  double.baseUrl = `http://127.0.0.1:${double.port}/data/foundation/flowservice`;
  return double;
}

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

/** RFC 6902 add/replace/remove on object members (all a Flow Service PATCH needs). */
function applyPatch(obj: Obj, ops: PatchOp[]): Obj {
  const next = JSON.parse(JSON.stringify(obj)) as Obj;
  for (const op of ops) {
    if (!['add', 'replace', 'remove'].includes(op.op) || typeof op.path !== 'string' || !op.path.startsWith('/')) throw new HttpError(400, 'Bad Request', `Unsupported patch operation ${JSON.stringify(op)}`);
    const parts = op.path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (['id', 'etag', 'createdAt', 'flowSpec', 'connectionSpec'].includes(parts[0])) throw new HttpError(400, 'Bad Request', `${op.path} cannot be changed`);
    let cur = next as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) {
      if (!cur[p] || typeof cur[p] !== 'object') {
        if (op.op === 'add') cur[p] = {};
        else throw new HttpError(400, 'Bad Request', `Path ${op.path} does not exist`);
      }
      cur = cur[p] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1];
    if (op.op === 'remove') delete cur[last];
    else {
      if (op.op === 'replace' && !(last in cur)) throw new HttpError(400, 'Bad Request', `Path ${op.path} does not exist`);
      cur[last] = op.value;
    }
  }
  return next;
}

/** A JSON schema of the objects' fields, from the values themselves. */
function infer(objects: Array<Record<string, unknown>>): Record<string, unknown> {
  const props: Record<string, Array<unknown>> = {};
  for (const o of objects) for (const [k, v] of Object.entries(o)) (props[k] ??= []).push(v);
  const schemaOf = (values: unknown[]): Record<string, unknown> => {
    const present = values.filter((v) => v !== null && v !== undefined);
    const v = present[0];
    if (v === undefined) return { type: 'string' };
    if (Array.isArray(v)) return { type: 'array' };
    if (typeof v === 'object') return infer(present as Array<Record<string, unknown>>);
    if (typeof v === 'number') return { type: present.every((x) => Number.isInteger(x)) ? 'integer' : 'number' };
    return { type: typeof v };
  };
  return { type: 'object', properties: Object.fromEntries(Object.entries(props).map(([k, vs]) => [k, schemaOf(vs)])) };
}
