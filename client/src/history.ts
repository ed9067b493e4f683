/**
 * The outcome of the last run of each pipeline (import, export, penny test), kept in the workspace state so the
 * Pipelines view and the status bar can say it after a restart.
 */
import * as vscode from 'vscode';

export interface RunOutcome {
  /** What ran: `export`, `import`, `penny send`, `penny verify`, `preview`. */
  job: string;
  ok: boolean;
  /** One line: "6 tables, 12,000 rows", "stopped: run it again to resume", the error. */
  summary: string;
  /** ISO time it ended. */
  at: string;
}

const KEY = 'pipewright.lastRuns';

export class RunHistory {
  private readonly changed = new vscode.EventEmitter<vscode.Uri | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  last(uri: vscode.Uri): RunOutcome | undefined {
    return this.all()[uri.toString()];
  }

  latest(): { uri: vscode.Uri; outcome: RunOutcome } | undefined {
    const entries = Object.entries(this.all()).sort((a, b) => b[1].at.localeCompare(a[1].at));
    return entries[0] ? { uri: vscode.Uri.parse(entries[0][0]), outcome: entries[0][1] } : undefined;
  }

  async record(uri: vscode.Uri, job: string, ok: boolean, summary: string): Promise<void> {
    await this.state.update(KEY, { ...this.all(), [uri.toString()]: { job, ok, summary, at: new Date().toISOString() } });
    this.changed.fire(uri);
  }

  private all(): Record<string, RunOutcome> {
    return this.state.get<Record<string, RunOutcome>>(KEY) ?? {};
  }
}
