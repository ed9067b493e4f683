/**
 * lintFiles(project, paths): validate many files as one job — the CLI's `lint` and the server's
 * "Lint Workspace" both run this. Like every long job it takes a progress callback and a cancellation
 * token, adapted at the edge (LSP work-done progress, or the terminal), and yields to the event loop
 * between files so a server stays responsive and a cancellation is heard.
 */
import type { Finding } from './diagnostics';
import type { ParsedDocument } from './parse';
import type { Project } from './project';
import { validate, type ValidateOptions } from './validate';

export interface CancellationToken {
  readonly isCancellationRequested: boolean;
}

/** Called as files are done; `current` names the file being checked. */
export type ProgressCallback = (done: number, total: number, current?: string) => void;

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface LintedFile {
  path: string;
  doc: ParsedDocument;
  findings: Finding[];
}

export interface LintJobOptions extends ValidateOptions {
  progress?: ProgressCallback;
  token?: CancellationToken;
  /** Files per slice between yields to the event loop. */
  slice?: number;
}

export interface LintJobResult {
  files: LintedFile[];
  /** Paths that could not be read (deleted since they were listed, or not readable). */
  unreadable: string[];
}

export async function lintFiles(project: Project, paths: readonly string[], options: LintJobOptions = {}): Promise<LintJobResult> {
  const files: LintedFile[] = [];
  const unreadable: string[] = [];
  const slice = options.slice ?? 25;
  for (const p of paths) project.addKnown(p);
  for (let i = 0; i < paths.length; i++) {
    if (options.token?.isCancellationRequested) throw new CancelledError();
    if (i > 0 && i % slice === 0) await new Promise((r) => setImmediate(r));
    const path = paths[i];
    options.progress?.(i, paths.length, path);
    const doc = project.get(path);
    if (!doc) {
      unreadable.push(path);
      continue;
    }
    files.push({ path, doc, findings: validate(doc, project, options) });
  }
  options.progress?.(paths.length, paths.length);
  return { files, unreadable };
}
