/**
 * Stripe-export workspaces for the tests that read deliveries: the permission and trust policies a clean
 * stripe-export pipeline needs, pipeline files, the built CLI as a user runs it, and DuckDB as the reference reader
 * of a Parquet file on disk.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export const ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';
const BIN = resolve(__dirname, '../../bin/pipewright.js');

export interface CliRun {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(): void;
}

/** `pipewright <args>` (the built CLI) in `cwd`. */
export function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { done: new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr }))), kill: () => child.kill('SIGKILL') };
}

/** The policies every pipeline of the workspace names (clean for the linter, which runs before any job). */
export function writePolicies(dir: string, bucket: string): void {
  writeFileSync(join(dir, 'p.policy.json'), JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${bucket}` },
    { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` },
  ] }, null, 2));
  writeFileSync(join(dir, 't.trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::731954892063:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': ACCOUNT } } }] }, null, 2));
}

/** Writes `<name>.pipeline.json` (a stripe-export pipeline reading the `data` folder) and returns its path. */
export function writeExportPipeline(dir: string, bucket: string, name: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.pipeline.json`);
  writeFileSync(path, JSON.stringify({
    kind: 'stripe-export', name, account: ACCOUNT, bucket, region: 'us-east-1', awsAccountId: '402871995361',
    roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json',
    tables: ['charges', 'refunds'], source: { type: 'jsonl-folder', path: 'data' }, ...extra,
  }, null, 2));
  return path;
}

let db: Promise<DuckDBConnection> | undefined;

export async function duckdbRows(sql: string): Promise<Record<string, unknown>[]> {
  db ??= DuckDBInstance.create(':memory:').then((d) => d.connect());
  return (await (await db).runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** DuckDB's view of a Parquet file: each top-level column's footer entry, the row count, row groups and codecs. */
export async function duckdbFile(file: string): Promise<{ columns: Array<{ name: string; type: string; converted: string | null; nullable: boolean }>; rows: number; rowGroups: number; compression: string[] }> {
  const schema = await duckdbRows(`SELECT name, type, converted_type, repetition_type FROM parquet_schema(${lit(file)})`);
  const [meta] = await duckdbRows(`SELECT num_rows, num_row_groups FROM parquet_file_metadata(${lit(file)})`);
  const codecs = await duckdbRows(`SELECT DISTINCT compression FROM parquet_metadata(${lit(file)}) ORDER BY 1`);
  return {
    columns: schema.slice(1).map((s) => ({ name: String(s.name), type: String(s.type), converted: (s.converted_type as string | null) ?? null, nullable: s.repetition_type !== 'REQUIRED' })),
    rows: Number(meta.num_rows),
    rowGroups: Number(meta.num_row_groups),
    compression: codecs.map((c) => String(c.compression)),
  };
}

/**
 * DuckDB's reading of the first `n` rows, in file order, as the preview shows values: INT64 exact (numbers while
 * they are safe integers, else their digits), timestamps as ISO 8601 UTC with the unit's fraction digits, text,
 * booleans, doubles, null.
 */
export async function duckdbFirstRows(file: string, n: number): Promise<Array<Array<string | number | boolean | null>>> {
  const columns = (await duckdbRows(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`)).map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const select = columns.map((c, i) => {
    const col = ident(c.name);
    if (c.type === 'BIGINT') return `CAST(${col} AS VARCHAR) AS c${i}`;
    if (c.type === 'TIMESTAMP WITH TIME ZONE') return `strftime(${col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS c${i}`;
    if (c.type === 'TIMESTAMP') return `strftime(${col}, '%Y-%m-%dT%H:%M:%S.%fZ') AS c${i}`;
    return `${col} AS c${i}`;
  });
  const rows = await duckdbRows(`SELECT ${select.join(', ')} FROM read_parquet(${lit(file)}, file_row_number = true) ORDER BY file_row_number LIMIT ${n}`);
  return rows.map((r) => columns.map((c, i) => {
    const v = r[`c${i}`];
    if (v === null || v === undefined) return null;
    if (c.type === 'BIGINT') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
    return v as string | number | boolean;
  }));
}
