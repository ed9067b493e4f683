/**
 * A small LSP client for the language-server tests: spawns `node dist/server.js --stdio`, speaks
 * JSON-RPC over its stdin/stdout, keeps every publishDiagnostics per uri, and offers one helper per
 * request the tests make. Build first (`npm run build`): the tests run the bundled server, as editors do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  InitializeRequest, InitializedNotification, ShutdownRequest, ExitNotification,
  DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification,
  PublishDiagnosticsNotification, CompletionRequest, HoverRequest, CodeActionRequest, DocumentSymbolRequest,
  DocumentLinkRequest, DocumentFormattingRequest, ExecuteCommandRequest, LogMessageNotification,
  MarkupKind, CodeActionKind,
  type ProtocolConnection, type InitializeResult, type PublishDiagnosticsParams, type Position, type Range,
  type CompletionItem, type CompletionList, type Hover, type CodeAction, type Command, type Diagnostic,
  type DocumentSymbol, type SymbolInformation, type DocumentLink, type TextEdit, type FormattingOptions,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LANGUAGE_ID, Notifications, type StatusParams } from '../../server/src/protocol';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_JS = join(REPO_ROOT, 'dist', 'server.js');

/** Default time a test waits for the server before failing with what it received. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/** An open document as the client sees it: every change is applied here too, so tests can compute positions. */
export interface OpenDocument {
  uri: string;
  version: number;
  text: string;
}

export interface DiagnosticsWait {
  /** Only diagnostics published for this document version; `null`: only unversioned ones (closed or unopened files). */
  version?: number | null;
  /** Further condition on the notification. */
  match?: (p: PublishDiagnosticsParams) => boolean;
  timeoutMs?: number;
}

export interface StartOptions {
  /** The workspace folder sent in `initialize` (a temp dir the test created). */
  workspace: string;
  initializationOptions?: unknown;
  /** Wait for the server's first `pipewright/status` "ready" (workspace scanned) before resolving. Default true. */
  waitReady?: boolean;
  /** Declare `window.workDoneProgress`, so the server reports progress of long jobs to this client. */
  workDoneProgress?: boolean;
  /** Declare workspace edits with file creation; `workspace/applyEdit` requests are recorded in `appliedEdits` and accepted. */
  createFiles?: boolean;
  /** The client's display language, sent as `initialize`'s `locale` (as VS Code's client does). */
  locale?: string;
  /** Extra environment variables for the server process (on top of this process's). */
  env?: Record<string, string>;
}

