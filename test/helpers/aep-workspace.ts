/** The aep-stripe example as an in-memory workspace (or a copy on disk), with files replaced or patched per test. */
import { readdirSync, readFileSync, mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

export const EXAMPLE_DIR = resolve(__dirname, '../../examples/aep-stripe');

/** Every file of examples/aep-stripe by name; `patch` replaces files (undefined removes one). */
export function aepFiles(patch: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(EXAMPLE_DIR)) out[name] = readFileSync(join(EXAMPLE_DIR, name), 'utf8');
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export function exampleJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(EXAMPLE_DIR, name), 'utf8')) as T;
}

export function json(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

/** The example's mapping set with `mappings` replaced. */
export function mappingSet(mappings: Array<Record<string, unknown>>): string {
  const m = exampleJson('charges.mapping.aep.json');
  return json({ ...m, mappings: mappings.map((x) => ({ sourceType: 'ATTRIBUTE', identity: false, version: 0, ...x })) });
}

/** A copy of the example in a fresh temporary folder (without its deployment state unless `keepState`). */
export function exampleCopy(keepState = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-aep-'));
  cpSync(EXAMPLE_DIR, dir, { recursive: true, filter: (src) => keepState || !src.endsWith('.deployment.json') });
  return dir;
}

export function writeJson(path: string, v: unknown): void {
  writeFileSync(path, json(v));
}
