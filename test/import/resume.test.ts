/**
 * Kill and resume: `pipewright import` killed with SIGKILL at seeded random moments (often in the middle of a
 * file), then run again, must leave exactly the records of one clean run — in SQLite and in a JSON Lines
 * folder — and a killed run must never look complete.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sqlite from 'node-sqlite3-wasm';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { importWorkspace, products, toCsv, toJsonArray, toJsonl } from '../helpers/import-data';
import { prng } from '../helpers/random';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const BUCKET = 'acme-resume';
const RUNS = 100;
/** Runs going at once: each has its own workspace and destination, so they share nothing but moto. */
const LANES = 3;
let moto: MotoServer;
let s3: S3Client;
let root: string;

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const all = products(7000, 11);
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  await put('imports/products/1.csv', toCsv(all.slice(0, 2000)));
  await put('imports/products/2.csv', toCsv(all.slice(2000, 3500), ',', '\r\n'));
  await put('imports/products/3.jsonl', toJsonl(all.slice(3500, 5500)));
  await put('imports/products/4.json', toJsonArray(all.slice(5500, 7000)));
  root = mkdtempSync(join(tmpdir(), 'pw-resume-'));
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Started {
  done: Promise<number | null>;
  kill(): void;
}

function start(pipeline: string, cwd: string): Started {
  const child = spawn(process.execPath, [BIN, 'import', pipeline, '--endpoint', moto.endpoint, '--batch', '97'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  done.then((code) => {
    if (code !== 0 && code !== null && code !== 1) process.stderr.write(`import exited ${code}: ${stderr}\n`);
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

function sqliteSnapshot(db: string, readOnly = true): { records: string[]; state: { run?: unknown; watermark?: string } | undefined } {
  // A killed writer can leave a hot rollback journal: only a read-write open rolls it back (as the next import's
  // does); a read-only one would read the half-written pages and call the file malformed.
  const d = new sqlite.Database(db, { readOnly });
  try {
    const records = (d.all('SELECT * FROM products ORDER BY key') as Array<Record<string, unknown>>).map(({ _imported_at, ...rest }) => JSON.stringify(rest));
    const row = d.get('SELECT state FROM _pipewright_state') as { state: string } | null;
    return { records, state: row ? JSON.parse(row.state) : undefined };
  } finally {
    d.close();
  }
}

function jsonlSnapshot(dir: string): string {
  return existsSync(join(dir, 'products.jsonl')) ? readFileSync(join(dir, 'products.jsonl'), 'utf8') : '';
}

function stateOfDb(db: string): { run?: unknown } | undefined {
  if (!existsSync(db)) return undefined;
  // The killed writer's SQLite lock (a directory) is stale: clear it as the next writer would.
  rmSync(`${db}.lock`, { recursive: true, force: true });
  try {
    return sqliteSnapshot(db, false).state;
  } catch (e) {
    if (/no such table/.test((e as Error).message)) return undefined; // killed while creating the database
    throw e;
  }
}

test(`${RUNS} imports killed at random moments, then resumed, hold exactly the records of one clean run`, async () => {
  const clean = importWorkspace(join(root, 'clean'), { bucket: BUCKET });
  const cleanJsonl = importWorkspace(join(root, 'clean-jsonl'), { bucket: BUCKET, destination: { type: 'jsonl', path: 'out/records' } });
  let t0 = Date.now();
  assert.equal(await start(clean, root).done, 0);
  const sqliteMs = Date.now() - t0;
  t0 = Date.now();
  assert.equal(await start(cleanJsonl, root).done, 0);
  // Kills land within the time a whole run takes on this machine, so most of them hit a run in progress. The faster of
  // the two clean runs: the first one also pays for a cold start (files read from disk, moto's first requests).
  const runMs = Math.min(sqliteMs, Date.now() - t0);
  /** Shrinks when a run finishes before its kill (a machine faster now than when runMs was taken). */
  let scale = runMs;
  const expected = sqliteSnapshot(join(root, 'clean/out/import.db'));
  const expectedJsonl = jsonlSnapshot(join(root, 'clean-jsonl/out/records'));
  assert.equal(expected.records.length, 7000);
  assert.equal(expectedJsonl.split('\n').length - 1, 7000);

  let killedMidRun = 0;
  const one = async (i: number) => {
    // Each run draws from its own seeded generator (the delays also follow `scale`, which runs that finished early shrink).
    const r = prng(0x5eed + i);
    const jsonl = i % 4 === 3;
    const ws = join(root, `run-${i}`);
    const pipeline = importWorkspace(ws, { bucket: BUCKET, ...(jsonl ? { destination: { type: 'jsonl' as const, path: 'out/records' } } : {}) });
    // One to three kills, each after a random delay, before the run that is let finish.
    const kills = 1 + Math.floor(r() * 3);
    for (let k = 0; k < kills; k++) {
      const run = start(pipeline, ws);
      const delay = Math.floor(scale * (0.15 + 0.8 * r()));
      const exited = await Promise.race([run.done.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), delay))]);
      if (exited) {
        scale *= 0.8;
        continue;
      }
      run.kill();
      await run.done;
      killedMidRun++;
      if (!jsonl) {
        // A state that says "complete" (no run in progress) is only ever written with the last batch: every record is in.
        const state = stateOfDb(join(ws, 'out/import.db'));
        if (state && !state.run) assert.deepEqual(sqliteSnapshot(join(ws, 'out/import.db'), false).records, expected.records, `run ${i}, kill ${k}: the state says complete, but records are missing`);
      }
    }
    assert.equal(await start(pipeline, ws).done, 0, `run ${i}: the resumed import must finish cleanly`);
    if (jsonl) {
      assert.equal(jsonlSnapshot(join(ws, 'out/records')), expectedJsonl, `run ${i} (JSON Lines): the records differ from a clean run`);
    } else {
      const got = sqliteSnapshot(join(ws, 'out/import.db'));
      assert.deepEqual(got.records, expected.records, `run ${i} (SQLite): the records differ from a clean run`);
      assert.equal(got.state?.run, undefined);
      assert.equal(got.state?.watermark, expected.state?.watermark);
    }
    assert.deepEqual(readdirSync(ws).filter((f) => f.endsWith('.tmp')), []);
    rmSync(ws, { recursive: true, force: true });
  };
  let next = 0;
  await Promise.all(Array.from({ length: LANES }, async () => {
    while (next < RUNS) await one(next++);
  }));
  assert.ok(killedMidRun >= RUNS, `only ${killedMidRun} kills landed before the run finished (a clean run took ${runMs} ms, the delays ended at ${Math.round(scale)} ms × 0.15–0.95): the delays are too long for this data`);
});
