/**
 * What every command handler gets (one object, built once in activate) and the few helpers they share: run a
 * server command once the server runs, the pipeline the user means, the S3 settings.
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, State, type LanguageClient } from 'vscode-languageclient/node';
import type { CommandId, S3ConnectOptions } from '../../server/src/protocol';
import type { SecretStore } from './secrets';
import type { RunHistory } from './history';

export interface CommandContext {
  client: LanguageClient;
  output: vscode.LogOutputChannel;
  secrets: SecretStore;
  history: RunHistory;
  extension: vscode.ExtensionContext;
}

export async function executeServerCommand(languageClient: LanguageClient, command: CommandId, args: unknown[] = []): Promise<unknown> {
  await whenRunning(languageClient);
  return languageClient.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
}

/** Resolves when the server runs, waiting out a start under way; rejects when it is stopped. */
export function whenRunning(languageClient: LanguageClient): Promise<void> {
  const notRunning = () => new Error(vscode.l10n.t('The Pipewright language server is not running. Run "Pipewright: Restart Language Server" to start it.'));
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

export const PIPELINE_FILE = /\.pipeline\.jsonc?$/i;

/**
 * The pipeline the user means: the one given (a URI from a menu or the Pipelines view, or a tree item), else the
 * one in the editor, else one picked from the workspace. Undefined when there is none (the user was told).
 */
export async function pipelineUri(given: unknown, kinds?: readonly string[]): Promise<vscode.Uri | undefined> {
  // A Uri (menus, scripts), a pipeline of the Pipelines view ({ uri }) or one of its objects ({ pipeline: { uri } }).
  const node = given as { uri?: unknown; pipeline?: { uri?: unknown } } | undefined;
  const candidate = given instanceof vscode.Uri ? given : node?.uri instanceof vscode.Uri ? node.uri : node?.pipeline?.uri;
  const uri = candidate instanceof vscode.Uri ? candidate : undefined;
  if (uri && PIPELINE_FILE.test(uri.path)) return uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && PIPELINE_FILE.test(active.path)) return active;
  const found = await vscode.workspace.findFiles('**/*.pipeline.{json,jsonc}', '**/node_modules/**', 200);
  if (found.length === 0) {
    void vscode.window.showWarningMessage(vscode.l10n.t('No pipeline file (*.pipeline.json) in this workspace. Create one from a snippet: type "pipewright" in a new *.pipeline.json file.'));
    return undefined;
  }
  if (found.length === 1) return found[0];
  const picked = await vscode.window.showQuickPick(
    found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })).sort((a, b) => a.label.localeCompare(b.label)),
    { title: vscode.l10n.t('Pipeline'), placeHolder: kinds ? vscode.l10n.t('A {0} pipeline file', kinds.join(' / ')) : vscode.l10n.t('A pipeline file') },
  );
  return picked?.uri;
}

/** Endpoint, profile and region from the settings, for the server's S3 jobs. */
export function s3Settings(): S3ConnectOptions {
  const c = vscode.workspace.getConfiguration('pipewright');
  return { endpoint: c.get<string>('s3.endpoint') || undefined, profile: c.get<string>('aws.profile') || undefined, region: c.get<string>('aws.region') || undefined };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
