/** Import data templates: the key is a column, each column and field is mapped once, enums list their values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codes, lintOne } from '../helpers/engine';

const template = (columns: unknown[], key = 'product_id') => JSON.stringify({ object: 'products', format: 'csv', key, columns }, null, 2);
const id = { column: 'product_id', field: 'metadata.external_id', type: 'string', required: true };
const name = { column: 'name', field: 'name', type: 'string', required: true };

test('a valid template lints clean', () => {
  assert.deepEqual(lintOne('p.template.json', template([id, name, { column: 'currency', field: 'default_price_data.currency', type: 'enum', values: ['usd', 'eur'] }, { column: 'price', field: 'default_price_data.unit_amount', type: 'decimal', currencyExponent: 2 }])), []);
});

test('the key must be one of the columns', () => {
  const r = lintOne('p.template.json', template([id, name], 'produt_id'));
  assert.deepEqual(codes(r), ['template-key']);
  assert.match(r[0].message, /Did you mean "product_id"\?/);
});

test('a column mapped twice, or two columns into one field, is an error', () => {
  assert.match(lintOne('p.template.json', template([id, name, { ...name }]))[0].message, /Column "name" is mapped twice/);
  assert.match(lintOne('p.template.json', template([id, name, { column: 'title', field: 'name', type: 'string' }]))[0].message, /already filled from column "name"/);
});

test('enum columns list their values; values and currencyExponent apply only where they mean something', () => {
  assert.match(lintOne('p.template.json', template([id, { column: 'c', field: 'default_price_data.currency', type: 'enum' }]))[0].message, /no "values"/);
  assert.match(lintOne('p.template.json', template([id, { column: 'c', field: 'default_price_data.currency', type: 'string', values: ['usd'] }]))[0].message, /only applies to columns of type "enum"/);
  assert.match(lintOne('p.template.json', template([id, { column: 'c', field: 'default_price_data.unit_amount', type: 'integer', currencyExponent: 2 }]))[0].message, /only applies to columns of type "decimal"/);
  assert.match(lintOne('p.template.json', template([id, { column: 'c', field: 'metadata.created', type: 'string', format: 'unix' }]))[0].message, /"format" only applies to columns of type "timestamp"/);
  assert.deepEqual(lintOne('p.template.json', template([id, { column: 'c', field: 'metadata.created', type: 'timestamp', format: 'unix' }])), []);
});

test('a field the template’s Stripe object does not have is a warning with the nearest field; objects without a shipped schema are not checked', () => {
  const found = lintOne('p.template.json', template([id, name, { column: 'price', field: 'default_price_data.unit_amont', type: 'decimal' }]));
  assert.deepEqual(found.map((f) => [f.code, f.severity, f.text]), [['template-field', 'warning', '"default_price_data.unit_amont"']]);
  assert.match(found[0].message, /A Stripe product has no field "default_price_data\.unit_amont".*Did you mean "default_price_data\.unit_amount"\?/);
  assert.equal(found[0].finding.fixes?.[0].edits[0].newText, '"default_price_data.unit_amount"');
  const customers = JSON.stringify({ object: 'customers', key: 'crm_id', columns: [{ column: 'crm_id', field: 'metadata.crm_id', type: 'string' }, { column: 'city', field: 'address.city', type: 'string' }, { column: 'mail', field: 'e_mail', type: 'string' }] });
  assert.deepEqual(lintOne('c.template.json', customers).map((f) => f.text), ['"e_mail"']);
  const invoices = JSON.stringify({ object: 'invoices', key: 'n', columns: [{ column: 'n', field: 'anything.at_all', type: 'string' }] });
  assert.deepEqual(lintOne('i.template.json', invoices), []);
});
