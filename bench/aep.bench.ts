/**
 * AEP mapping sets: completion of `sourceAttribute` and `destinationXdmPath` in a 2,000-line mapping set of an
 * aep-stripe-flow pipeline (cross-file: the source connection's resource path, a local XDM schema of 300 fields),
 * each completion after a one-character edit; and the local mapping preview of 100,000 sample charges through a
 * 50-field mapping.
 */
import { Project } from '../server/src/engine';
import { complete } from '../server/src/engine';
import { compileMapping, previewRecords } from '../server/src/engine/aep/preview';
import { modelsOfBody, sourceSide, xdmSchemaOf } from '../server/src/engine/aep/model';
import { sampleObjects } from '../server/src/engine/export/sample';
import { TABLES } from '../server/src/engine/export/tables';
import { prng } from '../server/src/engine/prng';
import { assert, sideBySide, stats, type Benchmark, type BenchResult } from './harness';

const WS = '/bench-aep';
const CHARGES = Number(process.env.BENCH_AEP_CHARGES ?? 100_000);

const XDM_TYPE: Record<string, [string, string?]> = { string: ['string'], int64: ['integer', 'long'], timestamp: ['string', 'date-time'], boolean: ['boolean'], json: ['object'], double: ['number', 'double'] };

/** A schema of `n` fields under _acme.payments, cycling through the charge columns' types; field i is named f<i>_<column>. */
function xdmSchema(n: number): { text: string; fields: Array<{ path: string; source: string }> } {
  const cols = TABLES.charges.filter((c) => c.type !== 'json');
  const props: Record<string, unknown> = {};
  const fields: Array<{ path: string; source: string }> = [];
  for (let i = 0; i < n; i++) {
    const c = cols[i % cols.length];
    const name = `f${i}_${c.name.replace(/\./g, '_')}`;
    const [type, xdmType] = XDM_TYPE[c.type];
    props[name] = { title: name, description: `Charge ${c.name}`, type, ...(xdmType ? { 'meta:xdmType': xdmType } : {}), ...(xdmType === 'date-time' ? { format: 'date-time' } : {}) };
    fields.push({ path: `_acme.payments.${name}`, source: `data.${c.name}` });
  }
  const schema = { $id: 'https://ns.adobe.com/acme/schemas/bench', title: 'Bench payments', type: 'object', properties: { _id: { type: 'string' }, _acme: { type: 'object', properties: { payments: { type: 'object', properties: props } } } }, required: ['_id'] };
  return { text: JSON.stringify(schema, null, 2), fields };
}

function mappingSet(fields: Array<{ path: string; source: string }>, lines: number): string {
  const r = prng(11);
  const mappings: unknown[] = [{ sourceType: 'ATTRIBUTE', sourceAttribute: 'data.id', destinationXdmPath: '_id', identity: false, version: 0 }];
  // 7 lines per mapping as JSON.stringify(…, 2) writes it, inside "mappings".
  for (let i = 0; mappings.length * 7 < lines - 6; i++) {
    const f = fields[i % fields.length];
    mappings.push({ sourceType: 'ATTRIBUTE', sourceAttribute: f.source, destinationXdmPath: i < fields.length ? f.path : fields[Math.floor(r() * fields.length)].path, identity: false, version: 0 });
  }
  return JSON.stringify({ version: 0, xdmSchema: 'https://ns.adobe.com/acme/schemas/bench', xdmVersion: '1.0', mappings }, null, 2);
}

function workspace(files: Record<string, string>): Project {
  const map = new Map(Object.entries(files).map(([k, v]) => [`${WS}/${k}`, v]));
  const project = new Project({ readFile: (p) => map.get(p), exists: (p) => map.has(p) });
  for (const p of map.keys()) project.addKnown(p);
  return project;
}

