/** The status-bar item: the server's state (from {@link Notifications.status} and the client) and the last run. */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { Notifications, type StatusParams } from '../../server/src/protocol';
import { count } from './context';
import type { RunHistory } from './history';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last status the server sent since it (re)started; undefined until the first one arrives. */
  private serverStatus: StatusParams | undefined;

  constructor(private readonly languageClient: LanguageClient, private readonly history: RunHistory, command: string) {
    this.item = vscode.window.createStatusBarItem('pipewright.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Pipewright';
    this.item.command = command;
    // Registered before start() so the server's first status is not missed; the client re-installs the handler on
    // every restart.
    this.disposables.push(
      languageClient.onNotification(Notifications.status, (params: StatusParams) => {
        this.serverStatus = params;
        this.render();
      }),
      languageClient.onDidChangeState((e) => {
        if (e.newState === State.Starting) this.serverStatus = undefined;
        this.render();
      }),
      history.onDidChange(() => this.render()),
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
    const last = this.history.latest();
    const lastRun = last ? `\n${vscode.l10n.t('Last run: {0} of {1}, {2} — {3}', last.outcome.job, vscode.workspace.asRelativePath(last.uri), last.outcome.ok ? vscode.l10n.t('done') : vscode.l10n.t('failed'), last.outcome.summary)}` : '';
    const state = this.languageClient.state;
    if (state === State.Stopped) {
      item.text = '$(error) Pipewright';
      item.tooltip = vscode.l10n.t('The Pipewright language server is not running. Click to show the output, or run "Pipewright: Restart Language Server".');
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      return;
    }
    const s = this.serverStatus;
    if (state === State.Starting || s?.state === 'starting') {
      item.text = '$(sync~spin) Pipewright';
      item.tooltip = vscode.l10n.t('The Pipewright language server is starting…');
      return;
    }
    const docs = s ? count(s.documents, vscode.l10n.t('document'), vscode.l10n.t('documents')) : '';
    if (s?.state === 'busy') {
      item.text = '$(sync~spin) Pipewright';
      item.tooltip = vscode.l10n.t('Pipewright is checking files ({0} indexed)…', docs);
      return;
    }
    item.text = last && !last.outcome.ok ? '$(warning) Pipewright' : '$(check) Pipewright';
    item.tooltip = (s === undefined ? vscode.l10n.t('Pipewright is ready. Click to show the output.') : vscode.l10n.t('Pipewright is ready: {0} indexed. Click to show the output.', docs)) + lastRun;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
