/**
 * The server's long jobs (export, import, IAM role check, lint) report LSP work-done progress that the server
 * creates (`window/workDoneProgress/create`). vscode-languageclient shows those in the status bar, where they cannot
 * be cancelled; this shows each one as a notification with a Cancel button, which sends
 * `window/workDoneProgress/cancel` (the server then stops the job as it would on Ctrl-C).
 */
import * as vscode from 'vscode';
import {
  State, WorkDoneProgress, WorkDoneProgressCancelNotification, WorkDoneProgressCreateRequest,
  type LanguageClient, type WorkDoneProgressBegin, type WorkDoneProgressReport,
} from 'vscode-languageclient/node';

export function showServerProgressAsNotifications(client: LanguageClient): vscode.Disposable {
  const install = () =>
    // Replaces the handler vscode-languageclient installed while starting (one handler per method: the last wins).
    client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      // withProgress runs its task a moment later: a report or the end can arrive before it. Both are kept, so
      // that a job that ends at once (a command that first asks for a secret) leaves no notification behind.
      let ended = false;
      let pending: WorkDoneProgressReport | undefined;
      let finish: (() => void) | undefined;
      let report: ((v: WorkDoneProgressReport) => void) | undefined;
      let shown = 0;
      const sub = client.onProgress(WorkDoneProgress.type, token, (value) => {
        if (value.kind === 'begin') {
          const begin = value as WorkDoneProgressBegin;
          if (begin.message || begin.percentage) pending = { kind: 'report', message: begin.message, percentage: begin.percentage };
          void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: begin.title, cancellable: begin.cancellable === true }, (progress, cancel) => {
            if (ended) return Promise.resolve();
            cancel.onCancellationRequested(() => void client.sendNotification(WorkDoneProgressCancelNotification.type, { token }));
            report = (r) => {
              const increment = r.percentage !== undefined ? Math.max(0, r.percentage - shown) : undefined;
              if (r.percentage !== undefined) shown = Math.max(shown, r.percentage);
              progress.report({ message: r.message, increment });
            };
            if (pending) report(pending);
            return new Promise<void>((resolve) => (finish = resolve));
          });
        } else if (value.kind === 'report') {
          if (report) report(value as WorkDoneProgressReport);
          else pending = value as WorkDoneProgressReport;
        } else {
          ended = true;
          finish?.();
          sub.dispose();
        }
      });
    });
  let handler: vscode.Disposable | undefined;
  const reinstall = () => {
    if (client.state !== State.Running) return;
    handler?.dispose();
    handler = install();
  };
  // The client reports Running before it initializes its features (which install its own handler): install ours
  // after them, again a moment later for a slow start. Reinstalling only replaces the handler.
  const timers: NodeJS.Timeout[] = [];
  const state = client.onDidChangeState((e) => {
    if (e.newState === State.Running) for (const ms of [0, 50, 1000]) timers.push(setTimeout(reinstall, ms));
  });
  reinstall();
  return { dispose: () => { state.dispose(); timers.forEach(clearTimeout); handler?.dispose(); } };
}
