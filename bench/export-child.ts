/**
 * The child processes of bench/export.bench.ts and bench/pgp.bench.ts: one measured piece of work per process, so
 * that its peak RSS is its own (taken by `/usr/bin/time -f %M` in the parent) and nothing of the benchmark runner
 * (other benchmarks' heaps, the report) counts against it.
 *
 *   node --import tsx bench/export-child.ts parquet <baseline|pipewright|duckdb> <charges> <out.parquet>
 *   node --import tsx bench/export-child.ts pgp-encrypt <plain> <public.asc> <out.gpg>
 *   node --import tsx bench/export-child.ts pgp-decrypt <in.gpg> <private.asc> <out>
 *
 * Prints one JSON line ({@link ChildResult}) on stdout: the work's own wall and CPU time, measured inside the process
 * (module loading and start-up excluded). The helpers below (`measured`, `machineCpu`) are the parents' side.
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';

export interface ChildResult {
  /** Rows written (parquet), bytes processed (pgp). */
  count: number;
  /** Wall time of the work itself. */
  ms: number;
  /** CPU time of the process during the work (user + system, all threads). */
  cpuMs: number;
  /** Size of the output file. */
  bytes: number;
  /** Named phases of the work (DuckDB: append, copy), wall ms. */
  phases?: Record<string, number>;
}

export interface Measured<T> {
  result: T;
  /** Wall time of the whole process, start-up included. */
  processMs: number;
  /** Peak RSS of the process (KiB), from `/usr/bin/time -f %M`. */
  peakKb: number;
  /** CPU seconds of the whole process (user + system). */
  cpuS: number;
}

export const TIME = '/usr/bin/time';

/**
 * Runs `command args` under `/usr/bin/time` and returns its peak RSS, CPU time, and — for our own children — the JSON
 * line it printed (`parse`); for other programs (gpg) `parse` gets the stdout as it is.
 */
