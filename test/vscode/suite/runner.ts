/**
 * The test registry inside VS Code's extension host: `test(name, fn)` in the suite files, `runAll()` from the
 * entry module. One test after another (they share one window); each result is written to the file named by
 * PIPEWRIGHT_VSCODE_RESULTS so the node:test side can report every case by name.
 */
import { writeFileSync } from 'node:fs';

export interface Result {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const tests: { name: string; fn: () => Promise<void> | void; timeoutMs: number }[] = [];

export function test(name: string, fn: () => Promise<void> | void, timeoutMs = 60_000): void {
  tests.push({ name, fn, timeoutMs });
}

export async function runAll(): Promise<Result[]> {
  const results: Result[] = [];
  const out = process.env.PIPEWRIGHT_VSCODE_RESULTS;
  for (const t of tests) {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(t.fn),
        new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`timed out after ${t.timeoutMs} ms`)), t.timeoutMs))),
      ]);
      results.push({ name: t.name, ok: true, ms: Date.now() - started });
    } catch (e) {
      results.push({ name: t.name, ok: false, ms: Date.now() - started, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    } finally {
      clearTimeout(timer);
    }
    if (out) writeFileSync(out, JSON.stringify(results, null, 2));
  }
  return results;
}
