/**
 * Kill and rerun, 100 times: `pipewright export` killed with SIGKILL at seeded random moments (while it reads, writes
 * Parquet, uploads parts, or writes _SUCCESS), then run again. After each rerun the bucket holds a complete run with
 * exactly the rows of a clean run, no multipart upload is left open, and every killed run reads as incomplete — never
 * as a delivery — in `pipewright preview`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { prng } from '../helpers/random';
import { cli, writeExportPipeline, writePolicies } from '../helpers/export-workspace';

const BUCKET = 'acme-export-kills';
const TABLES = ['charges', 'refunds'];
const RUNS = 100;
/** Runs going at once, each under its own prefix. */
const LANES = 3;
let moto: MotoServer;
let s3: S3Client;
let dir: string;

const pw = (args: string[]) => cli(args, dir);
const pipeline = (prefix: string) => writeExportPipeline(dir, BUCKET, prefix.replace(/\/$/, ''), { tables: TABLES, prefix });

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = mkdtempSync(join(tmpdir(), 'pw-export-kill-'));
  writePolicies(dir, BUCKET);
  const r = await pw(['sample-data', 'data', '--charges', '1200', '--seed', '21']).done;
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Report {
  runDir: string;
  success?: string;
  abortedStale: number;
  tables: Array<{ table: string; rows: number; files: string[] }>;
}

/** The last key under `prefix` (run ids sort by time: a new run's keys all sort after it). */
async function lastKey(prefix: string): Promise<string | undefined> {
  let last: string | undefined;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    last = page.Contents?.at(-1)?.Key ?? last;
    token = page.NextContinuationToken;
  } while (token);
  return last;
}

/** How many keys under `prefix` sort after `after`: the files of the run that started after it. */
async function newKeys(prefix: string, after: string | undefined): Promise<number> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, StartAfter: after, MaxKeys: 100 }));
  return page.KeyCount ?? 0;
}

async function runsOf(path: string): Promise<Array<{ dir: string; complete: boolean; verdict: string }>> {
  const r = await pw(['preview', path, '--endpoint', moto.endpoint, '--json']).done;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((x) => typeof x.dir === 'string' && typeof x.complete === 'boolean');
}

test(`${RUNS} exports killed at random moments, then run again: a complete run with the clean run's rows, nothing left open, killed runs never read as complete`, async () => {
  const cleanPath = pipeline('clean/');
  const t0 = Date.now();
  const clean = await pw(['export', cleanPath, '--endpoint', moto.endpoint, '--json', '--rows-per-file', '300']).done;
  const runMs = Date.now() - t0;
  assert.equal(clean.code, 0, clean.stderr);
  const cleanReport = JSON.parse(clean.stdout) as Report;
  const expected = cleanReport.tables.map((t) => `${t.table}:${t.rows}:${t.files.length}`);
  const filesPerRun = cleanReport.tables.reduce((n, t) => n + t.files.length, 0);

  let killedMidRun = 0;
  let abortedStale = 0;
  const lanePrefixes = Array.from({ length: LANES }, (_, l) => `lane-${l}/`);
  const paths = lanePrefixes.map(pipeline);
  const one = async (i: number, lane: number) => {
    const r = prng(0xdead + i);
    const path = paths[lane];
    const kills = 1 + Math.floor(r() * 2);
    for (let k = 0; k < kills; k++) {
      const before = await lastKey(lanePrefixes[lane]);
      const run = pw(['export', path, '--endpoint', moto.endpoint, '--json', '--rows-per-file', '300']);
      // Half the kills land at a random moment (mostly while it starts and reads), half once a random number of its
      // files are in the bucket (while it uploads the rest, or between the last file and _SUCCESS).
      let landed: Promise<boolean>;
      if (r() < 0.5) {
        const delay = Math.floor(runMs * (0.1 + 0.9 * r()));
        landed = new Promise<boolean>((res) => setTimeout(() => res(false), delay));
      } else {
        const files = 1 + Math.floor(r() * filesPerRun);
        landed = (async () => {
          while ((await newKeys(lanePrefixes[lane], before)) < files) await new Promise((w) => setTimeout(w, 25));
          return false;
        })();
      }
      const exited = await Promise.race([run.done.then(() => true), landed]);
      if (exited) continue;
      run.kill();
      await run.done;
      killedMidRun++;
    }
    const again = await pw(['export', path, '--endpoint', moto.endpoint, '--json', '--rows-per-file', '300']).done;
    assert.equal(again.code, 0, `run ${i}: the export after the kills must finish: ${again.stderr}`);
    const report = JSON.parse(again.stdout) as Report;
    abortedStale += report.abortedStale;
    assert.ok(report.success, `run ${i}: the rerun wrote its _SUCCESS`);
    assert.deepEqual(report.tables.map((t) => `${t.table}:${t.rows}:${t.files.length}`), expected, `run ${i}: the rerun's tables differ from a clean run`);
    for (const t of report.tables) for (const key of t.files) await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: lanePrefixes[lane] }));
    assert.equal(open.Uploads?.length ?? 0, 0, `run ${i}: an upload was left open`);
  };
  let next = 0;
  await Promise.all(lanePrefixes.map(async (_, lane) => {
    while (next < RUNS) await one(next++, lane);
  }));

  // Every run directory of every lane: the complete ones are exactly the reruns (one per run, plus any killed run
  // that had finished writing _SUCCESS before its kill landed); every other one is incomplete, never a delivery.
  let complete = 0;
  let incomplete = 0;
  for (const path of paths) {
    for (const run of await runsOf(path)) {
      if (run.complete) complete++;
      else {
        incomplete++;
        assert.equal(run.verdict, 'incomplete', `${run.dir}: no _SUCCESS, yet read as ${run.verdict}`);
      }
    }
  }
  assert.ok(complete >= RUNS, `${complete} complete runs for ${RUNS} reruns`);
  assert.ok(incomplete >= 20, `only ${incomplete} killed runs had written files: the kills land too early to test a partial run directory`);
  assert.ok(killedMidRun >= RUNS, `only ${killedMidRun} kills landed before the run finished (a run takes ${runMs} ms)`);
  process.stdout.write(`# ${killedMidRun} kills in ${RUNS} runs; ${incomplete} incomplete run directories left, all read as incomplete; ${abortedStale} stale uploads aborted by the reruns (these files are small enough for one PutObject each: export-run.test.ts kills a multipart upload)\n`);
});