export async function measured<T>(command: string, args: string[], parse: (stdout: string) => T, cwd: string): Promise<Measured<T>> {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed to measure peak RSS (apt-get install time)`);
  const t0 = performance.now();
  const child = spawn(TIME, ['-f', 'BENCH_MAXRSS_KB=%M BENCH_CPU_S=%U+%S', command, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  const processMs = performance.now() - t0;
  if (code !== 0) throw new Error(`${basename(command)} ${args.slice(0, 4).join(' ')} exited with ${code}: ${stderr.trim().split('\n').slice(-6).join(' | ')}`);
  const rss = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
  const cpu = /BENCH_CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  if (!rss) throw new Error(`${TIME} printed no peak RSS: ${stderr.slice(-300)}`);
  return { result: parse(stdout), processMs, peakKb: Number(rss[1]), cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0 };
}

/** A child of this script: `node --import tsx bench/export-child.ts …args`, measured. */
export function measuredChild(root: string, args: string[]): Promise<Measured<ChildResult>> {
  return measured(process.execPath, ['--import', 'tsx', join(root, 'bench', 'export-child.ts'), ...args], (out) => JSON.parse(out.trim().split('\n').pop() ?? '') as ChildResult, root);
}

import { machineCpu } from './harness';
export { machineCpu };

/**
 * A warning when other processes took more than 5 % of the machine's CPU time between `start` and now (`ownS`: the
 * CPU seconds of this benchmark's processes, which are not "others").
 */
export function loadWarning(start: ReturnType<typeof machineCpu>, ownS: number, cores: number): string | undefined {
  const end = machineCpu();
  if (!start || !end) return undefined;
  const seconds = (end.total - start.total) / end.hz;
  const others = Math.max(0, (end.busy - start.busy) / end.hz - ownS);
  const share = others / Math.max(1e-9, seconds);
  if (share <= 0.05) return undefined;
  return `⚠️ The machine was not idle: ${(100 * share).toFixed(0)} % of its CPU time while this benchmark ran (${others.toFixed(0)} CPU-seconds over ${(seconds / cores).toFixed(0)} s on ${cores} cores) went to other processes (and to kernel work charged to no process, such as writing back this benchmark's files, which makes that figure an upper bound). Times are inflated and noisier than on an idle machine; memory much less so.`;
}

// ---------------------------------------------------------------------------------------------------------
// Parquet

/** Parquet row groups of both writers. */
export const ROW_GROUP_ROWS = 100_000;

async function parquet(which: string, charges: number, out: string): Promise<ChildResult> {
  const { sampleObjects } = await import('../server/src/engine/export/sample');
  const { columnsOf, flatten } = await import('../server/src/engine/export/tables');
  // Modules loaded before the clock starts: the time is the work's.
  const { ParquetStreamWriter } = await import('../server/src/engine/export/parquet');
  const duck = which === 'duckdb' ? await import('@duckdb/node-api') : undefined;
  const columns = columnsOf('charges');
  /** The common part: the sample generator's charges (its other tables are generated and dropped), flattened. */
  function* rows() {
    for (const [table, obj] of sampleObjects({ charges, seed: 42 })) if (table === 'charges') yield flatten('charges', obj);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let count = 0;
  const phases: Record<string, number> = {};
  if (which === 'baseline') {
    let sink = 0;
    for (const row of rows()) {
      count++;
      if (row.id) sink++;
    }
    if (sink !== count) throw new Error('a flattened charge has no id');
  } else if (which === 'pipewright') {
    const fd = openSync(out, 'w');
    try {
      const w = new ParquetStreamWriter(columns.map((c) => ({ name: c.name, type: c.type })), { compression: 'snappy', rowGroupRows: ROW_GROUP_ROWS }, (chunk) => {
        writeSync(fd, chunk);
      });
      for (const row of rows()) {
        const p = w.write(row);
        if (p) await p;
      }
      count = (await w.end()).rows;
    } finally {
      closeSync(fd);
    }
  } else if (duck) {
    const { DuckDBInstance, DuckDBTimestampMillisecondsValue } = duck;
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const sqlType = (t: string) => (t === 'int64' ? 'BIGINT' : t === 'timestamp' ? 'TIMESTAMP_MS' : t === 'boolean' ? 'BOOLEAN' : t === 'double' ? 'DOUBLE' : 'VARCHAR');
      await con.run(`CREATE TABLE charges (${columns.map((c) => `"${c.name}" ${sqlType(c.type)}`).join(', ')})`);
      const app = await con.createAppender('charges');
      const names = columns.map((c) => c.name);
      const kinds = columns.map((c) => c.type);
      for (const row of rows()) {
        for (let k = 0; k < names.length; k++) {
          const v = row[names[k]];
          if (v === null || v === undefined) app.appendNull();
          else if (kinds[k] === 'int64') app.appendBigInt(BigInt(v as number));
          else if (kinds[k] === 'timestamp') app.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(BigInt(v as number)));
          else if (kinds[k] === 'boolean') app.appendBoolean(v as boolean);
          else if (kinds[k] === 'double') app.appendDouble(v as number);
          else app.appendVarchar(v as string);
        }
        app.endRow();
        count++;
      }
      app.closeSync();
      phases.append = performance.now() - t0;
      const t1 = performance.now();
      await con.run(`COPY charges TO '${out.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`);
      phases.copy = performance.now() - t1;
    } finally {
      con.closeSync();
      db.closeSync();
    }
  } else {
    throw new Error(`unknown parquet contender ${which}`);
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { count, ms, cpuMs: (c.user + c.system) / 1000, bytes: which === 'baseline' ? 0 : statSync(out).size, phases };
}

// ---------------------------------------------------------------------------------------------------------
// PGP

async function pgp(mode: string, input: string, keyFile: string, out: string): Promise<ChildResult> {
  const { decryptToFile, encryptStream } = await import('../server/src/node/pgp/stream');
  const key = readFileSync(keyFile, 'utf8');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // Read in 1 MiB chunks: the exporter hands the encryption its Parquet writer's 1 MiB chunks, and gpg reads its
  // file in large blocks too (Node's default of 64 KiB halves openpgp's throughput here).
  if (mode === 'pgp-encrypt') await pipeline(encryptStream(createReadStream(input, { highWaterMark: 1 << 20 }), key), createWriteStream(out));
  else if (mode === 'pgp-decrypt') await decryptToFile(createReadStream(input, { highWaterMark: 1 << 20 }), key, out);
  else throw new Error(`unknown mode ${mode}`);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { count: statSync(input).size, ms, cpuMs: (c.user + c.system) / 1000, bytes: statSync(out).size };
}

async function main(argv: string[]): Promise<void> {
  const [mode, ...rest] = argv;
  const result = mode === 'parquet' ? await parquet(rest[0], Number(rest[1]), rest[2]) : await pgp(mode, rest[0], rest[1], rest[2]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (basename(process.argv[1] ?? '') === 'export-child.ts') {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
