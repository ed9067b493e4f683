/**
 * A fault-injecting HTTP proxy for S3 tests: a node:http server in front of an S3 endpoint (moto) that forwards
 * each request as it is — method, path and query, headers, streamed body both ways — and, for a chosen share of
 * chosen operations, answers with a fault instead:
 *
 *   slowdown  503 with S3's SlowDown XML error body (S3 throttling);
 *   internal  500 with S3's InternalError XML error body;
 *   denied    403 with S3's AccessDenied XML error body (a policy that has not reached every server yet);
 *   badKey    403 InvalidAccessKeyId (a new access key IAM does not know everywhere yet);
 *   reset     the upstream answer's status and headers and a random part of its body, then the connection is
 *             destroyed (a connection reset mid-download);
 *   truncate  the same, but the connection is closed cleanly (FIN) after fewer bytes than Content-Length;
 *   hangup    the connection is destroyed before any answer ("socket hang up");
 *   stall     no answer at all: the connection is held open, silent, until the client gives up (or close());
 *   stallBody the upstream answer's status, headers and a random part of its body, then silence (held open).
 *
 *   const proxy = await startFaultProxy({ target: moto.endpoint, seed: 7, rules: [
 *     { match: 'getObject', rate: 0.5, fault: 'reset' },
 *   ] });
 *   … clients use proxy.endpoint …
 *   proxy.counts.reset  // faults injected so far
 *   await proxy.close();
 *
 * Which requests get a fault is decided by a seeded PRNG (test/helpers/random.ts): the same sequence of requests
 * gets the same faults on every run. Rules are tried in order; the first matching rule whose draw hits applies.
 */
