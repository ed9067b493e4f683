/** Which objects the next import takes, and the reason shown for each one it does not (the connector's rules). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, shardOf, parseShard, MAX_OBJECT_BYTES, type SelectOptions } from '../../server/src/engine/import/select';
import { completeRun, emptyState, type SyncState } from '../../server/src/engine/import/state';
import type { S3Object } from '../../server/src/engine/import/types';

const NOW = new Date('2026-11-23T12:00:00Z');
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const obj = (key: string, lastModified = days(1), size = 100, etag = 'e1'): S3Object => ({ key, size, lastModified, etag });
const base: SelectOptions = { folder: 'imports/', formats: ['csv', 'jsonl'], now: NOW };
const kind = (o: S3Object, opts: Partial<SelectOptions> = {}) => decide(o, { ...base, ...opts }).kind;

test('first sync: files of the enabled formats in the folder, modified in the last 90 days', () => {
  assert.equal(kind(obj('imports/a.csv')), 'import');
  assert.equal(kind(obj('imports/sub/b.JSONL')), 'import');
  assert.equal(kind(obj('imports/old.csv', days(91))), 'too-old');
  assert.match(decide(obj('imports/old.csv', days(91)), base).reason, /modified 91 days ago: a first sync takes only the last 90 days/);
  assert.equal(kind(obj('imports/a.csv', days(89.9))), 'import');
});

test('every skip has its verdict and reason', () => {
  assert.equal(kind(obj('other/a.csv')), 'outside-folder');
  assert.equal(kind(obj('imports/')), 'folder-marker');
  assert.equal(kind(obj('imports/a.parquet')), 'unsupported-format');
  assert.match(decide(obj('imports/a.csv.gz'), base).reason, /\(\.csv\.gz\)/);
  assert.equal(kind(obj('imports/a.tsv')), 'format-not-enabled');
  assert.match(decide(obj('imports/a.tsv'), base).reason, /lists only csv, jsonl/);
  assert.equal(kind(obj('imports/big.csv', days(1), MAX_OBJECT_BYTES + 1)), 'too-large');
  assert.equal(kind(obj('imports/edge.csv', days(1), MAX_OBJECT_BYTES)), 'import');
  assert.match(decide(obj('imports/big.csv', days(1), 5 * 1024 ** 3), base).reason, /5\.0 GB, larger than the 1 GB limit/);
});

test('later syncs: after the watermark; at the watermark, only keys and ETags not taken then', () => {
  const w = days(10);
  const state: SyncState = { ...emptyState(), watermark: w.toISOString(), atWatermark: { 'imports/same.csv': 'e1', 'imports/edited.csv': 'e1' } };
  assert.equal(kind(obj('imports/new.csv', days(2)), { state }), 'import');
  assert.equal(kind(obj('imports/old.csv', days(11)), { state }), 'not-modified');
  assert.equal(kind(obj('imports/same.csv', w, 100, 'e1'), { state }), 'already-imported');
  assert.equal(kind(obj('imports/edited.csv', w, 100, 'e2'), { state }), 'changed');
  assert.equal(kind(obj('imports/sibling.csv', w), { state }), 'import');
  // --full ignores the state; --since sets the lower bound.
  assert.equal(kind(obj('imports/old.csv', days(11)), { state, full: true }), 'import');
  assert.equal(kind(obj('imports/old.csv', days(11)), { state, since: days(12) }), 'import');
  assert.equal(kind(obj('imports/old.csv', days(200)), { since: days(100) }), 'too-old');
});

test('an interrupted run: the objects it finished are not taken again', () => {
  const state: SyncState = { ...emptyState(), run: { startedAt: NOW.toISOString(), done: { 'imports/a.csv': 'e1' }, modified: {} } };
  assert.equal(kind(obj('imports/a.csv'), { state }), 'already-imported');
  assert.equal(kind(obj('imports/a.csv', days(1), 100, 'e2'), { state }), 'import');
});

test('the watermark after a run: the latest LastModified, with every key written at that instant', () => {
  const s = completeRun({ ...emptyState(), run: { startedAt: '', done: { a: 'x', b: 'y', c: 'z' }, modified: { a: '2026-11-01T00:00:00.000Z', b: '2026-11-02T00:00:00.000Z', c: '2026-11-02T00:00:00.000Z' } } }, NOW);
  assert.equal(s.watermark, '2026-11-02T00:00:00.000Z');
  assert.deepEqual(s.atWatermark, { b: 'y', c: 'z' });
  assert.equal(s.run, undefined);
  // A run that imported nothing newer keeps the old watermark and its keys.
  const kept = completeRun({ ...s, run: { startedAt: '', done: { d: 'w' }, modified: { d: '2026-10-01T00:00:00.000Z' } } }, NOW);
  assert.deepEqual([kept.watermark, kept.atWatermark], [s.watermark, s.atWatermark]);
});

test('shards split the keys deterministically and completely', () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `imports/file-${i}.csv`);
  const counts = [0, 0, 0, 0];
  for (const k of keys) {
    const s = shardOf(k, 4);
    assert.equal(shardOf(k, 4), s);
    counts[s - 1]++;
    for (let i = 1; i <= 4; i++) assert.equal(kind(obj(k), { shard: { index: i, count: 4 } }) === 'import', i === s);
  }
  assert.ok(counts.every((c) => c > 400 && c < 600), `uneven shards: ${counts}`);
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  assert.equal(parseShard('5/4'), undefined);
  assert.equal(parseShard('0/4'), undefined);
});
