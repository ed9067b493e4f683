/** `pipewright iam generate <pipeline>`: the least-privilege permission (and trust) policy for a pipeline. */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve, relative } from 'node:path';
import { Project } from '../engine';
import { generatedFiles } from '../engine/iam/files';
import { findConfigFiles, nodeFileAccess } from '../node/files';

export const IAM_HELP = `Usage: pipewright iam <command> [options]

Commands:
  generate <pipeline>   Print (or --write) the least-privilege permission policy and, where the
                        pipeline names who assumes the role, the trust policy
  check <pipeline>      Read the live IAM role (standard AWS credential chain) and report every
                        request the integration would be refused; exit 1 when there is one

Options for generate:
  --write               Write the files the pipeline names (permissionPolicy, trustPolicy)
  --force               With --write: replace files that already exist
  -h, --help            Show this help

Options for check:
  --profile NAME        AWS profile to use (default: AWS_PROFILE, then the default chain)
  --endpoint URL        IAM endpoint (an AWS-compatible server; also AWS_ENDPOINT_URL_IAM)
`;

export async function runIam(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    stdout.write(IAM_HELP);
    return sub ? 0 : 2;
  }
  if (sub === 'check') return runCheck(rest, stdout, stderr, cwd);
  if (sub !== 'generate') {
    stderr.write(`pipewright iam: unknown command "${sub}". Run "pipewright iam --help".\n`);
    return 2;
  }
  let write = false;
  let force = false;
  const paths: string[] = [];
  for (const a of rest) {
    if (a === '-h' || a === '--help') {
      stdout.write(IAM_HELP);
      return 0;
    } else if (a === '--write') write = true;
    else if (a === '--force') force = true;
    else if (a.startsWith('-')) {
      stderr.write(`pipewright iam generate: unknown option ${a}. Run "pipewright iam --help".\n`);
      return 2;
    } else paths.push(a);
  }
  if (paths.length !== 1) {
    stderr.write('pipewright iam generate: name one pipeline file, e.g. pipewright iam generate stripe.pipeline.json\n');
    return 2;
  }
  const path = resolve(cwd, paths[0]);
  const project = new Project(nodeFileAccess);
  // Pipelines beside this one may share its policy file: the generated policy must serve them too.
  for (const f of findConfigFiles(dirname(path))) project.addKnown(f);
  const doc = project.get(path);
  if (!doc) {
    stderr.write(`pipewright iam generate: ${paths[0]}: no such file, or it cannot be read.\n`);
    return 1;
  }
  const out = generatedFiles(doc, project);
  if ('error' in out) {
    stderr.write(`pipewright iam generate: ${paths[0]}: ${out.error}\n`);
    return 1;
  }
  if (!write) {
    for (const f of out.files) stdout.write(`// ${relative(cwd, f.path)}\n${f.text}`);
    if (out.note) stdout.write(`// ${out.note}\n`);
    return 0;
  }
  const existing = out.files.filter((f) => existsSync(f.path));
  if (existing.length && !force) {
    stderr.write(`pipewright iam generate: ${existing.map((f) => relative(cwd, f.path)).join(', ')} already exist${existing.length === 1 ? 's' : ''}: add --force to replace, or run without --write to compare.\n`);
    return 1;
  }
  for (const f of out.files) {
    writeFileSync(f.path, f.text);
    stdout.write(`wrote ${relative(cwd, f.path)}\n`);
  }
  if (out.note) stdout.write(`${out.note}\n`);
  return 0;
}

async function runCheck(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const paths: string[] = [];
  let profile: string | undefined;
  let endpoint: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') {
      stdout.write(IAM_HELP);
      return 0;
    } else if (a === '--profile') profile = args[++i];
    else if (a === '--endpoint') endpoint = args[++i];
    else if (a.startsWith('-')) {
      stderr.write(`pipewright iam check: unknown option ${a}. Run "pipewright iam --help".\n`);
      return 2;
    } else paths.push(a);
  }
  if (paths.length !== 1) {
    stderr.write('pipewright iam check: name one pipeline file, e.g. pipewright iam check stripe.pipeline.json\n');
    return 2;
  }
  const doc = new Project(nodeFileAccess).get(resolve(cwd, paths[0]));
  if (!doc) {
    stderr.write(`pipewright iam check: ${paths[0]}: no such file, or it cannot be read.\n`);
    return 1;
  }
  let report;
  try {
    const { checkRole } = await import('../node/aws/role-check');
    report = await checkRole(doc, { profile, endpoint });
  } catch (e) {
    stderr.write(`pipewright iam check: ${paths[0]}: ${(e as Error).message}\n`);
    return 1;
  }
  stdout.write(`Role ${report.roleArn}: ${report.attached} attached and ${report.inline} inline policies, ${report.checked} requests checked.\n`);
  for (const g of report.gaps) stdout.write(`refused: ${g.action} on ${g.resource} — ${g.explanation} ${g.breaks}.\n`);
  for (const t of report.trust) stdout.write(`trust: ${t}\n`);
  if (!report.gaps.length && !report.trust.length) stdout.write('Every request the integration makes is allowed.\n');
  return report.gaps.length || report.trust.length ? 1 : 0;
}
