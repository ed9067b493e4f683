/**
 * Exporting 1,000,000 charges to Parquet: Pipewright's writer against DuckDB's.
 *
 * The same rows for both: the sample generator's charges (`sampleObjects`, seed 42), flattened into the export's
 * typed columns (`flatten('charges', …)`). **Pipewright** hands them to `ParquetStreamWriter` (snappy, 100,000-row
 * groups), its bytes written to a local file; **DuckDB** (@duckdb/node-api) appends them with its appender into an
 * in-memory table, then `COPY … (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 100000)` writes the file. A third
 * child, the **baseline**, only generates and flattens: the part both share. Each runs in a child process of its own
 * (bench/export-child.ts) under `/usr/bin/time -f %M`, for a peak RSS that is its own.
 *
 * Targets: Pipewright's rows/s ≥ 0.5 × DuckDB's, its file ≤ 1.2 × DuckDB's, its peak RSS ≤ 300 MB.
 * BENCH_EXPORT_SCALE=0.02 shrinks the row count (for trying the benchmark out; the report says so).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnsOf } from '../server/src/engine/export/tables';
import { loadWarning, machineCpu, measuredChild, ROW_GROUP_ROWS, type ChildResult, type Measured } from './export-child';
import { assert, stats, type Benchmark, type BenchResult } from './harness';

const SCALE = Number(process.env.BENCH_EXPORT_SCALE ?? 1) || 1;
const CHARGES = Math.max(1_000, Math.round(1_000_000 * SCALE));
/** Runs of each child, alternating the order (B P D, D P B); a run lasts seconds, far beyond JIT warm-up. */
const RUNS = 2;
const MB = 1_000_000;
const CONTENDERS = ['baseline', 'pipewright', 'duckdb'] as const;
type Name = (typeof CONTENDERS)[number];

