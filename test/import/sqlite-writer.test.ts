/**
 * The SQLite destination of a run that writes: the database in a worker thread, fed packed batches while the import
 * thread reads on. What a user relies on: the records and the state land as the in-thread destination stores them,
 * text of any kind intact; a batch that fails stops every later one (their state would claim records that are not
 * there), and the run hears of it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { Batch } from '../../server/src/engine/import/destination';
import type { TemplateColumn } from '../../server/src/engine/import/mapping';
import type { SyncState } from '../../server/src/engine/import/state';
import { openSqliteWriter } from '../../server/src/node/import/sqlite-thread';

const root = mkdtempSync(join(tmpdir(), 'pw-sqlite-writer-'));
after(() => rmSync(root, { recursive: true, force: true }));

const columns: TemplateColumn[] = [
  { column: 'id', field: 'metadata.external_id', type: 'string', required: true },
  { column: 'name', field: 'name', type: 'string' },
  { column: 'active', field: 'active', type: 'boolean' },
  { column: 'amount', field: 'unit_amount', type: 'decimal' },
  { column: 'created', field: 'created', type: 'timestamp' },
];

function state(watermark: string, run = false): SyncState {
  return { version: 1, watermark, atWatermark: {}, ...(run ? { run: { startedAt: '2026-11-23T10:00:00.000Z', done: {}, modified: {} } } : {}) } as unknown as SyncState;
}

function batch(records: Batch['records'], st: SyncState, extra: Partial<Batch> = {}): Batch {
  return { stateId: 'products', target: 'products', records, problems: [], finished: [], state: st, ...extra };
}

const rec = (key: string | null, name: string | null, line: number, more: Record<string, string | number | boolean | null> = {}) =>
  ({ key, line, source: 'imports/p.csv', fields: { 'metadata.external_id': key, name, active: true, unit_amount: 1250, created: 1_777_636_800, ...more } }) as Batch['records'][number];

function hexOf(path: string, key: string): string {
  const db = new sqlite.Database(path, { readOnly: true });
  try {
    return (db.get('SELECT hex(name) AS h FROM products WHERE key = ?', [key]) as { h: string }).h;
  } finally {
    db.close();
  }
}

function read(path: string): { rows: Array<Record<string, unknown>>; state: string | undefined } {
  const db = new sqlite.Database(path, { readOnly: true });
  try {
    const rows = db.all('SELECT key, name, active, unit_amount, created, _source, _line FROM products ORDER BY key') as Array<Record<string, unknown>>;
    const s = db.get('SELECT state FROM _pipewright_state') as { state: string } | null;
    return { rows, state: s?.state };
  } finally {
    db.close();
  }
}

test('records and state written by the thread read back exactly: odd text, nulls, numbers, 2,500 records in batches', async () => {
  const path = join(root, 'a.db');
  const w = openSqliteWriter({ path, columns, target: 'products' });
  try {
    assert.equal(await w.loadState('products'), undefined);
    const odd = ['Café crème', 'a "quoted", comma', 'line\nbreak', '', 'emoji 🧾 and 中文', 'NUL\u0000inside', 'x'.repeat(70_000)];
    const records = Array.from({ length: 2500 }, (_, i) => rec(`p_${String(i).padStart(5, '0')}`, i < odd.length ? odd[i] : i % 10 === 0 ? null : `Mug ${i}`, i + 2, { active: i % 2 === 0 }));
    // Unequal batches, as a run cuts them; the last one completes the run.
    await w.commit(batch(records.slice(0, 128), state('2026-11-23T09:00:00.000Z', true)));
    await w.commit(batch(records.slice(128, 1), state('2026-11-23T09:00:00.000Z', true)));
    await w.commit(batch(records.slice(128, 2499), state('2026-11-23T09:00:00.000Z', true)));
    await w.commit(batch(records.slice(2499), state('2026-11-23T10:00:00.000Z')));
    await w.flush();
    assert.deepEqual(await w.loadState('products'), state('2026-11-23T10:00:00.000Z'));
  } finally {
    await w.close();
  }
  const { rows } = read(path);
  assert.equal(rows.length, 2500);
  assert.deepEqual(rows[0], { key: 'p_00000', name: 'Café crème', active: 1, unit_amount: 1250, created: 1_777_636_800, _source: 'imports/p.csv', _line: 2 });
  assert.equal(rows[1].name, 'a "quoted", comma');
  assert.equal(rows[2].name, 'line\nbreak');
  assert.equal(rows[3].name, '');
  assert.equal(rows[4].name, 'emoji 🧾 and 中文');
  // (node-sqlite3-wasm reads text up to a NUL; the stored bytes are whole.)
  assert.equal(hexOf(path, 'p_00005'), Buffer.from('NUL\u0000inside').toString('hex').toUpperCase());
  assert.equal(rows[6].name, 'x'.repeat(70_000));
  assert.equal(rows[10].name, null);
  assert.equal(rows[11].active, 0);
  assert.equal(rows[2499].key, 'p_02499');
  assert.equal(rows[2499]._line, 2501);
});

test('half a surrogate pair at the end of one value and the other half at the start of the next stay two values', async () => {
  // JSON can carry lone halves ("\ud83e"); joined, these two would form one emoji and shift every later value's bytes.
  const path = join(root, 'c.db');
  const w = openSqliteWriter({ path, columns, target: 'products' });
  try {
    await w.loadState('products');
    await w.commit(batch([rec('k1\ud83e', '\udde0 brain', 2), rec('k2', 'after', 3)], state('2026-11-23T01:00:00.000Z')));
    await w.flush();
  } finally {
    await w.close();
  }
  const { rows } = read(path);
  assert.deepEqual(rows.map((r) => [r.key, r.name]), [['k1\ufffd', '\ufffd brain'], ['k2', 'after']]);
});

test('a batch that fails stops the later ones: the run hears of it, and the state is the last good batch\'s', async () => {
  const path = join(root, 'b.db');
  const w = openSqliteWriter({ path, columns, target: 'products' });
  try {
    await w.loadState('products');
    await w.commit(batch([rec('p_1', 'one', 2)], state('2026-11-23T01:00:00.000Z', true)));
    await w.flush();
    // A record without a key breaks the table's constraint: that transaction fails.
    await w.commit(batch([rec('p_2', 'two', 3), rec(null, 'no key', 4)], state('2026-11-23T02:00:00.000Z', true)));
    // Sent before the failure is known; storing it would claim the records of the failed batch.
    await w.commit(batch([rec('p_3', 'three', 5)], state('2026-11-23T03:00:00.000Z')));
    await assert.rejects(w.flush(), /NOT NULL constraint failed/);
    // And any batch after that is refused the same way.
    await w.commit(batch([rec('p_4', 'four', 6)], state('2026-11-23T04:00:00.000Z')));
    await assert.rejects(w.flush(), /NOT NULL constraint failed/);
  } finally {
    await w.close();
  }
  const { rows, state: stored } = read(path);
  assert.deepEqual(rows.map((r) => r.key), ['p_1']);
  assert.equal(JSON.parse(stored!).watermark, '2026-11-23T01:00:00.000Z');
});
