/**
 * The Pipewright VS Code extension: a thin client in the style of Microsoft's lsp-sample and
 * vscode-eslint. It starts the language server (dist/server.js) over IPC, hands it every
 * `pipewright` document, and adds a little UI around the server's commands. All validation,
 * completion, hover, code actions, symbols, links and formatting live in the server; this file
 * must never parse a config file nor decide what is valid.
 *
 * Command, request and notification ids come from the shared protocol module; the only ids
 * declared here are client-only commands (see {@link ClientCommands}).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  ProgressType,
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  Commands, LANGUAGE_ID, Notifications, Requests,
  type CommandId, type ContentPreview, type GeneratedPolicies, type ImportReport, type ImportRunOptions, type LintSummary, type PreviewBucketParams, type PreviewBucketResult,
  type PreviewEntry, type PreviewObjectParams, type RoleCheckOptions, type RoleCheckReport, type S3ConnectOptions, type StatusParams,
  type ExportReport, type ExportRunOptions, type PennySent, type PennyVerified, type PennyVerifyOptions,
} from '../../server/src/protocol';

/**
 * Commands that exist only in the client. The server's own commands ({@link Commands}) are
 * registered automatically by vscode-languageclient from the server's `executeCommandProvider`;
 * registering them here as well would fail with "command already exists". The `ui.` wrappers
 * collect input and present results, then forward to the server with `workspace/executeCommand`.
 */
const ClientCommands = {
  restartServer: 'pipewright.restartServer',
  showOutput: 'pipewright.showOutput',
  /** UI for {@link Commands.lintWorkspace}: progress, a summary message, then the Problems view. */
  lintWorkspace: 'pipewright.ui.lintWorkspace',
  /** UI for {@link Commands.encodeSourceParams}: pick a resource path, copy the result. */
  encodeSourceParams: 'pipewright.ui.encodeSourceParams',
  /** UI for {@link Commands.generateIamPolicies}: the pipeline in the editor (or the one clicked), then open what was written. */
  generateIamPolicies: 'pipewright.ui.generateIamPolicies',
  /** UI for {@link Commands.checkIamRole}: the pipeline in the editor, the AWS profile from the settings; the report in the output channel. */
  checkIamRole: 'pipewright.ui.checkIamRole',
  /** UI for {@link Requests.previewBucket}: a document that fills page by page as the bucket is listed. */
  previewBucket: 'pipewright.ui.previewBucket',
  /** UI for {@link Requests.previewObject}: asks for a key, shows its first rows and the template's mapping. */
  previewObject: 'pipewright.ui.previewObject',
  /** UI for {@link Commands.importNow}: runs the import with the server's cancellable progress; the report in the output channel. */
  importNow: 'pipewright.ui.importNow',
  /** UI for {@link Commands.exportNow}: runs one export with the server's cancellable progress. */
  exportNow: 'pipewright.ui.exportNow',
  /** UI for {@link Commands.pennySend}: writes the penny-test file and shows its code. */
  pennySend: 'pipewright.ui.pennySend',
  /** UI for {@link Commands.pennyVerify}: the private key from VS Code's secret storage (asked once), the code shown, the file saved on request. */
  pennyVerify: 'pipewright.ui.pennyVerify',
} as const;

/** Context key that shows the Pipewright commands in the Command Palette (package.json `menus`). */
const ACTIVE_CONTEXT_KEY = 'pipewright.active';

/** The files the server serves; must match `contributes.languages[0].filenamePatterns` in package.json. */
const FILE_WATCH_GLOB = '**/*.{pipeline,policy,trust,template,aep}.{json,jsonc}';

