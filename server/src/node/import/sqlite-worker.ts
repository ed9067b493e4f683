/**
 * The SQLite writer's thread (see sqlite-thread.ts): it owns the database and commits the packed batches the import
 * thread sends, so that writing into SQLite — about half of an import's time — runs beside reading, parsing and
 * mapping instead of after them. One message at a time, in order; each is answered with its id.
 *
 * Bundled on its own (dist/sqlite-worker.js) beside the server and the CLI.
 */
import { parentPort } from 'node:worker_threads';
import { openSqliteDestination, type PackedBatch, type SqliteDestination, type SqliteOptions } from './sqlite';

export type WriterRequest =
  | { id: number; type: 'open'; options: SqliteOptions }
  | { id: number; type: 'loadState'; stateId: string }
  | { id: number; type: 'commit'; batch: PackedBatch }
  | { id: number; type: 'close' };

export type WriterReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; message: string; name: string };

let destination: SqliteDestination | undefined;
/**
 * The first commit that failed. Later batches were sent before the failure was known, and their state says "done up to
 * here": committing them would skip the failed batch's records. They are refused with the same error.
 */
let broken: Error | undefined;

async function handle(m: WriterRequest): Promise<unknown> {
  switch (m.type) {
    case 'open':
      destination = openSqliteDestination(m.options);
      return undefined;
    case 'loadState':
      return destination!.loadState(m.stateId);
    case 'commit':
      if (broken) throw broken;
      try {
        destination!.commitPacked(m.batch);
      } catch (e) {
        broken = e as Error;
        throw e;
      }
      return undefined;
    case 'close':
      await destination?.close();
      destination = undefined;
      return undefined;
  }
}

// Messages are handled one after another: a commit never starts before the previous one has finished.
let queue = Promise.resolve();
parentPort!.on('message', (m: WriterRequest) => {
  queue = queue.then(async () => {
    let reply: WriterReply;
    try {
      reply = { id: m.id, ok: true, value: await handle(m) };
    } catch (e) {
      const err = e as Error;
      reply = { id: m.id, ok: false, message: err?.message ?? String(e), name: err?.name ?? 'Error' };
    }
    parentPort!.postMessage(reply);
  });
});
