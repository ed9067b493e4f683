/**
 * The SQLite destination for an import that writes: the database lives in a worker thread (sqlite-worker.ts) and
 * this thread only packs each batch (packBatch: one string encoding, numbers in a Float64Array) and sends it. A commit
 * returns as soon as the previous batch is in the database, so the next batch is read, parsed and mapped while this
 * one is written; at most one batch is ever in flight. What a crash leaves is unchanged: every batch is still one
 * transaction with its state, committed in order. `flush` (awaited by the run before it reports) waits for the last
 * batch and throws its error, as does the next commit after a failed one; `close` waits for it too.
 *
 * The writer lock (the pid file) is taken here, before the thread starts, so that a destination another run is
 * writing is refused at once, as the in-thread destination does.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Batch, Destination } from '../../engine/import/destination';
import type { SyncState } from '../../engine/import/state';
import { releaseWriterLock, takeWriterLock } from './lock';
import { fieldsOf, packBatch, type SqliteOptions } from './sqlite';
import type { WriterReply, WriterRequest } from './sqlite-worker';

/**
 * The worker: the bundle beside this one (dist/sqlite-worker.js), or, when Pipewright runs from its TypeScript sources
 * (tests, benchmarks: `node --import tsx`), the source loaded through tsx's require hook — a worker thread does not
 * inherit the loader hooks that `--import tsx` registered in the main thread.
 */
function startWorker(): Worker {
  const js = join(__dirname, 'sqlite-worker.js');
  if (existsSync(js)) return new Worker(js);
  const ts = join(__dirname, 'sqlite-worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(ts)});`, { eval: true });
}

/** Batches sent to the writer and not yet stored, at most. */
const MAX_IN_FLIGHT = 4;

type Request = WriterRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export function openSqliteWriter(options: SqliteOptions): Destination & { flush(): Promise<void> } {
  const { path } = options;
  const pidFile = `${path}.pipewright-pid`;
  mkdirSync(dirname(path), { recursive: true });
  takeWriterLock(pidFile, path);
  const worker = startWorker();
  // The import's process must not stay alive for an idle writer; a pending call keeps it referenced.
  worker.unref();
  let nextId = 1;
  let failure: Error | undefined;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const failAll = (e: Error) => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on('message', (r: WriterReply) => {
    const w = waiting.get(r.id);
    if (!w) return;
    waiting.delete(r.id);
    if (!waiting.size) worker.unref();
    if (r.ok) w.resolve(r.value);
    else w.reject(Object.assign(new Error(r.message), { name: r.name }));
  });
  worker.on('error', (e) => failAll(new Error(`${path}: the SQLite writer thread failed (${e.message})`)));
  worker.on('exit', (code) => failAll(new Error(`${path}: the SQLite writer thread stopped (exit code ${code})`)));
  const call = (request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id }, transfer);
    });
  };

  const opened = call({ type: 'open', options });
  opened.catch(() => undefined);
  const layout = fieldsOf(options.columns);
  /**
   * Batches sent and not yet stored, oldest first (each answer arrives in order). A packed batch is small (its text
   * bytes and a Float64Array, a few hundred kilobytes for 2,000 records), so a few may wait: the two threads then
   * rarely wait for each other when one of them slows down for a moment.
   */
  const inflight: Array<Promise<unknown>> = [];
  let last: Promise<unknown> = opened;
  let closed = false;

  return {
    description: `SQLite database ${path}`,
    async loadState(stateId) {
      await opened;
      return (await call({ type: 'loadState', stateId })) as SyncState | undefined;
    },
    async commit(batch: Batch) {
      await opened;
      while (inflight.length >= MAX_IN_FLIGHT) await inflight.shift();
      const packed = packBatch(batch, layout);
      // The text bytes and the numbers move to the worker without a copy (each has a buffer of its own).
      const { rows } = packed;
      const sent = call({ type: 'commit', batch: packed }, [rows.text.buffer as ArrayBuffer, rows.nums.buffer as ArrayBuffer, rows.rowStart.buffer as ArrayBuffer]);
      sent.catch(() => undefined);
      inflight.push(sent);
      last = sent;
    },
    async flush() {
      while (inflight.length) await inflight.shift();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        // A failed commit was already thrown to the run (by flush or the next commit): closing only cleans up.
        await last.catch(() => undefined);
        await call({ type: 'close' }).catch(() => undefined);
      } finally {
        await worker.terminate();
        releaseWriterLock(pidFile);
      }
    },
  };
}
