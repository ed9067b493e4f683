/**
 * A raw-byte LSP driver for the fuzzing tests: `lsp-client.ts` speaks correct JSON-RPC through vscode-jsonrpc,
 * which cannot send a broken frame. This one writes bytes as they are given (whole batches in one write, to
 * flood the server the way a fast client does), reads the server's answers with vscode-jsonrpc's reader, keeps
 * every response by id and every publishDiagnostics, and measures the server's RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { StreamMessageReader, type Message } from 'vscode-languageserver-protocol/node';
import { REPO_ROOT, SERVER_JS } from './lsp-client';

export interface RpcResponse {
  id: number | string | null;
  result?: unknown;
  error?: { code: unknown; message: unknown; data?: unknown };
}

/** One frame as the protocol wants it: `Content-Length` in bytes of the UTF-8 body. */
export function frame(message: unknown): Buffer {
  const body = Buffer.from(typeof message === 'string' ? message : JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

export class RawLspServer {
  readonly responses = new Map<number | string, RpcResponse>();
  /** Responses whose id is null (JSON-RPC's answer to a body that is not JSON or not a message). */
  readonly nullIdErrors: RpcResponse[] = [];
  /** Every notification the server sent, by method. */
  readonly notifications: Array<{ method: string; params: any }> = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Called on every message from the server (after it is recorded). */
  onMessage: ((m: any) => void) | undefined;
  private waiters = new Set<() => void>();
  private nextId = 1;

  private constructor(readonly child: ChildProcess) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      // Only the tail matters for a failure message; a fuzz run logs a lot.
      this.stderr = (this.stderr + d).slice(-20_000);
    });
    child.stdin!.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      this.notify();
    });
    new StreamMessageReader(child.stdout!).listen((m: Message) => {
      const msg = m as any;
      if (typeof msg.method === 'string' && msg.id !== undefined) {
        // A request from the server (progress creation, applyEdit): answer it so it never waits on us.
        this.write(frame({ jsonrpc: '2.0', id: msg.id, result: null }));
      } else if (typeof msg.method === 'string') {
        this.notifications.push({ method: msg.method, params: msg.params });
      } else if (msg.id === null) {
        this.nullIdErrors.push(msg);
      } else {
        assert.ok(!this.responses.has(msg.id), `two responses for request id ${msg.id}`);
        this.responses.set(msg.id, msg);
      }
      this.onMessage?.(msg);
      this.notify();
    });
  }

  static start(env?: Record<string, string>): RawLspServer {
    assert.ok(existsSync(SERVER_JS), `${SERVER_JS} is missing: run \`npm run build\` first`);
    const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    return new RawLspServer(child);
  }

  /** A fresh request id (numbers; the fuzz also sends string ids of its own). */
  id(): number {
    return this.nextId++;
  }

  write(bytes: Buffer | string): void {
    this.child.stdin!.write(bytes);
  }

  request(method: string, params?: unknown): { id: number; bytes: Buffer } {
    const id = this.id();
    return { id, bytes: frame({ jsonrpc: '2.0', id, method, params }) };
  }

  /** Send a request and wait for its answer. */
  async call(method: string, params?: unknown, timeoutMs = 30_000): Promise<RpcResponse> {
    const r = this.request(method, params);
    this.write(r.bytes);
    await this.waitFor(() => this.responses.has(r.id), timeoutMs, `the answer to ${method} (id ${r.id})`);
    return this.responses.get(r.id)!;
  }

  /** Resident set size of the server process, in bytes (Linux /proc). */
  rss(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    assert.ok(m, 'VmRSS missing from /proc/<pid>/status');
    return Number(m[1]) * 1024;
  }

  waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((res, rej) => {
      const check = () => {
        if (cond()) finish();
        else if (this.exit) finish(new Error(`server exited (code ${this.exit.code}, signal ${this.exit.signal}) while waiting for ${what}\n${this.stderr.slice(-3000)}`));
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.stderr.slice(-3000)}`)), timeoutMs);
      const finish = (e?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (e) rej(e);
        else res();
      };
      this.waiters.add(check);
    });
  }

  /** initialize + initialized, then wait for the workspace scan ("ready"). */
  async initialize(workspaceUri: string, initializationOptions?: unknown): Promise<void> {
    const r = await this.call('initialize', {
      processId: process.pid,
      rootUri: workspaceUri,
      workspaceFolders: [{ uri: workspaceUri, name: 'ws' }],
      initializationOptions,
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    assert.ok(r.result, `initialize failed: ${JSON.stringify(r.error)}`);
    this.write(frame({ jsonrpc: '2.0', method: 'initialized', params: {} }));
    await this.waitFor(() => this.notifications.some((n) => n.method === 'pipewright/status' && n.params?.state === 'ready'), 15_000, 'status ready');
  }

  /** shutdown, exit; the process must end by itself with code 0. */
  async shutdown(): Promise<void> {
    const r = await this.call('shutdown');
    assert.equal(r.error, undefined, `shutdown answered an error: ${JSON.stringify(r.error)}`);
    this.write(frame({ jsonrpc: '2.0', method: 'exit' }));
    await this.waitFor(() => this.exit !== undefined, 10_000, 'the process to exit');
    assert.deepEqual(this.exit, { code: 0, signal: null });
  }

  kill(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** A response is either a result or an error with an integer code and a message: nothing else is JSON-RPC. */
export function assertWellFormed(r: RpcResponse, what: string): void {
  const hasResult = 'result' in r;
  const hasError = r.error !== undefined;
  assert.ok(hasResult !== hasError, `${what}: a response must hold exactly one of result and error: ${JSON.stringify(r).slice(0, 300)}`);
  if (hasError) {
    assert.ok(Number.isInteger(r.error!.code), `${what}: error code ${String(r.error!.code)}`);
    assert.equal(typeof r.error!.message, 'string', `${what}: error message`);
  }
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
