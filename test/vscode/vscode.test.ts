/**
 * Pipewright inside a real VS Code (code-server 1.100.3, the same workbench and Node extension host as the desktop
 * app), against moto's S3: the extension-host tests in suite/ run in VS Code's extension host and report each case
 * here by name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startMoto, type MotoServer } from '../helpers/moto';
import { installed, launchChromium, runExtensionTests, startCodeServer, type CodeServer } from './harness';
import type { Result } from './suite/runner';
import { makeWorkspace, type Workspace } from './workspace';

let moto: MotoServer;
let server: CodeServer;
let ws: Workspace;
let out: string;

before(async () => {
  assert.ok(installed(), 'code-server or Chromium is missing: run `bash test/vscode/install.sh` (test/setup.sh does)');
  moto = await startMoto();
  ws = await makeWorkspace(moto.endpoint);
  out = mkdtempSync(join(tmpdir(), 'pw-vscode-suite-'));
  // The suite runs in VS Code's extension host as one CommonJS file; `vscode` is VS Code's own.
  await build({ entryPoints: [join(__dirname, 'suite/index.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: join(out, 'index.js'), external: ['vscode'], logLevel: 'warning' });
  server = await startCodeServer({
    PIPEWRIGHT_VSCODE_WS: ws.dir,
    PIPEWRIGHT_VSCODE_S3: moto.endpoint,
    PIPEWRIGHT_VSCODE_PRIVATE_KEY: ws.privateKeyFile,
    PIPEWRIGHT_VSCODE_RESULTS: join(out, 'results.json'),
  });
});

after(async () => {
  await server?.stop();
  await moto?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
  if (ws) rmSync(join(ws.dir, '..'), { recursive: true, force: true });
});

test('extension-host tests in VS Code 1.100 (code-server)', { timeout: 600_000 }, async (t) => {
  const browser = await launchChromium();
  let run: Awaited<ReturnType<typeof runExtensionTests>>;
  try {
    run = await runExtensionTests(server, browser, ws.dir, out, 480_000);
  } finally {
    await browser.close();
  }
  const file = join(out, 'results.json');
  const results: Result[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  for (const r of results) {
    await t.test(r.name, () => {
      if (!r.ok) assert.fail(r.error);
    });
  }
  const context = `\n--- extension host console (last 60 lines) ---\n${run.console.slice(-60).join('\n')}\n--- code-server (tail) ---\n${server.log().slice(-3000)}`;
  assert.ok(results.length > 0, `no extension-host test ran (exit ${run.code})${context}`);
  assert.equal(run.code, 0, `VS Code reported exit code ${run.code}${results.some((r) => !r.ok) ? '' : context}`);
});
