/** Stripe objects → typed export columns, and the offline sample data they are tested on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { columnsOf, flatten, schemaReference, TABLES } from '../../server/src/engine/export/tables';
import { sampleData, sampleObjects, SAMPLE_TABLES } from '../../server/src/engine/export/sample';

test('a charge becomes typed columns: amounts INT64, timestamps in milliseconds, nested objects dotted, metadata as JSON', () => {
  const row = flatten('charges', {
    id: 'ch_1', object: 'charge', amount: 1999, amount_captured: 1999, amount_refunded: 0, created: 1_700_000_000, currency: 'eur', paid: true,
    billing_details: { address: { city: 'Berlin', country: 'DE' }, email: null }, metadata: { order_id: '42' }, outcome: { risk_score: 12 },
    payment_method_details: { type: 'card', card: { brand: 'visa', exp_month: 4 } },
  });
  assert.equal(row.id, 'ch_1');
  assert.equal(row.amount, 1999);
  assert.equal(row.created, 1_700_000_000_000);
  assert.equal(row['billing_details.address.city'], 'Berlin');
  assert.equal(row['billing_details.email'], null);
  assert.equal(row['billing_details.address.line1'], null, 'absent fields are null');
  assert.equal(row.metadata, '{"order_id":"42"}');
  assert.equal(row['outcome.risk_score'], 12);
  assert.equal(row['payment_method_details.card.exp_month'], 4);
  assert.equal(row.paid, true);
  assert.deepEqual(Object.keys(row), columnsOf('charges').map((c) => c.name), 'every column, in the schema order');
});

test('a table without its own columns keeps the whole object as JSON', () => {
  const row = flatten('payouts', { id: 'po_1', object: 'payout', created: 1, livemode: false, amount: 5 });
  assert.deepEqual(row, { id: 'po_1', object: 'payout', created: 1000, livemode: false, data: '{"id":"po_1","object":"payout","created":1,"livemode":false,"amount":5}' });
});

test('docs/export-schema.md is the reference generated from the column lists', () => {
  assert.equal(readFileSync(resolve(__dirname, '../../docs/export-schema.md'), 'utf8'), `${schemaReference()}\n`, 'docs/export-schema.md is stale: run npm run docs');
});

test('sample data: the same seed gives the same objects; every reference points at an object that exists', () => {
  const a = sampleData({ charges: 300, seed: 7 });
  const again = sampleData({ charges: 300, seed: 7 });
  assert.deepEqual(a, again);
  assert.notDeepEqual(sampleData({ charges: 300, seed: 8 }).charges[0], a.charges[0]);
  for (const t of SAMPLE_TABLES) assert.ok(a[t].length > 0, `${t} has objects`);
  const ids = (t: keyof typeof a) => new Set(a[t].map((o) => o.id));
  const customers = ids('customers');
  const charges = ids('charges');
  const txns = ids('balance_transactions');
  for (const c of a.charges) {
    if (c.customer) assert.ok(customers.has(c.customer as string));
    if (c.status === 'succeeded') assert.ok(txns.has(c.balance_transaction as string));
  }
  for (const r of a.refunds) {
    assert.ok(charges.has(r.charge as string));
    assert.ok(txns.has(r.balance_transaction as string));
  }
  for (const s of a.subscriptions) assert.ok(customers.has(s.customer as string));
  // Every object flattens without losing a column's type.
  for (const t of SAMPLE_TABLES) {
    for (const o of a[t]) {
      const row = flatten(t, o);
      for (const c of TABLES[t]) {
        const v = row[c.name];
        if (v === null) continue;
        const ok = c.type === 'string' || c.type === 'json' ? typeof v === 'string' : c.type === 'boolean' ? typeof v === 'boolean' : Number.isInteger(v);
        assert.ok(ok, `${t}.${c.name} = ${JSON.stringify(v)} is not a ${c.type}`);
      }
    }
  }
});

test('sample objects stream: a million charges need no more memory than a few', () => {
  let n = 0;
  for (const [table] of sampleObjects({ charges: 20_000, seed: 1 })) if (table === 'charges') n++;
  assert.equal(n, 20_000);
});
