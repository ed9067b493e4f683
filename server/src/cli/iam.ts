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

Options for generate:
  --write               Write the files the pipeline names (permissionPolicy, trustPolicy)
  --force               With --write: replace files that already exist
  -h, --help            Show this help
`;

export async function runIam(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    stdout.write(IAM_HELP);
    return sub ? 0 : 2;
  }
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
