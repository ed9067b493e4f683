/**
 * Gives a Project's checks the inspection of PGP key files (openpgp reads keys asynchronously; the checks are
 * synchronous): the first time a check asks for a key, it is inspected in the background, the report is stored
 * in the Project, and `onReport` lets the caller validate the referring pipelines again (the language server) —
 * or `inspectReferencedKeys` does all of it before a batch lint (the CLI).
 */
import { basename } from 'node:path';
import type { Project } from '../../engine';
import { fileRefs } from '../../engine/project';
import { inspectPublicKey } from './keys';

export function attachKeyInspector(project: Project, onReport?: (path: string) => void): { settle(): Promise<void> } {
  const pending = new Map<string, Promise<void>>();
  project.keyInspector = (path, text) => {
    const id = `${path}\0${text}`;
    if (pending.has(id)) return;
    const account = /^((?:acct|org)_[A-Za-z0-9]+)\.key$/.exec(basename(path))?.[1];
    const job = inspectPublicKey(text, { accountId: account })
      .then((r) => {
        project.setKeyReport(path, text, { findings: r.findings.map((f) => ({ severity: f.severity, code: f.code, message: f.message })) });
        onReport?.(path);
      })
      .catch(() => undefined) // a key openpgp cannot read at all is reported by the text checks
      .finally(() => pending.delete(id));
    pending.set(id, job);
  };
  return {
    async settle() {
      while (pending.size) await Promise.all([...pending.values()]);
    },
  };
}

/** Inspects every key file the pipelines among `paths` name, so that one synchronous lint pass sees the reports. */
export async function inspectReferencedKeys(project: Project, paths: readonly string[]): Promise<void> {
  const { settle } = attachKeyInspector(project);
  for (const p of paths) {
    const doc = project.get(p);
    if (doc?.kind !== 'pipeline') continue;
    for (const ref of fileRefs(doc)) if (ref.expected === 'key' && project.exists(ref.target)) project.keyReport(ref.target);
  }
  await settle();
}