/** Resource paths offered by the Stripe source in Adobe Experience Platform, for the quick pick. */
const STRIPE_RESOURCE_PATHS: readonly { path: string; description: string }[] = [
  { path: 'charges', description: 'Payments made to the account' },
  { path: 'subscriptions', description: 'Recurring billing for customers' },
  { path: 'refunds', description: 'Refunds of previously created charges' },
  { path: 'balance_transactions', description: 'Every movement of funds in the balance' },
  { path: 'customers', description: 'Customers' },
  { path: 'prices', description: 'Unit cost, currency and billing cycle of products' },
];

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Pipewright', { log: true });
  context.subscriptions.push(output);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };

  const watcher = vscode.workspace.createFileSystemWatcher(FILE_WATCH_GLOB);
  context.subscriptions.push(watcher);

  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    synchronize: {
      configurationSection: 'pipewright',
      fileEvents: watcher,
    },
    outputChannel: output,
    diagnosticCollectionName: 'pipewright',
    // The settings the server needs before its first diagnostics; later changes arrive through `synchronize`.
    initializationOptions: {
      validationDelay: vscode.workspace.getConfiguration('pipewright').get<number>('validation.delay', 150),
      suppress: vscode.workspace.getConfiguration('pipewright').get<string[]>('suppress', []),
    },
  };

  // The id 'pipewright' makes the client read `pipewright.trace.server`.
  const languageClient = new LanguageClient('pipewright', 'Pipewright', serverOptions, clientOptions);
  client = languageClient;

  const status = new StatusBar(languageClient);
  context.subscriptions.push(status);

  context.subscriptions.push(
    vscode.commands.registerCommand(ClientCommands.showOutput, () => output.show()),
    vscode.commands.registerCommand(ClientCommands.restartServer, guarded(output, () => restartServer(languageClient, status))),
    vscode.commands.registerCommand(ClientCommands.lintWorkspace, guarded(output, () => lintWorkspace(languageClient))),
    vscode.commands.registerCommand(ClientCommands.encodeSourceParams, guarded(output, () => encodeSourceParams(languageClient))),
    vscode.commands.registerCommand(ClientCommands.generateIamPolicies, guarded(output, (uri?: vscode.Uri) => generateIamPolicies(languageClient, uri))),
    vscode.commands.registerCommand(ClientCommands.checkIamRole, guarded(output, (uri?: vscode.Uri) => checkIamRole(languageClient, output, uri))),
    vscode.commands.registerCommand(ClientCommands.previewBucket, guarded(output, (uri?: vscode.Uri) => previewBucket(languageClient, uri))),
    vscode.commands.registerCommand(ClientCommands.previewObject, guarded(output, (uri?: vscode.Uri) => previewObject(languageClient, uri))),
    vscode.commands.registerCommand(ClientCommands.importNow, guarded(output, (uri?: vscode.Uri) => importNow(languageClient, output, uri))),
    vscode.commands.registerCommand(ClientCommands.exportNow, guarded(output, (uri?: vscode.Uri) => exportNow(languageClient, output, uri))),
    vscode.commands.registerCommand(ClientCommands.pennySend, guarded(output, (uri?: vscode.Uri) => pennySend(languageClient, uri))),
    vscode.commands.registerCommand(ClientCommands.pennyVerify, guarded(output, (uri?: vscode.Uri) => pennyVerify(languageClient, context.secrets, uri))),
  );
  void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT_KEY, true);

  // Not awaited: activation must not fail (and leave the commands unregistered) when the server
  // cannot start; the client reports that in the output channel and the status bar shows it.
  languageClient.start().catch((error: unknown) => {
    output.error(`The Pipewright language server failed to start: ${messageOf(error)}`);
    status.render();
  });
}

export async function deactivate(): Promise<void> {
  void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT_KEY, false);
  const c = client;
  client = undefined;
  if (c !== undefined && c.state === State.Running) {
    await c.stop();
  }
}

