/**
 * An aep-stripe-flow pipeline in the editor, through the real language server: from the seed document's own sample
 * bodies a new user gets every mistake flagged and fixes them with quick fixes, completes the mapping set mostly by
 * completion (with hover and go to definition), previews the mapped records, deploys (asked for the Adobe token and
 * the Stripe token first), updates, and reads the runs — against the Flow Service double.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CodeAction, Diagnostic, Location } from 'vscode-languageserver-protocol';
import { LspClient, applyEdits, positionOf, type OpenDocument } from '../helpers/lsp-client';
import { startFlowServiceDouble, type FlowServiceDouble } from '../helpers/flow-service';
import { EXAMPLE_DIR, json } from '../helpers/aep-workspace';
import { Commands, type AepDeployResult, type AepPreviewResult, type AepRunsResult } from '../../server/src/protocol';

const MISTAKES = resolve(__dirname, '../fixtures/mistakes');
const ADOBE_TOKEN_NAME = 'adobe-access-token';
let fs: FlowServiceDouble;
let dir: string;
let client: LspClient;

const TARGET = {
  name: 'Stripe Target Connection For Charges Data',
  description: 'Stripe target connection for charges data',
  connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' },
  data: { format: 'parquet_xdm', schema: { id: 'https://ns.adobe.com/acme/schemas/5f76be8c4e4b847fdac13ca42aa6b596a89a5b91dea48b16', version: 'application/vnd.adobe.xed-full+json;version=1.3' } },
  params: { dataSetId: '65e622315f78042c9e8166e8' },
};

before(async () => {
  fs = await startFlowServiceDouble();
  dir = mkdtempSync(join(tmpdir(), 'pw-aep-lsp-'));
  copyFileSync(join(MISTAKES, 'base-connection-seed.aep.json'), join(dir, 'base.aep.json'));
  copyFileSync(join(MISTAKES, 'source-connection-seed.aep.json'), join(dir, 'charges.source.aep.json'));
  copyFileSync(join(MISTAKES, 'flow-seed.aep.json'), join(dir, 'charges.flow.aep.json'));
  copyFileSync(join(EXAMPLE_DIR, 'acme-payments.xdm.json'), join(dir, 'acme-payments.xdm.json'));
  writeFileSync(join(dir, 'charges.target.aep.json'), json(TARGET));
  writeFileSync(join(dir, 'charges.mapping.aep.json'), json({ version: 0, xdmSchema: TARGET.data.schema.id, xdmVersion: '1.0', mappings: [] }));
  writeFileSync(join(dir, 'stripe.pipeline.json'), json({
    kind: 'aep-stripe-flow', name: 'Stripe charges', baseConnection: 'base.aep.json', sourceConnections: ['charges.source.aep.json'],
    targetConnection: 'charges.target.aep.json', mappingSet: 'charges.mapping.aep.json', flow: 'charges.flow.aep.json', xdmSchemaFile: 'acme-payments.xdm.json',
    platform: { imsOrg: fs.imsOrg, sandbox: 'prod', apiKey: fs.apiKey, accessToken: '${secret:adobe-access-token}' },
  }));
  // Neither token is in the environment: the editor has to supply them.
  client = await LspClient.start({ workspace: dir, workDoneProgress: true, env: { PIPEWRIGHT_SECRET_ADOBE_ACCESS_TOKEN: '', PIPEWRIGHT_SECRET_STRIPE_ACCESS_TOKEN: '' } });
});

after(async () => {
  client?.kill();
  await fs?.close();
});

const docs = new Map<string, OpenDocument>();

async function open(name: string): Promise<{ doc: OpenDocument; diagnostics: Diagnostic[] }> {
  const doc = await client.open(join(dir, name), readFileSync(join(dir, name), 'utf8'));
  docs.set(name, doc);
  const d = await client.nextDiagnostics(doc.uri, { version: doc.version });
  return { doc, diagnostics: d.diagnostics };
}

/** Replace the whole text (as a user's edit), save it, and return the diagnostics of that version. */
async function setText(name: string, text: string): Promise<Diagnostic[]> {
  const doc = docs.get(name)!;
  const end = positionOf(doc.text, doc.text.length);
  await client.change(doc, { start: { line: 0, character: 0 }, end }, text);
  writeFileSync(join(dir, name), text);
  return (await client.nextDiagnostics(doc.uri, { version: doc.version })).diagnostics;
}

/** Apply the quick fix of each diagnostic that has one (the preferred one first), one at a time, as a user would. */
async function quickFixAll(name: string, diagnostics: Diagnostic[]): Promise<Diagnostic[]> {
  let current = diagnostics;
  for (let round = 0; round < 10; round++) {
    const doc = docs.get(name)!;
    let fixed = false;
    for (const d of current) {
      const actions = (await client.codeActions(doc.uri, d.range, [d])) as CodeAction[];
      const fixes = actions.filter((a) => a.kind === 'quickfix' && !a.title.startsWith('Suppress') && a.diagnostics?.some((x) => x.code === d.code));
      const fix = fixes.find((a) => a.isPreferred) ?? fixes[0];
      if (!fix?.edit?.changes?.[doc.uri]) continue;
      current = await setText(name, applyEdits(doc.text, fix.edit.changes[doc.uri]));
      fixed = true;
      break;
    }
    if (!fixed) return current;
  }
  return current;
}

