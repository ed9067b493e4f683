/**
 * The soak (issue 10, item 6; outside CI and outside `npm run bench`): the import on its cadence, compressed — one
 * cycle a second instead of every 5 minutes — for SOAK_MINUTES (default 30) in one long-lived process, as the
 * language server runs Import Now, while files arrive in the bucket and existing ones change. It checks, every cycle,
 * that no file is missed or taken twice (each version of each file is imported exactly once, the destination holds every
 * record ever written once, and the records of the files in the folder with their latest values), and reports RSS and
 * heap over time: memory must stay flat.
 *
 *   node --expose-gc --import tsx bench/soak.ts          # SOAK_MINUTES=2 for a short try
 *
 * Prints a table to stdout and exits non-zero when a check fails or memory grows by more than half after warm-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sqlite from 'node-sqlite3-wasm';
import { runImport, stateIdOf } from '../server/src/engine/import/run';
import { loadImportPipeline, openDestination } from '../server/src/node/import/pipeline';
import { s3For } from '../server/src/node/import/connect';
import { clientConfig, startMoto } from '../test/helpers/moto';
import { importWorkspace, products, toCsv } from '../test/helpers/import-data';
import { prng } from '../test/helpers/random';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
/**
 * Files kept in the folder: past this the oldest is deleted (as a retention rule would), so that the folder — which
 * every sync lists in full, as the connector does — stays the same size and memory can be judged flat or not.
 */
const MAX_FILES = Number(process.env.SOAK_MAX_FILES ?? 150);
const BUCKET = 'acme-soak';
const FOLDER = 'imports/products/';

async function main(): Promise<number> {
  const moto = await startMoto();
  const dir = mkdtempSync(join(tmpdir(), 'pw-soak-'));
  const s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  let failures = 0;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const pipelinePath = importWorkspace(join(dir, 'ws'), { bucket: BUCKET, formats: ['csv'] });
    const p = loadImportPipeline(pipelinePath);
    const r = prng(0x50a4);
    // What the bucket holds: file → the rows of its latest version. Only the live files are kept, plus a count of the
    // records ever written, so that the soak's own memory is bounded and what grows (if anything) is the import's.
    const files = new Map<string, ReturnType<typeof products>>();
    let recordsEver = 0;
    let versionsWritten = 0;
    /** Keys in the folder now, oldest first. */
    const live: string[] = [];
    let objectsImported = 0;
    const samples: Array<{ minute: number; rss: number; heap: number; records: number; files: number; cycleMs: number }> = [];
    const started = Date.now();
    let cycle = 0;
    let warmRss = 0;
    for (; Date.now() - started < MINUTES * 60_000; cycle++) {
      const t0 = Date.now();
      // Keys written this cycle: a file written twice before a sync is one version to import (the latest).
      const written = new Set<string>();
      // The oldest files leave the folder; their records stay in the destination (an import never deletes).
      while (live.length > MAX_FILES) {
        const gone = live.shift()!;
        files.delete(gone);
        await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: gone }));
      }
      // Files arrive (a new one most cycles) and change (an existing one rewritten with edited prices now and then).
      if (files.size === 0 || r() < 0.6) {
        const rows = products(20 + Math.floor(r() * 80), 1000 + cycle, `c${cycle}`);
        const key = `${FOLDER}arrived-${String(cycle).padStart(6, '0')}.csv`;
        files.set(key, rows);
        recordsEver += rows.length;
        live.push(key);
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: toCsv(rows) }));
        written.add(key);
      }
      if (live.length > 3 && r() < 0.3) {
        const key = live[Math.floor(r() * live.length)];
        const rows = files.get(key)!.map((x) => ({ ...x, name: `${x.name.replace(/ v\d+$/, '')} v${cycle}` }));
        files.set(key, rows);
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: toCsv(rows) }));
        written.add(key);
      }
      versionsWritten += written.size;
      // S3's LastModified has one-second resolution: a file changed in the same second as the last sync's watermark is
      // still seen (the connector's semantics, engine/import/select.ts), so a cycle a second is the worst case.
      const destination = openDestination(p);
      try {
        const report = await runImport({ bucket: p.bucket, folder: p.folder, formats: p.formats }, p.template, stateIdOf(p.name), { s3: s3For(p, { endpoint: moto.endpoint }), destination });
        objectsImported += report.objects.length;
      } finally {
        await destination.close();
      }
      // Every record ever written is there once, and the records of the files in the folder have their latest values
      // (a deleted file's records stay as last imported: an import never deletes).
      const db = new sqlite.Database(join(dir, 'ws', 'out', 'import.db'), { readOnly: true });
      let got: Array<{ key: string; name: string }>;
      try {
        got = db.all('SELECT key, name FROM products') as Array<{ key: string; name: string }>;
      } finally {
        db.close();
      }
      const held = new Map(got.map((g) => [g.key, g.name]));
      got = [];
      let wrong = Math.abs(held.size - recordsEver);
      for (const rows of files.values()) for (const x of rows) if (held.get(x.product_id) !== x.name) wrong++;
      if (wrong) {
        failures++;
        process.stderr.write(`cycle ${cycle}: ${wrong} records differ from the bucket's latest files (${held.size} held, ${recordsEver} expected)\n`);
      }
      held.clear();
      // After a full collection (node --expose-gc), RSS and heap say what is kept, not what is not yet collected.
      (globalThis as { gc?: () => void }).gc?.();
      const mem = process.memoryUsage();
      if (cycle === Math.min(300, Math.floor(MINUTES * 30))) warmRss = mem.rss;
      const minute = Math.floor((Date.now() - started) / 60_000);
      if (!samples.length || samples[samples.length - 1].minute !== minute) samples.push({ minute, rss: mem.rss, heap: mem.heapUsed, records: recordsEver, files: live.length, cycleMs: Date.now() - t0 });
      const wait = 1000 - (Date.now() - t0);
      if (wait > 0) await new Promise((w) => setTimeout(w, wait));
    }
    (globalThis as { gc?: () => void }).gc?.();
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
    process.stdout.write(`| minute | files in the folder | records | RSS | heap used | cycle |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n`);
    for (const s of samples) process.stdout.write(`| ${s.minute} | ${s.files} | ${s.records} | ${mb(s.rss)} | ${mb(s.heap)} | ${s.cycleMs} ms |\n`);
    const end = process.memoryUsage().rss;
    process.stdout.write(`\n${cycle} cycles in ${MINUTES} min; ${versionsWritten} file versions to import, ${objectsImported} imported (each exactly once: ${objectsImported === versionsWritten ? 'yes' : 'NO'}); checks failed: ${failures}; RSS warm ${mb(warmRss)} → end ${mb(end)}\n`);
    if (objectsImported !== versionsWritten) failures++;
    if (warmRss && end > warmRss * 1.5) {
      process.stderr.write('memory grew by more than half after warm-up\n');
      failures++;
    }
    return failures ? 1 : 0;
  } finally {
    s3.destroy();
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
