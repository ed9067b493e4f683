/** Long jobs report LSP work-done progress, and the user's Cancel stops them. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError, LSPErrorCodes } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lsp-client';
import { Commands, type LintSummary } from '../../server/src/protocol';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::acme-data/*' }] });

describe('Lint Workspace as a long job', () => {
  let dir: string;
  let client: LspClient | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-progress-'));
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(dir, `team-${d}`));
      for (let i = 0; i < 60; i++) writeFileSync(join(dir, `team-${d}`, `p${i}.policy.json`), POLICY);
    }
    client = await LspClient.start({ workspace: dir, workDoneProgress: true });
  });
  after(() => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reports begin, percentages and end while it checks 1,200 files', async () => {
    const summary = await client!.executeCommand<LintSummary>(Commands.lintWorkspace);
    assert.deepEqual(summary, { files: 1200, errors: 0, warnings: 0, infos: 0 });
    const [values] = [...client!.progress.values()];
    assert.ok(values, 'the server created a work-done progress');
    assert.equal(values[0].kind, 'begin');
    assert.equal(values[0].title, 'Pipewright: linting the workspace');
    assert.equal(values[0].cancellable, true);
    assert.equal(values.at(-1)!.kind, 'end');
    const reports = values.filter((v) => v.kind === 'report');
    assert.ok(reports.length >= 1, 'at least one report');
    assert.ok(reports.every((r, i) => i === 0 || (r.percentage ?? 0) >= (reports[i - 1].percentage ?? 0)), 'percentages only go up');
  });

  test('Cancel on the progress stops the job with RequestCancelled', async () => {
    let created: string | number | undefined;
    client!.onProgressCreated = (token) => void (created = token);
    const job = client!.executeCommand<LintSummary>(Commands.lintWorkspace);
    // Press Cancel once the progress shows (its `begin` arrived).
    await client!.waitFor(() => created !== undefined && (client!.progress.get(created)?.length ?? 0) > 0, 5000, 'the progress to begin');
    await client!.connection.sendNotification('window/workDoneProgress/cancel', { token: created! });
    await assert.rejects(job, (e: unknown) => e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled && /cancelled/.test(e.message));
    assert.equal(client!.progress.get(created!)!.at(-1)!.kind, 'end', 'the progress is closed');
    client!.onProgressCreated = undefined;
    // The server is still fine afterwards.
    const summary = await client!.executeCommand<LintSummary>(Commands.lintWorkspace);
    assert.equal(summary.files, 1200);
  });
});
