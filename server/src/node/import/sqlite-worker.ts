/**
 * The SQLite writer's thread (see sqlite-thread.ts): it owns the database and commits the packed batches the import
 * thread sends, so that writing into SQLite — about half of an import's time — runs beside reading, parsing and
 * mapping instead of after them. One message at a time, in order; each is answered with its id.
 *
 * Bundled on its own (dist/sqlite-worker.js) beside the server and the CLI.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
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
      commit([m.batch]);
      return undefined;
    case 'close':
      await destination?.close();
      destination = undefined;
      return undefined;
  }
}

function commit(batches: PackedBatch[]): void {
  if (broken) throw broken;
  try {
    destination!.commitPacked(batches);
  } catch (e) {
    broken = e as Error;
    throw e;
  }
}

function reply(id: number, outcome: { value?: unknown } | { error: unknown }): void {
  let r: WriterReply;
  if ('error' in outcome) {
    const err = outcome.error as Error;
    r = { id, ok: false, message: err?.message ?? String(outcome.error), name: err?.name ?? 'Error' };
  } else r = { id, ok: true, value: outcome.value };
  parentPort!.postMessage(r);
}

/**
 * Batches that arrived while the previous transaction ran wait in the port: they are taken together, up to this many,
 * into one transaction (one sync to disk instead of one each). When the writer keeps up, each batch goes alone.
 */
const MAX_BATCHES_PER_TRANSACTION = 8;

// Messages are handled one after another: a commit never starts before the previous one has finished.
let queue = Promise.resolve();
parentPort!.on('message', (first: WriterRequest) => {
  queue = queue.then(async () => {
    if (first.type !== 'commit') {
      try {
        reply(first.id, { value: await handle(first) });
      } catch (e) {
        reply(first.id, { error: e });
      }
      return;
    }
    const commits: Array<Extract<WriterRequest, { type: 'commit' }>> = [first];
    let after: WriterRequest | undefined;
    while (commits.length < MAX_BATCHES_PER_TRANSACTION) {
      const next = receiveMessageOnPort(parentPort!)?.message as WriterRequest | undefined;
      if (!next) break;
      if (next.type === 'commit') commits.push(next);
      else {
        after = next;
        break;
      }
    }
    try {
      commit(commits.map((c) => c.batch));
      for (const c of commits) reply(c.id, { value: undefined });
    } catch (e) {
      for (const c of commits) reply(c.id, { error: e });
    }
    if (after) {
      try {
        reply(after.id, { value: await handle(after) });
      } catch (e) {
        reply(after.id, { error: e });
      }
    }
  });
});
