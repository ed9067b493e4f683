/**
 * The bucket preview of an export, on listings of every shape: a run whose keys span listing pages is one run, and
 * runs stream out as soon as the listing has moved past them; a run directory is complete only with its own
 * `_SUCCESS` (one in another run or a neighbouring folder does not count); a bucket-wide listing does not take another
 * pipeline's folders for runs; cancelling stops the listing. S3 here is a sorted key list served in small pages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewDeliveries, type DeliveryPage } from '../../server/src/engine/delivery/runs';
import type { ListPage, S3Access } from '../../server/src/engine/import/types';

/** Keys served as S3 lists them (byte order), `pageSize` a page, from an in-memory bucket. */
function bucketOf(keys: string[], pageSize: number): S3Access & { lists: number } {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const self = {
    lists: 0,
    async listPage(_bucket: string, prefix: string, token: string | undefined): Promise<ListPage> {
      self.lists++;
      const all = sorted.filter((k) => k.startsWith(prefix));
      const from = token ? Number(token) : 0;
      const objects = all.slice(from, from + pageSize).map((key) => ({ key, size: key.length * 100, lastModified: new Date(Date.UTC(2026, 10, 23, 12)), etag: 'e' }));
      return { objects, nextToken: from + pageSize < all.length ? String(from + pageSize) : undefined };
    },
    read(): AsyncIterable<Uint8Array> {
      throw new Error('the bucket preview reads no object');
    },
  };
  return self;
}

const run = (dir: string, tables: Record<string, number>, success = true) => [
  ...Object.entries(tables).flatMap(([t, n]) => Array.from({ length: n }, (_, i) => `${dir}${t}/part-${String(i).padStart(5, '0')}.parquet`)),
  ...(success ? [`${dir}_SUCCESS`] : []),
];

test('runs spanning listing pages are whole, and each streams out once the listing has passed it', async () => {
  const a = 'exports/snapshot/20261123T090000.000Z/';
  const b = 'exports/snapshot/20261123T120000.000Z/';
  const c = 'exports/snapshot/20261123T150000.000Z/';
  const s3 = bucketOf([...run(a, { charges: 4, refunds: 2 }), ...run(b, { charges: 5 }, false), ...run(c, { charges: 1, customers: 1 })], 3);
  const pages: DeliveryPage[] = [];
  const totals = await previewDeliveries(s3, 'b', { prefix: 'exports/' }, (p) => void pages.push(p));
  const runs = pages.flatMap((p) => p.runs);
  assert.deepEqual(runs.map((r) => [r.dir, r.verdict, r.tables.map((t) => `${t.table}:${t.parts.length}`).join(' ')]), [
    [a, 'complete', 'charges:4 refunds:2'],
    [b, 'incomplete', 'charges:5'],
    [c, 'complete', 'charges:1 customers:1'],
  ]);
  // Keys 0–6 are a's, 7–11 b's, 12–14 c's: a is finished on the page where b's first key appears (the third), b on the
  // page where c's does (the fifth, also the last, which finishes c); then penny_test/ (empty) and the closing totals.
  assert.deepEqual(pages.map((p) => p.runs.map((r) => r.dir)), [[], [], [a], [], [b, c], [], []]);
  assert.equal(runs[1].reason.startsWith('no _SUCCESS'), true);
  assert.equal(runs[0].startedAt, '2026-11-23T09:00:00.000Z');
  assert.deepEqual({ ...totals, byVerdict: { ...totals.byVerdict } }, { listed: 15, runs: 3, byVerdict: { complete: 2, incomplete: 1 }, parts: 13, bytes: runs.reduce((n, r) => n + r.bytes, 0), latestComplete: c, pennyTests: 0, otherObjects: 0, complete: true });
  assert.equal(s3.lists, 6, 'the prefix in 5 pages, then penny_test/ (outside the prefix) on its own');
});

test('a _SUCCESS elsewhere does not complete a run; other folders and stray files are not runs; encrypted runs are told apart', async () => {
  const s3 = bucketOf([
    ...run('snapshot/20261123T090000.000Z/', { charges: 1 }, false),
    'snapshot/20261123T090000.000Z/charges/_SUCCESS',
    'snapshot/20261123T090000.000Z/notes.txt',
    'snapshot/20261123T0900000/_SUCCESS',
    ...run('snapshot/20261124T000000.000Z/', { charges: 2 }).map((k) => (k.endsWith('.parquet') ? `${k}.gpg` : k)),
    'other-pipeline/archive/data.csv',
    'snapshot/',
    'penny_test/acct_1Nv0FGQ9RKHgCVdK/account_acct_1Nv0FGQ9RKHgCVdK.validation.csv.gpg',
    'penny_test/acct_9Other/account_acct_9Other.validation.csv',
    'penny_test/readme.txt',
  ], 1000);
  const pages: DeliveryPage[] = [];
  const totals = await previewDeliveries(s3, 'b', { prefix: '', account: 'acct_1Nv0FGQ9RKHgCVdK' }, (p) => void pages.push(p));
  const runs = pages.flatMap((p) => p.runs);
  const objects = pages.flatMap((p) => p.objects);
  const first = runs.find((r) => r.dir === 'snapshot/20261123T090000.000Z/')!;
  assert.equal(first.verdict, 'incomplete', 'charges/_SUCCESS is not the run marker');
  assert.deepEqual(first.other.map((o) => o.key), ['snapshot/20261123T090000.000Z/charges/_SUCCESS', 'snapshot/20261123T090000.000Z/notes.txt']);
  assert.equal(runs.find((r) => r.dir === 'snapshot/20261123T0900000/')?.verdict, 'complete', 'a marker alone: a run with no tables');
  const encrypted = runs.find((r) => r.dir === 'snapshot/20261124T000000.000Z/')!;
  assert.equal(encrypted.verdict, 'encrypted');
  assert.equal(encrypted.encrypted, true);
  assert.equal(totals.latestComplete, 'snapshot/20261124T000000.000Z/');
  assert.deepEqual(objects.map((o) => [o.key, o.kind]), [
    ['other-pipeline/archive/data.csv', 'other'],
    ['penny_test/acct_1Nv0FGQ9RKHgCVdK/account_acct_1Nv0FGQ9RKHgCVdK.validation.csv.gpg', 'penny-test'],
    ['penny_test/acct_9Other/account_acct_9Other.validation.csv', 'penny-test'],
    ['penny_test/readme.txt', 'penny-test'],
    ['snapshot/', 'folder-marker'],
  ]);
  const [mine, other, stray] = objects.filter((o) => o.kind === 'penny-test');
  assert.equal(mine.encrypted, true);
  assert.match(mine.reason, /PGP-encrypted: "pipewright penny verify"/);
  assert.match(other.reason, /for acct_9Other, not for this pipeline's account acct_1Nv0FGQ9RKHgCVdK/);
  assert.match(stray.reason, /not a validation file/);
});

test('a cancelled preview stops listing and says it did not reach the end', async () => {
  const s3 = bucketOf(Array.from({ length: 50 }, (_, i) => `snapshot/20261123T${String(i).padStart(6, '0')}.000Z/_SUCCESS`), 5);
  const token = { isCancellationRequested: false };
  let pages = 0;
  const totals = await previewDeliveries(s3, 'b', { prefix: '' }, () => {
    if (++pages === 2) token.isCancellationRequested = true;
  }, token);
  assert.equal(totals.complete, false);
  assert.equal(totals.listed, 10);
  assert.equal(s3.lists, 2);
});
