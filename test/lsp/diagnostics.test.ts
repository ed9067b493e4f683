/**
 * Diagnostics over LSP: what the server publishes for a text, on which range, for which version;
 * how an incremental edit clears a finding; the placeholder quick fix across files; close clears all.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol/node';
import { LspClient, applyEdits, lineOf, messageOf, rangeOf } from '../helpers/lsp-client';

const POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "StripeDataPipelineObjects",
      "Effect": "Allow",
      "Action": ["s3:PutObject", "s3:GetObject"],
      "Resource": "arn:aws:s3:::acme-stripe-data/*"
    }
  ]
}
`;

const TRUST = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "StripeDataPipelineAssumeRole",
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::731954892063:role/stripe-data-pipeline-delivery" },
      "Action": "sts:AssumeRole",
      "Condition": { "StringEquals": { "sts:ExternalId": "acct_1Nv0FGQ9RKHgCVdK" } }
    }
  ]
}
`;

/** Everything right except the role name Stripe requires (stripe-data-pipeline-s3-role). */
const WRONG_ROLE = `{
  "$schema": "https://pipewright.dev/schemas/pipeline.schema.json",
  "kind": "stripe-export",
  "name": "Stripe data to the staging bucket",
  "account": "acct_1Nv0FGQ9RKHgCVdK",
  "bucket": "acme-stripe-data",
  "region": "eu-west-1",
  "awsAccountId": "402871995361",
  "roleName": "stripe-data-pipeline-role",
  "permissionPolicy": "stripe.policy.json",
  "trustPolicy": "stripe.trust.json"
}
`;

/** Adobe's flow example, verbatim, with its template hole. */
const FLOW_SEED = `{
    "name": "Stripe Connector Flow Generic Rest",
    "description": "Stripe Connector Description Flow Generic Rest",
    "flowSpec": {
        "id": "6499120c-0b15-42dc-936e-847ea3c24d72",
        "version": "1.0"
    },
    "sourceConnectionIds": [
        "abbfac4e-202c-4e04-902d-6f73e9041068"
    ],
    "targetConnectionIds": [
        "69879751-ba43-48df-8cd0-39d2bb76a5b8"
    ],
    "transformations": [
        {
            "name": "Mapping",
            "params": {
                "mappingId": "f4aad280fdec4770b7e33066945919d8",
                "mappingVersion": 0
            }
        }
    ],
    "scheduleParams": {
        "startTime": "1710267858",
        "frequency": "minute",
        "interval": {{interval}}
    }
}
`;