test('the seed document’s sample bodies: every mistake is flagged, and quick fixes leave only what needs a value from the user', async () => {
  const base = await open('base.aep.json');
  assert.deepEqual(base.diagnostics.map((d) => d.code).sort(), ['json-trailing-comma', 'literal-secret', 'placeholder']);
  const baseLeft = await quickFixAll('base.aep.json', base.diagnostics);
  assert.deepEqual(baseLeft.map((d) => d.code), []);
  assert.match(docs.get('base.aep.json')!.text, /"accessToken": "\$\{secret:[a-z-]+\}"/);
  const source = await open('charges.source.aep.json');
  assert.deepEqual(source.diagnostics.map((d) => d.code), ['json-trailing-comma']);
  assert.deepEqual(await quickFixAll('charges.source.aep.json', source.diagnostics), []);
  const flow = await open('charges.flow.aep.json');
  assert.deepEqual(flow.diagnostics.map((d) => d.code), ['template-hole']);
  // The hole needs a value only the user has; 5 minutes is below Adobe's minimum, and the fix says 15.
  const five = await setText('charges.flow.aep.json', docs.get('charges.flow.aep.json')!.text.replace('{{interval}}', '5'));
  assert.deepEqual(five.map((d) => d.code), ['aep-schedule']);
  assert.deepEqual(await quickFixAll('charges.flow.aep.json', five), []);
  assert.match(docs.get('charges.flow.aep.json')!.text, /"interval": 15/);
});