/** The server state in the status bar, fed by {@link Notifications.status} and the client's own state. */
class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last status the server sent since it (re)started; undefined until the first one arrives. */
  private serverStatus: StatusParams | undefined;

  constructor(private readonly languageClient: LanguageClient) {
    this.item = vscode.window.createStatusBarItem('pipewright.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Pipewright';
    this.item.command = ClientCommands.showOutput;
    // Registered before start() so the server's first status is not missed; the client
    // re-installs the handler on every restart.
    this.disposables.push(
      languageClient.onNotification(Notifications.status, (params: StatusParams) => {
        this.serverStatus = params;
        this.render();
      }),
      languageClient.onDidChangeState((e) => {
        if (e.newState === State.Starting) this.serverStatus = undefined;
        this.render();
      }),
    );
    this.render();
    this.item.show();
  }

  reset(): void {
    this.serverStatus = undefined;
    this.render();
  }

  render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    const state = this.languageClient.state;
    if (state === State.Stopped) {
      item.text = '$(error) Pipewright';
      item.tooltip = 'The Pipewright language server is not running. Click to show the output, or run "Pipewright: Restart Language Server".';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      return;
    }
    const s = this.serverStatus;
    if (state === State.Starting || s?.state === 'starting') {
      item.text = '$(sync~spin) Pipewright';
      item.tooltip = 'The Pipewright language server is starting…';
      return;
    }
    if (s?.state === 'busy') {
      item.text = '$(sync~spin) Pipewright';
      item.tooltip = `Pipewright is checking files (${documents(s.documents)} indexed)…`;
      return;
    }
    item.text = '$(check) Pipewright';
    item.tooltip = s === undefined
      ? 'Pipewright is ready. Click to show the output.'
      : `Pipewright is ready: ${documents(s.documents)} indexed. Click to show the output.`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}

async function restartServer(languageClient: LanguageClient, status: StatusBar): Promise<void> {
  status.reset();
  switch (languageClient.state) {
    case State.Running:
      await languageClient.restart();
      break;
    case State.Stopped:
      await languageClient.start();
      break;
    case State.Starting:
      // stop() throws while starting; the start under way is the restart the user asked for.
      await whenRunning(languageClient);
      break;
  }
}

async function lintWorkspace(languageClient: LanguageClient): Promise<void> {
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Pipewright: linting the workspace' },
    () => executeServerCommand(languageClient, Commands.lintWorkspace),
  );
  if (!isLintSummary(summary)) {
    throw new Error('The language server returned no lint summary.');
  }
  const { files, errors, warnings, infos } = summary;
  void vscode.window.showInformationMessage(
    `Pipewright checked ${count(files, 'file')}: ${count(errors, 'error')}, ${count(warnings, 'warning')}, ${count(infos, 'info')}.`,
  );
  await vscode.commands.executeCommand('workbench.actions.view.problems');
}

async function encodeSourceParams(languageClient: LanguageClient): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    STRIPE_RESOURCE_PATHS.map((r) => ({ label: r.path, description: r.description })),
    { title: 'Encode sourceParams', placeHolder: 'Stripe resource path to encode as {"resourcePath": …}' },
  );
  if (picked === undefined) return;
  const encoded = await executeServerCommand(languageClient, Commands.encodeSourceParams, [picked.label]);
  if (typeof encoded !== 'string') {
    throw new Error('The language server returned no sourceParams string.');
  }
  await vscode.env.clipboard.writeText(encoded);
  void vscode.window.showInformationMessage(`sourceParams for "${picked.label}" copied to the clipboard: ${encoded}`);
}

/** Runs one of the server's commands through `workspace/executeCommand`, once the server runs. */
async function generateIamPolicies(languageClient: LanguageClient, clicked?: vscode.Uri): Promise<void> {
  const uri = clicked ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || !/\.pipeline\.jsonc?$/i.test(uri.path)) {
    void vscode.window.showWarningMessage('Open a pipeline file (*.pipeline.json) to generate its IAM policies.');
    return;
  }
  const result = (await executeServerCommand(languageClient, Commands.generateIamPolicies, [uri.toString()])) as GeneratedPolicies;
  if (!result.applied) {
    // The server could not create the files itself: show them as new documents to save.
    for (const f of result.files) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: f.text }), { preview: false });
  } else if (result.files[0]) {
    await vscode.window.showTextDocument(vscode.Uri.parse(result.files[0].uri), { preview: false });
  }
  const written = result.files.map((f) => vscode.workspace.asRelativePath(vscode.Uri.parse(f.uri))).join(', ');
  void vscode.window.showInformationMessage(`Pipewright generated ${written}.${result.note ? ` ${result.note}` : ''}`);
}

