/**
 * The LSP adapter: owns the connection, the open documents and the timing (debounce, progress);
 * every language feature is a call into the transport-free engine.
 */
import * as l10n from '../engine/l10n';
import {
  TextDocuments, TextDocumentSyncKind, CodeActionKind, ResponseError, ErrorCodes, LSPErrorCodes,
  type Connection, type InitializeResult, type CodeAction as LspCodeAction, type CancellationToken, type WorkDoneProgressServerReporter, type WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import {
  Project, validate, complete, hover, codeActions, documentSymbols, documentLinks, formatDocument,
  encodeSourceParams, decodeSourceParams, lintFiles, CancelledError, type Finding, type ParsedDocument, type ProgressCallback,
} from '../engine';
import { Commands, Notifications, Requests, type DocumentInfoParams, type DocumentInfoResult, type GeneratedPolicies, type LintSummary, type RoleCheckOptions, type RoleCheckReport, type StatusParams } from '../protocol';
import { generatedFiles } from '../engine/iam/files';
import { findConfigFiles, nodeFileAccess } from '../node/files';
import { localeFromNlsConfig, useLocale } from '../node/l10n';
import { pathToUri, uriToPath } from './uri';
import { range, toCompletionItem, toDiagnostic, toDocumentSymbol, toTextEdit } from './convert';
import { registerExplorerRequests } from './explorer';
import { registerImportRequests, type JobProgress } from './imports';
import { exportCommands } from './exports';
import { brazeCommands } from './braze';
import { checkedTextDocument } from './documents';
import { aepCodeActions, aepCommands, registerAepFeatures } from './aep';
import { createLog, elapsed, isLogLevel, type LogLevel } from './log';

interface Settings {
  validationDelay: number;
  suppress: string[];
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(checkedTextDocument);
  const project = new Project(nodeFileAccess);
  const settings: Settings = { validationDelay: 0, suppress: [] };
  const log = createLog(connection);
  const results = new Map<string, { version: number; doc: ParsedDocument; findings: Finding[] }>();
  const timers = new Map<string, NodeJS.Timeout>();
  let roots: string[] = [];
  let workDoneSupported = false;
  let createFilesSupported = false;
  /** Files not open in the editor whose diagnostics the last workspace lint published. */
  const published = new Set<string>();

  const guard = <T>(what: string, fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (e) {
      // A bug in one feature must never take the server down: log it and answer empty.
      log.error(`${what} failed: ${(e as Error)?.stack ?? e}`);
      return fallback;
    }
  };

  /** Parse the open buffer once per version; every feature shares that parse. */
  const parses = new Map<string, { version: number; doc: ParsedDocument }>();
  const parsed = (uri: string): ParsedDocument | undefined => {
    const td = documents.get(uri);
    if (!td) return undefined;
    const cached = parses.get(uri);
    if (cached && cached.version === td.version) return cached.doc;
    const doc = project.setOpen(uriToPath(uri), td.getText());
    parses.set(uri, { version: td.version, doc });
    return doc;
  };

  const validateUri = (uri: string) => {
    const td = documents.get(uri);
    if (!td) return;
    guard('validation', () => {
      const t0 = Date.now();
      const doc = parsed(uri)!;
      const findings = validate(doc, project, { suppress: settings.suppress });
      log.debug(() => `validated ${doc.path} (version ${td.version}): ${findings.length} finding${findings.length === 1 ? '' : 's'} in ${elapsed(t0)}`);
      results.set(uri, { version: td.version, doc, findings });
      void connection.sendDiagnostics({ uri, version: td.version, diagnostics: findings.map((f) => toDiagnostic(doc.lines, f)) });
    }, undefined);
  };

  const schedule = (uri: string, delay: number) => {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => {
      timers.delete(uri);
      validateUri(uri);
    }, delay));
  };

  /** A pipeline edit can change other files' findings (references, Braze conflicts, placeholder fixes). */
  const revalidateOthers = (except?: string) => {
    for (const td of documents.all()) if (td.uri !== except) schedule(td.uri, Math.max(50, settings.validationDelay));
  };

  const sendStatus = (state: StatusParams['state']) => void connection.sendNotification(Notifications.status, { state, documents: project.knownPaths().length } satisfies StatusParams);

  connection.onInitialize((params): InitializeResult => {
    // Messages in the editor's language: LSP's `locale` (VS Code's client sends its display language),
    // else VS Code's VSCODE_NLS_CONFIG when it started us without saying; English otherwise.
    useLocale(params.locale ?? localeFromNlsConfig(process.env));
    roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    workDoneSupported = params.capabilities.window?.workDoneProgress === true;
    const edits = params.capabilities.workspace?.workspaceEdit;
    createFilesSupported = edits?.documentChanges === true && (edits.resourceOperations ?? []).includes('create');
    if (!roots.length && params.rootUri) roots = [uriToPath(params.rootUri)];
    const opts = params.initializationOptions as Partial<Settings> | undefined;
    applySettings(opts);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: ['"', ':', ' '], resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
        documentSymbolProvider: true,
        documentLinkProvider: { resolveProvider: false },
        definitionProvider: true,
        documentFormattingProvider: true,
        executeCommandProvider: { commands: Object.values(Commands) },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'pipewright', version: '0.1.0' },
    };
  });

  /** The log level is the log's own (`log.level`), not kept in `settings`. */
  function applySettings(s: (Partial<Settings> & { logLevel?: unknown }) | undefined) {
    if (!s) return;
    if (typeof s.validationDelay === 'number' && s.validationDelay >= 0) settings.validationDelay = s.validationDelay;
    if (Array.isArray(s.suppress)) settings.suppress = s.suppress.filter((c) => typeof c === 'string');
    if (isLogLevel(s.logLevel)) log.level = s.logLevel;
    log.debug(`settings: validation delay ${settings.validationDelay} ms, ${settings.suppress.length} suppressed code${settings.suppress.length === 1 ? '' : 's'}, log level ${log.level}`);
  }

  connection.onInitialized(() => {
    sendStatus('starting');
    // Index the workspace after the first answers go out: start-up must not wait on a folder walk.
    setImmediate(() => {
      guard('workspace scan', () => {
        const t0 = Date.now();
        for (const root of roots) for (const p of findConfigFiles(root)) project.addKnown(p);
        log.info(`workspace indexed: ${project.knownPaths().length} Pipewright file${project.knownPaths().length === 1 ? '' : 's'} in ${roots.length} folder${roots.length === 1 ? '' : 's'} (${elapsed(t0)})`);
      }, undefined);
      sendStatus('ready');
      revalidateOthers();
    });
  });

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { pipewright?: { validation?: { delay?: number }; suppress?: string[]; logLevel?: LogLevel } } | undefined)?.pipewright;
    applySettings({ validationDelay: s?.validation?.delay, suppress: s?.suppress, logLevel: s?.logLevel });
    revalidateOthers();
  });

  documents.onDidOpen((e) => {
    validateUri(e.document.uri);
    if (parsed(e.document.uri)?.kind === 'pipeline') revalidateOthers(e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    const r = results.get(e.document.uri);
    // onDidOpen already validated this version.
    if (r && r.version === e.document.version) return;
    schedule(e.document.uri, settings.validationDelay);
    if (r?.doc.kind === 'pipeline') revalidateOthers(e.document.uri);
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    results.delete(e.document.uri);
    parses.delete(e.document.uri);
    project.close(uriToPath(e.document.uri));
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onDidChangeWatchedFiles((e) => {
    for (const c of e.changes) project.fileChanged(uriToPath(c.uri));
    revalidateOthers();
  });

  connection.onCompletion((p) =>
    guard('completion', () => {
      const doc = parsed(p.textDocument.uri);
      if (!doc) return [];
      return complete(doc, doc.lines.offsetAt(p.position), project).map((c) => toCompletionItem(doc.lines, c));
    }, []),
  );

  connection.onHover((p) =>
    guard('hover', () => {
      const doc = parsed(p.textDocument.uri);
      const h = doc && hover(doc, doc.lines.offsetAt(p.position), project);
      return h ? { contents: { kind: 'markdown' as const, value: h.markdown }, range: range(doc.lines, h.start, h.end) } : null;
    }, null),
  );

  connection.onCodeAction((p) =>
    guard('code actions', () => {
      const uri = p.textDocument.uri;
      const td = documents.get(uri);
      if (!td) return [];
      let r = results.get(uri);
      if (!r || r.version !== td.version) {
        validateUri(uri);
        r = results.get(uri);
      }
      if (!r) return [];
      const { doc, findings } = r;
      const start = doc.lines.offsetAt(p.range.start);
      const end = doc.lines.offsetAt(p.range.end);
      const fixes = codeActions(doc, findings, start, end).map((a): LspCodeAction => {
        const changes: Record<string, ReturnType<typeof toTextEdit>[]> = {};
        for (const e of a.edits) {
          const targetUri = e.path ? pathToUri(e.path) : uri;
          const lines = e.path ? project.get(e.path)?.lines ?? doc.lines : doc.lines;
          (changes[targetUri] ??= []).push(toTextEdit(lines, e));
        }
        return { title: a.title, kind: CodeActionKind.QuickFix, diagnostics: [toDiagnostic(doc.lines, a.finding)], isPreferred: a.preferred, edit: { changes } };
      });
      return [...fixes, ...aepCodeActions(doc, uri, start, end)];
    }, []),
  );

  connection.onDocumentSymbol((p) =>
    guard('symbols', () => {
      const doc = parsed(p.textDocument.uri);
      return doc ? documentSymbols(doc).map((s) => toDocumentSymbol(doc.lines, s)) : [];
    }, []),
  );

  connection.onDocumentLinks((p) =>
    guard('links', () => {
      const doc = parsed(p.textDocument.uri);
      return doc ? documentLinks(doc, project).map((l) => ({ range: range(doc.lines, l.start, l.end), target: pathToUri(l.target) })) : [];
    }, []),
  );

  connection.onDocumentFormatting((p) =>
    guard('formatting', () => {
      const doc = parsed(p.textDocument.uri);
      return doc ? formatDocument(doc, p.options.tabSize, p.options.insertSpaces).map((e) => toTextEdit(doc.lines, e)) : [];
    }, []),
  );

  connection.onRequest(Requests.documentInfo, (p: DocumentInfoParams): DocumentInfoResult => {
    const doc = parsed(p?.uri) ?? (typeof p?.uri === 'string' ? project.get(uriToPath(p.uri)) : undefined);
    return { fileKind: doc?.kind ?? 'unknown', subKind: doc?.subKind };
  });

  const importJobs = registerImportRequests(connection, project, startJobProgress);
  registerExplorerRequests(connection, project, (uri) => parsed(uri) ?? project.get(uriToPath(uri)));
  const exportJobs = exportCommands(project, (title) => startJobProgress(title));
  const brazeJobs = brazeCommands(project, (title) => startJobProgress(title), () => revalidateOthers());
  registerAepFeatures(connection, project, (uri) => parsed(uri) ?? project.get(uriToPath(uri)));
  const aepJobs = aepCommands(project, (title) => startJobProgress(title), (paths) => {
    for (const path of paths) project.fileChanged(path);
    revalidateOthers();
  });

  // PGP keys are inspected in the background (openpgp, loaded on first use); pipelines naming the key are then
  // validated again, so the key's findings appear a moment after the others.
  let inspector: Promise<void> | undefined;
  project.keyInspector = (path, text) => {
    // Loaded once; attachKeyInspector then replaces this hook with the real one, which is asked again here.
    inspector ??= import('../node/pgp/inspector').then(({ attachKeyInspector }) => {
      attachKeyInspector(project, (keyPath) => {
        for (const r of project.referrers(keyPath)) {
          const td = documents.all().find((d) => uriToPath(d.uri) === r.pipeline.path);
          if (td) schedule(td.uri, 0);
        }
      });
    });
    void inspector.then(() => project.keyInspector?.(path, text));
  };

  // Every command is logged with its outcome and duration (never its arguments, which may carry secrets).
  connection.onExecuteCommand(async (p, token) => {
    const t0 = Date.now();
    log.info(`${p.command}: started`);
    try {
      const result = await executeCommand(p, token);
      log.info(`${p.command}: done in ${elapsed(t0)}`);
      return result;
    } catch (e) {
      const cancelled = e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled;
      (cancelled ? log.info : log.warn)(`${p.command}: ${cancelled ? 'cancelled' : 'failed'} after ${elapsed(t0)}: ${(e as Error)?.message ?? e}`);
      throw e;
    }
  });

  async function executeCommand(p: { command: string; arguments?: unknown[] }, token: CancellationToken): Promise<unknown> {
    switch (p.command) {
      case Commands.lintWorkspace:
        return lintWorkspace(token);
      case Commands.encodeSourceParams: {
        const rp = p.arguments?.[0];
        if (typeof rp !== 'string' || !rp) throw new ResponseError(ErrorCodes.InvalidParams, 'encodeSourceParams takes one argument: a Stripe resource path such as "charges".');
        return encodeSourceParams(rp);
      }
      case Commands.decodeSourceParams: {
        const v = p.arguments?.[0];
        if (typeof v !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'decodeSourceParams takes one argument: the base64 value.');
        return decodeSourceParams(v);
      }
      case Commands.generateIamPolicies:
        return generateIam(p.arguments?.[0]);
      case Commands.checkIamRole:
        return checkIamRole(p.arguments?.[0], p.arguments?.[1], token);
      case Commands.importNow:
        return importJobs.importNow(p.arguments?.[0], p.arguments?.[1], token);
      case Commands.exportNow:
        return exportJobs.exportNow(p.arguments?.[0], p.arguments?.[1], token);
      case Commands.pennySend:
        return exportJobs.pennySend(p.arguments?.[0], p.arguments?.[1]);
      case Commands.pennyVerify:
        return exportJobs.pennyVerify(p.arguments?.[0], p.arguments?.[1]);
      case Commands.generatePgpKey:
        return exportJobs.generatePgpKey(p.arguments?.[0]);
      case Commands.brazeTest:
        return brazeJobs.brazeTest(p.arguments?.[0], p.arguments?.[1], token);
      case Commands.brazeDeliveries:
        return brazeJobs.brazeDeliveries(p.arguments?.[0], p.arguments?.[1], token);
      case Commands.aepPreview:
        return aepJobs.aepPreview(p.arguments?.[0], p.arguments?.[1]);
      case Commands.aepDeploy:
        return aepJobs.aepDeploy(p.arguments?.[0], p.arguments?.[1], token);
      case Commands.aepDelete:
        return aepJobs.aepDeploy(p.arguments?.[0], p.arguments?.[1], token, true);
      case Commands.aepRuns:
        return aepJobs.aepRuns(p.arguments?.[0], p.arguments?.[1], token);
      case Commands.aepExplore:
        return aepJobs.aepExplore(p.arguments?.[0], p.arguments?.[1], p.arguments?.[2]);
      default:
        throw new ResponseError(ErrorCodes.MethodNotFound, `Unknown command ${p.command}`);
    }
  }

  /** Read the pipeline's live role (standard AWS credential chain) and judge it, with progress the user can cancel. */
  async function checkIamRole(uri: unknown, options: unknown, token: CancellationToken): Promise<RoleCheckReport> {
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'checkIamRole takes the URI of a pipeline file.');
    const doc = parsed(uri) ?? project.get(uriToPath(uri));
    if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `${uri} cannot be read.`);
    const o = (options ?? {}) as RoleCheckOptions;
    const progress = await startProgress(l10n.t('Pipewright: checking the IAM role'));
    const abort = new AbortController();
    const stop = token.onCancellationRequested(() => abort.abort());
    const timer = setInterval(() => progress.cancelled && abort.abort(), 100);
    try {
      const { checkRole } = await import('../node/aws/role-check');
      return await checkRole(doc, { endpoint: o.endpoint || undefined, profile: o.profile || undefined, signal: abort.signal });
    } catch (e) {
      if (abort.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The IAM role check was cancelled.');
      throw new ResponseError(ErrorCodes.InternalError, (e as Error).message);
    } finally {
      clearInterval(timer);
      stop.dispose();
      progress.done();
    }
  }

  /** Generate a pipeline's policies and write them through the client, so the editor can undo them. */
  async function generateIam(uri: unknown): Promise<GeneratedPolicies> {
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'generateIamPolicies takes one argument: the URI of a pipeline file.');
    const doc = parsed(uri) ?? project.get(uriToPath(uri));
    if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `${uri} cannot be read.`);
    const out = generatedFiles(doc, project);
    if ('error' in out) throw new ResponseError(ErrorCodes.InvalidParams, `${uriToPath(uri)}: ${out.error}`);
    const files = out.files.map((f) => ({ uri: pathToUri(f.path), kind: f.kind, text: f.text }));
    let applied = false;
    if (createFilesSupported) {
      const result = await connection.workspace.applyEdit({
        label: 'Generate IAM policies',
        edit: {
          documentChanges: files.flatMap((f) => [
            { kind: 'create' as const, uri: f.uri, options: { overwrite: true } },
            { textDocument: { uri: f.uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: f.text }] },
          ]),
        },
      });
      applied = result.applied;
    }
    return { files, applied, note: out.note };
  }

  /** Lint every Pipewright file in the workspace, with work-done progress the user can cancel. */
  async function lintWorkspace(token: CancellationToken): Promise<LintSummary> {
    sendStatus('busy');
    const progress = await startProgress(l10n.t('Pipewright: linting the workspace'));
    try {
      for (const root of roots) for (const path of findConfigFiles(root)) project.addKnown(path);
      // Files changed on disk since they were read are read again; open buffers win over the disk.
      for (const path of project.knownPaths()) if (!project.isOpen(path)) project.fileChanged(path);
      const paths = project.knownPaths().filter((p) => project.isOpen(p) || project.exists(p));
      const cancel = { get isCancellationRequested() { return token.isCancellationRequested || progress.cancelled; } };
      const { files } = await lintFiles(project, paths, { suppress: settings.suppress, token: cancel, progress: progress.report });
      // Open buffers are matched by path: a client may spell the same file's URI differently (%40, c%3A).
      const openByPath = new Map(documents.all().map((td) => [uriToPath(td.uri), td]));
      const summary: LintSummary = { files: 0, errors: 0, warnings: 0, infos: 0 };
      const linted = new Set<string>();
      for (const f of files) {
        linted.add(f.path);
        const td = openByPath.get(f.path);
        const uri = td?.uri ?? pathToUri(f.path);
        if (td) results.set(td.uri, { version: td.version, doc: f.doc, findings: f.findings });
        void connection.sendDiagnostics({ uri, version: td?.version, diagnostics: f.findings.map((x) => toDiagnostic(f.doc.lines, x)) });
        summary.files++;
        for (const x of f.findings) {
          if (x.severity === 'error') summary.errors++;
          else if (x.severity === 'warning') summary.warnings++;
          else summary.infos++;
        }
      }
      // Deleted since it was indexed: clear what was published for it.
      for (const path of [...published]) if (!linted.has(path) && !project.exists(path)) void connection.sendDiagnostics({ uri: pathToUri(path), diagnostics: [] });
      published.clear();
      for (const path of linted) published.add(path);
      return summary;
    } catch (e) {
      if (e instanceof CancelledError) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'Linting the workspace was cancelled.');
      throw e;
    } finally {
      progress.done();
      sendStatus('ready');
    }
  }

  /**
   * Work-done progress created by the server (the client shows it, with a Cancel button), throttled to
   * a report every 100 ms. Without client support it is a no-op.
   */
  async function startProgress(title: string): Promise<{ report: ProgressCallback; cancelled: boolean; done(): void }> {
    const state = { cancelled: false, report: (() => undefined) as ProgressCallback, done: () => undefined as void };
    if (!workDoneSupported) return state;
    let reporter: WorkDoneProgressServerReporter;
    try {
      reporter = await connection.window.createWorkDoneProgress();
    } catch {
      return state;
    }
    reporter.begin(title, 0, undefined, true);
    reporter.token.onCancellationRequested(() => (state.cancelled = true));
    let last = 0;
    state.report = (done, total, current) => {
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      reporter.report(total ? Math.round((100 * done) / total) : 100, current ? `${done}/${total} ${current.slice(current.lastIndexOf('/') + 1)}` : `${done}/${total}`);
    };
    state.done = () => reporter.done();
    return state;
  }

  /** Progress for the import jobs: the client's own reporter when the request brought a token, else one the server creates. */
  async function startJobProgress(title: string, workDone?: WorkDoneProgressReporter): Promise<JobProgress> {
    const state = { cancelled: false, report: (_p: number | undefined, _m: string) => undefined as void, done: () => undefined as void };
    let reporter: WorkDoneProgressReporter | undefined = workDone;
    if (!reporter && workDoneSupported) {
      try {
        const r = await connection.window.createWorkDoneProgress();
        r.token.onCancellationRequested(() => (state.cancelled = true));
        reporter = r;
      } catch {
        reporter = undefined;
      }
    }
    if (!reporter) return state;
    const rep = reporter;
    rep.begin(title, 0, undefined, true);
    state.report = (percent, message) => (percent === undefined ? rep.report(message) : rep.report(percent, message));
    state.done = () => rep.done();
    return state;
  }

  documents.listen(connection);
  connection.listen();
}