/** Rows, distinct ids and the sum of `amount` in a Parquet file, read back by DuckDB: both files must hold the same data. */
async function fingerprint(file: string): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const lit = `'${file.replace(/'/g, "''")}'`;
    const rows = (await conn.runAndReadAll(`SELECT count(*), count(DISTINCT id), sum(amount), count(metadata), epoch_ms(max(created)) FROM read_parquet(${lit})`)).getRows();
    return rows[0].map(String).join(' / ');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const bench: Benchmark = {
  id: 'export',
  title: 'Export to Parquet: 1,000,000 charges, Pipewright against DuckDB',
  async run(ctx): Promise<BenchResult> {
    const notes: string[] = [];
    if (SCALE !== 1) notes.push(`⚠️ BENCH_EXPORT_SCALE=${SCALE}: ${CHARGES.toLocaleString('en-US')} charges instead of 1,000,000; these are not the figures of the issue.`);
    const columns = columnsOf('charges');
    const run = mkdtempSync(join(ctx.root, '.bench-tmp', 'export-run-'));
    const cpuStart = machineCpu();
    let childCpuS = 0;
    try {
      const runs: Record<Name, Array<Measured<ChildResult>>> = { baseline: [], pipewright: [], duckdb: [] };
      ctx.log(`export: ${CHARGES.toLocaleString('en-US')} charges, ${columns.length} columns; ${RUNS} runs of each child (baseline, Pipewright, DuckDB)`);
      for (let i = 0; i < RUNS; i++) {
        const order = i % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
        for (const name of order) {
          const out = join(run, `${name}.parquet`);
          rmSync(out, { force: true });
          const m = await measuredChild(ctx.root, ['parquet', name, String(CHARGES), out]);
          assert(m.result.count === CHARGES, `${name} wrote ${m.result.count} rows; ${CHARGES} expected`);
          runs[name].push(m);
          childCpuS += m.cpuS;
          ctx.log(`export:   #${i} ${name}: ${(m.result.ms / 1000).toFixed(1)} s, ${(m.result.bytes / MB).toFixed(1)} MB, peak RSS ${(m.peakKb / 1024).toFixed(0)} MiB`);
        }
      }
      // The last run's files hold the same data.
      const fp = { pipewright: await fingerprint(join(run, 'pipewright.parquet')), duckdb: await fingerprint(join(run, 'duckdb.parquet')) };
      assert(fp.pipewright === fp.duckdb, `the two Parquet files differ (rows / distinct ids / sum(amount) / metadata set / max(created)): Pipewright ${fp.pipewright}, DuckDB ${fp.duckdb}`);
      ctx.log(`export: both files read back by DuckDB agree: ${fp.pipewright}`);

      const median = (name: Name, f: (m: Measured<ChildResult>) => number) => stats(runs[name].map(f)).median;
      const ms = (n: Name) => median(n, (m) => m.result.ms);
      const cpuMs = (n: Name) => median(n, (m) => m.result.cpuMs);
      const rss = (n: Name) => Math.max(...runs[n].map((m) => m.peakKb / 1024));
      const size = (n: Name) => runs[n][runs[n].length - 1].result.bytes;
      const rps = (n: Name) => CHARGES / (ms(n) / 1000);
      const base = ms('baseline');
      const appendMs = median('duckdb', (m) => m.result.phases?.append ?? NaN);
      const copyMs = median('duckdb', (m) => m.result.phases?.copy ?? NaN);

      const warning = loadWarning(cpuStart, childCpuS + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6, cpus().length);
      if (warning) notes.push(warning);
      notes.push(
        `Where the time goes: generating and flattening the charges (the baseline) takes ${(base / 1000).toFixed(1)} s — ${((100 * base) / ms('pipewright')).toFixed(0)} % of Pipewright's ${(ms('pipewright') / 1000).toFixed(1)} s and ${((100 * base) / ms('duckdb')).toFixed(0)} % of DuckDB's ${(ms('duckdb') / 1000).toFixed(1)} s. ` +
          `Net of it, Pipewright's writer takes ${((ms('pipewright') - base) / 1000).toFixed(1)} s (${Math.round(CHARGES / ((ms('pipewright') - base) / 1000)).toLocaleString('en-US')} rows/s); DuckDB's appender ${((appendMs - base) / 1000).toFixed(1)} s (its append phase, ${(appendMs / 1000).toFixed(1)} s, includes generating the rows) and its COPY ${(copyMs / 1000).toFixed(1)} s (${cpus().length} threads).`,
        `Where the memory goes: the baseline child (Node + tsx + the generator, no writer) peaks at ${rss('baseline').toFixed(0)} MiB, so Pipewright's writer adds ${(rss('pipewright') - rss('baseline')).toFixed(0)} MiB (one row group of buffered columns, 100,000 rows) and DuckDB ${(rss('duckdb') - rss('baseline')).toFixed(0)} MiB (the whole table in memory before COPY, plus its native library). The baseline (the generator keeps only the prices it made — a customer is re-derived from its number when a charge refers to it — so the rest is Node + tsx with the generator's modules loaded, about 78 MiB before generating anything, and garbage not yet collected).`,
        `Column types: the same physical types in both files; Pipewright marks its timestamps TIMESTAMP(isAdjustedToUTC = true, MILLIS), DuckDB's TIMESTAMP_MS column is written without the UTC flag (the comparison reads them back as epoch milliseconds).`,
        `Pipewright's writer runs on the main thread only; DuckDB's COPY on all ${cpus().length} cores (CPU time in the second table: measured inside each child around the work).`,
      );

      return {
        id: bench.id,
        title: bench.title,
        method:
          `${CHARGES.toLocaleString('en-US')} charges of the sample generator (\`sampleObjects({ charges, seed: 42 })\`, which also generates the other tables' objects and drops them here), flattened by \`flatten('charges', …)\` into the export's ${columns.length} typed columns. ` +
          `**Pipewright**: \`ParquetStreamWriter\` (snappy, ${ROW_GROUP_ROWS.toLocaleString('en-US')}-row groups), every chunk written with \`fs.writeSync\` to a local file (awaiting the writer's promise when a row group completes, as the exporter does). ` +
          `**DuckDB** (@duckdb/node-api, in-memory database): the same JS rows appended with its appender (\`appendVarchar\`/\`appendBigInt\`/\`appendTimestampMilliseconds\`/…, one \`endRow\` per charge) into a table of the same column types, then \`COPY charges TO file (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})\`. ` +
          `**Baseline**: the generator and \`flatten\` alone, rows counted and dropped — the part both contenders share. ` +
          `Each is a child process of its own (\`node --import tsx bench/export-child.ts …\`) under \`/usr/bin/time -f %M\` (peak RSS in MiB, 2^20 bytes; the 300 MB target read as 300 MiB; highest of the runs); time is measured inside the child around the work (start-up and module loading excluded), ${RUNS} runs of each, order alternating, median; rows/s = charges / median time. ` +
          `After the runs, DuckDB reads both files back and they agree on rows, distinct ids, sum(amount), metadata present and max(created). The files go to a run folder under .bench-tmp/, removed at the end.`,
        tables: [
          {
            title: `Pipewright against DuckDB, ${CHARGES.toLocaleString('en-US')} charges to a Parquet file`,
            columns: [
              { key: 'what', header: 'Work', unit: 'text' },
              { key: 'pwRps', header: 'Pipewright rows/s', unit: 'count' },
              { key: 'dkRps', header: 'DuckDB rows/s', unit: 'count' },
              { key: 'speed', header: 'Rows/s, Pipewright / DuckDB', unit: 'ratio', target: { op: '≥', limit: 0.5 } },
              { key: 'pwMb', header: 'Pipewright file (MB)', unit: 'text' },
              { key: 'dkMb', header: 'DuckDB file (MB)', unit: 'text' },
              { key: 'size', header: 'File size, Pipewright / DuckDB', unit: 'ratio', target: { op: '≤', limit: 1.2 } },
              { key: 'pwRss', header: 'Pipewright peak RSS (MiB)', unit: 'count', target: { op: '≤', limit: 300 } },
              { key: 'dkRss', header: 'DuckDB peak RSS (MiB)', unit: 'count' },
            ],
            rows: [
              {
                what: 'generate + flatten + write the file',
                pwRps: rps('pipewright'),
                dkRps: rps('duckdb'),
                speed: ms('duckdb') / ms('pipewright'),
                pwMb: (size('pipewright') / MB).toFixed(1),
                dkMb: (size('duckdb') / MB).toFixed(1),
                size: size('pipewright') / size('duckdb'),
                pwRss: rss('pipewright'),
                dkRss: rss('duckdb'),
              },
            ],
          },
          {
            title: 'Each child process, and the baseline (what both share)',
            columns: [
              { key: 'what', header: 'Child', unit: 'text' },
              { key: 'ms', header: 'Median time', unit: 'ms' },
              { key: 'cpu', header: 'CPU time (median)', unit: 'ms' },
              { key: 'rps', header: 'Rows/s', unit: 'count' },
              { key: 'net', header: 'Time net of the baseline', unit: 'ms' },
              { key: 'rss', header: 'Peak RSS (MiB)', unit: 'count' },
              { key: 'netRss', header: 'Peak RSS above the baseline (MiB)', unit: 'count' },
            ],
            rows: [
              { what: 'Pipewright — generate + flatten + ParquetStreamWriter → file', ms: ms('pipewright'), cpu: cpuMs('pipewright'), rps: rps('pipewright'), net: ms('pipewright') - base, rss: rss('pipewright'), netRss: rss('pipewright') - rss('baseline') },
              { what: 'DuckDB — generate + flatten + appender, then COPY → file', ms: ms('duckdb'), cpu: cpuMs('duckdb'), rps: rps('duckdb'), net: ms('duckdb') - base, rss: rss('duckdb'), netRss: rss('duckdb') - rss('baseline') },
              { what: 'Baseline — generate + flatten only', ms: base, cpu: cpuMs('baseline'), rps: rps('baseline'), rss: rss('baseline') },
            ],
          },
        ],
        notes,
      };
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  },
};

export default bench;
