/**
 * `pipewright preview <pipeline>` and `pipewright import <pipeline>`: what the next import takes from the
 * bucket and why, and the import itself — resumable, with progress on a terminal and Ctrl-C to stop.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Project } from '../engine';
import { avroKind } from '../engine/avro/container';
import { parquetKind, previewParquetObject } from '../engine/delivery/object';
import { previewBucket, previewObject, type PreviewEntry, type PreviewTotals } from '../engine/import/preview';
import { runImport, stateIdOf, type ImportReport } from '../engine/import/run';
import { formatBytes, parseShard, type SelectOptions, type Shard } from '../engine/import/select';
import { loadImportPipeline, openDestination, PipelineError, readSyncState, type ImportPipeline } from '../node/import/pipeline';
import { planRecords, StripeDestinationError, type StripeStats } from '../node/import/stripe';
import { errorContext, s3For } from '../node/import/connect';
import { explainAwsError } from '../node/aws/errors';
import { nodeFileAccess } from '../node/files';
import { terminalJob } from './progress';

export const PREVIEW_HELP = `Usage: pipewright preview <pipeline> [options]

Lists the bucket (the pipeline's folder) and shows, for every object, whether the next import takes it and why.
For a stripe-export pipeline: what the export delivered, run by run — a run directory without _SUCCESS is
incomplete —, with its tables, files and sizes, and the penny-test files.

Options:
  --object KEY          Show the first rows of one object instead, and how the data template maps them; for a
                        Parquet file (.parquet, .parquet.gpg) its schema, row count, row groups and compression;
                        for an Avro file (.avro, as Braze Currents delivers) its codec, schema and first rows, for
                        any pipeline kind with a bucket
  --rows N              With --object: rows to show (default 20)
  --columns A,B         With --object on a Parquet file: only these columns (only their bytes are read)
  --private-key FILE    With --object on a .parquet.gpg file: the armored private key to decrypt it with (the
                        plaintext is used only once its integrity check passed, and deleted afterwards)
  --prefix P            List from this prefix instead of the folder (objects outside it show as such)
  --glob G              Only keys matching G (* within a folder, ** across folders, ? one character); stripe-import only
  --summary             Totals per verdict only
  --json                One JSON object per line: the entries (for stripe-export: the runs and other objects),
                        then the totals
  --since DATE, --full, --shard I/N   As for import: preview that run (stripe-import only)
  --stripe-api-base URL With --object and a "stripe" destination: the Stripe API to plan against (each row shows
                        create, update, unchanged or reject; the key comes from the destination's apiKey)
  --endpoint URL        S3-compatible endpoint (path-style); also AWS_ENDPOINT_URL_S3
  --profile NAME        AWS profile (default: the pipeline's "access.profile", AWS_PROFILE, default chain)
  --region R            Override the pipeline's region
`;

export const IMPORT_HELP = `Usage: pipewright import <pipeline> [options]

Imports the objects the preview marks "import" into the pipeline's destination (SQLite, JSON Lines, or Stripe
itself), mapping every record through the data template. A stopped or killed run resumes where it stopped when
run again.

Options:
  --dry-run             Read, parse and map everything; write nothing (with a "stripe" destination: list what
                        would be created, updated, left unchanged or rejected, reading Stripe only)
  --since DATE          Take objects modified at or after DATE (ISO 8601), instead of the last sync's watermark
  --full                Ignore the sync state: select as a first sync (last 90 days, or --since)
  --shard I/N           Take only shard I of N (deterministic by key): N workers share one bucket, each with
                        its own destination
  --max-problems N      Problems in one object past which it is rejected (default 100)
  --batch N             Records per committed batch (default 2000; 100 for a "stripe" destination)
  --stripe-api-base URL Send the Stripe requests there instead of the destination's "apiBase" (a proxy, a local
                        test server: http only to this machine)
  --json                Print the report as JSON
  --endpoint URL, --profile NAME, --region R   As for preview

Exit status: 0 done; 1 done, with records or objects rejected; 2 usage or config error; 3 failed (run again to
resume); 130 stopped (run again to resume).
`;

interface Common {
  pipeline?: string;
  endpoint?: string;
  profile?: string;
  region?: string;
  since?: Date;
  full?: boolean;
  shard?: Shard;
  json?: boolean;
}

function parseCommon(a: string, next: () => string | undefined, o: Common): string | undefined {
  switch (a) {
    case '--endpoint':
      o.endpoint = next();
      return o.endpoint ? undefined : '--endpoint needs a URL';
    case '--profile':
      o.profile = next();
      return o.profile ? undefined : '--profile needs a name';
    case '--region':
      o.region = next();
      return o.region ? undefined : '--region needs a region code';
    case '--since': {
      const v = next();
      const t = v ? Date.parse(v) : NaN;
      if (Number.isNaN(t)) return `--since needs an ISO 8601 date, such as 2026-01-31 or 2026-01-31T12:00:00Z (got ${v ?? 'nothing'})`;
      o.since = new Date(t);
      return undefined;
    }
    case '--full':
      o.full = true;
      return undefined;
    case '--json':
      o.json = true;
      return undefined;
    case '--shard': {
      const v = next() ?? '';
      o.shard = parseShard(v);
      return o.shard ? undefined : `--shard needs I/N with 1 ≤ I ≤ N, such as 2/4 (got ${v || 'nothing'})`;
    }
    default:
      return 'unknown';
  }
}

export async function runPreview(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const o: Common & { object?: string; rows?: number; columns?: string[]; privateKey?: string; prefix?: string; glob?: string; summary?: boolean; stripeApiBase?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => args[++i];
    if (a === '-h' || a === '--help') {
      stdout.write(PREVIEW_HELP);
      return 0;
    }
    if (a === '--object') o.object = next();
    else if (a === '--rows') o.rows = Number(next());
    else if (a === '--columns') o.columns = (next() ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    else if (a === '--private-key') {
      o.privateKey = next();
      if (!o.privateKey) return usage(stderr, 'preview', '--private-key needs the file of an armored private key');
    }
    else if (a === '--prefix') o.prefix = next() ?? '';
    else if (a === '--glob') o.glob = next();
    else if (a === '--summary') o.summary = true;
    else if (a === '--stripe-api-base') o.stripeApiBase = next();
    else if (a.startsWith('-')) {
      const err = parseCommon(a, next, o);
      if (err) return usage(stderr, 'preview', err === 'unknown' ? `unknown option ${a}` : err);
    } else if (!o.pipeline) o.pipeline = a;
    else return usage(stderr, 'preview', `one pipeline only (got ${o.pipeline} and ${a})`);
  }
  if (!o.pipeline) return usage(stderr, 'preview', 'name the pipeline, e.g. pipewright preview products.pipeline.json');
  const path = resolve(cwd, o.pipeline);
  const project = new Project(nodeFileAccess);
  const maxRows = o.rows !== undefined && o.rows >= 0 ? o.rows : 20;
  if (o.object && avroKind(o.object)) {
    // Avro (Braze Currents' format) for any pipeline with a bucket: its kind does not matter for reading one file.
    const { runAvroPreview } = await import('./avro');
    return runAvroPreview(path, project, { ...o, object: o.object, rows: maxRows }, stdout, stderr);
  }
  if (project.get(path)?.subKind === 'braze-currents') {
    // A Currents folder as Braze lays it out: by event type and hour (pipewright braze deliveries, without the
    // duplicate search that reads every file).
    if (o.glob || o.since || o.full || o.shard) return usage(stderr, 'preview', '--glob, --since, --full and --shard are for stripe-import pipelines; a braze-currents pipeline is shown by event type and hour');
    const [{ brazePipelineOf }, { runDeliveries }] = await Promise.all([import('../engine/braze/target'), import('./braze-deliveries')]);
    const bp = brazePipelineOf(project.get(path)!);
    if ('error' in bp) return usage(stderr, 'preview', bp.error);
    const code = await runDeliveries(bp, { endpoint: o.endpoint, profile: o.profile, region: o.region, duplicates: false, json: o.json === true }, stdout, stderr);
    // Missing hours are worth a look, not a failed preview.
    return code === 1 ? 0 : code;
  }
  if (project.get(path)?.subKind === 'stripe-export') {
    if (o.glob || o.since || o.full || o.shard) return usage(stderr, 'preview', '--glob, --since, --full and --shard are for stripe-import pipelines; a stripe-export pipeline is shown run by run');
    const [{ loadExportPipeline }, { runDeliveryPreview }] = await Promise.all([import('../node/export/pipeline'), import('./deliveries')]);
    let ep;
    try {
      ep = loadExportPipeline(path, project);
    } catch (e) {
      return configError(stderr, 'preview', e);
    }
    return runDeliveryPreview(ep, { ...o, rows: maxRows }, stdout, stderr, cwd);
  }
  let p: ImportPipeline;
  try {
    p = loadImportPipeline(path, project);
  } catch (e) {
    return configError(stderr, 'preview', e);
  }
  const s3 = s3For(p, o);
  const job = terminalJob(stderr, 'listing');
  try {
    if (o.object && parquetKind(o.object)) {
      // Not a format the connector imports, but a file worth reading: the same Parquet preview as for exports.
      const { fileDecryptor } = await import('../node/export/preview');
      const privateArmored = o.privateKey ? readFileSync(resolve(cwd, o.privateKey), 'utf8') : undefined;
      const c = await previewParquetObject(s3, p.bucket, o.object, { maxRows, columns: o.columns, decrypt: privateArmored ? fileDecryptor(s3, p.bucket, privateArmored) : undefined });
      const { parquetText } = await import('./deliveries');
      stdout.write(o.json ? `${JSON.stringify(c)}\n` : parquetText(p.bucket, c));
      return 0;
    }
    if (o.object) {
      // With a Stripe destination each row shows what the import would do with it (read-only requests).
      let planner;
      try {
        planner = p.destination.type === 'stripe' ? openDestination(p, { readOnly: true, stripeApiBase: o.stripeApiBase }) : undefined;
      } catch (e) {
        job.dispose();
        return configError(stderr, 'preview', e);
      }
      let c;
      try {
        c = await previewObject(s3, p.bucket, o.object, p.template, { maxRows: o.rows && o.rows > 0 ? o.rows : 20, plan: planner && ((records) => planRecords(planner, records)) });
      } finally {
        await planner?.close();
      }
      if (o.json) stdout.write(`${JSON.stringify(c)}\n`);
      else stdout.write(contentText(c));
      return 0;
    }
    const state = await readSyncState(p, stateIdOf(p.name, o.shard), (m) => stderr.write(`pipewright preview: the sync state could not be read (${m}); verdicts assume a first sync.\n`));
    const select: SelectOptions = { folder: p.folder, formats: p.formats, now: new Date(), state, since: o.since, full: o.full, shard: o.shard };
    let first = true;
    const totals = await previewBucket(s3, p.bucket, select, { prefix: o.prefix, glob: o.glob }, (entries, t) => {
      job.progress(t.listed, t.complete ? t.listed : t.listed + 1000);
      if (o.json) for (const e of entries) stdout.write(`${JSON.stringify(e)}\n`);
      else if (!o.summary) {
        if (first && entries.length) stdout.write(`${'VERDICT'.padEnd(20)} ${'SIZE'.padStart(9)}  ${'LAST MODIFIED'.padEnd(20)}  KEY — REASON\n`);
        for (const e of entries) stdout.write(entryText(e));
        if (entries.length) first = false;
      }
    }, job.token);
    job.dispose();
    if (o.json) stdout.write(`${JSON.stringify({ totals })}\n`);
    else stdout.write(totalsText(p, totals));
    return totals.complete ? 0 : 130;
  } catch (e) {
    job.dispose();
    stderr.write(`pipewright preview: ${explainAwsError(e, errorContext(p, o, o.object ? 's3:GetObject' : 's3:ListBucket', o.object))}\n`);
    return 3;
  }
}

export async function runImportCommand(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const o: Common & { dryRun?: boolean; maxProblems?: number; batch?: number; stripeApiBase?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => args[++i];
    if (a === '-h' || a === '--help') {
      stdout.write(IMPORT_HELP);
      return 0;
    }
    if (a === '--dry-run') o.dryRun = true;
    else if (a === '--stripe-api-base') {
      o.stripeApiBase = next();
      if (!o.stripeApiBase) return usage(stderr, 'import', '--stripe-api-base needs a URL');
    } else if (a === '--max-problems' || a === '--batch') {
      const n = Number(next());
      if (!Number.isInteger(n) || n < 1) return usage(stderr, 'import', `${a} needs a whole number ≥ 1`);
      if (a === '--batch') o.batch = n;
      else o.maxProblems = n;
    } else if (a.startsWith('-')) {
      const err = parseCommon(a, next, o);
      if (err) return usage(stderr, 'import', err === 'unknown' ? `unknown option ${a}` : err);
    } else if (!o.pipeline) o.pipeline = a;
    else return usage(stderr, 'import', `one pipeline only (got ${o.pipeline} and ${a})`);
  }
  if (!o.pipeline) return usage(stderr, 'import', 'name the pipeline, e.g. pipewright import products.pipeline.json');
  let p: ImportPipeline;
  let destination;
  const job = terminalJob(stderr, 'importing');
  try {
    p = loadImportPipeline(resolve(cwd, o.pipeline));
    destination = openDestination(p, { readOnly: o.dryRun, token: job.token, stripeApiBase: o.stripeApiBase });
  } catch (e) {
    job.dispose();
    return configError(stderr, 'import', e);
  }
  const s3 = s3For(p, o);
  // Stripe takes 25 requests a second in test mode: small batches keep the ledger close to what Stripe has.
  const batchSize = o.batch ?? (p.destination.type === 'stripe' ? 100 : undefined);
  let report: ImportReport;
  try {
    report = await runImport({ bucket: p.bucket, folder: p.folder, formats: p.formats }, p.template, stateIdOf(p.name, o.shard), {
      s3,
      destination,
      token: job.token,
      progress: (x) => (x.phase === 'listing' ? job.progress(x.listed, x.listed + 1) : job.progress(Math.round(x.bytesDone / 1024), Math.max(1, Math.round(x.bytesTotal / 1024)), x.current)),
    }, { since: o.since, full: o.full, shard: o.shard, dryRun: o.dryRun, maxProblemsPerObject: o.maxProblems, batchSize });
  } catch (e) {
    job.dispose();
    await destination.close().catch(() => undefined);
    stderr.write(`pipewright import: ${e instanceof PipelineError || e instanceof StripeDestinationError ? e.message : explainAwsError(e, errorContext(p, o, 's3:GetObject'))}\n`);
    stderr.write('pipewright import: what was committed is kept; run the same command again to resume.\n');
    // Ctrl-C in the middle of a batch sent to Stripe: stopped, not failed.
    return job.token.isCancellationRequested ? 130 : 3;
  }
  job.dispose();
  await destination.close();
  const stripe = 'stats' in destination ? (destination as { stats(): StripeStats }).stats() : undefined;
  if (o.json) stdout.write(`${JSON.stringify(stripe ? { ...report, stripe } : report)}\n`);
  else stdout.write(reportText(p, report, destination.description) + (stripe ? stripeText(report, stripe) : ''));
  if (report.cancelled) return 130;
  return report.problems > 0 || report.objects.some((x) => x.status !== 'imported') ? 1 : 0;
}


function entryText(e: PreviewEntry): string {
  const v = e.verdict.imports ? `✓ ${e.verdict.kind}` : `· ${e.verdict.kind}`;
  return `${v.padEnd(20)} ${formatBytes(e.size).padStart(9)}  ${e.lastModified.slice(0, 19).replace('T', ' ')}  ${e.key} — ${e.verdict.reason}\n`;
}

function totalsText(p: ImportPipeline, t: PreviewTotals): string {
  const lines = [`\ns3://${p.bucket}/${p.folder}: ${t.listed} objects listed${t.shown !== t.listed ? `, ${t.shown} shown` : ''}${t.complete ? '' : ' (stopped before the end)'}`];
  lines.push(`  will import: ${t.toImport.objects} (${formatBytes(t.toImport.bytes)})`);
  for (const [k, v] of Object.entries(t.byVerdict).sort((a, b) => b[1]!.objects - a[1]!.objects)) if (k !== 'import' && k !== 'changed') lines.push(`  ${k}: ${v!.objects} (${formatBytes(v!.bytes)})`);
  if (t.warning) lines.push(`warning: ${t.warning}`);
  return `${lines.join('\n')}\n`;
}

export function contentText(c: Awaited<ReturnType<typeof previewObject>>): string {
  const out: string[] = [`${c.key} (${c.format.toUpperCase()}): ${c.columns.length} columns`];
  out.push(`  ${c.columns.map((x) => `${x.name}:${x.type}`).join('  ')}`);
  for (const r of c.rows) out.push(`  ${String(r.line).padStart(5)} │ ${r.cells.map((x) => (x.length > 24 ? `${x.slice(0, 23)}…` : x)).join(' │ ')}`);
  if (c.truncated) out.push('  … more rows');
  if (c.mapping) {
    out.push('Template:');
    for (const m of c.mapping) out.push(`  ${m.found ? (m.failures ? '✗' : '✓') : '?'} ${m.column} → ${m.field} (${m.type})${m.found ? '' : ': not in the file'}${m.failures ? `: ${m.failures} ${m.failures === 1 ? 'value fails' : 'values fail'}` : ''}`);
  }
  if (c.actions) {
    out.push('Stripe:');
    for (const x of c.actions) out.push(`  line ${x.line}: ${x.action}${x.key ? ` ${x.key}` : ''}${x.id ? ` → ${x.id}` : ''}${x.changed ? ` (${x.changed.join(', ')})` : ''}${x.message ? ` — ${x.message}` : ''}`);
  }
  if (c.problems.length) {
    out.push('Problems:');
    for (const x of c.problems.slice(0, 50)) out.push(`  line ${x.line}${x.column ? `, ${x.column}` : ''}${x.value !== undefined ? ` = ${JSON.stringify(x.value)}` : ''}: ${x.message}`);
  }
  return `${out.join('\n')}\n`;
}

function reportText(p: ImportPipeline, r: ImportReport, where: string): string {
  const out: string[] = [];
  const verb = r.dryRun ? 'would import' : 'imported';
  const imported = r.objects.filter((x) => x.status === 'imported');
  out.push(`${r.dryRun ? 'Dry run: ' : ''}s3://${r.bucket}/${r.folder} → ${where}`);
  out.push(`  ${r.listed} objects listed; ${verb} ${imported.length} (${formatBytes(r.bytes)} read), ${r.records} records${r.resumedObjects ? `; ${r.resumedObjects} already done by the interrupted run` : ''}`);
  for (const x of r.objects) if (x.resumedAtLine) out.push(`  resumed ${x.key} at line ${x.resumedAtLine}`);
  for (const x of r.objects.filter((y) => y.status !== 'imported')) out.push(`  ${x.status}: ${x.key} — ${x.reason}`);
  const skipped = Object.entries(r.verdicts).filter(([k]) => k !== 'import' && k !== 'changed');
  if (skipped.length) out.push(`  skipped: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')} (pipewright preview ${p.path} lists each with its reason)`);
  if (r.problems) {
    out.push(`  ${r.problems} problem${r.problems === 1 ? '' : 's'}:`);
    for (const x of r.problemSamples.slice(0, 20)) out.push(`    ${x.object}:${x.line}${x.column ? ` ${x.column}` : ''}${x.value !== undefined ? ` = ${JSON.stringify(x.value)}` : ''}: ${x.message}`);
    if (r.problems > 20) out.push(`    … all ${r.problems} are in ${where}${p.destination.type === 'sqlite' ? ' (table _pipewright_problems)' : ' (problems.jsonl)'}`);
  }
  if (r.cancelled) out.push('  stopped: run the same command again to resume.');
  else if (!r.dryRun) out.push(`  watermark: ${r.watermark ?? 'none yet'}`);
  return `${out.join('\n')}\n`;
}

/** What the Stripe destination did (or, dry, would do): per action, the plan of a dry run, the requests and the waiting. */
function stripeText(r: ImportReport, s: StripeStats): string {
  const a = r.actions ?? {};
  const out = [`  Stripe: ${r.dryRun ? 'would create' : 'created'} ${a.create ?? 0}, ${r.dryRun ? 'update' : 'updated'} ${a.update ?? 0}, unchanged ${a.unchanged ?? 0}, rejected ${a.reject ?? 0}`];
  if (r.dryRun) for (const x of (r.planSample ?? []).slice(0, 50)) out.push(`    ${x.action.padEnd(9)} ${x.object}:${x.line} ${x.key}${x.id ? ` → ${x.id}` : ''}${x.changed ? ` (${x.changed.join(', ')})` : ''}${x.message ? `: ${x.message}` : ''}`);
  const busy = s.waitedMs + s.sentMs;
  out.push(`  Stripe requests: ${s.requests} (${s.rateLimited} answered 429); ${busy ? Math.round((100 * s.waitedMs) / busy) : 0}% of their time waiting on the rate limit`);
  return `${out.join('\n')}\n`;
}

function usage(stderr: NodeJS.WritableStream, cmd: string, message: string): number {
  stderr.write(`pipewright ${cmd}: ${message}. Run "pipewright ${cmd} --help".\n`);
  return 2;
}

function configError(stderr: NodeJS.WritableStream, cmd: string, e: unknown): number {
  stderr.write(`pipewright ${cmd}: ${(e as Error).message}\n`);
  return 2;
}
