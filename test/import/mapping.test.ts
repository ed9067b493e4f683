/** The data template as a record mapper: each type's coercion, required values, the key, and the errors a user reads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMapper, templateFromJson, type FieldError, type Template } from '../../server/src/engine/import/mapping';

const products: Template = {
  object: 'products',
  key: 'product_id',
  columns: [
    { column: 'product_id', field: 'metadata.external_id', type: 'string', required: true },
    { column: 'name', field: 'name', type: 'string', required: true },
    { column: 'active', field: 'active', type: 'boolean' },
    { column: 'unit_amount', field: 'default_price_data.unit_amount', type: 'decimal', required: true, currencyExponent: 2 },
    { column: 'currency', field: 'default_price_data.currency', type: 'enum', values: ['usd', 'eur'], required: true },
    { column: 'created', field: 'metadata.created', type: 'timestamp', format: 'iso8601' },
    { column: 'stock', field: 'metadata.stock', type: 'integer' },
  ],
};
const HEADER = ['product_id', 'name', 'active', 'unit_amount', 'currency', 'created', 'stock'];

function csv(fields: string[], line = 2) {
  const m = createMapper(products);
  assert.deepEqual(m.useHeader(HEADER), { notes: [] });
  const errors: FieldError[] = [];
  return { record: m.map({ line, fields }, errors), errors };
}

test('a good CSV row becomes the Stripe fields, with amounts in minor units and timestamps in Unix seconds', () => {
  const { record, errors } = csv(['p_1', 'Mug', 'yes', '12.5', 'usd', '2026-05-01T12:00:00Z', '7']);
  assert.deepEqual(errors, []);
  assert.deepEqual(record, {
    key: 'p_1',
    line: 2,
    fields: { 'metadata.external_id': 'p_1', name: 'Mug', active: true, 'default_price_data.unit_amount': 1250, 'default_price_data.currency': 'usd', 'metadata.created': 1777636800, 'metadata.stock': 7 },
  });
});

test('decimals are exact: 0.29 is 29 minor units, never 28.999…; more places than the exponent is an error', () => {
  assert.equal(csv(['p', 'n', '', '0.29', 'usd', '', ''])?.record?.fields['default_price_data.unit_amount'], 29);
  assert.equal(csv(['p', 'n', '', '1234567.10', 'usd', '', ''])?.record?.fields['default_price_data.unit_amount'], 123456710);
  const { record, errors } = csv(['p', 'n', '', '1.234', 'usd', '', '']);
  assert.equal(record, undefined);
  assert.deepEqual(errors, [{ line: 2, column: 'unit_amount', value: '1.234', message: '"unit_amount" has more than 2 decimal places' }]);
});

test('every failing column of a row is reported with its value; the row is not delivered', () => {
  const { record, errors } = csv(['p', '', 'maybe', 'abc', 'USD', '2026-05-01 12:00', '1.5'], 9);
  assert.equal(record, undefined);
  assert.deepEqual(errors.map((e) => [e.line, e.column, e.value]), [
    [9, 'name', undefined],
    [9, 'active', 'maybe'],
    [9, 'unit_amount', 'abc'],
    [9, 'currency', 'USD'],
    [9, 'created', '2026-05-01 12:00'],
    [9, 'stock', '1.5'],
  ]);
  assert.match(errors[3].message, /did you mean "usd"\? values are case-sensitive/);
  assert.match(errors[4].message, /ISO 8601 timestamp with a time zone/);
});

test('optional empty values are null; a missing required header column refuses the file; a short row is an error', () => {
  const ok = csv(['p', 'n', '', '1', 'eur', '', '']);
  assert.equal(ok.record?.fields.active, null);
  const m = createMapper(products);
  const h = m.useHeader(['name', 'unit_amount']);
  assert.match(h.error!, /no column "product_id", "currency", which the template requires/);
  const m2 = createMapper(products);
  assert.deepEqual(m2.useHeader([...HEADER.slice(0, 5)]).notes, ['the header has no column "created": "metadata.created" stays empty', 'the header has no column "stock": "metadata.stock" stays empty']);
  const errors: FieldError[] = [];
  assert.equal(m2.map({ line: 4, fields: ['p', 'n'] }, errors), undefined);
  assert.deepEqual(errors, [{ line: 4, message: '2 fields where the header has 5' }]);
});

test('JSON records: properties by name, dotted paths into nested objects, JSON types accepted', () => {
  const t: Template = { object: 'prices', key: 'id', columns: [
    { column: 'id', field: 'metadata.external_id', type: 'string', required: true },
    { column: 'price.amount', field: 'unit_amount', type: 'decimal', currencyExponent: 2 },
    { column: 'live', field: 'active', type: 'boolean' },
    { column: 'at', field: 'metadata.at', type: 'timestamp', format: 'unix' },
  ] };
  const m = createMapper(t);
  const errors: FieldError[] = [];
  assert.deepEqual(m.map({ line: 3, value: { id: 'x1', price: { amount: 19.99 }, live: false, at: 1700000000 } }, errors)?.fields, { 'metadata.external_id': 'x1', unit_amount: 1999, active: false, 'metadata.at': 1700000000 });
  assert.equal(m.map({ line: 4, value: { id: 'x2', at: 1700000000000 } }, errors), undefined);
  assert.match(errors[0].message, /looks like milliseconds/);
  assert.equal(m.map({ line: 5, value: ['not', 'an', 'object'] }, errors), undefined);
  assert.match(errors[1].message, /must be a JSON object, found an array/);
});

test('a template without its key among the columns is refused with the file named', () => {
  assert.throws(() => templateFromJson({ object: 'products', key: 'sku', columns: [{ column: 'id', field: 'name', type: 'string' }] }, 'p.template.json'), /p\.template\.json: the key "sku" is not one of the columns/);
});

test('plain decimals and exact ISO timestamps (read digit by digit) give what the general reading gives', () => {
  const amount = (v: string) => csv(['p', 'n', '', v, 'usd', '', ''])?.record?.fields['default_price_data.unit_amount'];
  const created = (v: string) => csv(['p', 'n', '', '1', 'usd', v, ''])?.record?.fields['metadata.created'];
  const errorOf = (fields: string[]) => csv(fields).errors.map((e) => e.message);
  // Each value against the same value with a leading space, which only the general reading accepts.
  for (const v of ['0', '12', '12.3', '12.30', '-0.50', '+7.05', '.5', '5.', '999999999999999.99', '12.300', '3.10000']) assert.equal(amount(v), amount(` ${v}`), v);
  assert.equal(amount('-0.50'), -50);
  assert.equal(amount('12.300'), 1230);
  assert.deepEqual(errorOf(['p', 'n', '', '12.345', 'usd', '', '']), ['"unit_amount" has more than 2 decimal places']);
  assert.deepEqual(errorOf(['p', 'n', '', '1e5', 'usd', '', '']), ['"unit_amount" is not a decimal amount']);
  assert.deepEqual(errorOf(['p', 'n', '', '-.', 'usd', '', '']), ['"unit_amount" is not a decimal amount']);
  assert.deepEqual(errorOf(['p', 'n', '', '90071992547409.93', 'usd', '', '']), ['"unit_amount" is too large']);
  for (const v of ['2026-05-01T12:00:00Z', '1970-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2000-02-29T23:59:59Z', '2024-02-30T00:00:00Z', '2023-04-31T08:00:00Z', '1600-03-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
    assert.equal(created(v), Date.parse(v) / 1000, v);
  }
  // A day past the month's end rolls over, as Date.parse has it; an hour of 24 or a 13th month does not pass as plain.
  assert.equal(created('2024-02-30T00:00:00Z'), created('2024-03-01T00:00:00Z'));
  assert.equal(created('2024-01-01T24:00:00Z'), created('2024-01-02T00:00:00Z'));
  assert.deepEqual(errorOf(['p', 'n', '', '1', 'usd', '2024-13-01T00:00:00Z', '']), ['"created" is not a valid date']);
});