async function checkIamRole(languageClient: LanguageClient, output: vscode.LogOutputChannel, clicked?: vscode.Uri): Promise<void> {
  const uri = clicked ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || !/\.pipeline\.jsonc?$/i.test(uri.path)) {
    void vscode.window.showWarningMessage('Open a pipeline file (*.pipeline.json) to check its IAM role.');
    return;
  }
  const settings = vscode.workspace.getConfiguration('pipewright');
  const options: RoleCheckOptions = { profile: settings.get<string>('aws.profile') || undefined };
  const report = (await executeServerCommand(languageClient, Commands.checkIamRole, [uri.toString(), options])) as RoleCheckReport;
  output.info(`IAM role check of ${report.roleArn}: ${report.attached} attached and ${report.inline} inline policies, ${report.checked} requests checked.`);
  for (const g of report.gaps) output.warn(`refused: ${g.action} on ${g.resource} — ${g.explanation} ${g.breaks}.`);
  for (const t of report.trust) output.warn(`trust: ${t}`);
  const problems = report.gaps.length + report.trust.length;
  if (problems) {
    const choice = await vscode.window.showWarningMessage(`${report.roleArn}: ${problems} request${problems === 1 ? '' : 's'} the integration would be refused.`, 'Show Details');
    if (choice) output.show();
  } else {
    void vscode.window.showInformationMessage(`${report.roleArn} allows every request the integration makes.`);
  }
}

/** The pipeline the user means: the one clicked, else the one in the editor; undefined (with a message) if neither is one. */
function pipelineUri(clicked: vscode.Uri | undefined, what: string): vscode.Uri | undefined {
  const uri = clicked ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || !/\.pipeline\.jsonc?$/i.test(uri.path)) {
    void vscode.window.showWarningMessage(`Open a stripe-import pipeline file (*.pipeline.json) to ${what}.`);
    return undefined;
  }
  return uri;
}

/** Endpoint, profile and region from the settings, for the server's S3 jobs. */
function s3Settings(): S3ConnectOptions {
  const c = vscode.workspace.getConfiguration('pipewright');
  return { endpoint: c.get<string>('s3.endpoint') || undefined, profile: c.get<string>('aws.profile') || undefined, region: c.get<string>('aws.region') || undefined };
}

