/**
 * The client/server contract of server/src/protocol.ts, spoken over a real stdio connection:
 * advertised commands, the documentInfo request, and the two workspace/executeCommand commands.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-languageserver-protocol/node';
import { Commands, Requests, type DocumentInfoResult, type LintSummary } from '../../server/src/protocol';
import { LspClient, fileUri, messageOf } from '../helpers/lsp-client';

const STRIPE_EXPORT = `{
  "$schema": "https://pipewright.dev/schemas/pipeline.schema.json",
  "kind": "stripe-export",
  "name": "Acme Stripe data to S3",
  "account": "acct_1Nv0FGQ9RKHgCVdK",
  "bucket": "acme-stripe-data",
  "region": "eu-west-1",
  "awsAccountId": "402871995361",
  "roleName": "stripe-data-pipeline-s3-role",
  "permissionPolicy": "stripe.policy.json",
  "trustPolicy": "stripe.trust.json"
}
`;

const FLOW = `{
  "name": "Stripe charges hourly",
  "flowSpec": { "id": "6499120c-0b15-42dc-936e-847ea3c24d72", "version": "1.0" },
  "sourceConnectionIds": ["abbfac4e-202c-4e04-902d-6f73e9041068"],
  "targetConnectionIds": ["69879751-ba43-48df-8cd0-39d2bb76a5b8"],
  "transformations": [{ "name": "Mapping", "params": { "mappingId": "f4aad280fdec4770b7e33066945919d8", "mappingVersion": 0 } }],
  "scheduleParams": { "startTime": "1710267858", "frequency": "hour", "interval": 1 }
}
`;

const CLEAN_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Objects",
      "Effect": "Allow",
      "Action": ["s3:PutObject", "s3:GetObject"],
      "Resource": "arn:aws:s3:::acme-stripe-data/*"
    }
  ]
}
`;

/** Exactly one error: "Alow" is not an Effect. */
const BROKEN_POLICY = CLEAN_POLICY.replace('"Allow"', '"Alow"');

describe('protocol: commands and custom requests', () => {
  let dir: string;
  let client: LspClient | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-protocol-'));
    client = await LspClient.start({ workspace: dir });
  });
  after(async () => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the server advertises exactly the commands of protocol.ts', () => {
    const advertised = client!.initializeResult.capabilities.executeCommandProvider?.commands ?? [];
    assert.deepEqual([...advertised].sort(), Object.values(Commands).sort());
  });

  test('documentInfo: a stripe-export pipeline is {pipeline, stripe-export}', async () => {
    const doc = await client!.open(join(dir, 'acme.pipeline.json'), STRIPE_EXPORT);
    const info = await client!.request<DocumentInfoResult>(Requests.documentInfo, { uri: doc.uri });
    assert.deepEqual(info, { fileKind: 'pipeline', subKind: 'stripe-export' });
  });

  test('documentInfo: a body with flowSpec is {aep, flow}', async () => {
    const doc = await client!.open(join(dir, 'charges.aep.json'), FLOW);
    const info = await client!.request<DocumentInfoResult>(Requests.documentInfo, { uri: doc.uri });
    assert.deepEqual(info, { fileKind: 'aep', subKind: 'flow' });
  });

  test('encodeSourceParams ["charges"] returns the base64 of {"resourcePath":"charges"}', async () => {
    const encoded = await client!.executeCommand<string>(Commands.encodeSourceParams, ['charges']);
    assert.equal(encoded, 'eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0=');
  });

  test('encodeSourceParams without an argument answers InvalidParams', async () => {
    await assert.rejects(client!.executeCommand(Commands.encodeSourceParams, []), (e: unknown) => {
      assert.ok(e instanceof ResponseError, `expected a JSON-RPC error, got ${String(e)}`);
      assert.equal(e.code, ErrorCodes.InvalidParams);
      assert.match(e.message, /resource path/);
      return true;
    });
  });
});

describe('protocol: lintWorkspace', () => {
  let dir: string;
  let client: LspClient | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-lint-'));
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'clean.policy.json'), CLEAN_POLICY);
    writeFileSync(join(dir, 'broken.policy.json'), BROKEN_POLICY);
    client = await LspClient.start({ workspace: dir });
  });
  after(async () => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('counts 2 files and 1 error, and publishes diagnostics for the files no editor opened', async () => {
    const summary = await client!.executeCommand<LintSummary>(Commands.lintWorkspace);
    assert.deepEqual(summary, { files: 2, errors: 1, warnings: 0, infos: 0 });

    const broken = await client!.nextDiagnostics(fileUri(join(dir, 'broken.policy.json')), { version: null });
    assert.deepEqual(
      broken.diagnostics.map((d) => ({ code: d.code, range: d.range })),
      [{ code: 'schema-enum', range: { start: { line: 5, character: 16 }, end: { line: 5, character: 22 } } }],
    );
    assert.match(messageOf(broken.diagnostics[0]), /Did you mean "Allow"\?/);

    const clean = await client!.nextDiagnostics(fileUri(join(dir, 'policies', 'clean.policy.json')), { version: null });
    assert.deepEqual(clean.diagnostics, []);
  });

  test('a file deleted since the last lint is not counted, and its diagnostics are cleared', async () => {
    const broken = join(dir, 'broken.policy.json');
    rmSync(broken);
    const summary = await client!.executeCommand<LintSummary>(Commands.lintWorkspace);
    assert.deepEqual(summary, { files: 1, errors: 0, warnings: 0, infos: 0 });
    const cleared = await client!.nextDiagnostics(fileUri(broken), { version: null });
    assert.deepEqual(cleared.diagnostics, []);
    writeFileSync(broken, BROKEN_POLICY);
  });

  test('shutdown and exit end the server with code 0', async () => {
    await client!.shutdown();
  });
});
