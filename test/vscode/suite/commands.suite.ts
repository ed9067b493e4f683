/**
 * The commands a user runs from the palette, the editor title and the Pipelines view, end to end against moto's
 * S3: the bucket preview, the import, the export with PGP, the penny test sent and verified with the private key
 * from VS Code's secret storage, and the Pipelines view listing buckets page by page.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AepDeployResult, AepPreviewResult, AvroPreview, BrazeDeliveriesReport, BrazeTestReport, ContentPreview, ExportReport, ImportReport, ParquetPreview, PennySent, PennyVerified } from '../../../server/src/protocol';
import type { BucketPreview } from '../../../client/src/commands/bucket';
import type { PipewrightApi } from '../../../client/src/extension';
import { test } from './runner';
import { diagnosticsOf, ENDPOINT, PRIVATE_KEY_FILE, WORKSPACE, wsUri } from './fixture';

const IMPORT = wsUri('examples/stripe-import/stripe-import.pipeline.json');
const EXPORT = wsUri('deliveries/delivery.pipeline.json');
const ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';

function s3(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: ENDPOINT, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}

async function api(): Promise<PipewrightApi> {
  const ext = vscode.extensions.getExtension<PipewrightApi>('pipewright.pipewright')!;
  return ext.isActive ? ext.exports : ext.activate();
}

test('Preview Bucket lists the import folder with a verdict and a reason per object', async () => {
  const p = await vscode.commands.executeCommand<BucketPreview>('pipewright.ui.previewBucket', IMPORT);
  assert.ok(p, 'the preview failed (see the Pipewright output)');
  const text = p.document.getText();
  assert.ok(p.result.totals.listed >= 4, text);
  assert.ok(p.result.totals.toImport.objects >= 1, text);
  // Every object of the folder has its own line, with its verdict and reason.
  for (const key of ['imports/products/products-2026-11-01.csv', 'imports/products/products-2026-11-15.jsonl']) assert.match(text, new RegExp(`✓ import\\s+\\d+\\s+\\S+\\s+${key.replace(/[.]/g, '\\.')} — `));
  assert.match(text, /· unsupported-format .* imports\/products\/README\.txt — not a CSV, TSV, JSON or JSONL file/);
  assert.match(text, /objects listed; will import \d+\./);
});

test('Import Now imports the folder into SQLite and a second run takes nothing twice', async () => {
  const first = await vscode.commands.executeCommand<ImportReport>('pipewright.ui.importNow', IMPORT);
  assert.ok(first, 'the import failed (see the Pipewright output)');
  assert.ok(first.records > 0);
  assert.ok(existsSync(join(WORKSPACE, 'examples/stripe-import/out/import.db')));
  const second = await vscode.commands.executeCommand<ImportReport>('pipewright.ui.importNow', IMPORT);
  assert.equal(second?.records, 0);
});

let lastExport: ExportReport | undefined;

test('Export Now writes every table as .parquet.gpg under one run directory, _SUCCESS last, no upload left open', async () => {
  const r = await vscode.commands.executeCommand<ExportReport>('pipewright.ui.exportNow', EXPORT);
  assert.ok(r?.success, 'the export did not finish (see the Pipewright output)');
  assert.equal(r.tables.length, 6);
  lastExport = r;
  const client = s3();
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'pw-vscode-export', Prefix: r.runDir }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    for (const t of ['charges', 'customers', 'refunds', 'balance_transactions', 'subscriptions', 'prices']) {
      assert.ok(keys.some((k) => k.startsWith(`${r.runDir}${r.runDir.endsWith('/') ? '' : '/'}${t}/`) && k.endsWith('.parquet.gpg')), `${t} missing in ${keys.join(', ')}`);
    }
    assert.ok(keys.includes(r.success!), `${r.success} missing`);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: 'pw-vscode-export' }));
    assert.deepEqual(uploads.Uploads ?? [], []);
  } finally {
    client.destroy();
  }
});

test('the penny test: sent encrypted, then verified with the private key kept in secret storage, and saved for upload', async () => {
  await vscode.commands.executeCommand('pipewright.ui.clearSecret', `pgp-private-key:${ACCOUNT}`);
  const sent = await vscode.commands.executeCommand<PennySent>('pipewright.ui.pennySend', EXPORT);
  assert.ok(sent?.encrypted, 'penny send failed or did not encrypt');
  assert.match(sent.key, new RegExp(`^penny_test/${ACCOUNT}/`));
  await vscode.commands.executeCommand('pipewright.ui.setSecret', `pgp-private-key:${ACCOUNT}`, readFileSync(PRIVATE_KEY_FILE, 'utf8'));
  const saveTo = wsUri('deliveries/validation.csv');
  const verified = await vscode.commands.executeCommand<PennyVerified>('pipewright.ui.pennyVerify', EXPORT, saveTo);
  assert.ok(verified, 'penny verify failed (see the Pipewright output)');
  assert.equal(verified.account, ACCOUNT);
  assert.equal(verified.code, sent.code);
  assert.equal(readFileSync(saveTo.fsPath, 'utf8'), verified.text);
});

test('Preview Object of a CSV in the import folder shows its columns and how the data template maps them', async () => {
  const p = await vscode.commands.executeCommand<ContentPreview>('pipewright.ui.previewObject', IMPORT, 'imports/products/products-2026-11-01.csv');
  assert.ok(p, 'the preview failed (see the Pipewright output)');
  assert.equal(p.format, 'csv');
  assert.ok(p.rows.length > 0);
  assert.ok(p.mapping?.length, 'no template mapping');
  assert.ok(p.mapping.every((m) => m.found || m.failures === 0));
});

test('Preview Object of an encrypted Parquet delivery decrypts it with the key from secret storage: the rows exported', async () => {
  assert.ok(lastExport, 'the export test must run first');
  const part = lastExport.tables.find((t) => t.table === 'charges')!.files[0];
  const p = await vscode.commands.executeCommand<ParquetPreview>('pipewright.ui.previewObject', EXPORT, part);
  assert.ok(p, 'the preview failed (see the Pipewright output)');
  assert.equal(p.format, 'parquet');
  assert.equal(p.encryption?.decrypted, true, p.encryption?.message);
  assert.equal(p.file?.rows, lastExport.tables.find((t) => t.table === 'charges')!.rows);
  assert.ok(p.shown.includes('id') && p.shown.includes('amount'), p.shown.join(', '));
  assert.match(String(p.rows[0][p.shown.indexOf('id')]), /^ch_/);
});

test('Preview Bucket of a stripe-export pipeline lists its runs; the one just written is complete', async () => {
  const p = await vscode.commands.executeCommand<BucketPreview>('pipewright.ui.previewBucket', EXPORT);
  assert.ok(p?.result.deliveries, 'no delivery totals');
  assert.ok(p.result.deliveries.runs >= 1);
  assert.equal(p.result.deliveries.latestComplete, lastExport!.runDir);
  assert.match(p.document.getText(), /✓ (complete|encrypted)/);
});

test('Preview Object of a Braze Currents delivery (Avro) shows its schema and first events', async () => {
  const key = 'currents/dataexport.prod-01.S3.integration.5e8b/event_type=users.messages.email.Send/date=2026-11-23-15/575e/0_0_0.avro';
  const p = await vscode.commands.executeCommand<AvroPreview>('pipewright.ui.previewObject', wsUri('examples/braze/currents.pipeline.json'), key);
  assert.ok(p, 'the preview failed (see the Pipewright output)');
  assert.equal(p.format, 'avro');
  assert.equal(p.codec, 'deflate');
  assert.ok(p.fields.some((f) => f.name === 'id'));
  assert.equal(p.rows.length, 20);
  assert.equal(p.truncated, true);
});

test('Test Braze Credentials makes Braze\'s credential check step by step, and leaves no test object behind', async () => {
  const r = await vscode.commands.executeCommand<BrazeTestReport>('pipewright.ui.brazeTest', wsUri('examples/braze/currents.pipeline.json'));
  assert.ok(r, 'the test failed (see the Pipewright output)');
  assert.deepEqual(r.steps.map((s) => `${s.step.action}:${s.status}`), ['sts:AssumeRole:passed', 's3:GetBucketLocation:passed', 's3:ListBucket:passed', 's3:PutObject:passed', 's3:GetObject:passed']);
  assert.match(r.steps[1].message, /eu-central-1/);
  assert.equal(r.testObject?.removed, true, r.testObject?.message);
  assert.equal(r.settings?.objectLock, false);
  assert.equal(r.ok, true);
});

test('Check Currents Deliveries lists the folder by event type and hour, and finds no event delivered twice', async () => {
  const r = await vscode.commands.executeCommand<BrazeDeliveriesReport>('pipewright.ui.brazeDeliveries', wsUri('examples/braze/currents.pipeline.json'));
  assert.ok(r, 'the check failed (see the Pipewright output)');
  assert.deepEqual(r.eventTypes.map((g) => [g.eventType, g.files, g.first]), [['users.messages.email.Send', 1, '2026-11-23-15']]);
  assert.equal(r.eventsRead, 40);
  assert.deepEqual(r.duplicates, []);
  assert.match(vscode.window.activeTextEditor?.document.getText() ?? '', /\| users\.messages\.email\.Send \| 1 \| 2026-11-23-15 \|/);
});

test('Preview AEP Mapping runs the mapping set over sample charges and shows the XDM records, before anything is deployed', async () => {
  const r = await vscode.commands.executeCommand<AepPreviewResult>('pipewright.ui.aepPreview', wsUri('examples/aep-stripe/aep-stripe.pipeline.json'));
  assert.ok(r, 'the preview failed (see the Pipewright output)');
  assert.ok(r.records > 0);
  assert.equal(r.mapped, r.records);
  assert.equal(r.failed, 0);
  assert.match(vscode.window.activeTextEditor?.document.getText() ?? '', /"_id": "ch_/);
});

test('Deploy AEP Flow as a dry run prints the requests as curl, the access token from secret storage redacted', async () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.suite-token.signature';
  await vscode.commands.executeCommand('pipewright.ui.setSecret', 'adobe-access-token', token);
  const r = await vscode.commands.executeCommand<AepDeployResult>('pipewright.ui.aepDeploy', wsUri('examples/aep-stripe/aep-stripe.pipeline.json'), { dryRun: true });
  assert.ok(r, 'the dry run failed (see the Pipewright output)');
  assert.ok(r.curl && r.curl.length > 0, 'no request printed');
  assert.ok(r.curl.every((c) => c.startsWith('curl ')), r.curl[0]);
  assert.ok(r.curl.some((c) => /x-gw-ims-org-id/i.test(c)));
  assert.ok(!r.curl.some((c) => c.includes(token)), 'the token is redacted');
});

test('Generate IAM Policies writes the pipeline\'s least-privilege policy, which lints clean', async () => {
  const r = await vscode.commands.executeCommand<{ files: Array<{ uri: string; kind: string }> }>('pipewright.ui.generateIamPolicies', EXPORT);
  assert.ok(r?.files.length, 'nothing generated (see the Pipewright output)');
  const policy = vscode.Uri.parse(r.files.find((f) => f.kind === 'policy')!.uri);
  // The server applied it as a workspace edit: read it as the editor holds it.
  const text = (await vscode.workspace.openTextDocument(policy)).getText();
  assert.match(text, /arn:aws:s3:::pw-vscode-export\/\*/);
  // Once the server has checked the new text, it has no error.
  await diagnosticsOf(policy, (ds) => !ds.some((d) => d.severity === vscode.DiagnosticSeverity.Error));
});

