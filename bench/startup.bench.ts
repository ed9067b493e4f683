/**
 * Server start to first diagnostics: spawn `node dist/server.js --stdio`, initialize it with a workspace
 * folder, open a pipeline that holds one mistake, and time from the spawn to the first
 * `textDocument/publishDiagnostics` for that document. Each server is shut down cleanly (shutdown, exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import {
  createMessageConnection, StreamMessageReader, StreamMessageWriter,
  InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification, PublishDiagnosticsNotification,
  ShutdownRequest, ExitNotification, DidChangeConfigurationNotification,
  type MessageConnection, type Diagnostic,
} from 'vscode-languageserver-protocol/node';
import { allSchemas } from '../server/src/engine/schemas';
import { smallPipeline, SMALL_POLICY, SMALL_TRUST } from './fixtures';
import { assert, stats, type Benchmark, type BenchResult, type Row } from './harness';

const WARMUP = 2;
const RUNS = 10;
const TIMEOUT_MS = 15_000;

interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  /** Sent right after `initialized`, before the document is opened. */
  configure?(conn: MessageConnection): void;
  /** Checks the first diagnostics (throws when they are not what the document's mistake should give). */
  check?(diagnostics: Diagnostic[]): void;
}

interface Timing {
  initialize: number;
  diagnostics: number;
}

const bench: Benchmark = {
  id: 'startup',
  title: 'Server start to first diagnostics',
  async run(ctx): Promise<BenchResult> {
    const serverJs = join(ctx.root, 'dist', 'server.js');
    assert(existsSync(serverJs), `${serverJs} does not exist: run \`npm run build\` before \`npm run bench\``);
    const notes: string[] = [];
    const stale = newestSource(ctx.root);
    if (stale && stale.mtime > statSync(serverJs).mtimeMs) {
      notes.push(`⚠️ dist/server.js is older than ${stale.path}: these figures are for the last build, not for the sources as they are. Run \`npm run build\` first.`);
    }

    const ws = mkdtempSync(join(tmpdir(), 'pipewright-bench-'));
    try {
      const doc = writeWorkspace(ws);
      const pipewright: ServerSpec = {
        name: 'Pipewright (`node dist/server.js --stdio`)',
        command: process.execPath,
        args: [serverJs, '--stdio'],
        check(diags) {
          assert(diags.length === 1 && diags[0].code === 'region', `the first diagnostics of ${doc.name} must be its one mistake (region); got ${JSON.stringify(diags.map((d) => [d.code, d.message]))}`);
        },
      };
      const specs: ServerSpec[] = [pipewright];
      const peer = jsonServerSpec(ctx.root);
      if (peer) specs.push(peer);
      else {
        notes.push(
          'Peer skipped: vscode-json-languageservice’s own server (`vscode-json-languageserver`, or `vscode-json-language-server` from vscode-langservers-extracted) is not installed in node_modules, and this benchmark installs nothing. ' +
            'Install one of them as a devDependency and the runner measures it side by side.',
        );
      }

      ctx.log(`startup: ${specs.length} server(s), ${WARMUP} warm-ups + ${RUNS} runs each, workspace ${ws}`);
      const timings = new Map<string, Timing[]>(specs.map((s) => [s.name, []]));
      const failures = new Map<string, string>();
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const order = i % 2 === 0 ? specs : [...specs].reverse();
        for (const spec of order) {
          if (failures.has(spec.name)) continue;
          try {
            const t = await firstDiagnostics(spec, ws, doc);
            if (i >= WARMUP) timings.get(spec.name)!.push(t);
          } catch (e) {
            // Pipewright must work; a peer that cannot be driven is reported, not fatal.
            if (spec === pipewright) throw e;
            failures.set(spec.name, (e as Error).message);
          }
        }
      }

      const rows: Row[] = [];
      let pwMedian: number | undefined;
      for (const spec of specs) {
        const t = timings.get(spec.name)!;
        if (failures.has(spec.name) || !t.length) {
          notes.push(`${spec.name} could not be measured: ${failures.get(spec.name) ?? 'no run completed'}.`);
          continue;
        }
        const init = stats(t.map((x) => x.initialize));
        const diag = stats(t.map((x) => x.diagnostics));
        if (spec === pipewright) pwMedian = diag.median;
        rows.push({ server: spec.name, init: init.median, diag: diag.median, diagP95: diag.p95 });
      }
      if (pwMedian !== undefined) for (const r of rows.slice(1)) r.ratio = pwMedian / (r.diag as number);

      return {
        id: bench.id,
        title: bench.title,
        method:
          `Each run spawns the server with \`${process.execPath.split('/').pop()}\` over stdio (vscode-languageserver-protocol’s node connection), sends \`initialize\` with a workspace folder (a temp dir holding three stripe-export pipelines, their policy and trust policy), then \`initialized\` and \`didOpen\` of \`${doc.name}\`, a pipeline whose one mistake is the region \`eu-west-9\`; ` +
          `the clock runs from just before the spawn to the first \`publishDiagnostics\` for that document (asserted to hold exactly that one finding). Every server is then shut down with \`shutdown\` + \`exit\`. ` +
          `Median of ${RUNS} runs after ${WARMUP} warm-ups${specs.length > 1 ? ', servers alternating' : ''}.`,
        tables: [
          {
            columns: [
              { key: 'server', header: 'Server', unit: 'text' },
              { key: 'init', header: 'Spawn → initialize result (median)', unit: 'ms' },
              { key: 'diag', header: 'Spawn → first diagnostics (median)', unit: 'ms', target: { op: '≤', limit: 500 } },
              { key: 'diagP95', header: 'Spawn → first diagnostics (p95)', unit: 'ms' },
              ...(specs.length > 1 ? [{ key: 'ratio', header: 'Ratio Pipewright / peer', unit: 'ratio' as const }] : []),
            ],
            rows,
          },
        ],
        notes,
      };
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  },
};

