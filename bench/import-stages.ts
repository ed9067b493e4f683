/**
 * Where a CSV import's time goes (bench/import.bench.ts): the stages of `runImport` one by one, on one thread, over the
 * same bytes held in memory (no S3, no worker thread), side by side with papaparse reading the same file. Each stage
 * includes the ones before it, except the SQLite writer, which commits batches packed beforehand (untimed) into a new
 * database exactly as the writer thread does. The writer's own throughput is the ceiling of the end-to-end import: the
 * reading, parsing and mapping run beside it, in another thread, and can hide behind it but not make it faster.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { Batch } from '../server/src/engine/import/destination';
import { createMapper, type FieldError, type MappedRecord, type Template } from '../server/src/engine/import/mapping';
import { createRecordReader } from '../server/src/engine/import/parse';
import { emptyState } from '../server/src/engine/import/state';
import type { ParsedRecord } from '../server/src/engine/import/types';
import { fieldsOf, openSqliteDestination, packBatch, type PackedBatch } from '../server/src/node/import/sqlite';
import { assert, sideBySide, stats, type Table } from './harness';

/** About what one read of a GetObject body yields. */
const CHUNK = 64 * 1024;
/** Records per batch, as `runImport` commits them by default. */
const BATCH = 2_000;
const SOURCE = 'imports/products/products.csv';
/** Batches the import thread sends ahead of the writer (sqlite-thread.ts), which commits those waiting together. */
const WAITING = 4;

export type Stage = 'papaparse' | 'read' | 'map' | 'pack' | 'sqlite';
const LABELS: Record<Stage, string> = {
  papaparse: 'papaparse alone (the peer), reading the file as in the throughput table',
  read: 'Pipewright: CSV reader (bytes → fields)',
  map: 'Pipewright: reader + template mapping and validation',
  pack: 'Pipewright: reader + mapping + packing for SQLite (what the import thread does)',
  sqlite: 'Pipewright: SQLite writer alone, the packed batches committed (what the writer thread does)',
};

/**
 * Reads the CSV's bytes with the import's reader and mapper, up to `upTo`: counts the records, and hands every batch of
 * BATCH mapped records to `onBatch` (pack and beyond).
 */
function readCsv(bytes: Buffer, template: Template, upTo: Stage, onBatch?: (records: MappedRecord[]) => void): number {
  const mapper = createMapper(template);
  const errors: FieldError[] = [];
  let header = true;
  let records = 0;
  let batch: MappedRecord[] = [];
  const reader = createRecordReader(
    { format: 'csv' },
    (r: ParsedRecord) => {
      if (header) {
        header = false;
        assert(!mapper.useHeader(r.fields ?? []).error, 'the header does not fit the template');
        return;
      }
      records++;
      if (upTo === 'read') return;
      const m = mapper.map(r, errors);
      if (m === undefined || errors.length) assert(false, `line ${r.line} does not map: ${errors[0]?.message}`);
      if (upTo === 'map') return;
      m!.source = SOURCE;
      batch.push(m!);
      if (batch.length === BATCH) {
        onBatch?.(batch);
        batch = [];
      }
    },
    (p) => assert(false, `line ${p.line}: ${p.message}`),
  );
  for (const chunk of chunks(bytes)) reader.push(chunk);
  reader.end();
  if (batch.length) onBatch?.(batch);
  return records;
}

function* chunks(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, Math.min(i + CHUNK, bytes.length));
}

function batchOf(records: MappedRecord[], template: Template): Batch {
  return { stateId: 'bench', target: template.object, records, problems: [], finished: [], state: { ...emptyState(), run: { startedAt: '2026-01-01T00:00:00.000Z', done: {}, modified: {} } } };
}

export type StageRow = {
  stage: Stage;
  what: string;
  ms: number;
  mbps: number;
  /** papaparse's time / the stage's time. */
  ratio: number;
};

/**
 * The stages over the CSV at `path` (`rows` records), `runs` times each, alternating, beside `peer` (papaparse as the
 * throughput table runs it, reading the file); `dbPath` is the writer's scratch database.
 */
export async function csvStages(path: string, rows: number, template: Template, dbPath: string, runs: number, peer: (file: string) => Promise<{ records: number; errors: number }>, log: (m: string) => void): Promise<{ rows: StageRow[]; bytes: number }> {
  const bytes = readFileSync(path);
  const layout = fieldsOf(template.columns);
  // The writer's input, made once (untimed): the same batches the import thread sends.
  const packed: PackedBatch[] = [];
  assert(readCsv(bytes, template, 'pack', (records) => packed.push(packBatch(batchOf(records, template), layout))) === rows, 'the reader counted another number of records');
  const removeDb = () => {
    for (const p of [dbPath, `${dbPath}-journal`, `${dbPath}.pipewright-pid`]) rmSync(p, { force: true });
    rmSync(`${dbPath}.lock`, { recursive: true, force: true });
  };
  const counted = (stage: Stage) => () => {
    const n = readCsv(bytes, template, stage, stage === 'pack' ? (records) => packBatch(batchOf(records, template), layout) : undefined);
    assert(n === rows, `${stage}: ${n} records; ${rows} expected`);
  };
  const result = await sideBySide({
    warmup: 1,
    runs,
    input: () => removeDb(),
    contenders: [
      {
        name: 'papaparse',
        fn: async () => {
          const r = await peer(path);
          assert(r.records === rows + 1 && r.errors === 0, `papaparse read ${r.records} rows (${r.errors} errors); ${rows + 1} expected (header included)`);
        },
      },
      { name: 'read', fn: counted('read') },
      { name: 'map', fn: counted('map') },
      { name: 'pack', fn: counted('pack') },
      {
        name: 'sqlite',
        fn: async () => {
          const db = openSqliteDestination({ path: dbPath, columns: template.columns, target: template.object });
          try {
            // As the writer thread does when batches wait for it (it is the slower thread): the waiting ones, up to
            // the 4 the import thread sends ahead, in one transaction.
            for (let i = 0; i < packed.length; i += WAITING) db.commitPacked(packed.slice(i, i + WAITING));
          } finally {
            await db.close();
          }
        },
      },
    ],
  });
  removeDb();
  const papa = stats(result.samples.papaparse).median;
  const out: StageRow[] = (Object.keys(LABELS) as Stage[]).map((stage) => {
    const ms = stats(result.samples[stage]).median;
    return { stage, what: LABELS[stage], ms, mbps: bytes.length / 1e6 / (ms / 1000), ratio: papa / ms };
  });
  log(`import: stages: ${out.map((r) => `${r.what.split(' (')[0]} ${r.ms.toFixed(0)} ms`).join('; ')}`);
  return { rows: out, bytes: bytes.length };
}

export const stageColumns: Table['columns'] = [
  { key: 'what', header: 'Stage (one thread, from memory)', unit: 'text' },
  { key: 'ms', header: 'Median', unit: 'ms' },
  { key: 'mbps', header: 'MB/s', unit: 'count' },
  { key: 'ratio', header: 'Throughput ratio stage / papaparse', unit: 'ratio' },
];
