/**
 * `pipewright aep <explore|preview|deploy|update|delete|runs> <pipeline>`: an aep-stripe-flow pipeline through the
 * Flow Service API, and its mapping set previewed locally — the node functions the editor's commands call too.
 */
import { resolve } from 'node:path';
import { Project } from '../engine/project';
import { nodeFileAccess } from '../node/files';
import { SecretError } from '../node/secrets';
import * as l10n from '../engine/l10n';
import type { DeployReport } from '../node/aep/deploy';
import type { RunsReport } from '../node/aep/monitor';
import type { AepPreviewReport } from '../node/aep/preview';

export const AEP_HELP = `Usage: pipewright aep <command> <pipeline> [options]

  explore <pipeline> <resourcePath>   GET the explore endpoint for a Stripe resource path (charges, subscriptions,
                   refunds, balance_transactions, customers, prices) and write the schema it returns next to the
                   pipeline as <resourcePath>.explore.json (completion and the mapping checks then use it)
  preview          Run the mapping set locally over sample Stripe records (or --input FILE.jsonl): the XDM records
                   that would land in the dataset, and every record that fails and why. Nothing is sent.
  deploy           Create what is not deployed, in dependency order (base connection, source connections, target
                   connection, mapping set, flow), and update what changed (PATCH with If-Match: <etag>). Ids and
                   etags go to <name>.deployment.json next to the pipeline; the ids are written into the bodies.
  update           Only update deployed objects; a 412 (changed in Platform since) shows both versions and
                   overwrites nothing.
  delete           Delete every deployed object, flow first.
  runs             The flow's runs, newest first, with record counts, status and errors.

Options:
  --dry-run              deploy, update, delete, explore: print each request as a curl command (the token
                         redacted) and send nothing
  --overwrite FILE       update: PATCH FILE's object even though it changed in Platform (after you looked)
  --base-url URL         Another Flow Service base URL (plain http only to this machine)
  --sandbox NAME         Another sandbox than the pipeline's
  --input FILE           preview: Stripe objects as JSON Lines (default: generated sample data)
  --charges N            preview: sample charges to generate (default 1000)
  --out FILE             preview: write the mapped XDM records as JSON Lines
  --parquet FILE         preview: write them as Parquet, one column per XDM path (long → INT64, date-time →
                         TIMESTAMP, objects as JSON text)
  --limit N              runs: at most N runs (default 50)
  --json                 The report as JSON

The access token comes from the pipeline's platform.accessToken: \${secret:name} is read from
PIPEWRIGHT_SECRET_<NAME>, \${env:NAME} from NAME. It is never printed.
Exit status: 0 done; 1 a conflict, a refused request or failed records; 2 usage or config error; 3 the Flow Service
could not be reached.
`;

type Out = NodeJS.WritableStream;
const SUBS = ['explore', 'preview', 'deploy', 'update', 'delete', 'runs'];
const VALUED = ['--overwrite', '--base-url', '--sandbox', '--input', '--charges', '--out', '--parquet', '--limit'];

