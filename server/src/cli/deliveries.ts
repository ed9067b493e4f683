/**
 * `pipewright preview <stripe-export pipeline>`: what the export delivered, run by run (a run without `_SUCCESS` is
 * incomplete, never a delivery), the penny-test files; and with `--object KEY` the content of one file — a Parquet
 * file's schema, row count, row groups, compression and first rows, decrypted first when it is `.parquet.gpg` and a
 * private key is given. Also the text of a Parquet preview for stripe-import pipelines (`--object x.parquet`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParquetPreview } from '../engine/delivery/object';
import { ParquetReadError, type ParquetCell } from '../engine/delivery/parquet';
import type { DeliveryObject, DeliveryRun, DeliveryTotals } from '../engine/delivery/runs';
import { formatBytes } from '../engine/import/select';
import { jobError } from '../node/export/jobs';
import type { ExportPipeline } from '../node/export/pipeline';
import { previewDeliveryBucket, previewDeliveryObject } from '../node/export/preview';
import { contentText } from './import';
import { terminalJob } from './progress';

export interface DeliveryPreviewOptions {
  object?: string;
  rows?: number;
  columns?: string[];
  prefix?: string;
  summary?: boolean;
  json?: boolean;
  privateKey?: string;
  endpoint?: string;
  profile?: string;
  region?: string;
}

export async function runDeliveryPreview(p: ExportPipeline, o: DeliveryPreviewOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const connect = { endpoint: o.endpoint, profile: o.profile, region: o.region };
  if (o.object) {
    let privateArmored: string | undefined;
    if (o.privateKey) {
      try {
        privateArmored = readFileSync(resolve(cwd, o.privateKey), 'utf8');
      } catch (e) {
        stderr.write(`pipewright preview: the private key ${o.privateKey} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the file of the armored private key.\n`);
        return 2;
      }
    }
    const job = terminalJob(stderr, 'reading');
    const abort = new AbortController();
    const stop = setInterval(() => job.token.isCancellationRequested && abort.abort(), 100);
    try {
      const c = await previewDeliveryObject(p, { ...connect, key: o.object, privateArmored, maxRows: o.rows, columns: o.columns, signal: abort.signal });
      if (o.json) stdout.write(`${JSON.stringify(c)}\n`);
      else if (c.format === 'parquet') stdout.write(parquetText(p.bucket, c));
      else stdout.write(contentText(c));
      return 0;
    } catch (e) {
      if (abort.signal.aborted) {
        stderr.write('pipewright preview: stopped.\n');
        return 130;
      }
      return objectError(stderr, e, p, connect);
    } finally {
      clearInterval(stop);
      job.dispose();
    }
  }

  const job = terminalJob(stderr, 'listing');
  let header = false;
  try {
    const totals = await previewDeliveryBucket(p, { ...connect, prefix: o.prefix }, (page) => {
      job.progress(page.totals.listed, page.totals.complete ? page.totals.listed : page.totals.listed + 1000);
      if (o.json) {
        for (const r of page.runs) stdout.write(`${JSON.stringify(r)}\n`);
        for (const x of page.objects) stdout.write(`${JSON.stringify(x)}\n`);
      } else if (!o.summary) {
        if (!header && (page.runs.length || page.objects.length)) {
          stdout.write(`${'VERDICT'.padEnd(13)} ${'TABLES'.padStart(6)} ${'FILES'.padStart(6)} ${'SIZE'.padStart(9)}  RUN — REASON\n`);
          header = true;
        }
        for (const r of page.runs) stdout.write(runText(r));
        for (const x of page.objects) stdout.write(objectText(x));
      }
    }, job.token);
    job.dispose();
    if (o.json) stdout.write(`${JSON.stringify({ totals })}\n`);
    else stdout.write(totalsText(p, o.prefix, totals));
    return totals.complete ? 0 : 130;
  } catch (e) {
    job.dispose();
    stderr.write(`pipewright preview: ${jobError(e, p, connect, 's3:ListBucket')}\n`);
    return 3;
  }
}

/** Exit 1 for a file that cannot be read (damaged, tampered with, wrong key), 3 for S3 and other failures. */
function objectError(stderr: NodeJS.WritableStream, e: unknown, p: ExportPipeline, connect: { endpoint?: string; profile?: string; region?: string }): number {
  const name = (e as Error)?.name;
  const message = (e as Error)?.message ?? String(e);
  if (e instanceof ParquetReadError || name === 'PgpDecryptError') {
    stderr.write(`pipewright preview: ${message}\n`);
    return 1;
  }
  stderr.write(`pipewright preview: ${/^s3:\/\//.test(message) ? message : jobError(e, p, connect, 's3:GetObject')}\n`);
  return 3;
}

