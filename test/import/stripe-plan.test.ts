/**
 * What an import into Stripe does with each record, decided from the record and what Stripe holds for its key:
 * create (with every field), update (every updatable field, so a resumed run sends the same parameters),
 * unchanged (nothing sent), a new default price when a product's amount changed, and rejections that say what
 * to change. Also the template rules the Stripe destination needs, and completion of Stripe field paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRecord, stripeTarget, valuesOf, type StripeTarget } from '../../server/src/engine/import/stripe-plan';
import type { MappedRecord, Template } from '../../server/src/engine/import/mapping';
import { complete } from '../../server/src/engine';
import { project, ROOT } from '../helpers/engine';

const products: Template = {
  object: 'products',
  key: 'sku',
  columns: [
    { column: 'sku', field: 'metadata.external_id', type: 'string', required: true },
    { column: 'name', field: 'name', type: 'string', required: true },
    { column: 'description', field: 'description', type: 'string' },
    { column: 'price', field: 'default_price_data.unit_amount', type: 'decimal' },
    { column: 'currency', field: 'default_price_data.currency', type: 'string' },
  ],
};
const target = stripeTarget(products, 'p.template.json');
const rec = (fields: MappedRecord['fields'], line = 2): MappedRecord => ({ key: String(fields['metadata.external_id']), fields, line });
const mug = rec({ 'metadata.external_id': 'M-1', name: 'Mug', description: null, 'default_price_data.unit_amount': 1500, 'default_price_data.currency': 'eur' });

test('a record without an object is a create with every field, nested as Stripe reads it', () => {
  const plan = planRecord(target, mug, undefined);
  assert.equal(plan.action, 'create');
  assert.deepEqual(plan.requests, [{ kind: 'create', params: { metadata: { external_id: 'M-1' }, name: 'Mug', default_price_data: { unit_amount: 1500, currency: 'eur' } } }]);
});

test('a record equal to what Stripe holds sends nothing; a changed field is an update of every updatable field, an empty one cleared', () => {
  const product = { id: 'prod_1', name: 'Mug', description: null, metadata: { external_id: 'M-1' }, default_price: 'price_1' };
  const existing = { id: 'prod_1', values: valuesOf(target, product, { unit_amount: 1500, currency: 'EUR' }) };
  assert.deepEqual(planRecord(target, mug, existing), { action: 'unchanged', id: 'prod_1', requests: [] });
  const renamed = planRecord(target, { ...mug, fields: { ...mug.fields, name: 'Big mug' } }, existing);
  assert.equal(renamed.action, 'update');
  assert.deepEqual(renamed.changed, ['name']);
  assert.deepEqual(renamed.requests, [{ kind: 'update', params: { metadata: { external_id: 'M-1' }, name: 'Big mug', description: '' } }]);
});

test('a product whose amount changed gets a new default price, and its old one is archived after; a price whose amount changed is rejected with what to do', () => {
  const existing = { id: 'prod_1', values: { 'metadata.external_id': 'M-1', name: 'Mug', description: null, 'default_price_data.unit_amount': 1200, 'default_price_data.currency': 'eur' }, defaultPrice: 'price_1' };
  const plan = planRecord(target, mug, existing);
  assert.equal(plan.action, 'update');
  assert.deepEqual(plan.requests.map((r) => r.kind), ['price', 'update', 'archive-price']);
  // The new price names the one it replaces, so that a run stopped before the archive is finished by the next one.
  assert.deepEqual(plan.requests[0].params, { product: 'prod_1', unit_amount: 1500, currency: 'eur', metadata: { pipewright_replaces: 'price_1' } });
  // Last: Stripe refuses to archive the price a product still names as its default.
  assert.deepEqual(plan.requests[2], { kind: 'archive-price', id: 'price_1', params: { active: false } });
  // Stopped before that archive: the product already has its new price, and the record only finishes the archive.
  const interrupted = { id: 'prod_1', values: { ...existing.values, 'default_price_data.unit_amount': 1500 }, defaultPrice: 'price_2', unarchived: 'price_1' };
  const finish = planRecord(target, mug, interrupted);
  assert.equal(finish.action, 'update');
  assert.deepEqual(finish.requests, [{ kind: 'archive-price', id: 'price_1', params: { active: false } }]);
  assert.equal(finish.message, 'archives price_1, which an interrupted run replaced as the default price');
  // …and a record that changes the amount again archives both: the price it replaces, then the older one.
  const again = planRecord(target, { ...mug, fields: { ...mug.fields, 'default_price_data.unit_amount': 1700 } }, interrupted);
  assert.deepEqual(again.requests.map((r) => [r.kind, r.id]), [['price', undefined], ['update', undefined], ['archive-price', 'price_2'], ['archive-price', 'price_1']]);
  // A product without a price gets one, and there is nothing to archive.
  const { defaultPrice: _none, ...priceless } = existing;
  assert.deepEqual(planRecord(target, mug, { ...priceless, values: { ...existing.values, 'default_price_data.unit_amount': undefined } }).requests.map((r) => r.kind), ['price', 'update']);

  const prices = stripeTarget({ object: 'prices', key: 'ref', columns: [{ column: 'ref', field: 'metadata.ref', type: 'string' }, { column: 'amount', field: 'unit_amount', type: 'integer' }, { column: 'product', field: 'product', type: 'string' }, { column: 'currency', field: 'currency', type: 'string' }] }, 'x');
  const r = planRecord(prices, { key: 'r1', line: 4, fields: { 'metadata.ref': 'r1', unit_amount: 900, product: 'prod_1', currency: 'usd' } }, { id: 'price_9', values: { 'metadata.ref': 'r1', unit_amount: 800, product: 'prod_1', currency: 'usd' } });
  assert.equal(r.action, 'reject');
  assert.match(r.message!, /^unit_amount of an existing price cannot change \(Stripe refuses it on update; price_9 has 800\): create a new price under another key/);
});

test('an id key creates products and coupons with that id; customers are matched by id only, and a missing one is rejected', () => {
  const coupons = stripeTarget({ object: 'coupons', key: 'code', columns: [{ column: 'code', field: 'id', type: 'string' }, { column: 'pct', field: 'percent_off', type: 'decimal' }] }, 'c');
  assert.deepEqual(planRecord(coupons, { key: 'SPRING', line: 2, fields: { id: 'SPRING', percent_off: 10 } }, undefined).requests[0].params, { id: 'SPRING', percent_off: 10 });
  const customers = stripeTarget({ object: 'customers', key: 'id', columns: [{ column: 'id', field: 'id', type: 'string' }, { column: 'email', field: 'email', type: 'string' }] }, 'c');
  const missing = planRecord(customers, { key: 'cus_404', line: 7, fields: { id: 'cus_404', email: 'a@b.c' } }, undefined);
  assert.equal(missing.action, 'reject');
  assert.match(missing.message!, /no customer has the id "cus_404", and Stripe chooses customer ids itself: key the template on a metadata field/);
});

test('a template the Stripe destination cannot use is refused naming the file and what to change', () => {
  assert.throws(() => stripeTarget({ ...products, object: 'invoices' }, 'i.template.json'), /i\.template\.json: the Stripe destination writes products, prices, customers, coupons; "invoices" objects are not supported/);
  assert.throws(() => stripeTarget({ ...products, columns: [...products.columns, { column: 'x', field: 'colour', type: 'string' }] }, 'p.template.json'), /p\.template\.json: "colour" cannot be written on a Stripe product/);
  assert.throws(() => stripeTarget({ ...products, key: 'name' }, 'p.template.json'), /the key column "name" fills "name"; to find the product again on the next run it must fill "id" or a metadata key/);
  const noName = stripeTarget({ object: 'products', key: 'sku', columns: [products.columns[0]] }, 'p');
  assert.match(planRecord(noName, rec({ 'metadata.external_id': 'A' }), undefined).message!, /a new product needs "name", which the template does not fill/);
});

test('completion of a column’s field lists the fields of the template’s Stripe object, with a metadata key to fill in', () => {
  const text = JSON.stringify({ object: 'customers', key: 'k', columns: [{ column: 'k', field: '', type: 'string' }] }, null, 2);
  const offset = text.indexOf('"field": ""') + '"field": "'.length;
  const p = project({ 'c.template.json': text });
  const items = complete(p.get(`${ROOT}/c.template.json`)!, offset, p);
  const labels = items.map((i) => i.label);
  for (const want of ['email', 'address.city', 'shipping.address.country', 'tax_exempt', 'metadata.…']) assert.ok(labels.includes(want), want);
  assert.ok(!labels.includes('default_price_data.unit_amount'), 'a product field offered on a customer');
  assert.match(items.find((i) => i.label === 'tax_exempt')!.detail!, /none \| exempt \| reverse/);
});
