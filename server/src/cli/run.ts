/**
 * `pipewright run <pipeline>`: the export on the integration's cadence (Stripe Data Pipeline: every 3 hours, or
 * the pipeline's `schedule.every`). A tick that comes while the previous run is still going is skipped and said
 * so; every run's outcome is one log line. Ctrl-C or SIGTERM stops the loop (a run under way is stopped cleanly:
 * its uploads aborted, no _SUCCESS).
 */
import { resolve } from 'node:path';
import { SECRET_REFERENCE } from '../engine/schema';
import { exportJob, jobError } from '../node/export/jobs';
import { loadExportPipeline } from '../node/export/pipeline';

export const RUN_HELP = `Usage: pipewright run <pipeline> [options]

Runs the export of a stripe-export pipeline on its schedule (every 3 hours unless the pipeline's schedule.every
says otherwise), one log line per run. A run still going when the next one is due makes that one skipped.

Options:
  --every DURATION      Override the interval: 3h, 30m, 45s
  --max-runs N          Stop after N runs (default: run until stopped)
  --source DIR, --stripe-api-key REF, --stripe-api-base URL   As for export
  --endpoint URL, --profile NAME, --region R                   As for export
`;

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']!;
  return n > 0 ? n : undefined;
}

export async function runSchedule(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const o: Record<string, string | undefined> = {};
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') {
      stdout.write(RUN_HELP);
      return 0;
    }
    if (['--every', '--max-runs', '--source', '--stripe-api-key', '--stripe-api-base', '--endpoint', '--profile', '--region'].includes(a) && args[i + 1] !== undefined) o[a.slice(2)] = args[++i];
    else if (!a.startsWith('-') && !file) file = a;
    else {
      stderr.write(`pipewright run: unexpected ${a}. Run "pipewright run --help".\n`);
      return 2;
    }
  }
  // The value is not echoed: it may be the key itself.
  if (o['stripe-api-key'] !== undefined && !SECRET_REFERENCE.test(o['stripe-api-key'])) {
    stderr.write('pipewright run: --stripe-api-key takes a reference such as ${secret:stripe-api-key} or ${env:STRIPE_API_KEY}, not a key.\n');
    return 2;
  }
  if (!file) {
    stderr.write('pipewright run: name the stripe-export pipeline.\n');
    return 2;
  }
  let p;
  try {
    p = loadExportPipeline(resolve(cwd, file));
  } catch (e) {
    stderr.write(`pipewright run: ${(e as Error).message}\n`);
    return 2;
  }
  const every = parseDuration(o.every ?? p.schedule ?? '3h');
  const maxRuns = o['max-runs'] === undefined ? Infinity : Number(o['max-runs']);
  if (!every || !(maxRuns >= 1)) {
    stderr.write(`pipewright run: ${!every ? `"${o.every ?? p.schedule}" is not a duration (3h, 30m, 45s)` : '--max-runs needs a whole number ≥ 1'}.\n`);
    return 2;
  }
  const connect = { endpoint: o.endpoint, profile: o.profile, region: o.region };
  const log = (line: string) => stdout.write(`${new Date().toISOString()} ${line}\n`);
  const stop = { isCancellationRequested: false };
  let wake: (() => void) | undefined;
  const onSignal = () => {
    stop.isCancellationRequested = true;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let running: Promise<void> | undefined;
  let started = 0;
  let failures = 0;
  const tick = () => {
    if (running) {
      log('skipped: the previous run is still going');
      return;
    }
    started++;
    const n = started;
    log(`run ${n}: started`);
    running = exportJob(p, { ...connect, sourceDir: o.source ? resolve(cwd, o.source) : undefined, stripeApiKey: o['stripe-api-key'], stripeApiBase: o['stripe-api-base'], token: stop })
      .then((r) => void log(r.success ? `run ${n}: done, ${r.tables.reduce((s, t) => s + t.rows, 0)} rows in ${r.tables.length} tables, ${r.success}` : `run ${n}: stopped, no _SUCCESS`))
      .catch((e: unknown) => {
        failures++;
        log(`run ${n}: failed: ${jobError(e, p, connect, 's3:PutObject')}`);
      })
      .finally(() => {
        running = undefined;
        wake?.();
      });
  };
  log(`every ${o.every ?? p.schedule ?? '3h'}: ${p.path}`);
  try {
    tick();
    while (!stop.isCancellationRequested && started < maxRuns) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, every);
        wake = () => {
          if (stop.isCancellationRequested) {
            clearTimeout(t);
            r();
          }
        };
      });
      if (!stop.isCancellationRequested) tick();
    }
    await running;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  log(stop.isCancellationRequested ? 'stopped' : `${started} run(s), ${failures} failed`);
  return failures ? 1 : stop.isCancellationRequested ? 130 : 0;
}
