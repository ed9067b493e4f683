/**
 * The same extension-host suite in desktop VS Code, through @vscode/test-electron, for machines that have it:
 * `npm run test:vscode-desktop` (VSCODE_EXECUTABLE=/path/to/code to use an installed VS Code; otherwise
 * test-electron downloads one, which our CI machines cannot). CI runs the suite in code-server (vscode.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runTests } from '@vscode/test-electron';
import { startMoto } from '../helpers/moto';
import { ROOT } from './harness';
import type { Result } from './suite/runner';
import { makeWorkspace } from './workspace';

async function main(): Promise<number> {
  const moto = await startMoto();
  const out = mkdtempSync(join(tmpdir(), 'pw-vscode-desktop-'));
  const ws = await makeWorkspace(moto.endpoint);
  try {
    await build({ entryPoints: [join(__dirname, 'suite/index.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: join(out, 'index.js'), external: ['vscode'], logLevel: 'warning' });
    const code = await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: out,
      launchArgs: [ws.dir, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--user-data-dir', join(out, 'user-data')],
      extensionTestsEnv: { PIPEWRIGHT_VSCODE_WS: ws.dir, PIPEWRIGHT_VSCODE_S3: moto.endpoint, PIPEWRIGHT_VSCODE_PRIVATE_KEY: ws.privateKeyFile, PIPEWRIGHT_VSCODE_RESULTS: join(out, 'results.json') },
    }).catch((e: unknown) => {
      console.error(`VS Code did not run the tests: ${(e as Error).message}`);
      return 1;
    });
    const file = join(out, 'results.json');
    const results: Result[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
    for (const r of results) console.log(`${r.ok ? '✔' : '✖'} ${r.name} (${r.ms} ms)${r.ok ? '' : `\n${r.error}`}`);
    return results.length && results.every((r) => r.ok) ? code : 1;
  } finally {
    await moto.stop();
    rmSync(out, { recursive: true, force: true });
    rmSync(join(ws.dir, '..'), { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
