/**
 * No input file crashes an import: 300 seeded hostile files (random bytes, CSV with broken quoting, JSON fragments,
 * 100,000-deep nesting, a 5 MB line, NUL bytes, lone surrogates) served by the embedded S3 server, imported in
 * process into SQLite. The run finishes, every file is either imported or rejected with a reason, and each
 * problem names its file and line.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runImport } from '../../server/src/engine/import/run';
import { templateFromJson } from '../../server/src/engine/import/mapping';
import { createS3Client, s3Access } from '../../server/src/node/aws/s3';
import sqlite from 'node-sqlite3-wasm';
import { openSqliteWriter } from '../../server/src/node/import/sqlite-thread';
import { startLocalS3, type LocalS3 } from '../../server/src/node/s3server/server';
import { isolateAwsEnvironment } from '../helpers/moto';
import { prng } from '../helpers/random';
import template from '../../examples/stripe-import/products.template.json';

const FILES = 300;
let root: string;
let server: LocalS3;

function hostile(r: () => number, i: number): { name: string; body: Buffer } {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
  const header = 'product_id,name,description,active,unit_amount,currency,created\n';
  const kinds: Array<() => { ext: string; body: Buffer }> = [
    () => ({ ext: pick(['csv', 'tsv', 'json', 'jsonl']), body: bytes(Math.floor(r() * 4096)) }),
    () => ({ ext: 'csv', body: Buffer.from(header + Array.from({ length: 50 }, () => pick(['"', '""', ',', '\n', '\r\n', 'x', 'p-1', '12.5', 'usd', '\r', '"a"b', ' '])).join('')) }),
    () => ({ ext: 'csv', body: Buffer.from(`${header}p-${i},"never closed,true,1.00,usd,2026-01-01T00:00:00Z\n`) }),
    () => ({ ext: 'json', body: Buffer.from('['.repeat(100_000)) }),
    () => ({ ext: 'json', body: Buffer.from(`[{"product_id":"j-${i}","name":"x","unit_amount":"1.00","currency":"usd"},${pick(['{', '1', 'null', '"s"', '[]', '{"a":', '}'])}`) }),
    () => ({ ext: 'jsonl', body: Buffer.from(Array.from({ length: 20 }, () => pick(['{}', '[', '{"product_id":1}', 'null', '"x"', '{"product_id":"q","name":"n","unit_amount":"1","currency":"eur"}', '\u0000', '{"a":"\ud800"}'])).join('\n')) }),
    () => ({ ext: 'csv', body: Buffer.concat([Buffer.from(header), Buffer.alloc(5_000_000, 0x61), Buffer.from('\n')]) }),
    () => ({ ext: 'csv', body: Buffer.concat([Buffer.from('\ufeff' + header), Buffer.from([0, 0, 0xc3, 0x28, 0x0a, 0xed, 0xa0, 0x80, 0x0a])]) }),
    () => ({ ext: 'tsv', body: Buffer.from(header.replace(/,/g, '\t') + 'p\tn\t\ttrue\t1.00\tusd\t2026-01-01T00:00:00Z\t\textra\n') }),
  ];
  const k = pick(kinds)();
  return { name: `h${String(i).padStart(3, '0')}.${k.ext}`, body: k.body };
}

before(async () => {
  isolateAwsEnvironment();
  root = mkdtempSync(join(tmpdir(), 'pw-hostile-'));
  const dir = join(root, 'hostile-bucket', 'in');
  mkdirSync(dir, { recursive: true });
  const r = prng(0xbad);
  for (let i = 0; i < FILES; i++) {
    const f = hostile(r, i);
    writeFileSync(join(dir, f.name), f.body);
  }
  server = await startLocalS3({ root });
});

after(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test(`${FILES} hostile files: the import finishes, each file imported or rejected with a reason, problems named by file and line`, async () => {
  const destination = openSqliteWriter({ path: join(root, 'out.db'), columns: templateFromJson(template, 't').columns, target: 'products' });
  try {
    const report = await runImport(
      { bucket: 'hostile-bucket', folder: 'in/', formats: ['csv', 'tsv', 'json', 'jsonl'] },
      templateFromJson(template, 'products.template.json'),
      'hostile',
      { s3: s3Access(createS3Client({ endpoint: server.endpoint })), destination },
      { batchSize: 50 },
    );
    assert.equal(report.cancelled, false);
    assert.equal(report.objects.length, FILES, 'every file was read to a verdict');
    for (const o of report.objects) {
      assert.ok(o.status === 'imported' || o.status === 'rejected', `${o.key}: ${o.status}`);
      if (o.status === 'rejected') assert.ok(o.reason && o.reason.length > 10, `${o.key} rejected without a reason`);
    }
    assert.ok(report.problems > FILES, `hostile input yields problems (${report.problems})`);
    for (const p of report.problemSamples) {
      assert.match(p.object, /^in\/h\d{3}\.(csv|tsv|jsonl?)$/);
      assert.ok(Number.isInteger(p.line) && p.line >= 1, `${p.object}: line ${p.line}`);
      assert.ok(p.message.length > 5);
    }
    assert.ok(report.records > 0, 'the good records among the hostile ones were imported');
    assert.ok(report.objects.some((o) => o.status === 'rejected'));
  } finally {
    await destination.close();
  }
  // What the writer thread stored: the good records (records of one key across files are one row), and the problems.
  const db = new sqlite.Database(join(root, 'out.db'), { readOnly: true });
  try {
    const rows = Number((db.get('SELECT count(*) AS n FROM products') as { n: number }).n);
    assert.ok(rows > 0, 'the database holds the good records');
    assert.ok(Number((db.get('SELECT count(*) AS n FROM _pipewright_problems') as { n: number }).n) > FILES);
  } finally {
    db.close();
  }
});