async function previewBucket(languageClient: LanguageClient, clicked?: vscode.Uri): Promise<void> {
  const uri = pipelineUri(clicked, 'preview its bucket');
  if (!uri) return;
  await whenRunning(languageClient);
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `Pipewright preview of ${vscode.workspace.asRelativePath(uri)} — listing…\n\n` });
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  // Pages are appended in order, one edit at a time.
  let queue = Promise.resolve();
  const append = (text: string) => {
    queue = queue.then(async () => {
      await editor.edit((b) => b.insert(doc.lineAt(doc.lineCount - 1).range.end, text));
    });
    return queue;
  };
  const token = `pipewright-preview-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const sub = languageClient.onProgress(new ProgressType<PreviewBucketResult>(), token, (page) => void append(page.entries.map(previewLine).join('')));
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Pipewright: listing the bucket', cancellable: true }, (_p, cancel) =>
      languageClient.sendRequest(Requests.previewBucket, { uri: uri.toString(), ...s3Settings(), partialResultToken: token } satisfies PreviewBucketParams, cancel) as Promise<PreviewBucketResult>,
    );
    const t = result.totals;
    const lines = [`\n${t.listed} objects listed; will import ${t.toImport.objects}.`];
    for (const [k, v] of Object.entries(t.byVerdict)) if (v && k !== 'import' && k !== 'changed') lines.push(`  ${k}: ${v.objects}`);
    if (t.warning) lines.push(`Warning: ${t.warning}`);
    await append(`${result.entries.map(previewLine).join('')}${lines.join('\n')}\n`);
  } finally {
    sub.dispose();
  }
}

function previewLine(e: PreviewEntry): string {
  return `${(e.verdict.imports ? '✓ ' : '· ') + e.verdict.kind.padEnd(18)} ${String(e.size).padStart(12)}  ${e.lastModified.slice(0, 19)}  ${e.key} — ${e.verdict.reason}\n`;
}

async function previewObject(languageClient: LanguageClient, clicked?: vscode.Uri): Promise<void> {
  const uri = pipelineUri(clicked, 'preview an object of its bucket');
  if (!uri) return;
  const key = await vscode.window.showInputBox({ title: 'Preview an object', prompt: 'S3 key of the object (as the bucket preview lists it)', ignoreFocusOut: true });
  if (!key) return;
  await whenRunning(languageClient);
  const c = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pipewright: reading ${key}`, cancellable: true }, (_p, cancel) =>
    languageClient.sendRequest(Requests.previewObject, { uri: uri.toString(), key, ...s3Settings() } satisfies PreviewObjectParams, cancel),
  )) as ContentPreview;
  const lines = [`${c.key} (${c.format.toUpperCase()})`, '', `| line | ${c.columns.map((x) => `${x.name} (${x.type})`).join(' | ')} |`, `| ---: | ${c.columns.map(() => '---').join(' | ')} |`];
  for (const r of c.rows) lines.push(`| ${r.line} | ${r.cells.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`);
  if (c.mapping) {
    lines.push('', '| column | field | type | in the file | failing values |', '| --- | --- | --- | --- | ---: |');
    for (const m of c.mapping) lines.push(`| ${m.column} | ${m.field} | ${m.type} | ${m.found ? 'yes' : '**no**'} | ${m.failures} |`);
  }
  if (c.problems.length) lines.push('', ...c.problems.map((x) => `- line ${x.line}${x.column ? ` \`${x.column}\`` : ''}: ${x.message}`));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: `${lines.join('\n')}\n` }), { preview: false });
}

async function importNow(languageClient: LanguageClient, output: vscode.LogOutputChannel, clicked?: vscode.Uri): Promise<void> {
  const uri = pipelineUri(clicked, 'run its import');
  if (!uri) return;
  const options: ImportRunOptions = s3Settings();
  const r = (await executeServerCommand(languageClient, Commands.importNow, [uri.toString(), options])) as ImportReport;
  output.info(`Import of ${vscode.workspace.asRelativePath(uri)}: ${r.listed} objects listed, ${r.objects.length} read, ${r.records} records, ${r.problems} problems${r.cancelled ? ' (stopped: run it again to resume)' : ''}.`);
  for (const o of r.objects) if (o.status !== 'imported') output.warn(`${o.status}: ${o.key} — ${o.reason ?? ''}`);
  for (const p of r.problemSamples) output.warn(`${p.object}:${p.line}${p.column ? ` ${p.column}` : ''}: ${p.message}`);
  const text = `Pipewright imported ${r.records} records from ${r.objects.length} file${r.objects.length === 1 ? '' : 's'}${r.problems ? ` with ${r.problems} problem${r.problems === 1 ? '' : 's'}` : ''}${r.cancelled ? ' before it was stopped (run it again to resume)' : ''}.`;
  const choice = await (r.problems || r.cancelled ? vscode.window.showWarningMessage(text, 'Show Details') : vscode.window.showInformationMessage(text, 'Show Details'));
  if (choice) output.show();
}

async function exportNow(languageClient: LanguageClient, output: vscode.LogOutputChannel, clicked?: vscode.Uri): Promise<void> {
  const uri = pipelineUri(clicked, 'run its export');
  if (!uri) return;
  const r = (await executeServerCommand(languageClient, Commands.exportNow, [uri.toString(), s3Settings() satisfies ExportRunOptions])) as ExportReport;
  for (const t of r.tables) output.info(`${t.table}: ${t.rows} rows in ${t.files.length} file(s)`);
  if (r.success) void vscode.window.showInformationMessage(`Pipewright exported ${r.tables.length} tables to ${r.runDir} (${r.success} written last).`);
  else void vscode.window.showWarningMessage(`The export of ${r.runDir} was stopped: no _SUCCESS was written and its uploads were aborted.`);
}

async function pennySend(languageClient: LanguageClient, clicked?: vscode.Uri): Promise<void> {
  const uri = pipelineUri(clicked, 'send its penny test');
  if (!uri) return;
  const r = (await executeServerCommand(languageClient, Commands.pennySend, [uri.toString(), s3Settings()])) as PennySent;
  void vscode.window.showInformationMessage(`Penny test written to ${r.key}${r.encrypted ? ' (encrypted)' : ''}. Validation code: ${r.code}`);
}

/** The private key of a PGP pipeline's account: from VS Code's secret storage, else a file the user picks (kept there if they agree). */
async function privateKeyFor(secrets: vscode.SecretStorage, pipeline: vscode.Uri): Promise<string | undefined> {
  const slot = `pipewright.pgp.privateKey:${pipeline.toString()}`;
  const stored = await secrets.get(slot);
  if (stored) return stored;
  const picked = await vscode.window.showOpenDialog({ title: 'Private key to decrypt the penny-test file', canSelectMany: false, filters: { 'Armored PGP key': ['asc', 'key', 'gpg', 'txt'] } });
  if (!picked?.[0]) return undefined;
  const armored = Buffer.from(await vscode.workspace.fs.readFile(picked[0])).toString('utf8');
  if (!armored.includes('PRIVATE KEY BLOCK')) throw new Error(`${picked[0].fsPath} is not an armored PGP private key.`);
  if ((await vscode.window.showInformationMessage('Keep this private key in VS Code\'s secret storage for this pipeline?', 'Keep', 'Not now')) === 'Keep') await secrets.store(slot, armored);
  return armored;
}

async function pennyVerify(languageClient: LanguageClient, secrets: vscode.SecretStorage, clicked?: vscode.Uri): Promise<void> {
  const uri = pipelineUri(clicked, 'verify its penny test');
  if (!uri) return;
  let r: PennyVerified;
  try {
    r = (await executeServerCommand(languageClient, Commands.pennyVerify, [uri.toString(), s3Settings() satisfies PennyVerifyOptions])) as PennyVerified;
  } catch (e) {
    if (!/is encrypted: give the private key/.test(messageOf(e))) throw e;
    const privateKey = await privateKeyFor(secrets, uri);
    if (!privateKey) return;
    r = (await executeServerCommand(languageClient, Commands.pennyVerify, [uri.toString(), { ...s3Settings(), privateKey } satisfies PennyVerifyOptions])) as PennyVerified;
  }
  const choice = await vscode.window.showInformationMessage(`Penny test for ${r.account} found (${r.key}). Validation code: ${r.code}`, 'Save File…');
  if (choice) {
    const to = await vscode.window.showSaveDialog({ saveLabel: 'Save for upload to Stripe', defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? uri, `account_${r.account}.validation.csv`) });
    if (to) await vscode.workspace.fs.writeFile(to, Buffer.from(r.text));
  }
}

async function executeServerCommand(languageClient: LanguageClient, command: CommandId, args: unknown[] = []): Promise<unknown> {
  await whenRunning(languageClient);
  return languageClient.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
}

/** Resolves when the server runs, waiting out a start under way; rejects when it is stopped. */
function whenRunning(languageClient: LanguageClient): Promise<void> {
  const notRunning = () => new Error('The Pipewright language server is not running. Run "Pipewright: Restart Language Server" to start it.');
  const state = languageClient.state;
  if (state === State.Running) return Promise.resolve();
  if (state !== State.Starting) return Promise.reject(notRunning());
  return new Promise((resolve, reject) => {
    const subscription = languageClient.onDidChangeState((e) => {
      if (e.newState === State.Starting) return;
      subscription.dispose();
      if (e.newState === State.Running) resolve();
      else reject(notRunning());
    });
  });
}

/** Wraps a command so a failure is logged and shown once, with a way to the output. */
function guarded(output: vscode.LogOutputChannel, run: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await run();
    } catch (error) {
      const message = messageOf(error);
      output.error(message);
      const choice = await vscode.window.showErrorMessage(`Pipewright: ${message}`, 'Show Output');
      if (choice === 'Show Output') output.show();
    }
  };
}

function isLintSummary(value: unknown): value is LintSummary {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['files', 'errors', 'warnings', 'infos'].every((k) => typeof v[k] === 'number');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function documents(n: number): string {
  return count(n, 'document');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