export async function runAep(args: string[], stdout: Out, stderr: Out, cwd: string): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    stdout.write(AEP_HELP);
    return sub ? 0 : 2;
  }
  if (!SUBS.includes(sub)) {
    stderr.write(`pipewright aep: unknown command "${sub}". Run "pipewright aep --help".\n`);
    return 2;
  }
  const o: Record<string, string | true | undefined> = {};
  const positional: string[] = [];
  const overwrite: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-h' || a === '--help') {
      stdout.write(AEP_HELP);
      return 0;
    }
    if (a === '--json' || a === '--dry-run') o[a.slice(2)] = true;
    else if (VALUED.includes(a)) {
      const v = rest[++i];
      if (!v) {
        stderr.write(`pipewright aep ${sub}: ${a} needs a value.\n`);
        return 2;
      }
      if (a === '--overwrite') overwrite.push(v);
      else o[a.slice(2)] = v;
    } else if (a.startsWith('-')) {
      stderr.write(`pipewright aep ${sub}: unexpected ${a}. Run "pipewright aep --help".\n`);
      return 2;
    } else positional.push(a);
  }
  const want = sub === 'explore' ? 2 : 1;
  if (positional.length !== want) {
    stderr.write(sub === 'explore' ? 'pipewright aep explore: name the pipeline and a resource path, e.g. pipewright aep explore aep-stripe.pipeline.json charges.\n' : `pipewright aep ${sub}: name one aep-stripe-flow pipeline file.\n`);
    return 2;
  }
  const num = (k: string) => {
    if (o[k] === undefined) return undefined;
    const n = Number(o[k]);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${k} takes a whole number above 0 (found "${String(o[k])}")`);
    return n;
  };
  const { readAepPipeline, platformOf, AepConfigError } = await import('../node/aep/pipeline');
  const project = new Project(nodeFileAccess);
  try {
    const p = readAepPipeline(resolve(cwd, positional[0]), project, cwd);
    if (sub === 'preview') {
      const { previewAep } = await import('../node/aep/preview');
      const r = await previewAep(p, project, { input: o.input ? resolve(cwd, o.input as string) : undefined, charges: num('charges'), out: o.out ? resolve(cwd, o.out as string) : undefined, parquet: o.parquet ? resolve(cwd, o.parquet as string) : undefined, keep: o.json ? 20 : 3 });
      stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatPreview(r));
      return r.failed ? 1 : 0;
    }
    const { FlowServiceClient, FlowServiceError } = await import('../node/aep/client');
    const dry = o['dry-run'] === true;
    const platform = platformOf(p, { baseUrl: o['base-url'] as string | undefined, sandbox: o.sandbox as string | undefined });
    const client = new FlowServiceClient(platform, dry ? { onDryRun: (curl) => stdout.write(`${curl}\n\n`) } : {});
    try {
      switch (sub) {
        case 'explore': {
          const { exploreAep } = await import('../node/aep/monitor');
          const r = await exploreAep(p, positional[1], client);
          if (!dry) stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${l10n.t('Explored {0}: {1} field(s) written to {2}.', r.resourcePath, r.fields, r.file ?? '')}\n`);
          return 0;
        }
        case 'runs': {
          const { flowRuns } = await import('../node/aep/monitor');
          const r = await flowRuns(p, client, { limit: num('limit') });
          stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatRuns(r));
          return r.runs.some((x) => x.status !== 'success') ? 1 : 0;
        }
        default: {
          const { deployAep, deleteAep } = await import('../node/aep/deploy');
          const r = sub === 'delete' ? await deleteAep(p, client) : await deployAep(p, client, { updateOnly: sub === 'update', overwrite });
          stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatDeploy(r));
          return r.ok ? 0 : 1;
        }
      }
    } catch (e) {
      if (e instanceof FlowServiceError) {
        stderr.write(`pipewright aep ${sub}: ${e.message}\n`);
        return 1;
      }
      if (e instanceof TypeError && /fetch failed/.test(e.message)) {
        stderr.write(`pipewright aep ${sub}: ${l10n.t('the Flow Service at {0} cannot be reached ({1}): check the base URL and the network, then run again.', platform.baseUrl, String((e.cause as Error | undefined)?.message ?? e.message))}\n`);
        return 3;
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof AepConfigError || e instanceof SecretError || e instanceof UsageError) {
      stderr.write(`pipewright aep ${sub}: ${(e as Error).message}\n`);
      return 2;
    }
    stderr.write(`pipewright aep ${sub}: ${(e as Error).message}\n`);
    return 2;
  }
}

class UsageError extends Error {}

const MARK: Record<string, string> = { created: '+', updated: '~', unchanged: '=', conflict: '!', refused: '✖', deleted: '-', gone: '-', skipped: '…' };

export function formatDeploy(r: DeployReport): string {
  const lines = [`${r.name}${r.dryRun ? ` — ${l10n.t('dry run: nothing was sent')}` : ''}`];
  for (const s of r.steps) {
    lines.push(`  ${MARK[s.action] ?? ' '} ${s.file} (${s.kind}): ${s.action}${s.id ? ` ${s.id}` : ''}${s.message ? ` — ${s.message}` : ''}`);
    if (s.action === 'conflict') {
      lines.push(`      ${l10n.t('ours (the file):')}`, indent(JSON.stringify(s.ours, null, 2), 8), `      ${l10n.t('theirs (Platform now):')}`, indent(JSON.stringify(s.theirs, null, 2), 8));
      lines.push(`      → ${l10n.t('Keep what you want in {0}, then run pipewright aep update --overwrite {0}.', s.file)}`);
    }
  }
  if (!r.dryRun) lines.push(l10n.t('State: {0}', r.statePath));
  return `${lines.join('\n')}\n`;
}

function indent(text: string, n: number): string {
  return text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
}

export function formatRuns(r: RunsReport): string {
  const lines = [l10n.t('{0}: {1} run(s) of flow {2}', r.name, r.runs.length, r.flowId)];
  for (const x of r.runs) {
    lines.push(`  ${x.createdAt ?? '—'}  ${x.status.padEnd(14)} ${l10n.t('{0} in, {1} out, {2} failed', x.input ?? '?', x.output ?? '?', x.failed ?? '?')}  ${x.id}`);
    for (const e of x.errors) lines.push(`      ✖ ${e.code ? `${e.code}: ` : ''}${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatPreview(r: AepPreviewReport): string {
  const lines = [
    l10n.t('{0}: {1} through {2}', r.name, r.input, r.mappingSet),
    l10n.t('{0} record(s): {1} mapped, {2} failed.', r.records, r.mapped, r.failed),
  ];
  for (const n of r.notes) lines.push(`  ⚠ ${n}`);
  for (const x of r.reasons.slice(0, 10)) lines.push(`  ✖ ${x.reason} — ${l10n.t('{0} record(s)', x.count)}`);
  for (const f of r.failures.slice(0, 5)) lines.push(`    ${l10n.t('record {0}', f.record)}${f.id ? ` (${f.id})` : ''}: ${f.errors.join('; ')}`);
  if (r.samples.length) {
    lines.push(l10n.t('First XDM record(s):'));
    for (const s of r.samples) lines.push(`  ${JSON.stringify(s)}`);
  }
  if (r.out) lines.push(l10n.t('Mapped records written to {0}.', r.out));
  if (r.parquet) lines.push(l10n.t('Mapped records written to {0}.', r.parquet));
  return `${lines.join('\n')}\n`;
}
