/**
 * The JSON Lines destination's journal: a process that dies after appending a batch's records and before that
 * batch's journal line — the first batch included, when no journal line exists yet — leaves records that the next
 * open cuts away, so the resumed run's records stand once. (Found by the kill-and-resume test: 1 run in 100 was
 * killed in that window of the first batch, and its records stood twice.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Batch } from '../../server/src/engine/import/destination';
import { openJsonlDestination } from '../../server/src/node/import/jsonl';

const root = mkdtempSync(join(tmpdir(), 'pw-jsonl-dest-'));
after(() => rmSync(root, { recursive: true, force: true }));

function batch(from: number, count: number, done: boolean): Batch {
  const records = Array.from({ length: count }, (_, i) => ({ key: `p-${from + i}`, fields: { name: `Product ${from + i}` }, line: from + i + 2, source: 'imports/products/1.csv', etag: 'e1' }));
  const run = { startedAt: '2026-12-06T00:00:00.000Z', done: {}, modified: {}, partial: { key: 'imports/products/1.csv', etag: 'e1', checkpoint: { offset: 0, line: from + count + 1, records: from + count }, problems: 0, records: from + count } };
  return { stateId: 'products', target: 'products', records, problems: [], finished: [], state: done ? { version: 1, atWatermark: {}, watermark: '2026-12-05T00:00:00.000Z' } : { version: 1, atWatermark: {}, run } };
}

/** Runs `work` with the journal's appends failing once a data file has been appended to: the process "dies" there. */
async function dyingAfterData(work: () => Promise<unknown>): Promise<void> {
  const open = fs.openSync;
  let dataWritten = false;
  (fs as { openSync: typeof fs.openSync }).openSync = ((path: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
    const p = String(path);
    if (flags === 'a' && p.endsWith('products.jsonl')) dataWritten = true;
    if (flags === 'a' && p.endsWith('.journal.jsonl') && dataWritten) throw new Error('killed');
    return open(path, flags ?? 'r', mode);
  }) as typeof fs.openSync;
  try {
    await assert.rejects(work(), /killed/);
  } finally {
    (fs as { openSync: typeof fs.openSync }).openSync = open;
  }
}

const lines = (dir: string) => readFileSync(join(dir, 'products.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { key: string }).key);

for (const [what, first] of [
  ['the first batch of a new destination, dying before its journal line', true],
  ['a later batch, dying before its journal line', false],
] as const) {
  test(`${what}: the next open cuts its records away, and the resumed batch stands once`, async () => {
    const dir = join(root, first ? 'first' : 'later');
    if (!first) {
      const d = openJsonlDestination(dir);
      await d.loadState('products');
      await d.commit(batch(0, 3, false));
      await d.close();
    }
    const dying = openJsonlDestination(dir);
    const resumeFrom = first ? 0 : 3;
    await dying.loadState('products');
    await dyingAfterData(() => dying.commit(batch(resumeFrom, 4, false)));
    // The records were appended before the "kill": they are on disk now.
    assert.equal(lines(dir).length, resumeFrom + 4);
    await dying.close();

    const next = openJsonlDestination(dir);
    const state = await next.loadState('products');
    // What a resumed run is told: the batches before the dead one, no further.
    assert.equal(state?.run?.partial?.records ?? 0, resumeFrom);
    assert.deepEqual(lines(dir), Array.from({ length: resumeFrom }, (_, i) => `p-${i}`));
    await next.commit(batch(resumeFrom, 4, false));
    await next.commit(batch(resumeFrom + 4, 2, true));
    await next.close();
    assert.deepEqual(lines(dir), Array.from({ length: resumeFrom + 6 }, (_, i) => `p-${i}`));
  });
}
