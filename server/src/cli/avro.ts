/**
 * `pipewright preview <pipeline> --object KEY.avro`: an Avro file's codec and writer schema, then its first rows as a
 * text table (as the Parquet preview prints them), for any pipeline that names a bucket — Braze Currents above all.
 * `--json` prints the AvroPreview itself. Exit 0 shown, 1 a file that cannot be read, 2 a usage or config error,
 * 3 S3 failed, 130 stopped.
 */
import type { Project } from '../engine';
import type { AvroCell, AvroPreview } from '../engine/avro/container';
import { formatBytes } from '../engine/import/select';
import { AvroReadError, bucketOf, PipelineBucketError, previewAvroOfPipeline } from '../node/avro';
import { terminalJob } from './progress';

export interface AvroCliOptions {
  object: string;
  rows: number;
  json?: boolean;
  endpoint?: string;
  profile?: string;
  region?: string;
}

export async function runAvroPreview(path: string, project: Project, o: AvroCliOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const doc = project.get(path);
  if (!doc || doc.kind !== 'pipeline') {
    stderr.write(`pipewright preview: ${path} is not a pipeline file that can be read.\n`);
    return 2;
  }
  const job = terminalJob(stderr, 'reading');
  const abort = new AbortController();
  const stop = setInterval(() => job.token.isCancellationRequested && abort.abort(), 100);
  try {
    const c = await previewAvroOfPipeline(doc, { key: o.object, maxRows: o.rows, endpoint: o.endpoint, profile: o.profile, region: o.region, signal: abort.signal });
    job.dispose();
    stdout.write(o.json ? `${JSON.stringify(c)}\n` : avroText(bucketOf(doc), c));
    return 0;
  } catch (e) {
    job.dispose();
    if (abort.signal.aborted) {
      stderr.write('pipewright preview: stopped.\n');
      return 130;
    }
    stderr.write(`pipewright preview: ${(e as Error)?.message ?? String(e)}\n`);
    return e instanceof AvroReadError ? 1 : e instanceof PipelineBucketError ? 2 : 3;
  } finally {
    clearInterval(stop);
  }
}

/** The text of an Avro preview: the file, its schema, and the first rows as a table. */
export function avroText(bucket: string, c: AvroPreview): string {
  const out: string[] = [];
  out.push(`s3://${bucket}/${c.key} — Avro, ${formatBytes(c.size)}, codec ${c.codec}${c.schemaName ? `, records of ${c.schemaName}` : ''}, ${c.fields.length} fields; read ${formatBytes(c.bytesRead)} of ${formatBytes(c.size)}`);
  out.push('Schema:');
  const nameWidth = Math.min(40, Math.max(...c.fields.map((x) => x.name.length), 4));
  for (const f of c.fields) out.push(`  ${f.name.padEnd(nameWidth)}  ${f.type}`);
  if (!c.rows.length) {
    out.push(c.truncated ? 'No rows asked for.' : 'No rows.');
    return `${out.join('\n')}\n`;
  }
  out.push(`First ${c.rows.length} rows${c.truncated ? ' (more in the file)' : ' (all of them)'}:`);
  const names = c.fields.map((f) => f.name);
  const cells = c.rows.map((r) => r.map(cellText));
  const widths = names.map((name, i) => Math.min(24, Math.max(name.length, ...cells.map((r) => r[i].length))));
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  out.push(`  ${names.map((n, i) => fit(n, widths[i])).join(' │ ')}`);
  out.push(`  ${widths.map((w) => '─'.repeat(w)).join('─┼─')}`);
  for (const r of cells) out.push(`  ${r.map((x, i) => fit(x, widths[i])).join(' │ ')}`);
  if (c.truncated) out.push('  … more rows in the file');
  return `${out.join('\n')}\n`;
}

function cellText(v: AvroCell): string {
  if (v === null) return 'NULL';
  return String(v).replace(/[\r\n\t]/g, ' ');
}
