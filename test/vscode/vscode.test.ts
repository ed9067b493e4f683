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
import { filesHolding, installed, launchChromium, runExtensionTests, startCodeServer, type CodeServer } from './harness';
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
  }, { verbose: true });
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

test('no secret used by the run reaches settings, logs, the output channel or the workspace', () => {
  // The armored private key the penny test was verified with: its base64 lines, less those it shares with the public
  // key (the secret-key packet embeds the public one, so the armor starts alike).
  const publicText = readFileSync(join(ws.dir, 'deliveries/keys/acct_1Nv0FGQ9RKHgCVdK.key'), 'utf8');
  const secretLines = readFileSync(ws.privateKeyFile, 'utf8').split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l) && !publicText.includes(l));
  assert.ok(secretLines.length > 20);
  assert.deepEqual(filesHolding([server.home, ws.dir], secretLines), []);
  // The traffic was logged (trace verbose, log level trace), the request carrying the key among it, masked.
  const log = filesHolding([server.home], ['Sending request']).find((f) => f.endsWith('/pipewright.pipewright/Pipewright.log'));
  assert.ok(log, 'no Pipewright output channel log with the traffic');
  const text = readFileSync(log, 'utf8');
  assert.match(text, /Sending request 'workspace\/executeCommand/);
  assert.match(text, /"secrets": "«secret»"|"secrets":"«secret»"/);
});
