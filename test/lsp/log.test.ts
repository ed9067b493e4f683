/**
 * `pipewright.logLevel` over LSP: the server's window/logMessage output (the editor's Pipewright output channel)
 * follows the setting given at start-up and every later change of it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DidChangeConfigurationNotification, ResponseError } from 'vscode-languageserver-protocol';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { Commands, type LintSummary } from '../../server/src/protocol';

/** window/logMessage types, as the harness writes them into `stderr`: `[log <type>] <message>`. */
const ERROR = 1;
const WARNING = 2;
const INFO = 3;
const LOG = 4;

/** The log lines written since `from` (an offset in client.stderr), as [type, message]. */
function linesSince(client: LspClient, from: number): Array<[number, string]> {
  return [...client.stderr.slice(from).matchAll(/^\[log (\d)\] (.*)$/gm)].map((m) => [Number(m[1]), m[2]]);
}

describe('pipewright.logLevel', () => {
  let dir: string;
  let client: LspClient | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-lsp-log-'));
    cpSync(resolve(__dirname, '../../examples/braze'), dir, { recursive: true });
    client = await LspClient.start({ workspace: dir, initializationOptions: { validationDelay: 0, suppress: [], logLevel: 'debug' } });
  });
  after(() => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('debug: settings, the workspace scan, each validation and each command with its duration', async () => {
    const from = 0;
    const path = join(dir, 'currents.pipeline.json');
    const uri = fileUri(path);
    await client!.open(uri, readFileSync(path, 'utf8'));
    await client!.nextDiagnostics(uri);
    const summary = await client!.executeCommand<LintSummary>(Commands.lintWorkspace, []);
    const lines = linesSince(client!, from);
    assert.ok(lines.some(([t, m]) => t === LOG && /^settings: validation delay 0 ms, 0 suppressed codes, log level debug$/.test(m)), client!.stderr);
    assert.ok(lines.some(([t, m]) => t === INFO && /^workspace indexed: \d+ Pipewright files in 1 folder \(\d+ ms\)$/.test(m)), client!.stderr);
    assert.ok(lines.some(([t, m]) => t === LOG && m.startsWith(`validated ${path} (version 1): `) && / in \d+ ms$/.test(m)), client!.stderr);
    assert.ok(lines.some(([t, m]) => t === INFO && m === `${Commands.lintWorkspace}: started`), client!.stderr);
    assert.ok(lines.some(([t, m]) => t === INFO && new RegExp(`^${Commands.lintWorkspace.replace(/\./g, '\\.')}: done in \\d+ ms$`).test(m)), client!.stderr);
    assert.ok(summary.files > 0);
  });

  test('warn, set while the server runs: commands that succeed log nothing, a failed one logs why', async () => {
    await client!.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { pipewright: { logLevel: 'warn' } } });
    const from = client!.stderr.length;
    await client!.executeCommand<LintSummary>(Commands.lintWorkspace, []);
    await assert.rejects(client!.executeCommand(Commands.generateIamPolicies, [fileUri(join(dir, 'braze-currents.policy.json'))]), (e: unknown) => e instanceof ResponseError);
    const lines = linesSince(client!, from);
    assert.deepEqual(lines.filter(([t]) => t === INFO || t === LOG), [], 'nothing below warn');
    const failed = lines.filter(([t]) => t === WARNING);
    assert.equal(failed.length, 1, client!.stderr);
    assert.match(failed[0][1], new RegExp(`^${Commands.generateIamPolicies.replace(/\./g, '\\.')}: failed after \\d+ ms: .*not a pipeline config`));
  });

  test('error: not even a failed command, and an unknown level leaves the level as it was', async () => {
    await client!.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { pipewright: { logLevel: 'error' } } });
    await client!.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { pipewright: { logLevel: 'verbose' } } });
    const from = client!.stderr.length;
    await assert.rejects(client!.executeCommand(Commands.generateIamPolicies, [fileUri(join(dir, 'braze-currents.policy.json'))]), (e: unknown) => e instanceof ResponseError);
    await client!.executeCommand<LintSummary>(Commands.lintWorkspace, []);
    assert.deepEqual(linesSince(client!, from).filter(([t]) => t !== ERROR), []);
  });
});
