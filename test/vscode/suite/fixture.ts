/** What the node:test side prepared for the extension-host tests (test/vscode/workspace.ts), read from the environment. */
import * as vscode from 'vscode';
import { join } from 'node:path';

export const WORKSPACE = process.env.PIPEWRIGHT_VSCODE_WS ?? '';
export const ENDPOINT = process.env.PIPEWRIGHT_VSCODE_S3 ?? '';
export const PRIVATE_KEY_FILE = process.env.PIPEWRIGHT_VSCODE_PRIVATE_KEY ?? '';

export function wsUri(...parts: string[]): vscode.Uri {
  return vscode.Uri.file(join(WORKSPACE, ...parts));
}

/** Resolves with the diagnostics of `uri` once `accept` says they are the ones awaited (or rejects after `ms`). */
export function diagnosticsOf(uri: vscode.Uri, accept: (d: readonly vscode.Diagnostic[]) => boolean, ms = 20_000): Promise<readonly vscode.Diagnostic[]> {
  const now = vscode.languages.getDiagnostics(uri);
  if (accept(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`diagnostics of ${uri.fsPath} not as expected after ${ms} ms: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map(codeOf))}`));
    }, ms);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const d = vscode.languages.getDiagnostics(uri);
      if (!accept(d)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(d);
    });
  });
}

export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** Waits until `check` returns a value (not undefined), polling; for UI state that has no event. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`${what}: not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
