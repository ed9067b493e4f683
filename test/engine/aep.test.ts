/** Adobe Flow Service bodies: the fixed ids, formats, resource paths and schedule rules of the Stripe source guide. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, codes, lintOne } from '../helpers/engine';
import { decodeSourceParams, encodeSourceParams } from '../../server/src/engine';

const base = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'Stripe base connection', connectionSpec: { id: 'cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3', version: '1.0' }, auth: { specName: 'OAuth2 Refresh Code', params: { accessToken: '${secret:adobe-access-token}' } }, ...patch }, null, 2);
const source = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 's', baseConnectionId: 'a9950001-a386-4642-a0cd-5eaac6db5556', connectionSpec: { id: 'cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3', version: '1.0' }, data: { format: 'json' }, params: { resourcePath: 'charges' }, ...patch }, null, 2);
const target = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 't', connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' }, data: { format: 'parquet_xdm', schema: { id: 'https://ns.adobe.com/acme/schemas/5f76be8c4e4b847fdac13ca42aa6b596a89a5b91dea48b16', version: 'application/vnd.adobe.xed-full+json;version=1.3' } }, params: { dataSetId: '65e622315f78042c9e8166e8' }, ...patch }, null, 2);
const flow = (schedule: Record<string, unknown>, patch: Record<string, unknown> = {}) =>
  JSON.stringify({
    name: 'f',
    flowSpec: { id: '6499120c-0b15-42dc-936e-847ea3c24d72', version: '1.0' },
    sourceConnectionIds: ['abbfac4e-202c-4e04-902d-6f73e9041068'],
    targetConnectionIds: ['69879751-ba43-48df-8cd0-39d2bb76a5b8'],
    transformations: [{ name: 'Mapping', params: { mappingId: 'f4aad280fdec4770b7e33066945919d8', mappingVersion: 0 } }],
    scheduleParams: schedule,
    ...patch,
  }, null, 2);

test('valid bodies of each type lint clean', () => {
  assert.deepEqual(lintOne('b.aep.json', base()), []);
  assert.deepEqual(lintOne('s.aep.json', source()), []);
  assert.deepEqual(lintOne('t.aep.json', target()), []);
  assert.deepEqual(lintOne('f.aep.json', flow({ startTime: '1710267858', frequency: 'hour', interval: 1 })), []);
});

test('a flow spec id one character off says "did you mean" and fixes it', () => {
  const text = flow({ startTime: '1710267858', frequency: 'once' }, { flowSpec: { id: '6499120c-0b15-42dc-936e-847ea3c24d71', version: '1.0' } });
  const r = lintOne('f.aep.json', text);
  assert.deepEqual(codes(r), ['fixed-value']);
  assert.match(r[0].message, /Did you mean "6499120c-0b15-42dc-936e-847ea3c24d72"\?/);
  assert.deepEqual(lintOne('f.aep.json', applyFix(text, r[0].finding)), []);
});

test('the source connection spec and the data lake spec are not interchangeable', () => {
  const r = lintOne('t.aep.json', target({ connectionSpec: { id: 'cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3', version: '1.0' } }));
  assert.deepEqual(codes(r), ['fixed-value']);
  assert.match(r[0].message, /must be "c604ff05-7f1a-43c0-8e18-33bf874cb11c": the data lake connection spec id is fixed/);
});

test('formats: the source reads json only, the target writes parquet_xdm only', () => {
  assert.deepEqual(codes(lintOne('s.aep.json', source({ data: { format: 'csv' } }))), ['fixed-value']);
  assert.deepEqual(codes(lintOne('t.aep.json', target({ data: { format: 'parquet', schema: { id: 'https://ns.adobe.com/acme/schemas/5f76', version: '1' } } }))), ['fixed-value']);
});

test('the auth spec name is OAuth2 Refresh Code', () => {
  const r = lintOne('b.aep.json', base({ auth: { specName: 'OAuth2 Refresh', params: { accessToken: '${secret:t}' } } }));
  assert.deepEqual(codes(r), ['fixed-value']);
});

test('resource paths are the six the guide lists', () => {
  const r = lintOne('s.aep.json', source({ params: { resourcePath: 'charge' } }));
  assert.deepEqual(codes(r), ['aep-resource-path']);
  assert.match(r[0].message, /Did you mean "charges"\?/);
  for (const p of ['charges', 'subscriptions', 'refunds', 'balance_transactions', 'customers', 'prices']) {
    assert.deepEqual(lintOne('s.aep.json', source({ params: { resourcePath: p } })), [], p);
  }
});

test('sourceParams: the guide’s example decodes to charges; other values are explained', () => {
  assert.equal(encodeSourceParams('charges'), 'eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0=');
  assert.deepEqual(decodeSourceParams('eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0%3D').json, { resourcePath: 'charges' });
  const ok = lintOne('s.aep.json', source({ params: { resourcePath: 'charges', sourceParams: 'eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0=' } }));
  assert.deepEqual(codes(ok), []);
  const urlEncoded = lintOne('s.aep.json', source({ params: { resourcePath: 'charges', sourceParams: 'eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0%3D' } }));
  assert.deepEqual(codes(urlEncoded), ['aep-source-params']);
  assert.match(urlEncoded[0].message, /URL-encoded/);
  const notBase64 = lintOne('s.aep.json', source({ params: { resourcePath: 'charges', sourceParams: 'charges!' } }));
  assert.match(notBase64[0].message, /it is not base64/);
  const unknown = lintOne('s.aep.json', source({ params: { resourcePath: 'charges', sourceParams: encodeSourceParams('invoice') } }));
  assert.match(unknown[0].message, /names no known resourcePath/);
  const typo = lintOne('s.aep.json', source({ params: { resourcePath: 'charges', sourceParams: encodeSourceParams('refund') } }));
  assert.equal(typo[0].finding.fixes?.[0].title, 'Encode {"resourcePath":"refunds"}');
});

test('schedule: minimum intervals 15/1/1/1, none for once, non-zero integers', () => {
  const at = (s: Record<string, unknown>) => lintOne('f.aep.json', flow({ startTime: '1710267858', ...s }));
  assert.deepEqual(codes(at({ frequency: 'minute', interval: 15 })), []);
  const five = at({ frequency: 'minute', interval: 5 });
  assert.deepEqual(codes(five), ['aep-schedule']);
  assert.match(five[0].message, /minimum interval for "minute" is 15/);
  assert.equal(five[0].finding.fixes?.[0].title, 'Change to 15');
  assert.deepEqual(codes(at({ frequency: 'day', interval: 1 })), []);
  assert.match(at({ frequency: 'week', interval: 0 })[0].message, /non-zero whole number/);
  assert.match(at({ frequency: 'once', interval: 1 })[0].message, /takes no interval/);
  assert.deepEqual(codes(at({ frequency: 'once' })), []);
  assert.match(at({ frequency: 'hour' })[0].message, /needs an "interval"/);
  assert.ok(codes(at({ frequency: 'hourly', interval: 1 })).length > 0);
});

test('startTime is Unix seconds', () => {
  const at = (startTime: unknown) => lintOne('f.aep.json', flow({ startTime, frequency: 'once' }));
  assert.deepEqual(codes(at('1710267858')), []);
  assert.deepEqual(codes(at(1710267858)), []);
  assert.match(at('1710267858000')[0].message, /looks like milliseconds.*1710267858/);
  assert.match(at('2024-03-12T18:24:18Z')[0].message, /Unix time in seconds/);
});

test('an unrecognisable body says which properties identify each type', () => {
  const r = lintOne('x.aep.json', '{"name": "what am I"}');
  assert.deepEqual(codes(r), ['schema-required']);
  assert.match(r[0].message, /a flow "flowSpec"/);
});
