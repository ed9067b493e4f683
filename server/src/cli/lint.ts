/** `pipewright lint`: walk folders, check every Pipewright file, print text, JSON or SARIF; exit 1 on errors. */
import { dirname, join, resolve, relative, sep } from 'node:path';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { Project, lintFiles, CancelledError, findingType, type LintedFile, type LintJobOptions } from '../engine';
import { terminalJob } from './progress';
import { findConfigFiles, nodeFileAccess } from '../node/files';
import { toSarif } from './sarif';

export const LINT_HELP = `Usage: pipewright lint [paths…] [options]

Checks every *.pipeline.json, *.policy.json, *.trust.json, *.template.json and *.aep.json
(and .jsonc) file under the given files and folders (default: the current folder).

Options:
  --format text|json|sarif   Output format (default: text). SARIF 2.1.0 is for code review tools.
  --output FILE              Write the report to FILE instead of standard output
  --suppress CODE[,CODE…]    Hide findings with these codes
  --quiet                    Report errors only
  -h, --help                 Show this help

Exit status: 0 when no error was found, 1 when at least one error was found, 2 on bad usage.
`;

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function lintPaths(paths: string[], cwd: string, options: LintJobOptions = {}): Promise<{ files: LintedFile[]; missing: string[] }> {
  const project = new Project(nodeFileAccess);
  const targets: string[] = [];
  const missing: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    const abs = resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      missing.push(p);
      continue;
    }
    if (st.isDirectory()) targets.push(...findConfigFiles(abs));
    else targets.push(abs);
  }
  const unique = [...new Set(targets)];
  // An AEP body linted on its own is still checked against the pipelines beside it that name it (not linted themselves).
  for (const dir of new Set(unique.filter((t) => /\.aep\.jsonc?$/i.test(t)).map((t) => dirname(t)))) {
    for (const name of safeReaddir(dir)) if (/\.pipeline\.jsonc?$/i.test(name)) project.addKnown(join(dir, name));
  }
  // PGP key files are read with openpgp (asynchronous, and loaded only when a pipeline names a key).
  if (unique.some((t) => /\.pipeline\.jsonc?$/i.test(t) && /"publicKey"/.test(nodeFileAccess.readFile(t) ?? ''))) {
    const { inspectReferencedKeys } = await import('../node/pgp/inspector');
    await inspectReferencedKeys(project, unique);
  }
  const { files, unreadable } = await lintFiles(project, unique, options);
  return { files, missing: [...missing, ...unreadable.map((u) => relative(cwd, u))] };
}

export async function runLint(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const paths: string[] = [];
  let format = 'text';
  let output: string | undefined;
  let quiet = false;
  const suppress: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (v === undefined) throw new UsageError(`${a.split('=')[0]} needs a value`);
      return v;
    };
    try {
      if (a === '-h' || a === '--help') {
        stdout.write(LINT_HELP);
        return 0;
      } else if (a === '--format' || a.startsWith('--format=')) format = value();
      else if (a === '--output' || a === '-o' || a.startsWith('--output=')) output = value();
      else if (a === '--suppress' || a.startsWith('--suppress=')) suppress.push(...value().split(',').filter(Boolean));
      else if (a === '--quiet' || a === '-q') quiet = true;
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
      else paths.push(a);
    } catch (e) {
      stderr.write(`pipewright lint: ${(e as Error).message}. Run "pipewright lint --help".\n`);
      return 2;
    }
  }
  if (!['text', 'json', 'sarif'].includes(format)) {
    stderr.write(`pipewright lint: --format must be text, json or sarif (got "${format}").\n`);
    return 2;
  }
  const job = terminalJob(stderr, 'Checking');
  let result: { files: LintedFile[]; missing: string[] };
  try {
    result = await lintPaths(paths, cwd, { suppress, progress: job.progress, token: job.token });
  } catch (e) {
    if (e instanceof CancelledError) {
      stderr.write('pipewright lint: cancelled; nothing was written.\n');
      return 130;
    }
    throw e;
  } finally {
    job.dispose();
  }
  const { files, missing } = result;
  for (const m of missing) stderr.write(`pipewright lint: ${m}: no such file or folder, or it cannot be read.\n`);
  if (quiet) for (const f of files) f.findings = f.findings.filter((x) => x.severity === 'error');
  let text: string;
  if (format === 'sarif') text = JSON.stringify(toSarif(files, cwd), null, 2) + '\n';
  else if (format === 'json') text = JSON.stringify(toJson(files, cwd), null, 2) + '\n';
  else text = toText(files, cwd);
  if (output) {
    // CI writes reports into folders that do not exist yet (`-o reports/pipewright.sarif`): make them, as eslint does.
    const target = resolve(cwd, output);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  } else {
    stdout.write(text);
  }
  const errors = files.reduce((n, f) => n + f.findings.filter((x) => x.severity === 'error').length, 0);
  return errors > 0 || missing.length > 0 ? 1 : 0;
}

class UsageError extends Error {}

export function displayPath(path: string, cwd: string): string {
  const r = relative(cwd, path);
  return (r.startsWith('..') ? path : r).split(sep).join('/');
}

function toText(files: LintedFile[], cwd: string): string {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  let others = 0;
  for (const f of files) {
    for (const x of f.findings) {
      const p = f.doc.lines.positionAt(x.start);
      const type = findingType(x.code);
      const label = type === 'security-warning' ? 'security warning' : x.severity === 'info' || x.severity === 'hint' ? 'note' : x.severity;
      lines.push(`${displayPath(f.path, cwd)}:${p.line + 1}:${p.character + 1}: ${label} [${x.code}] ${x.message}`);
      if (x.severity === 'error') errors++;
      else if (x.severity === 'warning') warnings++;
      else others++;
    }
  }
  const summary = `${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${others ? `, ${others} note${others === 1 ? '' : 's'}` : ''}.`;
  return [...lines, summary].join('\n') + '\n';
}

function toJson(files: LintedFile[], cwd: string) {
  return files.map((f) => ({
    file: displayPath(f.path, cwd),
    kind: f.doc.kind,
    subKind: f.doc.subKind,
    findings: f.findings.map((x) => {
      const s = f.doc.lines.positionAt(x.start);
      const e = f.doc.lines.positionAt(x.end);
      return { code: x.code, severity: x.severity, message: x.message, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 };
    }),
  }));
}