/** Stripe's policy example, with the bucket placeholder it tells you to replace. */
const SEED_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:ListBucket",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::<BUCKET_RESOURCE>"
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:PutObject",
        "s3:GetObject"
      ],
      "Resource": "arn:aws:s3:::<BUCKET_RESOURCE>/*"
    }
  ]
}
`;

const USES_SEED_POLICY = `{
  "kind": "stripe-export",
  "name": "Stripe export using the seed policy",
  "account": "acct_1Nv0FGQ9RKHgCVdK",
  "bucket": "acme-finance-exports",
  "region": "us-east-1",
  "awsAccountId": "402871995361",
  "roleName": "stripe-data-pipeline-s3-role",
  "permissionPolicy": "seed.policy.json",
  "trustPolicy": "stripe.trust.json"
}
`;

const summary = (ds: Diagnostic[]) => ds.map((d) => ({ code: d.code, range: d.range }));

describe('diagnostics', () => {
  let dir: string;
  let client: LspClient | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-diagnostics-'));
    writeFileSync(join(dir, 'stripe.policy.json'), POLICY);
    writeFileSync(join(dir, 'stripe.trust.json'), TRUST);
    writeFileSync(join(dir, 'seed.policy.json'), SEED_POLICY);
    writeFileSync(join(dir, 'seed-user.pipeline.json'), USES_SEED_POLICY);
    client = await LspClient.start({ workspace: dir });
  });
  after(async () => {
    client?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a wrong stripe-export roleName is one fixed-value error on the string value; an incremental fix clears it', async () => {
    const doc = await client!.open(join(dir, 'wrong-role.pipeline.json'), WRONG_ROLE);
    const first = await client!.nextDiagnostics(doc.uri, { version: 1 });
    // line 8: `  "roleName": "stripe-data-pipeline-role",` — the value spans characters 14..41 (quotes included).
    const roleRange = { start: { line: 8, character: 14 }, end: { line: 8, character: 41 } };
    assert.deepEqual(summary(first.diagnostics), [{ code: 'fixed-value', range: roleRange }]);
    assert.equal(first.diagnostics[0].severity, 1 /* Error */);
    assert.match(messageOf(first.diagnostics[0]), /exactly "stripe-data-pipeline-s3-role"/);

    await client!.change(doc, roleRange, '"stripe-data-pipeline-s3-role"');
    assert.equal(lineOf(doc.text, 8), '  "roleName": "stripe-data-pipeline-s3-role",');
    const second = await client!.nextDiagnostics(doc.uri, { version: 2 });
    assert.deepEqual(summary(second.diagnostics), []);
  });

  test('an AEP flow body with the seed\'s "interval": {{interval}} gets template-hole on the hole', async () => {
    const doc = await client!.open(join(dir, 'flow-seed.aep.json'), FLOW_SEED);
    const d = await client!.nextDiagnostics(doc.uri, { version: 1 });
    const holes = d.diagnostics.filter((x) => x.code === 'template-hole');
    assert.deepEqual(summary(holes), [{ code: 'template-hole', range: { start: { line: 25, character: 20 }, end: { line: 25, character: 32 } } }]);
    assert.match(messageOf(holes[0]), /Template hole \{\{interval\}\} left in the file/);
    // The hole is blanked to null for parsing: no schema noise on the same spot.
    assert.deepEqual(d.diagnostics.filter((x) => x.range.start.line === 25 && x.code !== 'template-hole'), []);
  });

  test('a <BUCKET_RESOURCE> placeholder in a policy an open pipeline references: placeholder error and a quick fix with the pipeline\'s bucket', async () => {
    await client!.open(join(dir, 'seed-user.pipeline.json'), USES_SEED_POLICY);
    const doc = await client!.open(join(dir, 'seed.policy.json'), SEED_POLICY);
    const d = await client!.nextDiagnostics(doc.uri, { version: 1 });
    const first = rangeOf(SEED_POLICY, '<BUCKET_RESOURCE>');
    assert.deepEqual(first, { start: { line: 9, character: 32 }, end: { line: 9, character: 49 } });
    assert.deepEqual(summary(d.diagnostics), [
      { code: 'placeholder', range: first },
      { code: 'placeholder', range: { start: { line: 17, character: 32 }, end: { line: 17, character: 49 } } },
    ]);
    assert.match(messageOf(d.diagnostics[0]), /<BUCKET_RESOURCE> is Stripe’s bucket placeholder: replace it with your bucket name \("acme-finance-exports", from the pipeline that uses this file\)/);

    const actions = (await client!.codeActions(doc.uri, first, [d.diagnostics[0]])) as CodeAction[];
    const fix = actions.find((a) => a.title === 'Replace with bucket "acme-finance-exports"');
    assert.ok(fix, `no bucket quick fix among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(Object.keys(fix.edit?.changes ?? {}), [doc.uri]);
    const fixed = applyEdits(doc.text, fix.edit!.changes![doc.uri]);
    assert.equal(lineOf(fixed, 9), '      "Resource": "arn:aws:s3:::acme-finance-exports"');
    assert.equal(lineOf(fixed, 17), '      "Resource": "arn:aws:s3:::<BUCKET_RESOURCE>/*"', 'the fix touches only the placeholder asked about');
  });

  test('closing a document publishes an empty diagnostics list', async () => {
    const doc = await client!.open(join(dir, 'closing.pipeline.json'), WRONG_ROLE);
    const open = await client!.nextDiagnostics(doc.uri, { version: 1 });
    assert.equal(open.diagnostics.length, 1);
    await client!.close(doc);
    const closed = await client!.nextDiagnostics(doc.uri, { version: null });
    assert.deepEqual(closed.diagnostics, []);
  });
});