/** A few pipeline files, their policies, and the document to open (also on disk, as a real one would be). */
function writeWorkspace(ws: string): { name: string; path: string; uri: string; text: string } {
  const dir = join(ws, 'stripe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'acme.policy.json'), SMALL_POLICY);
  writeFileSync(join(dir, 'acme.trust.json'), SMALL_TRUST);
  writeFileSync(join(dir, 'acme.pipeline.json'), smallPipeline('acme.policy.json', 'acme.trust.json'));
  writeFileSync(join(dir, 'acme-us.pipeline.json'), smallPipeline('acme.policy.json', 'acme.trust.json', 'us-east-1'));
  const name = 'mistake.pipeline.json';
  const text = smallPipeline('acme.policy.json', 'acme.trust.json', 'eu-west-9');
  const path = join(dir, name);
  writeFileSync(path, text);
  return { name, path, uri: pathToFileURL(path).href, text };
}

async function firstDiagnostics(spec: ServerSpec, ws: string, doc: { uri: string; text: string }): Promise<Timing> {
  let child: ChildProcess | undefined;
  let conn: MessageConnection | undefined;
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  try {
    const t0 = performance.now();
    child = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const c = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn = c;
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`${spec.name} exited (code ${code}) before its first diagnostics. stderr: ${stderr.trim() || '(empty)'}`))));
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${spec.name}: no diagnostics for the document within ${TIMEOUT_MS} ms. stderr: ${stderr.trim() || '(empty)'}`)), TIMEOUT_MS)));
    let tDiag = 0;
    const diagnostics = new Promise<Diagnostic[]>((resolve) => {
      c.onNotification(PublishDiagnosticsNotification.type, (p) => {
        if (p.uri !== doc.uri || tDiag) return;
        tDiag = performance.now();
        resolve(p.diagnostics);
      });
    });
    // Answer whatever a server asks of the client (capability registration, configuration, progress).
    c.onRequest((method: string, params: unknown) => (method === 'workspace/configuration' ? ((params as { items?: unknown[] })?.items ?? []).map(() => null) : null));
    c.listen();

    const init = c.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(ws).href,
      workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'bench' }],
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true } }, workspace: { workspaceFolders: true } },
      initializationOptions: {},
    });
    await Promise.race([init, exited, timeout]);
    const tInit = performance.now();
    await c.sendNotification(InitializedNotification.type, {});
    spec.configure?.(c);
    await c.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: doc.uri, languageId: 'json', version: 1, text: doc.text } });
    const diags = await Promise.race([diagnostics, exited, timeout]);
    spec.check?.(diags);
    exited.catch(() => undefined);

    // Clean shutdown, outside the clock.
    await Promise.race([c.sendRequest(ShutdownRequest.type), timeout]);
    await c.sendNotification(ExitNotification.type);
    await new Promise<void>((resolve) => {
      if (child!.exitCode !== null) return resolve();
      const kill = setTimeout(() => {
        child!.kill();
        resolve();
      }, 3000);
      child!.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
    });
    return { initialize: tInit - t0, diagnostics: tDiag - t0 };
  } finally {
    clearTimeout(timer);
    conn?.dispose();
    if (child && child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/**
 * vscode-json-languageservice's own language server, when a package that ships it is installed:
 * configured through `json.schemas` with Pipewright's pipeline schema, so that it validates the same file.
 */
function jsonServerSpec(root: string): ServerSpec | undefined {
  const req = createRequire(join(root, 'package.json'));
  const candidates: Array<[string, string]> = [
    ['vscode-json-languageserver/package.json', 'bin/vscode-json-languageserver'],
    ['vscode-langservers-extracted/package.json', 'bin/vscode-json-language-server'],
  ];
  for (const [pkg, bin] of candidates) {
    let script: string;
    try {
      script = join(dirname(req.resolve(pkg)), bin);
    } catch {
      continue;
    }
    if (!existsSync(script)) continue;
    return {
      name: `JSON language server (\`${pkg.split('/')[0]}\`)`,
      command: process.execPath,
      args: [script, '--stdio'],
      configure(conn) {
        void conn.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { json: { validate: { enable: true }, schemas: [{ url: 'https://pipewright.dev/schemas/pipeline.schema.json', fileMatch: ['*.pipeline.json'], schema: allSchemas().pipeline }] } },
        });
      },
    };
  }
  return undefined;
}

/** The newest file the server bundle is built from, to warn about a stale dist/. */
function newestSource(root: string): { path: string; mtime: number } | undefined {
  let best: { path: string; mtime: number } | undefined;
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|json)$/.test(e.name)) {
        const m = statSync(p).mtimeMs;
        if (!best || m > best.mtime) best = { path: p.slice(root.length + 1), mtime: m };
      }
    }
  };
  walk(join(root, 'server', 'src'));
  walk(join(root, 'schemas'));
  return best;
}

export default bench;
