/**
 * The Pipewright VS Code extension: a thin client in the style of Microsoft's lsp-sample and vscode-eslint. It
 * starts the language server (dist/server.js) over IPC, hands it every `pipewright` document, registers the
 * commands of one table (commands.ts), shows the Pipelines view, the status bar and the server's progress, and
 * keeps secrets (secrets.ts). All validation, completion, hover, code actions, jobs and S3 access live in the
 * server; this client never parses a config file nor decides what is valid.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { LANGUAGE_ID } from '../../server/src/protocol';
import { ClientCommands, HANDLERS } from './commands';
import { messageOf, whenRunning, type CommandContext } from './context';
import { RunHistory } from './history';
import { SecretStore } from './secrets';
import { showServerProgressAsNotifications } from './progress';
import { StatusBar } from './status';
import { redactingTraceChannel } from './trace';
import { registerPipelinesView, type PipelinesProvider } from './views/pipelines';

/** Context key that shows the Pipewright commands in the Command Palette (package.json `menus`). */
const ACTIVE_CONTEXT_KEY = 'pipewright.active';

/** The files the server serves; must match `contributes.languages[0].filenamePatterns` in package.json. */
const FILE_WATCH_GLOB = '**/*.{pipeline,policy,trust,template,aep}.{json,jsonc}';
/** Files an aep-stripe-flow pipeline reads besides its bodies: deployment state, XDM schema copy, explore answers. */
const AEP_WATCH_GLOB = '**/*.{deployment,xdm,explore}.json';

let client: LanguageClient | undefined;

/** What activate returns: the running client, for the extension's own tests. */
export interface PipewrightApi {
  client: LanguageClient;
  pipelines: PipelinesProvider;
}

export function activate(context: vscode.ExtensionContext): PipewrightApi {
  const output = vscode.window.createOutputChannel('Pipewright', { log: true });
  context.subscriptions.push(output);
  const secrets = new SecretStore(context.secrets, context.globalState);
  const history = new RunHistory(context.workspaceState);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };

  const watcher = vscode.workspace.createFileSystemWatcher(FILE_WATCH_GLOB);
  const aepWatcher = vscode.workspace.createFileSystemWatcher(AEP_WATCH_GLOB);
  context.subscriptions.push(watcher, aepWatcher);

  const settings = vscode.workspace.getConfiguration('pipewright');
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    synchronize: { configurationSection: 'pipewright', fileEvents: [watcher, aepWatcher] },
    outputChannel: output,
    // The message trace goes to the same channel with every secret masked.
    traceOutputChannel: redactingTraceChannel(output, () => secrets.handedOut),
    diagnosticCollectionName: 'pipewright',
    // The settings the server needs before its first diagnostics; later changes arrive through `synchronize`.
    initializationOptions: {
      validationDelay: settings.get<number>('validation.delay', 150),
      suppress: settings.get<string[]>('suppress', []),
      logLevel: settings.get<string>('logLevel', 'info'),
    },
  };

  // The id 'pipewright' makes the client read `pipewright.trace.server`.
  const languageClient = new LanguageClient('pipewright', 'Pipewright', serverOptions, clientOptions);
  client = languageClient;

  const status = new StatusBar(languageClient, history, ClientCommands.showOutput);
  context.subscriptions.push(status, showServerProgressAsNotifications(languageClient));
  const ctx: CommandContext = { client: languageClient, output, secrets, history, extension: context };

  context.subscriptions.push(
    vscode.commands.registerCommand(ClientCommands.showOutput, () => output.show()),
    vscode.commands.registerCommand(ClientCommands.restartServer, guarded(output, () => restartServer(languageClient, status))),
  );
  for (const [id, handler] of Object.entries(HANDLERS)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(output, (...args: never[]) => handler!(ctx, ...args))));
  }
  const pipelines = registerPipelinesView(ctx);
  void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT_KEY, true);

  // Not awaited: activation must not fail (and leave the commands unregistered) when the server cannot start; the
  // client reports that in the output channel and the status bar shows it.
  languageClient.start().catch((error: unknown) => {
    output.error(vscode.l10n.t('The Pipewright language server failed to start: {0}', messageOf(error)));
    status.render();
  });
  return { client: languageClient, pipelines };
}

export async function deactivate(): Promise<void> {
  void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT_KEY, false);
  const c = client;
  client = undefined;
  if (c !== undefined && c.state === State.Running) {
    await c.stop();
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

/**
 * Wraps a command so a failure is logged and shown once, with a way to the output. The result is returned so that
 * tests, tasks and other extensions can run a command and read what it did; a failure returns undefined.
 */
function guarded<A extends unknown[], R>(output: vscode.LogOutputChannel, run: (...args: A) => Promise<R>): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await run(...args);
    } catch (error) {
      const message = messageOf(error);
      output.error(message);
      const show = vscode.l10n.t('Show Output');
      void vscode.window.showErrorMessage(`Pipewright: ${message}`, show).then((choice) => choice === show && output.show());
      return undefined;
    }
  };
}