import { request as httpRequest, createServer, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { prng } from './random';

export type Fault = 'slowdown' | 'internal' | 'denied' | 'badKey' | 'reset' | 'truncate' | 'hangup' | 'stall' | 'stallBody';

export interface ProxiedRequest {
  method: string;
  /** Path without the query, e.g. `/bucket/key`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export type Operation = 'getObject' | 'listObjectsV2' | 'any';

export interface FaultRule {
  /** The requests the rule applies to: an S3 operation, or any predicate. */
  match: Operation | ((request: ProxiedRequest) => boolean);
  /** Share of the matching requests that get the fault, 0…1. */
  rate: number;
  fault: Fault;
}

export interface FaultProxyOptions {
  /** The real endpoint, e.g. moto's `http://127.0.0.1:5000`. */
  target: string;
  seed?: number;
  rules?: FaultRule[];
  /** Rewrites the URL forwarded upstream (the path and query), e.g. to work around an emulator's decoding. */
  mapUrl?: (url: string) => string;
}

export interface FaultCounts {
  /** Requests received. */
  requests: number;
  /** GetObject requests, and those of them with a Range header. */
  getObject: number;
  rangeRequests: number;
  /** Body bytes of GetObject answers passed on to the client (what a reader actually downloaded). */
  getObjectBytes: number;
  listObjectsV2: number;
  /** Faults injected, by kind. */
  slowdown: number;
  internal: number;
  denied: number;
  badKey: number;
  reset: number;
  truncate: number;
  hangup: number;
  stall: number;
  stallBody: number;
}

export interface FaultProxy {
  endpoint: string;
  port: number;
  readonly counts: FaultCounts;
  /** Replaces the rules (and restarts the PRNG from `seed` when given); counts are kept. */
  setRules(rules: FaultRule[], seed?: number): void;
  resetCounts(): void;
  /** Total faults injected so far. */
  injected(): number;
  close(): Promise<void>;
}

/** S3's GetObject: a GET of /bucket/key with no sub-resource query. */
export function isGetObject(r: ProxiedRequest): boolean {
  if (r.method !== 'GET') return false;
  const parts = r.path.split('/').filter(Boolean);
  if (parts.length < 2) return false;
  for (const name of ['uploads', 'uploadId', 'tagging', 'acl', 'attributes', 'legal-hold', 'retention', 'torrent']) {
    if (r.query.has(name)) return false;
  }
  return true;
}

/** S3's ListObjectsV2: a GET of /bucket?list-type=2. */
export function isListObjectsV2(r: ProxiedRequest): boolean {
  return r.method === 'GET' && r.query.get('list-type') === '2';
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function zeroCounts(): FaultCounts {
  return { requests: 0, getObject: 0, rangeRequests: 0, getObjectBytes: 0, listObjectsV2: 0, slowdown: 0, internal: 0, denied: 0, badKey: 0, reset: 0, truncate: 0, hangup: 0, stall: 0, stallBody: 0 };
}

function s3ErrorXml(code: string, message: string, resource: string): string {
  const id = Math.random().toString(16).slice(2, 18).toUpperCase();
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<Resource>${resource.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Resource><RequestId>${id}</RequestId><HostId>${id}</HostId></Error>`
  );
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  let rules = options.rules ?? [];
  let random = prng(options.seed ?? 1);
  let counts = zeroCounts();
  // moto (werkzeug) closes every connection; no pooling upstream keeps the proxy simple and leak-free.
  const upstreamAgent = new Agent({ keepAlive: false });
  const sockets = new Set<Socket>();

  const matches = (rule: FaultRule, r: ProxiedRequest): boolean => {
    if (typeof rule.match === 'function') return rule.match(r);
    if (rule.match === 'any') return true;
    return rule.match === 'getObject' ? isGetObject(r) : isListObjectsV2(r);
  };

  const chooseFault = (r: ProxiedRequest): Fault | undefined => {
    for (const rule of rules) {
      if (!matches(rule, r)) continue;
      if (random() < rule.rate) return rule.fault;
    }
    return undefined;
  };

  const answerError = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string, path: string): void => {
    const body = s3ErrorXml(code, message, path);
    // Read (and drop) the request body first, as a server would.
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': 'FAULTPROXY' });
      res.end(body);
    });
  };

  const forward = (req: IncomingMessage, res: ServerResponse, cut?: 'reset' | 'truncate' | 'stallBody', getObject = false): void => {
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    const upstream = httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: options.mapUrl ? options.mapUrl(req.url ?? '/') : req.url,
        headers,
        agent: upstreamAgent,
      },
      (up) => {
        const outHeaders: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(up.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) outHeaders[name] = value;
        }
        const length = Number(up.headers['content-length'] ?? NaN);
        const status = up.statusCode ?? 502;
        if (!cut || status < 200 || status >= 300 || !(length > 0)) {
          res.writeHead(status, outHeaders);
          if (getObject) up.on('data', (chunk: Buffer) => void (counts.getObjectBytes += chunk.length));
          up.pipe(res);
          return;
        }
        // Send the status, the headers (with the full Content-Length) and the first `keep` bytes, then break off.
        const keep = Math.floor(random() * length);
        counts[cut]++;
        res.writeHead(status, outHeaders);
        res.flushHeaders();
        let sent = 0;
        let done = false;
        const breakOff = (): void => {
          if (done) return;
          done = true;
          up.destroy();
          const socket = res.socket;
          if (!socket) return;
          if (cut === 'reset') socket.destroy();
          else if (cut === 'truncate') socket.end();
          // stallBody: leave the connection open and silent.
        };
        up.on('data', (chunk: Buffer) => {
          if (done) return;
          const room = keep - sent;
          if (room <= 0) {
            breakOff();
            return;
          }
          const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
          sent += part.length;
          if (getObject) counts.getObjectBytes += part.length;
          // Break off once the part is handed to the kernel, so the client does receive it.
          if (sent >= keep) res.write(part, () => breakOff());
          else res.write(part);
        });
        up.on('end', breakOff);
        up.on('error', breakOff);
        if (keep === 0) breakOff();
      },
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: upstream ${target.host} failed: ${e.message}`);
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    let path = url.pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      // keep it encoded
    }
    const r: ProxiedRequest = { method: req.method ?? 'GET', path, query: url.searchParams, headers: req.headers };
    counts.requests++;
    if (isGetObject(r)) {
      counts.getObject++;
      if (req.headers.range) counts.rangeRequests++;
    }
    if (isListObjectsV2(r)) counts.listObjectsV2++;
    const fault = chooseFault(r);
    switch (fault) {
      case 'slowdown':
        counts.slowdown++;
        answerError(req, res, 503, 'SlowDown', 'Please reduce your request rate.', r.path);
        return;
      case 'denied':
        counts.denied++;
        answerError(req, res, 403, 'AccessDenied', 'Access Denied', r.path);
        return;
      case 'badKey':
        counts.badKey++;
        answerError(req, res, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', r.path);
        return;
      case 'internal':
        counts.internal++;
        answerError(req, res, 500, 'InternalError', 'We encountered an internal error. Please try again.', r.path);
        return;
      case 'hangup':
        counts.hangup++;
        req.resume();
        req.on('end', () => req.socket.destroy());
        return;
      case 'stall':
        counts.stall++;
        req.resume(); // read the request, never answer
        return;
      case 'reset':
      case 'truncate':
      case 'stallBody':
        forward(req, res, fault, isGetObject(r));
        return;
      default:
        forward(req, res, undefined, isGetObject(r));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_e, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    get counts() {
      return counts;
    },
    setRules(next, seed) {
      rules = next;
      if (seed !== undefined) random = prng(seed);
    },
    resetCounts() {
      counts = zeroCounts();
    },
    injected() {
      return counts.slowdown + counts.internal + counts.denied + counts.badKey + counts.reset + counts.truncate + counts.hangup + counts.stall + counts.stallBody;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        upstreamAgent.destroy();
      });
    },
  };
}
