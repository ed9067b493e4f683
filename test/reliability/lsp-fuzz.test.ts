/**
 * Protocol fuzzing of the real server over stdio: 100,000 seeded messages — edits (in range, past the end,
 * whole-text), opens and closes, edits to documents never opened, every request with good, out-of-range and
 * wrongly typed params, unknown methods, $/cancelRequest, edit bursts on one document, broken frames and
 * multi-megabyte documents — sent in batches as a fast client would. The server must never exit, answer every
 * request exactly once with a result or a JSON-RPC error, keep its copy of every document equal to ours, publish
 * the diagnostics of each document's last version, not grow without bound (RSS measured), and still answer and
 * shut down cleanly at the end. RSS and diagnostics latency are printed (RELIABILITY.md records them); the only
 * bounds asserted are loose enough never to flake.
 *
 * Replay a failure with the same seed: FUZZ_SEED=<n> (FUZZ_MESSAGES=<n> for a shorter or longer run).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { RawLspServer, frame, assertWellFormed } from '../helpers/raw-lsp';
import { REPO_ROOT } from '../helpers/lsp-client';
import { prng } from '../helpers/random';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed10);
const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 100_000);
const BATCH = 250;
const POOL = 8;

/** Every example config: the documents the fuzz starts from (each kind of file the server knows). */
function examples(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const sub of readdirSync(join(REPO_ROOT, 'examples'))) {
    let files: string[];
    try {
      files = readdirSync(join(REPO_ROOT, 'examples', sub));
    } catch {
      continue;
    }
    for (const f of files) if (/\.(pipeline|policy|trust|template|aep)\.json$/.test(f) || /\.aep\.json$/.test(f)) out.push({ name: f, text: readFileSync(join(REPO_ROOT, 'examples', sub, f), 'utf8') });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A valid policy of about `bytes` bytes: the "huge document" the server must take in its stride. */
function hugePolicy(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const s = `    {"Sid": "S${i}", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::acme-bucket/p${i}/*"}`;
    parts.push(s);
    size += s.length + 2;
  }
  return `{\n  "Version": "2012-10-17",\n  "Statement": [\n${parts.join(',\n')}\n  ]\n}\n`;
}

const SNIPPETS = ['{', '}', '[', ']', '"', ':', ',', ' ', '\n', '"kind"', '"bucket": "acme-data"', '"region": "eu-west-3"', '${secret:stripe-api-key}', 'arn:aws:s3:::b/*', 'é', '😀', '\u0000', '\\u12', 'null', '-1e999', '"schedule": {"every": "1m"}'];
const FEATURE_METHODS = ['textDocument/hover', 'textDocument/completion', 'textDocument/codeAction', 'textDocument/documentSymbol', 'textDocument/documentLink', 'textDocument/formatting', 'pipewright/documentInfo', 'pipewright/pipelineInfo'];
/** Broken frames whose damage ends inside themselves (a lying length that swallows the next message is tested in lsp-framing.test.ts). */
const BROKEN: Array<{ bytes: (r: () => number) => Buffer; nullIdError: boolean }> = [
  { bytes: () => Buffer.from('Garbage header line\r\n\r\n'), nullIdError: false },
  { bytes: () => Buffer.from('Content-Length: abc\r\n\r\n'), nullIdError: false },
  { bytes: () => Buffer.from('Content-Length: 99999999999\r\n\r\n'), nullIdError: false },
  { bytes: (r) => Buffer.from(Array.from({ length: 1 + Math.floor(r() * 2000) }, () => Math.floor(r() * 256)).filter((b) => b !== 13)), nullIdError: false },
  { bytes: () => frame('{"jsonrpc":"2.0","id":1,"method":'), nullIdError: true },
  { bytes: () => Buffer.from('Content-Length: 5\r\n\r\n{"jsonrpc":"2.0","id":77,"method":"x"}'), nullIdError: true },
  { bytes: () => frame('[1,2,3]'), nullIdError: true },
  { bytes: () => frame({ jsonrpc: '2.0', id: { no: 'pe' }, method: 'textDocument/hover' }), nullIdError: true },
];

interface Doc {
  uri: string;
  td: TextDocument;
  open: boolean;
}