function runText(r: DeliveryRun): string {
  const mark = r.verdict === 'incomplete' ? '✗' : '✓';
  const lines = [`${`${mark} ${r.verdict}`.padEnd(13)} ${String(r.tables.length).padStart(6)} ${String(r.parts).padStart(6)} ${formatBytes(r.bytes).padStart(9)}  ${r.dir} — ${r.reason}`];
  for (const t of r.tables) {
    lines.push(`${''.padEnd(13)} ${''.padStart(6)} ${String(t.parts.length).padStart(6)} ${formatBytes(t.bytes).padStart(9)}    ${t.table}/ ${t.parts.map((x) => x.key.slice(x.key.lastIndexOf('/') + 1)).join(', ')}`);
  }
  for (const x of r.other) lines.push(`${''.padEnd(13)} ${''.padStart(6)} ${''.padStart(6)} ${formatBytes(x.size).padStart(9)}    ${x.key.slice(r.dir.length)} (not a table file)`);
  return `${lines.join('\n')}\n`;
}

function objectText(x: DeliveryObject): string {
  return `${`· ${x.kind}`.padEnd(13)} ${''.padStart(6)} ${''.padStart(6)} ${formatBytes(x.size).padStart(9)}  ${x.key} — ${x.reason}\n`;
}

function totalsText(p: ExportPipeline, from: string | undefined, t: DeliveryTotals): string {
  const v = t.byVerdict;
  const lines = [`\ns3://${p.bucket}/${from ?? p.prefix}: ${t.listed} objects listed${t.complete ? '' : ' (stopped before the end)'}`];
  lines.push(`  runs: ${t.runs} (${v.complete ?? 0} complete, ${v.encrypted ?? 0} complete and encrypted, ${v.incomplete ?? 0} incomplete); ${t.parts} files, ${formatBytes(t.bytes)}`);
  lines.push(`  latest complete run: ${t.latestComplete ?? 'none'}`);
  if (t.pennyTests) lines.push(`  penny-test files: ${t.pennyTests}`);
  if (t.otherObjects) lines.push(`  other objects: ${t.otherObjects}`);
  if (v.incomplete) lines.push(`  An incomplete run has no _SUCCESS: it failed, was stopped or is still writing. Do not load it; the next complete run replaces it.`);
  return `${lines.join('\n')}\n`;
}

/** The text of a Parquet preview: the file, its schema, and the first rows as a table. */
export function parquetText(bucket: string, c: ParquetPreview): string {
  const out: string[] = [];
  const f = c.file;
  const head = `s3://${bucket}/${c.key} — Parquet${c.encryption ? ', PGP-encrypted' : ''}, ${formatBytes(c.size)}`;
  out.push(f ? `${head}: ${f.rows.toLocaleString('en-US')} rows in ${f.rowGroups.length} row group${f.rowGroups.length === 1 ? '' : 's'}, ${f.compression.join(', ') || 'no column chunks'}, ${f.columns.length} columns` : head);
  if (c.encryption) out.push(`  ${c.encryption.message}${c.encryption.decrypted ? '' : ' (--private-key FILE: the armored private key; it is read, never stored)'}`);
  if (f) out.push(`  created by ${f.createdBy ?? 'an unnamed writer'}, format version ${f.version}; read ${formatBytes(c.bytesRead)} of ${formatBytes(c.size)}`);
  if (!f) return `${out.join('\n')}\n`;

  out.push('Schema:');
  const nameWidth = Math.min(40, Math.max(...f.columns.map((x) => x.name.length), 4));
  for (const col of f.columns) {
    out.push(`  ${col.name.padEnd(nameWidth)}  ${col.physicalType.padEnd(20)}  ${(col.logicalType ?? '').padEnd(22)}  ${col.repeated ? 'repeated' : col.nullable ? 'nullable' : 'required'}`);
  }
  if (!c.rows.length) {
    out.push(f.rows ? 'No rows asked for.' : 'No rows.');
    return `${out.join('\n')}\n`;
  }
  out.push(`First ${c.rows.length} of ${f.rows.toLocaleString('en-US')} rows:`);
  const cells = c.rows.map((r) => r.map(cellText));
  const widths = c.shown.map((name, i) => Math.min(24, Math.max(name.length, ...cells.map((r) => r[i].length))));
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  out.push(`  ${c.shown.map((n, i) => fit(n, widths[i])).join(' │ ')}`);
  out.push(`  ${widths.map((w) => '─'.repeat(w)).join('─┼─')}`);
  for (const r of cells) out.push(`  ${r.map((x, i) => fit(x, widths[i])).join(' │ ')}`);
  if (c.truncated) out.push(`  … ${(f.rows - c.rows.length).toLocaleString('en-US')} more rows`);
  return `${out.join('\n')}\n`;
}

function cellText(v: ParquetCell): string {
  if (v === null) return 'NULL';
  return String(v).replace(/[\r\n\t]/g, ' ');
}
