/**
 * The embedded S3 server (server/src/node/s3server/server.ts) in a process of its own, for bench/import.bench.ts:
 * the server's CPU work (listing, MD5 ETags, streaming bodies) then does not share an event loop — or a core's
 * time slice inside one process — with the import or preview being measured.
 *
 *   node --import tsx bench/local-s3-child.ts <root>
 *
 * Started with an IPC channel (stdio 'ipc'): sends `{ type: 'ready', endpoint }` once listening; answers
 * `{ type: 'stats' }` with the server-side time spent per kind of request (from the request's arrival to the end
 * of its answer) and the process's CPU time, so the benchmark can tell how much of a measured call the server
 * itself took. Exits when the parent disconnects (or dies), or on SIGTERM.
 */
import { performance } from 'node:perf_hooks';
import { startLocalS3 } from '../server/src/node/s3server/server';

export interface ServerStats {
  type: 'stats';
  /** ListObjectsV2 requests: count and total server-side milliseconds. */
  list: { n: number; ms: number };
  /** GetObject / HeadObject requests. */
  get: { n: number; ms: number };
  other: { n: number; ms: number };
  /** process.cpuUsage() of the server process, in microseconds. */
  cpu: { user: number; system: number };
}

async function main(): Promise<void> {
  const root = process.argv[2];
  if (!root || !process.send) {
    console.error('usage: node --import tsx bench/local-s3-child.ts <root>   (with an IPC channel)');
    process.exit(2);
  }
  const s3 = await startLocalS3({ root });
  const stats: ServerStats = { type: 'stats', list: { n: 0, ms: 0 }, get: { n: 0, ms: 0 }, other: { n: 0, ms: 0 }, cpu: { user: 0, system: 0 } };
  // First listener: the server's own handler runs its synchronous part (a listing walks and sorts the folder
  // before its first await) inside the emit, so the clock must start before it.
  s3.server.prependListener('request', (req, res) => {
    const t0 = performance.now();
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    const kind = req.method === 'GET' && /[?&]list-type=2/.test(url) ? 'list' : (req.method === 'GET' || req.method === 'HEAD') && path.indexOf('/', 1) > 0 ? 'get' : 'other';
    res.once('close', () => {
      stats[kind].n++;
      stats[kind].ms += performance.now() - t0;
    });
  });
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stats') process.send!({ ...stats, cpu: process.cpuUsage() });
  });
  const stop = () => {
    void s3.close().finally(() => process.exit(0));
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.send({ type: 'ready', endpoint: s3.endpoint });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
