/**
 * Helpers of the Parquet writer tests: write rows to bytes (or a temporary file), and read a file back with the
 * two oracles — DuckDB (native, the reference reader) and hyparquet (pure JS) — as plain rows comparable with
 * the rows written: int64 and timestamp values as JS numbers (milliseconds), strings, booleans, doubles, null.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ParquetStreamWriter, type ParquetColumn, type ParquetRow, type ParquetWriteResult, type ParquetWriterOptions } from '../../server/src/engine/export/parquet';

export type Value = string | number | boolean | null;
export type PlainRow = Record<string, Value>;

let dir: string | undefined;
let files = 0;

/** A fresh path in this test run's temporary folder. */
export function tempPath(name = 'file'): string {
  dir ??= mkdtempSync(join(tmpdir(), 'pw-parquet-'));
  return join(dir, `${name}-${files++}.parquet`);
}

export function removeTemp(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

export interface Written {
  bytes: Uint8Array;
  chunks: Uint8Array[];
  result: ParquetWriteResult;
  file: string;
}

/** Writes `rows` with a synchronous sink that keeps the chunks; the file on disk for the readers. */
export async function writeRows(columns: ParquetColumn[], rows: Iterable<ParquetRow>, options?: ParquetWriterOptions): Promise<Written> {
  const chunks: Uint8Array[] = [];
  const writer = new ParquetStreamWriter(columns, options, (chunk) => {
    chunks.push(chunk);
  });
  for (const row of rows) {
    const p = writer.write(row);
    if (p) await p;
  }
  const result = await writer.end();
  const bytes = Buffer.concat(chunks);
  const file = tempPath();
  writeFileSync(file, bytes);
  return { bytes, chunks, result, file };
}

let connection: Promise<DuckDBConnection> | undefined;

export function duckdb(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  return connection;
}

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await (await duckdb()).runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** DuckDB's reading of the file, in file order; int64 through VARCHAR and timestamps through epoch_ms (exact). */
export async function readWithDuckDB(file: string, columns: ParquetColumn[]): Promise<PlainRow[]> {
  const select = columns.map((c, k) => {
    const col = quote(c.name);
    const expr = c.type === 'int64' ? `CAST(${col} AS VARCHAR)` : c.type === 'timestamp' ? `CAST(epoch_ms(${col}) AS VARCHAR)` : col;
    return `${expr} AS c${k}`;
  });
  const rows = await query(`SELECT ${select.join(', ')} FROM read_parquet(${sqlString(file)}, file_row_number = true) ORDER BY file_row_number`);
  return rows.map((r) => {
    const out: PlainRow = {};
    columns.forEach((c, k) => {
      const v = r[`c${k}`];
      out[c.name] = v === null || v === undefined ? null : c.type === 'int64' || c.type === 'timestamp' ? Number(v as string) : (v as Value);
    });
    return out;
  });
}

/** hyparquet's reading of the file (bigint → number, Date → milliseconds). */
export async function readWithHyparquet(bytes: Uint8Array, columns: ParquetColumn[]): Promise<PlainRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  return rows.map((r) => {
    const out: PlainRow = {};
    for (const c of columns) {
      const v = r[c.name];
      out[c.name] = v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : (v as Value);
    }
    return out;
  });
}

/** hyparquet's parse of the footer. */
export function footer(bytes: Uint8Array): ReturnType<typeof parquetMetadata> {
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/** `rows` with every column present (absent → null), as the readers return them. */
export function normalized(columns: ParquetColumn[], rows: ParquetRow[]): PlainRow[] {
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c.name, r[c.name] ?? null])));
}
