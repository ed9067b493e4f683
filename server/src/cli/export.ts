/**
 * `pipewright export <pipeline>`: one export run (Parquet per table, optionally PGP-encrypted, success marker
 * last), and `pipewright sample-data <dir>`: Stripe-shaped sample data to export offline.
 */
import { resolve } from 'node:path';
import type { ExportReport } from '../engine/export/run';
import { formatBytes } from '../engine/import/select';
import { exportJob, jobError } from '../node/export/jobs';
import { loadExportPipeline, type ExportPipeline } from '../node/export/pipeline';
import { SECRET_REFERENCE } from '../engine/schema';
import { NotStartedError, SourceError, writeSampleData } from '../node/export/sources';
import { terminalJob } from './progress';

export const EXPORT_HELP = `Usage: pipewright export <pipeline> [options]

Runs one export of a stripe-export pipeline: each table as Parquet under <prefix>snapshot/<run id>/<table>/,
PGP-encrypted (.parquet.gpg) when the pipeline names a public key, and <run id>/_SUCCESS written last. A failed or
stopped run aborts its uploads and writes no _SUCCESS.

Options:
  --source DIR          Read the tables from this folder of JSON Lines files (<table>.jsonl) instead of the
                        pipeline's "source"
  --stripe-api-key REF  Read the tables from the Stripe API with the key this reference names
                        (\${secret:name} → env PIPEWRIGHT_SECRET_<NAME>, or \${env:NAME}), instead of the
                        pipeline's "source". A key itself is refused: it would stay in the shell history.
  --stripe-api-base URL Reach the Stripe API at this https://host[:port] (a proxy; http only to this machine)
                        instead of "source.apiBase" (default https://api.stripe.com)
  --rows-per-file N     Rows per Parquet file (default 1000000)
  --json                Print the report as JSON
  --endpoint URL, --profile NAME, --region R   Where and as whom to reach S3 (as for import)

Test-mode Stripe keys (sk_test_…, rk_test_…) are always accepted; a live key only with "allowLiveKey": true in
the pipeline's "source".

Exit status: 0 done; 2 usage, config or key error; 3 failed (network, rate limit, S3); 130 stopped.
`;

export const SAMPLE_HELP = `Usage: pipewright sample-data <dir> [--charges N] [--seed S]

Writes deterministic Stripe-shaped sample data (customers, prices, subscriptions, charges, refunds,
balance_transactions) as one JSON Lines file per table, for exports without a Stripe account.
`;

export async function runSampleData(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  let dir: string | undefined;
  let charges = 1000;
  let seed = 42;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') {
      stdout.write(SAMPLE_HELP);
      return 0;
    }
    if (a === '--charges' || a === '--seed') {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 0) {
        stderr.write(`pipewright sample-data: ${a} needs a whole number. Run "pipewright sample-data --help".\n`);
        return 2;
      }
      if (a === '--charges') charges = n;
      else seed = n;
    } else if (!a.startsWith('-') && !dir) dir = a;
    else {
      stderr.write(`pipewright sample-data: unexpected ${a}. Run "pipewright sample-data --help".\n`);
      return 2;
    }
  }
  if (!dir) {
    stderr.write('pipewright sample-data: name the folder to write, e.g. pipewright sample-data data/\n');
    return 2;
  }
  const counts = await writeSampleData(resolve(cwd, dir), { charges, seed });
  stdout.write(`Wrote ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')} to ${dir}\n`);
  return 0;
}

export async function runExportCommand(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const o: { pipeline?: string; source?: string; stripeApiKey?: string; stripeApiBase?: string; rowsPerFile?: number; json?: boolean; endpoint?: string; profile?: string; region?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '-h' || a === '--help') {
        stdout.write(EXPORT_HELP);
        return 0;
      } else if (a === '--source') o.source = value();
      else if (a === '--stripe-api-key') {
        o.stripeApiKey = value();
        // The value is not echoed: it may be the key itself.
        if (!SECRET_REFERENCE.test(o.stripeApiKey)) throw new UsageError('--stripe-api-key takes a reference such as ${secret:stripe-api-key} or ${env:STRIPE_API_KEY}, not a key: a key on the command line stays in the shell history and the process list');
      } else if (a === '--stripe-api-base') o.stripeApiBase = value();
      else if (a === '--rows-per-file') {
        o.rowsPerFile = Number(value());
        if (!Number.isInteger(o.rowsPerFile) || o.rowsPerFile < 1) throw new UsageError('--rows-per-file needs a whole number ≥ 1');
      } else if (a === '--json') o.json = true;
      else if (a === '--endpoint') o.endpoint = value();
      else if (a === '--profile') o.profile = value();
      else if (a === '--region') o.region = value();
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
      else if (!o.pipeline) o.pipeline = a;
      else throw new UsageError(`one pipeline only (got ${o.pipeline} and ${a})`);
    } catch (e) {
      stderr.write(`pipewright export: ${(e as Error).message}. Run "pipewright export --help".\n`);
      return 2;
    }
  }
  if (o.source && o.stripeApiKey) {
    stderr.write('pipewright export: --source and --stripe-api-key are two sources; give one. Run "pipewright export --help".\n');
    return 2;
  }
  if (!o.pipeline) {
    stderr.write('pipewright export: name the pipeline, e.g. pipewright export stripe-export.pipeline.json\n');
    return 2;
  }
  let p: ExportPipeline;
  try {
    p = loadExportPipeline(resolve(cwd, o.pipeline));
  } catch (e) {
    stderr.write(`pipewright export: ${(e as Error).message}\n`);
    return 2;
  }
  const connect = { endpoint: o.endpoint, profile: o.profile, region: o.region };
  const job = terminalJob(stderr, 'exporting');
  let report: ExportReport;
  try {
    report = await exportJob(p, { ...connect, sourceDir: o.source ? resolve(cwd, o.source) : undefined, stripeApiKey: o.stripeApiKey, stripeApiBase: o.stripeApiBase, rowsPerFile: o.rowsPerFile, token: job.token, progress: (x) => job.progress(x.tablesDone, x.tables, `${x.table} ${x.rows} rows`) });
  } catch (e) {
    job.dispose();
    stderr.write(`pipewright export: ${jobError(e, p, connect, 's3:PutObject')}\n`);
    if (!(e instanceof NotStartedError)) stderr.write('pipewright export: the run was not completed: its uploads were aborted and no _SUCCESS was written.\n');
    return e instanceof SourceError && !e.transient ? 2 : 3;
  }
  job.dispose();
  if (o.json) stdout.write(`${JSON.stringify(report)}\n`);
  else {
    stdout.write(`s3://${p.bucket}/${report.runDir}${report.success ? '' : ' (incomplete: stopped before the end, no _SUCCESS)'}\n`);
    for (const t of report.tables) stdout.write(`  ${t.table}: ${t.rows} rows in ${t.files.length} file${t.files.length === 1 ? '' : 's'} (${formatBytes(t.bytes)})\n`);
    if (report.success) stdout.write(`  ${report.success} written last\n`);
  }
  return report.cancelled ? 130 : 0;
}

class UsageError extends Error {}
