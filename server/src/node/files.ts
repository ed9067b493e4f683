/** Real disk access for the engine (FileAccess) and the folder walk shared by the CLI and the language server. */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FileAccess } from '../engine';
import { fileKindFromName } from '../engine';

/** Config files are small; anything larger is read but the cap stops a stray multi-GB file from being slurped. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

export const nodeFileAccess: FileAccess = {
  readFile(path) {
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_READ_BYTES) return undefined;
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  exists(path) {
    try {
      return existsSync(path);
    } catch {
      return false;
    }
  },
};

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test', '.hg', '.svn']);

/** Every Pipewright file (by name) under `dir`, depth-first, skipping dependency and VCS folders. */
export function findConfigFiles(dir: string, limit = 50_000): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length && out.length < limit) {
    const d = stack.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) stack.push(p);
      } else if (e.isFile() && fileKindFromName(e.name) !== 'unknown') {
        out.push(p);
      }
    }
  }
  return out.sort();
}
