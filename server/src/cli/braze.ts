/**
 * `pipewright braze test <pipeline>`: Braze's credential check, step by step, with the connector's credentials;
 * `pipewright braze deliveries <pipeline>`: the Currents folder by event type and hour, gaps and duplicate events.
 */
import { resolve } from 'node:path';
import { Project } from '../engine/project';
import { validate } from '../engine/validate';
import { brazePipelineOf, type BrazePipeline } from '../engine/braze/target';
import type { ConnectionReport } from '../engine/braze/connection';
import { nodeFileAccess } from '../node/files';
import { terminalJob } from './progress';
import * as l10n from '../engine/l10n';

export const BRAZE_HELP = `Usage: pipewright braze <test|deliveries> <pipeline> [options]

  test         Do what Braze does when it checks the connector's credentials, with the connector's own
               credentials: GetBucketLocation, ListBucket on the folder, PutObject of a small test object (with
               x-amz-server-side-encryption when the pipeline turns AES-256 on), GetObject of it, and DeleteObject
               for a dashboard export. Each step's answer, with the IAM reason when refused. A role only Braze's
               account may assume is judged from its policies instead. Also reads the bucket's Object Lock (Currents
               does not support it) and bucket policy (does it demand the encryption header?) with your own
               credentials, and removes the test object.
  deliveries   List a Currents folder as Braze lays it out (event type, hour), flag hours without files and
               event ids delivered more than once (Currents delivers at least once).

Options:
  --max-key-age DAYS     test: an access key this old is due for rotation (default 90)
  --propagation-wait S   test: retry a refusal of the first call for S seconds (a new key or role takes a while
                         to reach every AWS server; Braze says "S3 credentials are invalid" meanwhile). Default 60.
  --from YYYY-MM-DD-HH, --to YYYY-MM-DD-HH   deliveries: the hours to look at (default: all)
  --no-duplicates        deliveries: do not read the files for duplicate event ids
  --json                 The report as JSON
  --endpoint URL, --profile NAME, --region R   Where and as whom to reach AWS (your own credentials)

Secrets: \${secret:name} in the pipeline is read from PIPEWRIGHT_SECRET_<NAME>, \${env:NAME} from NAME.
Exit status: test: 0 all passed, 1 a step failed or the bucket breaks Braze; deliveries: 0 nothing to report, 1 hours
without files or duplicate events, 3 the folder could not be read; both: 2 usage or config error.
`;

type Out = NodeJS.WritableStream;

export async function runBraze(args: string[], stdout: Out, stderr: Out, cwd: string): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    stdout.write(BRAZE_HELP);
    return sub ? 0 : 2;
  }
  if (sub !== 'test' && sub !== 'deliveries') {
    stderr.write(`pipewright braze: unknown command "${sub}". Run "pipewright braze --help".\n`);
    return 2;
  }
  const o: Record<string, string | true | undefined> = {};
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-h' || a === '--help') {
      stdout.write(BRAZE_HELP);
      return 0;
    }
    if (a === '--json' || a === '--no-duplicates') o[a.slice(2)] = true;
    else if (['--endpoint', '--profile', '--region', '--propagation-wait', '--max-key-age', '--from', '--to'].includes(a)) {
      const v = rest[++i];
      if (!v) {
        stderr.write(`pipewright braze ${sub}: ${a} needs a value.\n`);
        return 2;
      }
      o[a.slice(2)] = v;
    } else if (a.startsWith('-') || file) {
      stderr.write(`pipewright braze ${sub}: unexpected ${a}. Run "pipewright braze --help".\n`);
      return 2;
    } else file = a;
  }
  if (!file) {
    stderr.write(`pipewright braze ${sub}: name the braze-currents or braze-export pipeline file.\n`);
    return 2;
  }
  const path = resolve(cwd, file);
  const project = new Project(nodeFileAccess);
  const doc = project.get(path);
  if (!doc) {
    stderr.write(`pipewright braze ${sub}: ${file}: no such file, or it cannot be read.\n`);
    return 2;
  }
  const p = brazePipelineOf(doc);
  if ('error' in p) {
    stderr.write(`pipewright braze ${sub}: ${p.error}\n`);
    return 2;
  }
  const connect = { endpoint: o.endpoint as string | undefined, profile: o.profile as string | undefined, region: o.region as string | undefined };
  if (sub === 'deliveries') {
    const { runDeliveries } = await import('./braze-deliveries');
    return runDeliveries(p, { ...connect, from: o.from as string | undefined, to: o.to as string | undefined, duplicates: !o['no-duplicates'], json: o.json === true }, stdout, stderr);
  }
  let wait: number | undefined;
  if (o['propagation-wait'] !== undefined) {
    wait = Number(o['propagation-wait']);
    if (!Number.isFinite(wait) || wait < 0 || wait > 3600) {
      stderr.write(`pipewright braze test: --propagation-wait takes seconds from 0 to 3600 (found "${o['propagation-wait']}").\n`);
      return 2;
    }
  }
  const { brazeConnectionTest } = await import('../node/braze/connection');
  const job = terminalJob(stderr, 'testing');
  let report: ConnectionReport;
  try {
    const maxAge = o['max-key-age'] === undefined ? undefined : Number(o['max-key-age']);
    if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge > 0)) {
      stderr.write(`pipewright braze test: --max-key-age takes a number of days (found "${o['max-key-age']}").\n`);
      return 2;
    }
    report = await brazeConnectionTest(p, { ...connect, propagationWaitSeconds: wait, maxKeyAgeDays: maxAge, token: job.token, onProgress: (message, percent) => job.progress(percent, 100, message) });
  } catch (e) {
    stderr.write(`pipewright braze test: ${(e as Error).message}\n`);
    return 2;
  } finally {
    job.dispose();
  }
  // What the test learnt about the bucket becomes findings on the config's own lines.
  if (report.settings) project.setBucketFacts(p.target.bucket, { objectLock: report.settings.objectLock, requiresSse: report.settings.requiresSse });
  const findings = validate(doc, project).filter((f) => f.code === 'braze-object-lock' || f.code === 'braze-sse-required');
  if (o.json) {
    stdout.write(`${JSON.stringify({ ...report, findings: findings.map((f) => ({ code: f.code, line: lineOf(doc.text, f.start), message: f.message })) }, null, 2)}\n`);
  } else {
    stdout.write(formatReport(p, report));
    for (const f of findings) stdout.write(`${file}:${lineOf(doc.text, f.start)}: ${f.severity} ${f.code}: ${f.message}\n`);
  }
  if (job.token.isCancellationRequested) {
    stderr.write(`pipewright braze test: stopped.${report.testObject && !report.testObject.removed ? ` ${report.testObject.message}` : ''}\n`);
    return 130;
  }
  return report.ok ? 0 : 1;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

