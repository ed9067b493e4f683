/**
 * The extension as shipped: `npm run package` builds the .vsix (minified bundles), then VS Code (code-server
 * 1.100.3, test/vscode/install.sh) opens an empty folder with the extension under development, and a tests module in
 * the extension host times `extension.activate()` of Pipewright and of VS Code's own JSON extension (the peer: a
 * language client too), alternating which goes first. Each run is a new page, so a new extension host. Activation
 * is what the user waits for before the first command works: loading the bundle and activate(); the server starts
 * in the background and is not part of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installed, launchChromium, runExtensionTests, startCodeServer } from '../test/vscode/harness';
import { assert, stats, type Benchmark, type BenchResult } from './harness';

const RUNS = 7;
const PEER = 'vscode.json-language-features';

const TESTS_MODULE = `
const vscode = require('vscode');
const { writeFileSync } = require('node:fs');
exports.run = async function () {
  const order = require('node:fs').readFileSync(require('node:path').join(__dirname, 'order'), 'utf8').split(',');
  const out = {};
  for (const id of order) {
    const ext = vscode.extensions.getExtension(id);
    if (!ext) throw new Error(id + ' is not installed');
    if (ext.isActive) throw new Error(id + ' was already active: the folder must not activate it');
    const t0 = performance.now();
    await ext.activate();
    out[id] = performance.now() - t0;
  }
  writeFileSync(process.env.PIPEWRIGHT_BENCH_OUT, JSON.stringify(out));
};
`;

const bench: Benchmark = {
  id: 'activation',
  title: 'Extension activation in VS Code, and the .vsix',
  async run(ctx): Promise<BenchResult> {
    assert(installed(), 'code-server or Chromium is missing: run `bash test/vscode/install.sh`');
    ctx.log('activation: npm run package (minified bundles)');
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: ctx.root, stdio: 'pipe' });
    const vsix = join(ctx.root, 'pipewright.vsix');
    const vsixBytes = statSync(vsix).size;
    const listing = execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' });
    const files = Number(/(\d+) files?\s*$/.exec(listing.trim())?.[1] ?? 0);
    assert(!/node_modules\//.test(listing), 'the .vsix holds node_modules');
    assert(/extension\/l10n\/bundle\.l10n\.fr\.json/.test(listing) && /extension\/schemas\/pipeline\.schema\.json/.test(listing) && /extension\/snippets\//.test(listing), 'the .vsix lacks l10n, schemas or snippets');

    const home = mkdtempSync(join(tmpdir(), 'pw-bench-activation-'));
    const folder = join(home, 'empty');
    mkdirSync(folder);
    writeFileSync(join(home, 'index.js'), TESTS_MODULE);
    const out = join(home, 'out.json');
    const samples: Record<string, number[]> = { pipewright: [], peer: [] };
    const server = await startCodeServer({ PIPEWRIGHT_BENCH_OUT: out });
    try {
      for (let i = 0; i < RUNS; i++) {
        const order = i % 2 === 0 ? ['pipewright.pipewright', PEER] : [PEER, 'pipewright.pipewright'];
        // One code-server for all runs: the order goes in a file beside the tests module.
        writeFileSync(join(home, 'order'), order.join(','));
        rmSync(out, { force: true });
        const browser = await launchChromium();
        try {
          const r = await runExtensionTests(server, browser, folder, home, 120_000);
          assert(r.code === 0 && existsSync(out), `run ${i + 1}: the extension host reported ${r.code}\n${r.console.slice(-20).join('\n')}`);
        } finally {
          await browser.close();
        }
        const t = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
        samples.pipewright.push(t['pipewright.pipewright']);
        samples.peer.push(t[PEER]);
        ctx.log(`run ${i + 1}: Pipewright ${t['pipewright.pipewright'].toFixed(1)} ms, ${PEER} ${t[PEER].toFixed(1)} ms`);
      }
    } finally {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    }
    const p = stats(samples.pipewright);
    const j = stats(samples.peer);
    return {
      id: 'activation',
      title: 'Extension activation in VS Code, and the .vsix',
      method: `\`npm run package\`, then ${RUNS} runs in code-server 1.100.3 (VS Code 1.100.3's workbench and Node extension host, driven by headless Chromium): each run opens an empty folder in a new page (a new extension host) and a tests module times \`await extension.activate()\` for Pipewright and for VS Code's built-in JSON extension (\`${PEER}\`, also a language client), alternating which goes first. Medians.`,
      tables: [
        {
          columns: [
            { key: 'median', header: 'Pipewright, median', unit: 'ms', target: { op: '≤', limit: 100 } },
            { key: 'max', header: 'Pipewright, slowest', unit: 'ms' },
            { key: 'peer', header: `${PEER}, median`, unit: 'ms' },
            { key: 'ratio', header: 'Ratio', unit: 'ratio' },
          ],
          rows: [{ median: p.median, max: p.max, peer: j.median, ratio: p.median / j.median }],
        },
        {
          columns: [
            { key: 'what', header: 'Package', unit: 'text' },
            { key: 'kb', header: 'Size', unit: 'kb', target: { op: '≤', limit: 10 * 1024 } },
            { key: 'files', header: 'Files', unit: 'count' },
          ],
          rows: [{ what: 'pipewright.vsix', kb: Math.round(vsixBytes / 1024), files }],
        },
      ],
      notes: ['The .vsix holds the minified bundles (client, server), the SQLite WebAssembly, schemas, snippets, grammar, walkthrough pages and the English/French/German strings; no node_modules.'],
    };
  },
};

export default bench;
