/**
 * `pipewright aep deploy | update | delete | runs | explore` as built, against the Flow Service double: created in
 * dependency order with the documented headers, ids and etags kept in the deployment state and written into the
 * bodies, updates as JSON Patch with If-Match, a concurrent change never overwritten, deletion in reverse order,
 * runs page by page, explore written next to the pipeline — and the access token in no output and no file.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startFlowServiceDouble, type FlowServiceDouble } from '../helpers/flow-service';
import { exampleCopy } from '../helpers/aep-workspace';
import { lintPaths } from '../../server/src/cli/lint';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const PIPELINE = 'aep-stripe.pipeline.json';
const STRIPE_TOKEN = 'sk_test_stripe_oauth_token_for_the_base_connection';
let fs: FlowServiceDouble;
let dir: string;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, LANG: 'C.UTF-8', PIPEWRIGHT_SECRET_ADOBE_ACCESS_TOKEN: fs.token, PIPEWRIGHT_SECRET_STRIPE_ACCESS_TOKEN: STRIPE_TOKEN, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => res({ code, out, err }));
  });
}

const aep = (sub: string, ...rest: string[]) => cli(['aep', sub, PIPELINE, '--base-url', fs.baseUrl, ...rest]);
const state = () => JSON.parse(readFileSync(join(dir, 'aep-stripe.deployment.json'), 'utf8'));
const readJson = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const edit = (name: string, fn: (v: Record<string, any>) => void) => {
  const v = readJson(name);
  fn(v);
  writeFileSync(join(dir, name), `${JSON.stringify(v, null, 2)}\n`);
};
const allFiles = () => readdirSync(dir).map((n) => readFileSync(join(dir, n), 'utf8')).join('\n');

before(async () => {
  fs = await startFlowServiceDouble();
  dir = exampleCopy();
});
after(() => fs.close());

test('a dry run prints each request as curl with the token redacted, and sends nothing', async () => {
  const r = await aep('deploy', '--dry-run');
  assert.equal(r.code, 0, r.err);
  assert.equal(fs.log.length, 0);
  const posts = [...r.out.matchAll(/curl -X POST '([^']+)'/g)].map((m) => m[1].replace(fs.baseUrl, '').replace(/^.*\/conversion/, 'conversion:'));
  assert.deepEqual(posts, ['/connections', '/sourceConnections', '/targetConnections', 'conversion:/mappingSets', '/flows']);
  assert.match(r.out, /-H 'Authorization: Bearer <redacted: \$\{ACCESS_TOKEN\}>'/);
  assert.match(r.out, /-H 'x-gw-ims-org-id: 6B0F9C2E5F1D3A0B0A495E2A@AdobeOrg'/);
  assert.match(r.out, /"accessToken": "\$\{secret:stripe-access-token\}"/);
  assert.ok(!r.out.includes(fs.token) && !r.out.includes(STRIPE_TOKEN));
});

test('deploy creates the five objects in dependency order, keeps their ids and etags, and writes the ids into the bodies', async () => {
  const r = await aep('deploy');
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(fs.log.map((l) => `${l.method} ${new URL(l.path, 'http://x').pathname.replace('/data/foundation/', '')} ${l.status}`), [
    'POST flowservice/connections 201', 'POST flowservice/sourceConnections 201', 'POST flowservice/targetConnections 201', 'POST conversion/mappingSets 200', 'POST flowservice/flows 201',
  ]);
  for (const l of fs.log) {
    assert.equal(l.headers.authorization, `Bearer ${fs.token}`);
    assert.equal(l.headers['x-api-key'], fs.apiKey);
    assert.equal(l.headers['x-gw-ims-org-id'], fs.imsOrg);
    assert.equal(l.headers['x-sandbox-name'], 'prod');
    assert.equal(l.headers['content-type'], 'application/json');
  }
  const [flow] = fs.objects('flows');
  const s = state();
  assert.equal(s.objects['charges-hourly.flow.aep.json'].id, flow.id);
  assert.equal(s.objects['charges-hourly.flow.aep.json'].etag, flow.etag);
  assert.deepEqual(flow.sourceConnectionIds, [fs.objects('sourceConnections')[0].id]);
  assert.deepEqual(readJson('charges-hourly.flow.aep.json').sourceConnectionIds, [fs.objects('sourceConnections')[0].id]);
  assert.equal(readJson('charges.source.aep.json').baseConnectionId, fs.objects('connections')[0].id);
  // The Stripe token went to Adobe in the base connection, and nowhere else.
  assert.equal((fs.objects('connections')[0].auth as any).params.accessToken, STRIPE_TOKEN);
  assert.ok(!allFiles().includes(STRIPE_TOKEN) && !allFiles().includes(fs.token));
  assert.ok(!(r.out + r.err).includes(fs.token));
  const { files } = await lintPaths(['.'], dir);
  assert.deepEqual(files.flatMap((f) => f.findings.map((x) => `${f.path}: ${x.code} ${x.message}`)), []);
});

test('deploying again sends nothing; a changed schedule is PATCHed with If-Match and the new etag kept', async () => {
  fs.log.length = 0;
  const same = await aep('deploy');
  assert.equal(same.code, 0, same.out);
  assert.equal(fs.log.length, 0);
  edit('charges-hourly.flow.aep.json', (f) => (f.scheduleParams.interval = 2));
  const etag = state().objects['charges-hourly.flow.aep.json'].etag;
  const r = await aep('update');
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(fs.log.map((l) => [l.method, l.headers['if-match'], l.status]), [['PATCH', etag, 200]]);
  assert.deepEqual(JSON.parse(fs.log[0].body), [{ op: 'replace', path: '/scheduleParams', value: { startTime: '1796083200', frequency: 'hour', interval: 2 } }]);
  assert.equal((fs.objects('flows')[0].scheduleParams as any).interval, 2);
  assert.equal(state().objects['charges-hourly.flow.aep.json'].etag, fs.objects('flows')[0].etag);
  assert.notEqual(fs.objects('flows')[0].etag, etag);
});

test('a change made in Platform since the last deployment is never overwritten: both versions are shown', async () => {
  const [flow] = fs.objects('flows');
  // Someone renames the flow in Platform (through the API, with the then current etag).
  const res = await fetch(`${fs.baseUrl}/flows/${flow.id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${fs.token}`, 'x-api-key': fs.apiKey, 'x-gw-ims-org-id': fs.imsOrg, 'x-sandbox-name': 'prod', 'Content-Type': 'application/json', 'If-Match': flow.etag! }, body: JSON.stringify([{ op: 'replace', path: '/name', value: 'Renamed by a colleague' }]) });
  assert.equal(res.status, 200);
  edit('charges-hourly.flow.aep.json', (f) => (f.name = 'Acme charges, hourly'));
  const before = state().objects['charges-hourly.flow.aep.json'].etag;
  const r = await aep('update');
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /charges-hourly.flow.aep.json \(flow\): conflict/);
  assert.match(r.out, /ours \(the file\):[\s\S]*"name": "Acme charges, hourly"[\s\S]*theirs \(Platform now\):[\s\S]*"name": "Renamed by a colleague"/);
  assert.equal(fs.objects('flows')[0].name, 'Renamed by a colleague');
  assert.equal(state().objects['charges-hourly.flow.aep.json'].etag, before);
});

test('a change made between reading the etag and the PATCH gets a 412 and is not overwritten either', async () => {
  // --overwrite: the user looked and chose ours; the CLI reads the current etag, then PATCHes — and someone is faster.
  fs.beforeRequest = (req) => {
    if (req.method !== 'PATCH') return;
    const flow = fs.objects('flows')[0];
    flow.description = 'Edited in the UI a moment ago';
    flow.etag = '"concurrent-etag"';
    fs.beforeRequest = undefined;
  };
  const r = await aep('update', '--overwrite', 'charges-hourly.flow.aep.json');
  assert.equal(r.code, 1, r.out + r.err);
  assert.deepEqual(fs.log.slice(-3).map((l) => `${l.method} ${l.status}`), ['GET 200', 'PATCH 412', 'GET 200']);
  assert.match(r.out, /conflict/);
  assert.equal(fs.objects('flows')[0].name, 'Renamed by a colleague');
  assert.equal(fs.objects('flows')[0].description, 'Edited in the UI a moment ago');
  // Looked at again, and overwritten on purpose.
  const again = await aep('update', '--overwrite', 'charges-hourly.flow.aep.json');
  assert.equal(again.code, 0, again.out + again.err);
  assert.equal(fs.objects('flows')[0].name, 'Acme charges, hourly');
});

test('a config error stops before any request, naming the file and line', async () => {
  edit('charges-hourly.flow.aep.json', (f) => {
    f.scheduleParams.frequency = 'minute';
    f.scheduleParams.interval = 5;
  });
  fs.log.length = 0;
  const r = await aep('update');
  assert.equal(r.code, 2);
  assert.match(r.err, /charges-hourly.flow.aep.json:\d+: aep-schedule: The minimum interval for "minute" is 15/);
  assert.equal(fs.log.length, 0);
  edit('charges-hourly.flow.aep.json', (f) => (f.scheduleParams = { startTime: '1796083200', frequency: 'hour', interval: 2 }));
});

test('without the access token nothing is sent, and the variable to set is named', async () => {
  fs.log.length = 0;
  const r = await cli(['aep', 'runs', PIPELINE, '--base-url', fs.baseUrl], { PIPEWRIGHT_SECRET_ADOBE_ACCESS_TOKEN: '' });
  assert.equal(r.code, 2);
  assert.equal(fs.log.length, 0);
  assert.match(r.err, /aep-stripe.pipeline.json:\d+: \$\{secret:adobe-access-token\} has no value: set the environment variable PIPEWRIGHT_SECRET_ADOBE_ACCESS_TOKEN/);
});

test('runs are listed page by page with their record counts, status and errors', async () => {
  const flowId = fs.objects('flows')[0].id;
  for (let i = 0; i < 6; i++) fs.addRun(flowId, { input: 1000 + i });
  fs.addRun(flowId, { input: 500, failed: 12, errors: [{ code: 'CONNECTOR-2001-500', message: '12 records failed: _acme.payments.amount is not a long' }] });
  fs.log.length = 0;
  const r = await aep('runs');
  assert.equal(r.code, 1, r.err);
  assert.deepEqual(fs.log.map((l) => new URL(l.path, 'http://x').searchParams.get('property')), [`flowId==${flowId}`, `flowId==${flowId}`]);
  assert.match(r.out, /7 run\(s\) of flow/);
  assert.match(r.out, /partialSuccess\s+500 in, 488 out, 12 failed/);
  assert.match(r.out, /✖ CONNECTOR-2001-500: 12 records failed: _acme.payments.amount is not a long/);
  const json = JSON.parse((await aep('runs', '--json', '--limit', '3')).out);
  assert.equal(json.runs.length, 3);
});

test('explore writes the schema the account returns next to the pipeline, and the mapping checks read it', async () => {
  // `data.object` is in what Stripe returns but not among the fields Pipewright ships for charges.
  edit('charges.mapping.aep.json', (m) => m.mappings.push({ sourceType: 'ATTRIBUTE', sourceAttribute: 'data.object', destinationXdmPath: '_acme.payments.cardBrand', identity: false, version: 0 }));
  // The mapping set linted on its own is checked against the pipeline beside it.
  const codesOf = async () => (await lintPaths(['charges.mapping.aep.json'], dir)).files.flatMap((f) => f.findings.map((x) => x.code));
  assert.deepEqual(await codesOf(), ['aep-source-attribute']);
  const r = await aep('explore', 'charges');
  assert.equal(r.code, 0, r.err);
  const explored = readJson('charges.explore.json');
  assert.equal(explored.schema.properties.data.properties.amount.type, 'integer');
  const q = new URL(fs.log[fs.log.length - 1].path, 'http://x').searchParams;
  assert.equal(q.get('sourceParams'), 'eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0=');
  assert.deepEqual(await codesOf(), []);
  const bad = await cli(['aep', 'explore', PIPELINE, 'invoices', '--base-url', fs.baseUrl]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /answered 400: Bad Request: resourcePath invoices is not supported/);
});

test('a conflict on the base connection never shows the Stripe token Platform holds', async () => {
  const [conn] = fs.objects('connections');
  const res = await fetch(`${fs.baseUrl}/connections/${conn.id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${fs.token}`, 'x-api-key': fs.apiKey, 'x-gw-ims-org-id': fs.imsOrg, 'x-sandbox-name': 'prod', 'Content-Type': 'application/json', 'If-Match': conn.etag! }, body: JSON.stringify([{ op: 'replace', path: '/auth/params/accessToken', value: 'sk_test_a_colleagues_new_token' }]) });
  assert.equal(res.status, 200);
  edit('base-connection.aep.json', (b) => (b.auth.params.accessToken = '${secret:stripe-access-token-2}'));
  const r = await cli(['aep', 'update', PIPELINE, '--base-url', fs.baseUrl], { PIPEWRIGHT_SECRET_STRIPE_ACCESS_TOKEN_2: 'sk_test_our_rotated_token' });
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /base-connection.aep.json \(base-connection\): conflict/);
  assert.match(r.out, /"accessToken": "\$\{secret:stripe-access-token-2\}"[\s\S]*"accessToken": "<redacted>"/);
  assert.ok(!r.out.includes('sk_test_a_colleagues_new_token') && !r.out.includes('sk_test_our_rotated_token'));
  edit('base-connection.aep.json', (b) => (b.auth.params.accessToken = '${secret:stripe-access-token}'));
});

test('delete removes everything, flow first, and empties the state', async () => {
  fs.log.length = 0;
  const r = await aep('delete');
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(fs.log.map((l) => `${l.method} ${new URL(l.path, 'http://x').pathname.split('/').slice(-2, -1)[0]} ${l.status}`), [
    'DELETE flows 204', 'DELETE mappingSets 204', 'DELETE targetConnections 204', 'DELETE sourceConnections 204', 'DELETE connections 204',
  ]);
  assert.deepEqual(state().objects, {});
  for (const c of ['connections', 'sourceConnections', 'targetConnections', 'mappingSets', 'flows'] as const) assert.deepEqual(fs.objects(c), [], c);
});