let dir: string;
let server: RawLspServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-fuzz-'));
  // Any S3 request a fuzzed command might make goes to a closed port with fake keys, never to AWS.
  server = RawLspServer.start({ ...(process.env.FUZZ_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.FUZZ_SERVER_NODE_OPTIONS } : {}), AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'fuzz', AWS_SECRET_ACCESS_KEY: 'fuzz', AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') });
  await server.initialize(pathToFileURL(dir).href);
});
after(() => {
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(`${MESSAGES.toLocaleString('en')} fuzzed messages: never exits, answers every request, keeps documents in step, memory bounded`, { timeout: 300_000 }, async () => {
  const r = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (n: number) => Math.floor(r() * n);
  const bases = examples();
  assert.ok(bases.length >= 10, 'the examples folder holds the starting documents');
  const docs: Doc[] = Array.from({ length: POOL }, (_, i) => {
    const b = bases[i % bases.length];
    const uri = pathToFileURL(join(dir, `fuzz-${i}-${b.name}`)).href;
    return { uri, td: TextDocument.create(uri, 'pipewright', 0, b.text), open: false };
  });
  const neverOpened = Array.from({ length: 3 }, (_, i) => pathToFileURL(join(dir, `never-${i}.pipeline.json`)).href);

  const requests = new Map<number | string, { method: string; kind: 'normal' | 'unknown' | 'junk' | 'cancelled' }>();
  const pendingDiagnostics = new Map<string, Array<{ version: number; t: number }>>();
  const latencies: number[] = [];
  let sent = 0;
  let brokenWithError = 0;
  let huge: { doc: Doc; openedAt: number; closeAtBatch: number; publishedAfter?: number } | undefined;
  const hugeTimes: number[] = [];
  const counts: Record<string, number> = {};
  const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

  server.onMessage = (m) => {
    if (m.method !== 'textDocument/publishDiagnostics') return;
    const { uri, version } = m.params;
    if (huge && uri === huge.doc.uri && version !== undefined && huge.publishedAfter === undefined) huge.publishedAfter = performance.now() - huge.openedAt;
    const waiting = pendingDiagnostics.get(uri);
    if (!waiting || typeof version !== 'number') return;
    const now = performance.now();
    while (waiting.length && waiting[0].version <= version) latencies.push(now - waiting.shift()!.t);
  };

  let batch: Buffer[] = [];
  const push = (b: Buffer) => {
    batch.push(b);
    sent++;
  };
  const request = (method: string, params: unknown, kind: 'normal' | 'unknown' | 'junk' = 'normal') => {
    const id = r() < 0.1 ? `s-${sent}` : server.id();
    requests.set(id, { method, kind });
    push(frame({ jsonrpc: '2.0', id, method, params }));
    bump(`request:${kind}`);
    return id;
  };
  const notify = (method: string, params: unknown) => push(frame({ jsonrpc: '2.0', method, params }));
  const change = (d: Doc, changes: Array<{ range?: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }>) => {
    const version = d.td.version + 1;
    // Our copy is rebuilt from offsets (a position past the end means the end, as LSP says of a character past a line's end).
    let text = d.td.getText();
    for (const c of changes) {
      if (!c.range) text = c.text;
      else {
        const cur = TextDocument.create(d.uri, 'pipewright', 0, text);
        const [a, b] = [cur.offsetAt(c.range.start), cur.offsetAt(c.range.end)].sort((x, y) => x - y);
        text = text.slice(0, a) + c.text + text.slice(b);
      }
    }
    d.td = TextDocument.create(d.uri, 'pipewright', version, text);
    notify('textDocument/didChange', { textDocument: { uri: d.uri, version }, contentChanges: changes });
    if (d !== huge?.doc) (pendingDiagnostics.get(d.uri) ?? pendingDiagnostics.set(d.uri, []).get(d.uri)!).push({ version, t: performance.now() });
    bump('didChange');
  };
  const open = (d: Doc) => {
    d.td = TextDocument.create(d.uri, 'pipewright', 1, d.td.getText());
    d.open = true;
    notify('textDocument/didOpen', { textDocument: { uri: d.uri, languageId: 'pipewright', version: 1, text: d.td.getText() } });
    if (d !== huge?.doc) pendingDiagnostics.set(d.uri, [{ version: 1, t: performance.now() }]);
    bump('didOpen');
  };
  const close = (d: Doc) => {
    d.open = false;
    pendingDiagnostics.delete(d.uri);
    notify('textDocument/didClose', { textDocument: { uri: d.uri } });
    bump('didClose');
  };
  const randomRange = (d: Doc) => {
    const len = d.td.getText().length;
    const a = int(len + 1);
    const b = Math.min(len, a + (r() < 0.7 ? 0 : int(30)));
    return { start: d.td.positionAt(a), end: d.td.positionAt(b) };
  };
  const position = (d: Doc) => (r() < 0.85 ? d.td.positionAt(int(d.td.getText().length + 1)) : pick([{ line: 1_000_000, character: 0 }, { line: 0, character: 1_000_000 }, { line: 2 ** 31 - 1, character: 2 ** 31 - 1 }]));
  const junk = (uri = () => pick(docs).uri): unknown => pick<() => unknown>([
    () => null, () => 0, () => 'x', () => [], () => [1, 'a'], () => ({}), () => ({ textDocument: 5 }), () => ({ textDocument: { uri: 42 } }),
    () => ({ textDocument: { uri: uri() }, position: 'here' }),
    () => ({ textDocument: { uri: uri() }, position: { line: 'a', character: null } }),
    () => ({ textDocument: { uri: uri() }, position: { line: -5, character: -1 } }),
    () => ({ textDocument: { uri: uri() }, range: 7, context: 'none' }),
    () => ({ textDocument: { uri: uri() }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: 'all' } }),
    () => ({ textDocument: { uri: uri() }, options: null }),
    () => ({ uri: { not: 'a string' } }),
    () => JSON.parse('['.repeat(500) + ']'.repeat(500)),
  ])();

  const step = () => {
    const open_ = docs.filter((d) => d.open);
    const d = open_.length ? pick(open_) : undefined;
    const x = r();
    if (!d || x < 0.04) {
      const c = pick(docs);
      if (c.open) close(c);
      else open(c);
    } else if (x < 0.42) {
      const y = r();
      if (y < 0.9) change(d, [{ range: randomRange(d), text: r() < 0.6 ? pick(SNIPPETS) : '' }]);
      else if (y < 0.97) change(d, [{ range: { start: { line: 1_000_000, character: 5 }, end: { line: 1_000_001, character: 0 } }, text: pick(SNIPPETS) }]);
      else change(d, [{ text: pick(bases).text }]);
    } else if (x < 0.47) {
      // A burst: 40 edits to one document with hovers cancelled as soon as they are sent.
      for (let i = 0; i < 40; i++) {
        change(d, [{ range: randomRange(d), text: pick(SNIPPETS) }]);
        if (i % 8 === 0) {
          const id = request('textDocument/hover', { textDocument: { uri: d.uri }, position: position(d) });
          requests.get(id)!.kind = 'cancelled';
          notify('$/cancelRequest', { id });
          bump('cancel');
        }
      }
    } else if (x < 0.50) {
      notify('textDocument/didChange', { textDocument: { uri: pick(neverOpened), version: int(100) }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '{' }] });
      bump('didChange:unopened');
    } else if (x < 0.78) {
      const method = pick(FEATURE_METHODS);
      const params = method.startsWith('pipewright/') ? { uri: d.uri } : { textDocument: { uri: d.uri }, position: position(d), range: randomRange(d), context: { diagnostics: [] }, options: { tabSize: 2, insertSpaces: true } };
      request(method, params);
    } else if (x < 0.86) {
      request(pick([...FEATURE_METHODS, 'workspace/executeCommand', 'pipewright/previewBucket', 'pipewright/previewObject', 'pipewright/listBucket']), junk(), 'junk');
    } else if (x < 0.88) {
      request('workspace/executeCommand', { command: pick(['pipewright.encodeSourceParams', 'pipewright.generateIamPolicies', 'pipewright.importNow', 'pipewright.exportNow', 'pipewright.brazeTest', 'pipewright.noSuchCommand']), arguments: pick([[], [5], [null, {}], 'x']) }, 'junk');
    } else if (x < 0.91) {
      request(`fuzz/unknown${int(50)}`, junk(), 'unknown');
    } else if (x < 0.93) {
      notify(`fuzz/notification${int(50)}`, junk());
      bump('notification:unknown');
    } else if (x < 0.95) {
      // Cancel something already answered, or never sent: both must be harmless.
      notify('$/cancelRequest', { id: pick([server.id() - 1 - int(100), 'nope', -1]) });
      bump('cancel:stale');
    } else if (x < 0.97) {
      notify(pick(['textDocument/didOpen', 'textDocument/didChange', 'textDocument/didClose', 'workspace/didChangeWatchedFiles', 'workspace/didChangeConfiguration']), junk(() => pick(neverOpened)));
      bump('notification:junk');
    } else if (x < 0.99) {
      request('textDocument/hover', { textDocument: { uri: pick(neverOpened) }, position: { line: 0, character: 0 } });
    } else {
      const b = pick(BROKEN);
      push(b.bytes(r));
      if (b.nullIdError) brokenWithError++;
      bump('broken frame');
    }
  };

  const rssSamples: Array<{ messages: number; rss: number }> = [];
  let rssStart = 0;
  const t0 = performance.now();
  const batches = Math.ceil(MESSAGES / BATCH);
  // The first 3 MB document comes early, so the memory baseline (WARM_BATCH) is taken once V8 has grown its heap for one.
  const hugeAt = new Set([Math.floor(batches * 0.05), Math.floor(batches * 0.4), Math.floor(batches * 0.7)]);
  const WARM_BATCH = Math.floor(batches * 0.05) + 20;
  for (let b = 0; sent < MESSAGES; b++) {
    if (hugeAt.has(b)) {
      const text = hugePolicy(Number(process.env.FUZZ_HUGE_MB ?? 3) * 1024 * 1024);
      const doc: Doc = { uri: pathToFileURL(join(dir, `huge-${b}.policy.json`)).href, td: TextDocument.create('', 'pipewright', 0, text), open: false };
      doc.td = TextDocument.create(doc.uri, 'pipewright', 0, text);
      huge = { doc, openedAt: performance.now(), closeAtBatch: b + 4 };
      open(doc);
      change(doc, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: '"' }]);
    }
    while (batch.length < BATCH && sent < MESSAGES) step();
    if (huge && b === huge.closeAtBatch) {
      close(huge.doc);
      hugeTimes.push(huge.publishedAfter ?? NaN);
      huge = undefined;
    }
    // Every batch ends with a request, so the client knows when the server has read all of it.
    const sync = request('textDocument/documentSymbol', { textDocument: { uri: pick(docs).uri } });
    if (Number(process.env.FUZZ_SLOWSTEP) === b) {
      // Debugging aid: one message at a time, each followed by a request, to find the one that costs.
      for (const m of batch) {
        const t = performance.now();
        const probe = server.request('pipewright/documentInfo', { uri: 'file:///probe' });
        server.write(Buffer.concat([m, probe.bytes]));
        await server.waitFor(() => server.responses.has(probe.id), 120_000, 'probe');
        if (performance.now() - t > 300) console.log(`slow (${Math.round(performance.now() - t)} ms): ${m.toString('utf8').slice(0, 600)}`);
      }
    } else server.write(Buffer.concat(batch));
    batch = [];
    await server.waitFor(() => server.responses.has(sync), 60_000, `the end of batch ${b} (${sent} messages sent)`);
    if (process.env.FUZZ_TRACE) console.log(`batch ${b}: ${sent} sent, ${Math.round(performance.now() - t0)} ms, RSS ${Math.round(server.rss() / 1048576)} MB, sizes ${docs.map((d) => (d.open ? d.td.getText().length : '-')).join(' ')}`);
    if (b === WARM_BATCH) rssStart = server.rss();
    if (b % 20 === 0 || b === WARM_BATCH) rssSamples.push({ messages: sent, rss: server.rss() });
  }
  const stormMs = performance.now() - t0;

  // Everything sent was read: every request has exactly one well-formed answer.
  await server.waitFor(() => [...requests.keys()].every((id) => server.responses.has(id)), 30_000, 'every request answered');
  assert.equal(server.exit, undefined, 'the server never exited');
  const codesSeen: Record<string, number> = {};
  for (const [id, q] of requests) {
    const res = server.responses.get(id)!;
    assertWellFormed(res, `${q.method} (${q.kind}, id ${id})`);
    if (res.error) codesSeen[`${q.kind}:${res.error.code}`] = (codesSeen[`${q.kind}:${res.error.code}`] ?? 0) + 1;
    if (res.error?.code === -32603 && process.env.FUZZ_TRACE) console.log(`internal error: ${q.method}: ${String(res.error.message).slice(0, 200)}`);
    if (q.kind === 'unknown') assert.equal(res.error?.code, -32601, `${q.method} is not a method: MethodNotFound`);
    if (q.kind === 'cancelled') assert.ok(!res.error || res.error.code === -32800, `a cancelled request answers its result or RequestCancelled: ${JSON.stringify(res.error)}`);
    // pipelineInfo on a policy or template is InvalidParams by design; every other request with good params answers a result.
    if (q.kind === 'normal' && !(q.method === 'pipewright/pipelineInfo' && res.error?.code === -32602)) assert.equal(res.error, undefined, `${q.method} with good params must not fail: ${JSON.stringify(res.error)}`);
  }
  assert.equal(server.nullIdErrors.length, brokenWithError, 'each body that is not a message got exactly one Parse error or Invalid Request');

  // The last version of every open document gets its diagnostics; nothing is published for documents never opened.
  await server.waitFor(() => docs.every((d) => !d.open || !(pendingDiagnostics.get(d.uri)?.length)), 30_000, 'diagnostics of every open document\'s last version');
  for (const u of neverOpened) assert.ok(!server.notifications.some((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === u), `diagnostics published for ${u}, never opened`);

  // The server's copy of each open document equals ours: the same text opened fresh formats and outlines the same.
  for (const [i, d] of docs.entries()) {
    if (!d.open) continue;
    const copy = pathToFileURL(join(dir, `check-${i}-${d.uri.slice(d.uri.lastIndexOf('/') + 1)}`)).href;
    server.write(frame({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: copy, languageId: 'pipewright', version: 1, text: d.td.getText() } } }));
    for (const method of ['textDocument/formatting', 'textDocument/documentSymbol']) {
      const params = { options: { tabSize: 2, insertSpaces: true } };
      const mine = await server.call(method, { ...params, textDocument: { uri: d.uri } });
      const fresh = await server.call(method, { ...params, textDocument: { uri: copy } });
      assert.deepEqual(mine.result, fresh.result, `${d.uri}: ${method} differs from the same text opened fresh: the server's copy drifted`);
    }
  }

  await new Promise((res) => setTimeout(res, 500));
  const rssEnd = server.rss();
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(`fuzz seed ${SEED}: ${sent} messages in ${(stormMs / 1000).toFixed(1)} s (${Math.round(sent / (stormMs / 1000))}/s), ${requests.size} requests, ${counts['didChange'] ?? 0} edits, ${counts['cancel'] ?? 0} cancels, ${counts['broken frame'] ?? 0} broken frames`);
  console.log(`fuzz RSS: ${mb(rssStart)} after ${rssSamples.find((x) => x.rss === rssStart)?.messages ?? '?'} messages (warm: one 3 MB document opened and closed), ${mb(rssEnd)} at the end, peak ${mb(Math.max(...rssSamples.map((s) => s.rss)))} (${rssSamples.map((s) => Math.round(s.rss / 1048576)).join(' ')} MB every ${20 * BATCH} messages)`);
  console.log(`fuzz diagnostics latency (edit sent → diagnostics for it or a later version): n=${sorted.length} p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; 3 MB policy: diagnostics after ${hugeTimes.map((t) => `${Math.round(t)} ms`).join(', ')}`);
  console.log(`fuzz error answers by kind:code: ${JSON.stringify(codesSeen)}; counts ${JSON.stringify(counts)}`);

  // Bounds that cannot flake: memory did not run away, and diagnostics kept coming during the storm.
  assert.ok(rssEnd < 3 * rssStart, `RSS grew from ${mb(rssStart)} to ${mb(rssEnd)}`);
  assert.ok(sorted.length > 10_000, `diagnostics latency measured ${sorted.length} times`);
  assert.ok(q(0.99) < 20_000, `p99 diagnostics latency ${q(0.99).toFixed(0)} ms: the server stopped publishing`);

  const last = await server.call('textDocument/hover', { textDocument: { uri: docs[0].uri }, position: { line: 0, character: 1 } });
  assertWellFormed(last, 'the final hover');
  await server.shutdown();
});
