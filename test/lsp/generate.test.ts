/** "Generate IAM Policies" through the language server: the files arrive as a workspace edit the editor can undo. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver-protocol';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { Commands, type GeneratedPolicies } from '../../server/src/protocol';

describe('generateIamPolicies over LSP', () => {
  let dir: string;
  let client: LspClient | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-lsp-gen-'));
    cpSync(resolve(__dirname, '../../examples/braze'), dir, { recursive: true });
    client = await LspClient.start({ workspace: dir, createFiles: true });
  });
  after(() => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates (or replaces) the policy and trust files the pipeline names, in one workspace edit', async () => {
    const result = await client!.executeCommand<GeneratedPolicies>(Commands.generateIamPolicies, [fileUri(join(dir, 'currents.pipeline.json'))]);
    assert.equal(result.applied, true);
    assert.deepEqual(result.files.map((f) => [f.uri, f.kind]), [[fileUri(join(dir, 'braze-currents.policy.json')), 'policy'], [fileUri(join(dir, 'braze-currents.trust.json')), 'trust']]);
    const edit = client!.appliedEdits[0] as { label: string; edit: { documentChanges: Array<{ kind?: string; uri?: string; options?: unknown; edits?: Array<{ newText: string }> }> } };
    assert.equal(edit.label, 'Generate IAM policies');
    const changes = edit.edit.documentChanges;
    assert.deepEqual(changes.filter((c) => c.kind === 'create').map((c) => [c.uri, c.options]), result.files.map((f) => [f.uri, { overwrite: true }]));
    const policy = JSON.parse(changes[1].edits![0].newText);
    assert.deepEqual(policy.Statement.map((s: { Resource: string }) => s.Resource).sort(), ['arn:aws:s3:::acme-braze-data', 'arn:aws:s3:::acme-braze-data/currents-behaviors/*', 'arn:aws:s3:::acme-braze-data/currents/*']);
  });

  test('a file that is not a pipeline is refused with a reason', async () => {
    await assert.rejects(client!.executeCommand(Commands.generateIamPolicies, [fileUri(join(dir, 'braze-currents.policy.json'))]), (e: unknown) => e instanceof ResponseError && /not a pipeline config/.test(e.message));
  });
});