const MARK = { passed: '✔', failed: '✖', 'not-run': '–' } as const;

export function formatReport(p: BrazePipeline, r: ConnectionReport): string {
  const lines: string[] = [];
  const how = r.mode === 'live' ? l10n.t('made with the connector’s credentials') : l10n.t('judged from the role’s policies in IAM');
  lines.push(`${p.name} — ${l10n.t('Braze credential check on s3://{0}/{1} ({2})', p.target.bucket, p.target.folder ? `${p.target.folder}/` : '', how)}`);
  const width = Math.max(...r.steps.map((s) => s.step.action.length));
  for (const s of r.steps) {
    lines.push(`  ${MARK[s.status]} ${s.step.action.padEnd(width)}  ${s.message}${s.attempts > 1 ? ` ${l10n.t('({0} attempts)', s.attempts)}` : ''}`);
    if (s.status === 'failed') lines.push(`      → ${s.breaks}`);
  }
  if (r.waitedMs) lines.push(l10n.t('Waited {0} s for IAM to propagate.', Math.round(r.waitedMs / 1000)));
  if (r.testObject) lines.push(l10n.t('Test object s3://{0}/{1}: {2}', p.target.bucket, r.testObject.key, r.testObject.message));
  const st = r.settings;
  if (st) {
    lines.push(st.objectLock === undefined ? (st.objectLockMessage ?? '') : l10n.t('Object Lock: {0}', st.objectLock ? l10n.t('enabled') : l10n.t('not enabled')));
    lines.push(st.requiresSse === undefined ? (st.bucketPolicyMessage ?? '') : st.requiresSse ? l10n.t('Bucket policy: demands x-amz-server-side-encryption on writes') : l10n.t('Bucket policy: no encryption demand on writes'));
  }
  const c = r.credentials?.facts;
  if (c) {
    const parts = [c.user && l10n.t('user {0}', c.user), c.status, c.created && l10n.t('created {0}', c.created.slice(0, 10)), c.lastUsed && l10n.t('last used {0}', c.lastUsed.slice(0, 10)), c.profile && l10n.t('profile [{0}] of the shared credentials file', c.profile)].filter(Boolean);
    lines.push(l10n.t('Access key {0}: {1}', c.keyId, parts.length ? parts.join(', ') : (c.unread ?? '')));
  }
  for (const problem of r.problems) lines.push(`✖ ${problem}`);
  for (const warning of r.warnings ?? []) lines.push(`⚠ ${warning}`);
  const failed = r.steps.filter((s) => s.status === 'failed').length;
  lines.push(r.ok ? l10n.t('Passed: Braze’s credential check will succeed.') : l10n.t('Failed: {0} step(s) refused, {1} bucket problem(s).', failed, r.problems.length));
  return `${lines.filter(Boolean).join('\n')}\n`;
}
