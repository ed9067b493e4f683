/**
 * An aep-stripe-flow pipeline across its files: the mapping set checked against the Stripe fields of the source
 * connection's resource path and the local XDM schema, the flow's ids against the deployment state, the mapping
 * set's schema id against the target connection — with completion, hover and go-to-definition on the same model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, applyFix, codes, lint, project } from '../helpers/engine';
import { aepFiles, exampleJson, json, mappingSet } from '../helpers/aep-workspace';
import { complete, hover } from '../../server/src/engine';
import { aepDefinition } from '../../server/src/engine/aep/definition';

const MAPPING = 'charges.mapping.aep.json';
const FLOW = 'charges-hourly.flow.aep.json';
const REQUIRED = [
  { sourceAttribute: 'data.id', destinationXdmPath: '_id' },
  { sourceAttribute: 'data.id', destinationXdmPath: '_acme.payments.chargeId' },
  { sourceAttribute: 'data.amount', destinationXdmPath: '_acme.payments.amount' },
  { sourceAttribute: 'data.currency', destinationXdmPath: '_acme.payments.currency' },
];
const withLines = (...extra: Array<Record<string, unknown>>) => aepFiles({ [MAPPING]: mappingSet([...REQUIRED, ...extra]) });

test('the example mapping set, flow and source connection are clean against their pipeline', () => {
  for (const f of [MAPPING, FLOW, 'charges.source.aep.json', 'aep-stripe.pipeline.json']) assert.deepEqual(lint(aepFiles(), f), [], f);
});

test('a source attribute the Stripe charges do not have is flagged, with the nearest field as a fix', () => {
  const files = withLines({ sourceAttribute: 'data.amount_refundd', destinationXdmPath: '_acme.payments.amountRefunded' }, { sourceAttribute: 'status', destinationXdmPath: '_acme.payments.status' });
  const r = lint(files, MAPPING);
  assert.deepEqual(codes(r), ['aep-source-attribute', 'aep-source-attribute']);
  assert.match(r[0].message, /"data.amount_refundd" is not a field of the Stripe charges records\. Did you mean "data.amount_refunded"\?/);
  assert.match(r[1].message, /Did you mean "data.status"\?/);
  const fixed = applyFix(applyFix(files[MAPPING], r[1].finding), r[0].finding);
  assert.deepEqual(lint({ ...files, [MAPPING]: fixed }, MAPPING), []);
});

test('nested Stripe fields are named as the explore endpoint returns them', () => {
  assert.deepEqual(lint(withLines({ sourceAttribute: 'data.billing_details.address.country', destinationXdmPath: '_acme.payments.country' }, { sourceAttribute: 'data.outcome.risk_score', destinationXdmPath: '_acme.payments.riskScore' }), MAPPING).map((s) => s.code), ['aep-mapping-type']);
});

test('a destination the XDM schema lacks is flagged with "did you mean"; a field mapped twice is flagged', () => {
  const r = lint(withLines({ sourceAttribute: 'data.paid', destinationXdmPath: '_acme.payments.payed' }, { sourceAttribute: 'data.captured', destinationXdmPath: '_acme.payments.amount' }), MAPPING);
  assert.deepEqual(codes(r), ['aep-destination-path', 'aep-destination-path', 'aep-mapping-type']);
  assert.match(r[0].message, /"_acme.payments.payed" is not a field of the target XDM schema Acme Payments\. Did you mean "_acme.payments.paid"\?/);
  assert.match(r[1].message, /already mapped on line \d+/);
});

test('types: string → long is an error, integer → long and integer → date-time are fine, integer → int is a warning', () => {
  const r = lint(withLines({ sourceAttribute: 'data.currency', destinationXdmPath: '_acme.payments.amountCaptured' }, { sourceAttribute: 'data.created', destinationXdmPath: '_acme.payments.createdAt' }, { sourceAttribute: 'data.amount_refunded', destinationXdmPath: '_acme.payments.riskScore' }), MAPPING);
  assert.deepEqual(r.map((s) => [s.code, s.severity, s.text]), [
    ['aep-mapping-type', 'error', '"_acme.payments.amountCaptured"'],
    ['aep-mapping-type', 'warning', '"_acme.payments.riskScore"'],
  ]);
  assert.match(r[0].message, /data.currency is string but _acme.payments.amountCaptured is long/);
});

test('identity: only the fields an identity descriptor names may be sent to Identity Service', () => {
  const r = lint(withLines({ sourceAttribute: 'data.customer', destinationXdmPath: '_acme.payments.customerId', identity: true }, { sourceAttribute: 'data.status', destinationXdmPath: '_acme.payments.status', identity: true }), MAPPING);
  assert.deepEqual(codes(r), ['aep-identity']);
  assert.match(r[0].message, /_acme.payments.status is not an identity field.*Identity fields: _acme.payments.customerId, _acme.payments.customerEmail\./);
  assert.equal(r[0].finding.fixes?.[0].title, 'Set "identity" to false');
});

test('a field the schema requires and no mapping fills is flagged on "mappings"', () => {
  const r = lint(aepFiles({ [MAPPING]: mappingSet(REQUIRED.slice(1)) }), MAPPING);
  assert.deepEqual(codes(r), ['aep-required-field']);
  assert.match(r[0].message, /requires _id, which no mapping fills/);
});

test('the mapping set’s xdmSchema must be the target connection’s schema id', () => {
  const m = exampleJson(MAPPING);
  const files = aepFiles({ [MAPPING]: json({ ...m, xdmSchema: 'https://ns.adobe.com/acme/schemas/0000' }) });
  const r = lint(files, MAPPING);
  assert.deepEqual(codes(r), ['aep-reference']);
  assert.deepEqual(lint({ ...files, [MAPPING]: applyFix(files[MAPPING], r[0].finding) }, MAPPING), []);
});

test('flow ids must be the ones the deployment state holds for the named files; the fix puts them in', () => {
  const f = exampleJson(FLOW) as Record<string, unknown>;
  const files = aepFiles({ [FLOW]: json({ ...f, sourceConnectionIds: ['abbfac4e-202c-4e04-902d-6f73e9041068'], transformations: [{ name: 'Mapping', params: { mappingId: 'f4aad280fdec4770b7e33066945919d8', mappingVersion: 2 } }] }) });
  const r = lint(files, FLOW);
  assert.deepEqual(codes(r), ['aep-reference', 'aep-reference', 'aep-reference']);
  assert.match(r[0].message, /"abbfac4e-202c-4e04-902d-6f73e9041068" is not the id of any file the pipeline names: aep-stripe.deployment.json records 5d7e2c95-a7b6-4f09-8821-c53eef894256 for charges.source.aep.json/);
  assert.match(r[1].message, /"f4aad280fdec4770b7e33066945919d8" is not the id of charges.mapping.aep.json/);
  assert.match(r[2].message, /mapping set is at version 0; this flow uses version 2/);
  let text = files[FLOW];
  for (const s of [...r].reverse()) text = applyFix(text, s.finding);
  assert.deepEqual(lint({ ...files, [FLOW]: text }, FLOW), []);
  // Without a deployment state nothing is deployed yet: the ids are not checked (deploy fills them in).
  assert.deepEqual(lint(aepFiles({ [FLOW]: files[FLOW], 'aep-stripe.deployment.json': undefined }), FLOW), []);
  // One source connection in the pipeline, two ids in the flow.
  const two = lint(aepFiles({ [FLOW]: json({ ...f, sourceConnectionIds: ['5d7e2c95-a7b6-4f09-8821-c53eef894256', 'x'] }), 'aep-stripe.deployment.json': undefined }), FLOW);
  assert.match(two[0].message, /"sourceConnectionIds" holds 2 id\(s\) but the pipeline aep-stripe.pipeline.json names 1 file\(s\)/);
});

function at(files: Record<string, string>, name: string, marker: string) {
  const p = project(files);
  const doc = p.get(`${ROOT}/${name}`)!;
  const offset = doc.text.indexOf(marker);
  assert.ok(offset >= 0, marker);
  return { p, doc, offset };
}

test('completion offers the Stripe fields with their types, unmapped first', () => {
  const files = withLines({ sourceAttribute: 'data.am', destinationXdmPath: '_acme.payments.amountCaptured' });
  const { p, doc, offset } = at(files, MAPPING, '"data.am"');
  const items = complete(doc, offset + 3, p);
  const byLabel = new Map(items.map((c) => [c.label, c]));
  assert.equal(byLabel.get('data.amount_captured')?.detail, 'integer');
  assert.equal(byLabel.get('data.billing_details.address.city')?.detail, 'string');
  assert.match(byLabel.get('data.amount')!.detail!, /already mapped/);
  assert.ok(byLabel.get('data.amount_captured')!.sortText! < byLabel.get('data.amount')!.sortText!);
});

test('destination completion puts the fields that take the source and match its name first', () => {
  const files = withLines({ sourceAttribute: 'data.amount_captured', destinationXdmPath: '' });
  const { p, doc, offset } = at(files, MAPPING, '"destinationXdmPath": ""');
  const items = complete(doc, offset + '"destinationXdmPath": "'.length, p).sort((a, b) => a.sortText!.localeCompare(b.sortText!));
  assert.equal(items[0].label, '_acme.payments.amountCaptured');
  assert.equal(items[0].detail, 'long');
  const customer = items.find((c) => c.label === '_acme.payments.customerId')!;
  assert.equal(customer.detail, 'string — identity');
});

test('hover on a mapping line shows both sides’ types and docs', () => {
  const { p, doc, offset } = at(aepFiles(), MAPPING, '"_acme.payments.amount"');
  const h = hover(doc, offset + 2, p)!;
  assert.match(h.markdown, /`data.amount` \(integer\) → `_acme.payments.amount` \(long\)/);
  assert.match(h.markdown, /Amount charged, in the currency's minor unit/);
  assert.match(h.markdown, /Data Prep writes integer into long\./);
});

test('go to definition: an id opens the file it was created from, a destination its field in the XDM schema', () => {
  const { p, doc, offset } = at(aepFiles(), FLOW, '29a3df08dcf6db7ef9cbda13cd451155');
  assert.deepEqual(aepDefinition(doc, offset, p).map((d) => d.path), [`${ROOT}/${MAPPING}`]);
  const m = at(aepFiles(), MAPPING, '_acme.payments.paymentIntentId');
  const [def] = aepDefinition(m.doc, m.offset, m.p);
  assert.equal(def.path, `${ROOT}/acme-payments.xdm.json`);
  assert.equal(m.p.get(def.path)!.text.slice(def.start, def.end), '"paymentIntentId"');
});