test('Generate PGP Key writes acct_….key, which the pipeline accepts, and keeps the private key in secret storage', async () => {
  const account = 'acct_1VsCodeGeneratedKey';
  const r = await vscode.commands.executeCommand<{ publicKey: vscode.Uri; fingerprint: string }>('pipewright.ui.generatePgpKey', account, wsUri('generated-keys'));
  assert.ok(r, 'no key generated (see the Pipewright output)');
  assert.equal(r.publicKey.fsPath, wsUri('generated-keys', `${account}.key`).fsPath);
  const armored = readFileSync(r.publicKey.fsPath, 'utf8');
  assert.match(armored, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  assert.doesNotMatch(armored, /PRIVATE/);
  assert.match(r.fingerprint, /^[0-9A-F]{40}$/);
  // Nothing but the public key was written to the folder.
  assert.deepEqual((await vscode.workspace.fs.readDirectory(wsUri('generated-keys'))).map(([n]) => n), [`${account}.key`]);
}, 120_000);

test('the Pipelines view shows each pipeline with its kind, and its bucket folder by folder', async () => {
  const { pipelines } = await api();
  const roots = await pipelines.getChildren();
  const items = roots.map((n) => pipelines.getTreeItem(n));
  const byName = new Map(items.map((i) => [String(i.label), i]));
  for (const [name, kind] of [['Acme product catalog from S3', 'stripe-import'], ['Acme deliveries (local)', 'stripe-export']] as const) {
    const item = byName.get(name);
    assert.ok(item, `${name} missing from ${[...byName.keys()].join(', ')}`);
    assert.match(String(item.description), new RegExp(kind));
  }
  // The last runs show on their pipelines.
  // The last run of each shows on it: the bucket preview, just before.
  assert.match(String(byName.get('Acme deliveries (local)')!.description), /✓ preview/);
  const importRoot = roots[items.findIndex((i) => i.label === 'Acme product catalog from S3')];
  // Its context menu runs a command on that pipeline, whatever the editor shows.
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(EXPORT));
  const fromMenu = await vscode.commands.executeCommand<BucketPreview>('pipewright.ui.previewBucket', importRoot);
  assert.match(fromMenu?.document.getText() ?? '', /preview of examples\/stripe-import\/stripe-import\.pipeline\.json/);
  const children = await pipelines.getChildren(importRoot);
  const labels = children.map((c) => String(pipelines.getTreeItem(c).label));
  assert.ok(labels.includes('products-2026-11-01.csv'), labels.join(', '));
  const csv = children.find((c) => pipelines.getTreeItem(c).label === 'products-2026-11-01.csv')!;
  assert.equal(await vscode.commands.executeCommand('pipewright.ui.copyS3Uri', csv), 's3://acme-product-catalog-imports/imports/products/products-2026-11-01.csv');
  const to = wsUri('downloaded.csv');
  await vscode.commands.executeCommand('pipewright.ui.downloadObject', csv, to);
  assert.equal(readFileSync(to.fsPath, 'utf8'), readFileSync(join(WORKSPACE, 'examples/stripe-import/local-s3/acme-product-catalog-imports/imports/products/products-2026-11-01.csv'), 'utf8'));
});