export class LspClient {
  readonly connection: ProtocolConnection;
  initializeResult!: InitializeResult;
  /** Everything the server wrote to stderr, plus its window/logMessage output. */
  stderr = '';
  /** Every publishDiagnostics received, per uri, in arrival order. */
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  readonly statuses: StatusParams[] = [];
  /** Every `$/progress` value received, per token, in arrival order (with `window.workDoneProgress`). */
  readonly progress = new Map<string | number, Array<{ kind: string; title?: string; message?: string; percentage?: number; cancellable?: boolean }>>();
  /** Every `workspace/applyEdit` the server sent (with `createFiles`). */
  readonly appliedEdits: unknown[] = [];
  /** Called with the token when the server creates a work-done progress. */
  onProgressCreated: ((token: string | number) => void) | undefined;
  private readonly consumed = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess, readonly workspace: string) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((res) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.notify();
        res({ code, signal });
      });
    });
    // A write to a dead server must fail the test through its request, not crash the runner.
    child.stdin!.on('error', () => {});
    this.connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = this.published.get(p.uri) ?? [];
      list.push(p);
      this.published.set(p.uri, list);
      this.notify();
    });
    this.connection.onNotification(Notifications.status, (p: StatusParams) => {
      this.statuses.push(p);
      this.notify();
    });
    this.connection.onRequest('workspace/applyEdit', (p: unknown) => {
      this.appliedEdits.push(p);
      return { applied: true };
    });
    this.connection.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
      this.progress.set(p.token, []);
      this.onProgressCreated?.(p.token);
      return null;
    });
    this.connection.onNotification('$/progress', (p: { token: string | number; value: { kind: string } }) => {
      this.progress.get(p.token)?.push(p.value);
      this.notify();
    });
    this.connection.onNotification(LogMessageNotification.type, (p) => {
      this.stderr += `[log ${p.type}] ${p.message}\n`;
    });
    this.connection.onError(([e]) => {
      this.stderr += `[client connection error] ${e?.message}\n`;
    });
    this.connection.listen();
  }

  /** Spawn the server, initialize it with `workspace` as the one folder, and (by default) wait until it has scanned it. */
  static async start(options: StartOptions): Promise<LspClient> {
    assert.ok(existsSync(SERVER_JS), `${SERVER_JS} is missing: run \`npm run build\` first`);
    const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: options.env ? { ...process.env, ...options.env } : undefined });
    const client = new LspClient(child, options.workspace);
    try {
      const rootUri = fileUri(options.workspace);
      client.initializeResult = await client.withTimeout(
        client.connection.sendRequest(InitializeRequest.type, {
          processId: process.pid,
          clientInfo: { name: 'pipewright-tests' },
          locale: options.locale,
          rootUri,
          workspaceFolders: [{ uri: rootUri, name: 'workspace' }],
          initializationOptions: options.initializationOptions,
          capabilities: {
            window: { workDoneProgress: options.workDoneProgress === true },
            workspace: { workspaceEdit: options.createFiles ? { documentChanges: true, resourceOperations: ['create'] } : undefined, workspaceFolders: true, configuration: false, executeCommand: { dynamicRegistration: false } },
            textDocument: {
              synchronization: { dynamicRegistration: false, didSave: false },
              completion: { completionItem: { snippetSupport: true, documentationFormat: [MarkupKind.Markdown, MarkupKind.PlainText] } },
              hover: { contentFormat: [MarkupKind.Markdown, MarkupKind.PlainText] },
              codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: [CodeActionKind.QuickFix, CodeActionKind.Refactor, CodeActionKind.Source] } }, isPreferredSupport: true },
              publishDiagnostics: { versionSupport: true, relatedInformation: false },
              documentSymbol: { hierarchicalDocumentSymbolSupport: true },
              documentLink: { tooltipSupport: false },
              formatting: {},
            },
          },
        }),
        DEFAULT_TIMEOUT_MS,
        'initialize',
      );
      await client.connection.sendNotification(InitializedNotification.type, {});
      if (options.waitReady !== false) await client.waitFor(() => client.statuses.some((s) => s.state === 'ready'), DEFAULT_TIMEOUT_MS, 'the pipewright/status "ready" notification');
      return client;
    } catch (e) {
      client.kill();
      throw e;
    }
  }

  // ---- documents -------------------------------------------------------------------------------

  /** didOpen (languageId `pipewright`, version 1 unless given). `target` is a file path or a uri. */
  async open(target: string, text: string, version = 1): Promise<OpenDocument> {
    const uri = target.includes('://') ? target : fileUri(target);
    const doc: OpenDocument = { uri, version, text };
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: LANGUAGE_ID, version, text } });
    return doc;
  }

  /**
   * One incremental didChange: replace `range` with `newText`, version + 1. The edit is applied to
   * `doc.text` too. Returns the write promise (callers may leave it un-awaited to flood the server).
   */
  change(doc: OpenDocument, range: Range, newText: string): Promise<void> {
    const td = TextDocument.create(doc.uri, LANGUAGE_ID, doc.version, doc.text);
    doc.version++;
    doc.text = TextDocument.applyEdits(td, [{ range, newText }]);
    return this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: doc.uri, version: doc.version },
      contentChanges: [{ range, text: newText }],
    });
  }

  async close(doc: OpenDocument | string): Promise<void> {
    const uri = typeof doc === 'string' ? doc : doc.uri;
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  // ---- diagnostics -----------------------------------------------------------------------------

  /**
   * The next publishDiagnostics for `uri` this test has not consumed yet (optionally: for one version),
   * waiting for it if needed. Notifications that do not match are consumed and skipped. Fails with
   * everything received for that uri, and the server's stderr, when none comes in time.
   */
  async nextDiagnostics(uri: string, wait: DiagnosticsWait = {}): Promise<PublishDiagnosticsParams> {
    const wanted = (p: PublishDiagnosticsParams) =>
      (wait.version === undefined || (wait.version === null ? p.version === undefined : p.version === wait.version)) && (!wait.match || wait.match(p));
    let found: PublishDiagnosticsParams | undefined;
    const take = () => {
      const list = this.published.get(uri) ?? [];
      let i = this.consumed.get(uri) ?? 0;
      for (; i < list.length; i++) {
        if (wanted(list[i])) {
          found = list[i];
          this.consumed.set(uri, i + 1);
          return true;
        }
      }
      this.consumed.set(uri, i);
      return false;
    };
    const what = `publishDiagnostics for ${uri}${wait.version === undefined ? '' : wait.version === null ? ' (unversioned)' : ` version ${wait.version}`}`;
    try {
      await this.waitFor(take, wait.timeoutMs ?? DEFAULT_TIMEOUT_MS, what);
    } catch (e) {
      const got = (this.published.get(uri) ?? []).map((p) => `v${p.version ?? '-'}:[${p.diagnostics.map((d) => d.code).join(',')}]`).join(' ');
      throw new Error(`${(e as Error).message}\nreceived for this uri: ${got || 'nothing'}`);
    }
    return found!;
  }

  /** The last diagnostics received for `uri`, if any. */
  latestDiagnostics(uri: string): PublishDiagnosticsParams | undefined {
    const list = this.published.get(uri);
    return list?.[list.length - 1];
  }

  // ---- requests --------------------------------------------------------------------------------

  /** Any request, with the harness timeout. */
  request<R>(method: string, params?: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<R> {
    return this.withTimeout(this.connection.sendRequest<R>(method, params), timeoutMs, method);
  }

  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const r = await this.withTimeout(this.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }), DEFAULT_TIMEOUT_MS, 'completion');
    return r === null ? [] : Array.isArray(r) ? r : (r as CompletionList).items;
  }

  hover(uri: string, position: Position, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Hover | null> {
    return this.withTimeout(this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }), timeoutMs, 'hover');
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<Array<CodeAction | Command>> {
    const r = await this.withTimeout(this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } }), DEFAULT_TIMEOUT_MS, 'codeAction');
    return r ?? [];
  }

  async documentSymbols(uri: string): Promise<Array<DocumentSymbol | SymbolInformation>> {
    return (await this.withTimeout(this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }), DEFAULT_TIMEOUT_MS, 'documentSymbol')) ?? [];
  }

  async documentLinks(uri: string): Promise<DocumentLink[]> {
    return (await this.withTimeout(this.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri } }), DEFAULT_TIMEOUT_MS, 'documentLink')) ?? [];
  }

  async formatting(uri: string, options: FormattingOptions = { tabSize: 2, insertSpaces: true }): Promise<TextEdit[]> {
    return (await this.withTimeout(this.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options }), DEFAULT_TIMEOUT_MS, 'formatting')) ?? [];
  }

  executeCommand<R = unknown>(command: string, args?: unknown[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<R> {
    return this.withTimeout(this.connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }), timeoutMs, `executeCommand ${command}`) as Promise<R>;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** shutdown, then exit; asserts the process ends by itself with exit code 0. */
  async shutdown(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this.withTimeout(this.connection.sendRequest(ShutdownRequest.type), timeoutMs, 'shutdown');
    await this.connection.sendNotification(ExitNotification.type);
    const { code, signal } = await this.withTimeout(this.exited, timeoutMs, 'the server process to exit after "exit"');
    this.connection.dispose();
    assert.equal(signal, null, `server was killed by ${signal}${this.stderrTail()}`);
    assert.equal(code, 0, `server exited with code ${code}${this.stderrTail()}`);
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Kill the server if it still runs (use in `after`, whatever happened). */
  kill(): void {
    try {
      this.connection.dispose();
    } catch {
      // already disposed
    }
    if (this.exitInfo === undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  stderrTail(max = 4000): string {
    return this.stderr ? `\n--- server stderr/log ---\n${this.stderr.slice(-max)}` : '';
  }

  // ---- internals -------------------------------------------------------------------------------

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolve when `cond()` holds (checked now and on every notification), else fail after `timeoutMs`. */
  waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((res, rej) => {
      const check = () => {
        if (cond()) {
          done();
          res();
        } else if (this.exitInfo) {
          done();
          rej(new Error(`server exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal}) while waiting for ${what}${this.stderrTail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${this.stderrTail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  private withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${this.exitInfo ? ` (server exited with code ${this.exitInfo.code})` : ''}${this.stderrTail()}`)), timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

/** Offset ↔ position in a test's own text (UTF-16, `\n` line ends), to state ranges from the fixture. */
export function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** The range of the first occurrence of `needle` (after `from`) in `text`; fails when absent. */
export function rangeOf(text: string, needle: string, from = 0): Range {
  const i = text.indexOf(needle, from);
  assert.ok(i >= 0, `fixture does not contain ${JSON.stringify(needle)}`);
  return { start: positionOf(text, i), end: positionOf(text, i + needle.length) };
}

/** Apply LSP text edits to a text (as an editor would). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', LANGUAGE_ID, 0, text), edits);
}

/** The text of one 0-based line. */
export function lineOf(text: string, line: number): string {
  return text.split('\n')[line];
}

/** A diagnostic's message as text (LSP 3.18 allows markup content there too). */
export function messageOf(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}