test('the mapping set is written mostly by completion: the first destination offered is the field named like the source', async () => {
  const { doc } = await open('charges.mapping.aep.json');
  const wanted: Array<[string, string]> = [
    ['data.id', '_acme.payments.chargeId'], ['data.amount', '_acme.payments.amount'], ['data.amount_captured', '_acme.payments.amountCaptured'],
    ['data.amount_refunded', '_acme.payments.amountRefunded'], ['data.currency', '_acme.payments.currency'], ['data.customer', '_acme.payments.customerId'],
    ['data.status', '_acme.payments.status'], ['data.paid', '_acme.payments.paid'], ['data.refunded', '_acme.payments.refunded'],
    ['data.payment_intent', '_acme.payments.paymentIntentId'], ['data.livemode', '_acme.payments.livemode'],
  ];
  const mappings: Array<Record<string, unknown>> = [{ sourceType: 'ATTRIBUTE', sourceAttribute: 'data.id', destinationXdmPath: '_id', identity: false, version: 0 }];
  let byCompletion = 0;
  for (const [source, expected] of wanted) {
    // The user types the start of the source field and picks it from the list…
    const typed = json({ version: 0, xdmSchema: TARGET.data.schema.id, xdmVersion: '1.0', mappings: [...mappings, { sourceType: 'ATTRIBUTE', sourceAttribute: source.slice(0, 8), destinationXdmPath: '', identity: false, version: 0 }] });
    await setText('charges.mapping.aep.json', typed);
    const at = typed.lastIndexOf(`"${source.slice(0, 8)}"`) + 1 + source.slice(0, 8).length;
    const sources = await client.completion(doc.uri, positionOf(typed, at));
    assert.ok(sources.some((c) => c.label === source), `${source} is offered`);
    // …then takes the first destination offered.
    const withSource = typed.replace(`"sourceAttribute": "${source.slice(0, 8)}"`, `"sourceAttribute": "${source}"`);
    await setText('charges.mapping.aep.json', withSource);
    const dests = (await client.completion(doc.uri, positionOf(withSource, withSource.lastIndexOf('"destinationXdmPath": ""') + '"destinationXdmPath": "'.length))).sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
    if (dests[0]?.label === expected) byCompletion++;
    mappings.push({ sourceType: 'ATTRIBUTE', sourceAttribute: source, destinationXdmPath: expected, identity: expected.endsWith('customerId'), version: 0 });
  }
  assert.ok(byCompletion >= wanted.length - 1, `${byCompletion} of ${wanted.length} destinations were the first completion`);
  const final = json({ version: 0, xdmSchema: TARGET.data.schema.id, xdmVersion: '1.0', mappings });
  assert.deepEqual(await setText('charges.mapping.aep.json', final), []);
  assert.ok(final.split('\n').length >= 30);
  // Hover on a line shows both sides; go to definition opens the field in the local schema.
  const at = final.indexOf('_acme.payments.amountRefunded');
  const h = await client.hover(doc.uri, positionOf(final, at));
  assert.match(JSON.stringify(h?.contents), /data.amount_refunded` \(integer\) → `_acme.payments.amountRefunded` \(long\)/);
  const defs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: doc.uri }, position: positionOf(final, at) });
  assert.equal(defs.length, 1);
  assert.match(defs[0].uri, /acme-payments\.xdm\.json$/);
});

test('sourceParams: encoded from the resource path by a code action', async () => {
  const doc = docs.get('charges.source.aep.json')!;
  const at = doc.text.indexOf('"charges"');
  const actions = (await client.codeActions(doc.uri, { start: positionOf(doc.text, at), end: positionOf(doc.text, at) })) as CodeAction[];
  const encode = actions.find((a) => a.title.startsWith('Encode resourcePath "charges" as sourceParams'));
  assert.ok(encode, JSON.stringify(actions.map((a) => a.title)));
  const text = applyEdits(doc.text, encode.edit!.changes![doc.uri]);
  assert.match(text, /"resourcePath": "charges",\n\s+"sourceParams": "eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0="/);
  assert.deepEqual(await setText('charges.source.aep.json', text), []);
  assert.equal(await client.executeCommand(Commands.decodeSourceParams, ['eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0%3D']).then((d: any) => d.json.resourcePath), 'charges');
});

test('Preview AEP Mapping maps sample charges before anything is deployed', async () => {
  const uri = `file://${join(dir, 'stripe.pipeline.json')}`;
  const r = await client.executeCommand<AepPreviewResult>(Commands.aepPreview, [uri, { charges: 300 }], 30_000);
  assert.equal(r.resourcePath, 'charges');
  assert.ok(r.records > 250);
  assert.equal(r.failed, 0);
  assert.equal(fs.log.length, 0);
});

test('deploy asks for the Adobe token, then the Stripe token, creates everything and leaves the bodies clean; update and runs follow', async () => {
  const uri = `file://${join(dir, 'stripe.pipeline.json')}`;
  const options = { baseUrl: fs.baseUrl };
  await assert.rejects(client.executeCommand(Commands.aepDeploy, [uri, options]), (e: any) => e.data?.missingSecret?.secret === ADOBE_TOKEN_NAME && /Adobe access token for Stripe charges/.test(e.data.missingSecret.prompt));
  const secretName = /\$\{secret:([a-z-]+)\}/.exec(docs.get('base.aep.json')!.text)![1];
  await assert.rejects(client.executeCommand(Commands.aepDeploy, [uri, { ...options, secrets: { [ADOBE_TOKEN_NAME]: fs.token } }]), (e: any) => e.data?.missingSecret?.secret === secretName);
  assert.equal(fs.log.length, 0);
  const secrets = { [ADOBE_TOKEN_NAME]: fs.token, [secretName]: 'stripe-oauth-token' };
  const r = await client.executeCommand<AepDeployResult>(Commands.aepDeploy, [uri, { ...options, secrets }], 30_000);
  assert.deepEqual(r.steps.map((s) => s.action), ['created', 'created', 'created', 'created', 'created'], JSON.stringify(r.steps));
  assert.ok([...client.progress.values()].some((p) => p.some((x) => x.kind === 'begin' && /deploying Stripe charges to Experience Platform/.test(x.title ?? ''))));
  // The flow on disk now names the created ids; opened again it is clean.
  await client.close(docs.get('charges.flow.aep.json')!);
  const flow = await open('charges.flow.aep.json');
  assert.deepEqual(flow.diagnostics, []);
  assert.deepEqual(JSON.parse(flow.doc.text).sourceConnectionIds, [fs.objects('sourceConnections')[0].id]);
  // A later edit to the schedule is an update.
  const diags = await setText('charges.flow.aep.json', flow.doc.text.replace('"interval": 15', '"interval": 30'));
  assert.deepEqual(diags, []);
  const u = await client.executeCommand<AepDeployResult>(Commands.aepDeploy, [uri, { ...options, secrets, updateOnly: true }], 30_000);
  assert.deepEqual(u.steps.map((s) => `${s.file}:${s.action}`), ['base.aep.json:unchanged', 'charges.source.aep.json:unchanged', 'charges.target.aep.json:unchanged', 'charges.mapping.aep.json:unchanged', 'charges.flow.aep.json:updated']);
  fs.addRun(fs.objects('flows')[0].id, { input: 120 });
  const runs = await client.executeCommand<AepRunsResult>(Commands.aepRuns, [uri, { ...options, secrets }], 30_000);
  assert.deepEqual(runs.runs.map((x) => [x.status, x.input, x.output]), [['success', 120, 120]]);
  // A dry run shows curl with the token redacted.
  const dry = await client.executeCommand<AepDeployResult>(Commands.aepDelete, [uri, { ...options, secrets, dryRun: true }], 30_000);
  assert.equal(dry.curl?.length, 5);
  assert.ok(dry.curl!.every((c) => c.includes('<redacted') && !c.includes(fs.token)));
  assert.equal(fs.objects('flows').length, 1);
});