function pipelineFiles(schema: string, mapping: string): Record<string, string> {
  const j = (v: unknown) => JSON.stringify(v, null, 2);
  return {
    'bench.pipeline.json': j({ kind: 'aep-stripe-flow', name: 'Bench', baseConnection: 'base.aep.json', sourceConnections: ['charges.source.aep.json'], targetConnection: 'target.aep.json', mappingSet: 'mapping.aep.json', flow: 'flow.aep.json', xdmSchemaFile: 'schema.xdm.json', platform: { imsOrg: 'ABC@AdobeOrg', sandbox: 'prod', apiKey: 'k', accessToken: '${secret:adobe-access-token}' } }),
    'charges.source.aep.json': j({ name: 's', baseConnectionId: 'b', connectionSpec: { id: 'cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3', version: '1.0' }, data: { format: 'json' }, params: { resourcePath: 'charges' } }),
    'target.aep.json': j({ name: 't', connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' }, data: { format: 'parquet_xdm', schema: { id: 'https://ns.adobe.com/acme/schemas/bench', version: '1' } }, params: { dataSetId: 'd' } }),
    'schema.xdm.json': schema,
    'mapping.aep.json': mapping,
  };
}

const bench: Benchmark = {
  id: 'aep',
  title: 'AEP mapping sets: completion and local preview',
  async run(ctx): Promise<BenchResult> {
    // Completion in a 2,000-line mapping set.
    const big = xdmSchema(300);
    const text = mappingSet(big.fields, 2000);
    const lineCount = text.split('\n').length;
    const project = workspace(pipelineFiles(big.text, text));
    const path = `${WS}/mapping.aep.json`;
    const srcAt = text.lastIndexOf('"sourceAttribute": "data.') + '"sourceAttribute": "data.'.length;
    const dstAt = text.lastIndexOf('"destinationXdmPath": "_acme.') + '"destinationXdmPath": "_acme.'.length;
    // Two versions one character apart, before both positions (an edit precedes every completion).
    const texts = [text, text.replace('"xdmVersion": "1.0"', '"xdmVersion": "1.1"')];
    const run = (t: string, at: number) => complete(project.setOpen(path, t), at, project);
    assert(run(texts[0], srcAt).some((c) => c.label === 'data.amount_captured'), 'sourceAttribute completion offers data.amount_captured');
    assert(run(texts[0], dstAt).some((c) => c.label === big.fields[7].path), 'destinationXdmPath completion offers the schema fields');
    ctx.log(`aep: completion in a ${lineCount}-line mapping set, 10 warm-ups + 101 runs`);
    const { samples } = await sideBySide({
      warmup: 10,
      runs: 101,
      input: (i) => texts[i % 2],
      contenders: [
        { name: 'sourceAttribute', fn: (t: string) => run(t, srcAt) },
        { name: 'destinationXdmPath', fn: (t: string) => run(t, dstAt) },
      ],
    });
    const src = stats(samples.sourceAttribute);
    const dst = stats(samples.destinationXdmPath);

    // Local preview: 100,000 charges through a 50-field mapping.
    const small = xdmSchema(49);
    const p2 = workspace(pipelineFiles(small.text, mappingSet(small.fields, 50 * 7 + 6)));
    const doc = p2.get(path)!;
    const model = modelsOfBody(path, p2)[0];
    const compiled = compileMapping(doc, xdmSchemaOf(model, p2), sourceSide(model, p2).fields);
    assert(compiled.lines.length === 50, `the preview mapping has ${compiled.lines.length} lines, not 50`);
    ctx.log(`aep: generating ${CHARGES.toLocaleString('en-US')} sample charges (not timed)`);
    const charges: Array<Record<string, unknown>> = [];
    for (const [table, obj] of sampleObjects({ charges: CHARGES, seed: 3 })) if (table === 'charges') charges.push(obj);
    const check = previewRecords(compiled, charges.slice(0, 1000));
    assert(check.failed === 0, `sample charges fail the bench mapping: ${JSON.stringify(check.failures[0])}`);
    ctx.log('aep: preview, 1 warm-up + 5 runs');
    const pv = await sideBySide({ warmup: 1, runs: 5, input: () => charges, contenders: [{ name: 'preview', fn: (xs: Array<Record<string, unknown>>) => previewRecords(compiled, xs) }] });
    const prev = stats(pv.samples.preview);
    const perSecond = charges.length / (prev.median / 1000);
    return {
      id: 'aep',
      title: 'AEP mapping sets: completion and local preview',
      method: `Completion: \`complete()\` at the \`sourceAttribute\` and the \`destinationXdmPath\` of the last mapping of a ${lineCount}-line mapping set (${Math.round(text.length / 1024)} KB) in an aep-stripe-flow pipeline with a 300-field local XDM schema, on the next version of the open document after a one-character edit (the incremental re-parse is part of the time), through the cross-file model (source fields of the charges resource path, the schema, fields already mapped); 10 warm-ups, 101 runs each. Preview: \`previewRecords()\` of ${charges.length.toLocaleString('en-US')} sample charges (generated beforehand, not timed) through a 50-field mapping (compiled once) into XDM records with type conversion (Unix seconds → ISO date-time) and required-field checks; 1 warm-up, 5 runs, records/s from the median.`,
      tables: [
        {
          title: 'Completion in a 2,000-line mapping set',
          columns: [
            { key: 'what', header: 'Position', unit: 'text' },
            { key: 'median', header: 'Median', unit: 'ms' },
            { key: 'p95', header: 'p95', unit: 'ms', target: { op: '≤', limit: 10 } },
          ],
          rows: [
            { what: '`sourceAttribute` (Stripe charge fields)', median: src.median, p95: src.p95 },
            { what: '`destinationXdmPath` (300 XDM fields)', median: dst.median, p95: dst.p95 },
          ],
        },
        {
          title: 'Local preview of sample charges',
          columns: [
            { key: 'what', header: 'Run', unit: 'text' },
            { key: 'median', header: 'Median', unit: 'ms' },
            { key: 'rps', header: 'Records/s', unit: 'count', target: { op: '≥', limit: 50_000 } },
          ],
          rows: [{ what: `${charges.length.toLocaleString('en-US')} charges, 50-field mapping`, median: prev.median, rps: Math.round(perSecond) }],
        },
      ],
      notes: [],
    };
  },
};

export default bench;
