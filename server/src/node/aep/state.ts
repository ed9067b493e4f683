/**
 * The deployment state file next to the pipeline (`<name>.deployment.json`): the ids, etags and mapping-set versions
 * the Flow Service returned, and each body as it was sent (secret references unresolved — never a secret's value).
 * Written after every object so a failed or stopped deployment keeps what it created; atomically (temp + rename).
 */
import * as l10n from '../../engine/l10n';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { modify, applyEdits } from 'jsonc-parser';
import { readState, type DeploymentState } from '../../engine/aep/model';

export function loadState(path: string): DeploymentState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { version: 1, objects: {} };
  }
  const r = readState(text);
  if (!r.state) throw new Error(l10n.t('{0}: the deployment state cannot be read ({1}); restore it from version control, or remove it to deploy everything anew', path, r.error ?? ''));
  return r.state;
}

export function saveState(path: string, state: DeploymentState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Write the ids a deployment gave into a body file, keeping its formatting and comments: the files in the repository
 * then say what is deployed, and the editor's id checks agree with the state.
 */
export function rewriteIds(path: string, text: string, values: Array<{ path: Array<string | number>; value: unknown }>): string {
  let out = text;
  for (const v of values) out = applyEdits(out, modify(out, v.path, v.value, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
  if (out !== text) {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, path);
  }
  return out;
}
