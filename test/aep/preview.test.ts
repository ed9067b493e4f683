/**
 * The local mapping preview: the mapping set run over Stripe records as Data Prep would, the XDM records that would
 * land in the dataset, and every failing record with why — in the engine, and through `pipewright aep preview`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, project } from '../helpers/engine';
import { aepFiles, exampleCopy, exampleJson, json, mappingSet } from '../helpers/aep-workspace';
import { compileMapping, previewRecords } from '../../server/src/engine/aep/preview';
import { modelsOfBody, sourceSide, xdmSchemaOf } from '../../server/src/engine/aep/model';
import { sampleData } from '../../server/src/engine/export/sample';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const MAPPING = 'charges.mapping.aep.json';

function compiled(files: Record<string, string>) {
  const p = project(files);
  const doc = p.get(`${ROOT}/${MAPPING}`)!;
  const model = modelsOfBody(doc.path, p)[0];
  return compileMapping(doc, xdmSchemaOf(model, p), sourceSide(model, p).fields);
}

const charges = sampleData({ charges: 300, seed: 5 }).charges;

test('the example mapping set turns every sample charge into an XDM record of the target schema', () => {
  const r = previewRecords(compiled(aepFiles()), charges);
  assert.equal(r.records, 300);
  assert.equal(r.failed, 0);
  const first = r.samples[0] as { _id: string; _acme: { payments: Record<string, unknown> } };
  assert.equal(first._id, charges[0].id);
  assert.equal(first._acme.payments.amount, charges[0].amount);
  // Unix seconds become ISO 8601 in a date-time field.
  assert.equal(first._acme.payments.createdAt, new Date((charges[0].created as number) * 1000).toISOString());
});

test('a record missing a required field, or holding a value its field cannot take, fails with why', () => {
  const files = aepFiles({ [MAPPING]: mappingSet([
    { sourceAttribute: 'data.id', destinationXdmPath: '_id' },
    { sourceAttribute: 'data.id', destinationXdmPath: '_acme.payments.chargeId' },
    { sourceAttribute: 'data.amount', destinationXdmPath: '_acme.payments.amount' },
    { sourceAttribute: 'data.currency', destinationXdmPath: '_acme.payments.currency' },
    { sourceAttribute: 'data.amount', destinationXdmPath: '_acme.payments.riskScore' },
  ]) });
  const bad = [
    { ...charges[0], currency: null },
    { ...charges[1], amount: 3_000_000_000 },
    { ...charges[2], amount: '12.50' },
    charges[3],
  ];
  const r = previewRecords(compiled(files), bad);
  assert.equal(r.mapped, 1);
  assert.deepEqual(r.failures.map((f) => [f.record, f.id, f.errors]), [
    [1, charges[0].id, ['_acme.payments.currency is required but data.currency is null']],
    [2, charges[1].id, ['_acme.payments.riskScore (int) from data.amount: 3000000000 does not fit in int (-2147483648 to 2147483647)']],
    [3, charges[2].id, ['_acme.payments.amount (long) from data.amount: "12.50" is not a whole number (long)', '_acme.payments.riskScore (int) from data.amount: "12.50" is not a whole number (int)']],
  ]);
});

test('a required field no mapping fills fails every record', () => {
  const m = exampleJson<{ mappings: unknown[] }>(MAPPING);
  const r = previewRecords(compiled(aepFiles({ [MAPPING]: json({ ...m, mappings: m.mappings.slice(1) }) })), charges.slice(0, 10));
  assert.equal(r.failed, 10);
  assert.deepEqual(r.reasons, [{ reason: '_id is required but no mapping fills it', count: 10 }]);
});

test('pipewright aep preview reads a JSON Lines file, writes the mapped XDM records (JSON Lines or Parquet), and exits 1 when records fail', async () => {
  const dir = exampleCopy();
  const input = join(dir, 'charges.jsonl');
  writeFileSync(input, [charges[0], { ...charges[1], amount: 'n/a' }, charges[2]].map((c) => JSON.stringify(c)).join('\n') + '\n');
  const r = spawnSync(process.execPath, [BIN, 'aep', 'preview', 'aep-stripe.pipeline.json', '--input', 'charges.jsonl', '--out', 'xdm.jsonl'], { cwd: dir, encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /3 record\(s\): 2 mapped, 1 failed\./);
  assert.match(r.stdout, new RegExp(`record 2 \\(${charges[1].id}\\): _acme.payments.amount \\(long\\) from data.amount: "n/a" is not a whole number`));
  const out = readFileSync(join(dir, 'xdm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(out.map((x) => x._id), [charges[0].id, charges[2].id]);
  const gen = spawnSync(process.execPath, [BIN, 'aep', 'preview', 'aep-stripe.pipeline.json', '--charges', '500', '--json', '--parquet', 'xdm.parquet'], { cwd: dir, encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const report = JSON.parse(gen.stdout);
  assert.equal(report.resourcePath, 'charges');
  assert.equal(report.records, 500);
  assert.equal(report.failed, 0);
  // As Parquet: one typed column per XDM path, read back with hyparquet.
  const bytes = readFileSync(join(dir, 'xdm.parquet'));
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const meta = parquetMetadata(file);
  assert.equal(Number(meta.num_rows), 500);
  const rows = (await parquetReadObjects({ file, columns: ['_id', '_acme.payments.amount', '_acme.payments.createdAt'] })) as Array<Record<string, unknown>>;
  const first = report.samples[0];
  assert.equal(rows[0]._id, first._id);
  assert.equal(Number(rows[0]['_acme.payments.amount']), first._acme.payments.amount);
  assert.equal(new Date(rows[0]['_acme.payments.createdAt'] as Date).toISOString(), first._acme.payments.createdAt);
});
