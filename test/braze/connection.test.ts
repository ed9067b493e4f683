/**
 * Braze's credential check made by `pipewright braze test`, against moto with its IAM authentication on: every
 * connector gets an IAM user whose access key carries the policy under test, so each refusal comes from a real
 * policy evaluated by moto — and each step's verdict must equal the IAM evaluator's on the same policy.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { parseTree } from 'jsonc-parser';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { startFaultProxy } from '../helpers/fault-proxy';
import { Project } from '../../server/src/engine/project';
import { brazePipelineOf, type BrazePipeline } from '../../server/src/engine/braze/target';
import { judgeSteps } from '../../server/src/engine/braze/connection';
import { evaluate } from '../../server/src/engine/iam/evaluate';
import { policyModel } from '../../server/src/engine/iam/model';
import { nodeFileAccess } from '../../server/src/node/files';
import { brazeConnectionTest } from '../../server/src/node/braze/connection';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const BUCKET = 'acme-braze-data';
const LOCKED = 'acme-braze-locked';
const ENCRYPTED = 'acme-braze-encrypted';
const arn = (b: string) => `arn:aws:s3:::${b}`;
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (actions: string[], resources: string[]) => ({ Effect: 'Allow', Action: actions, Resource: resources });
const bucketsAll = [BUCKET, LOCKED, ENCRYPTED];
const BRAZE_ACCOUNT = '563918207415';
const EXTERNAL_ID = 'c34beb90-e8f1-4ab6-96d0-50a837d460de';

/** The policies under test: Braze's own two, and the mistakes users make with them. */
const POLICIES: Record<string, string> = {
  currents: policy(allow(['s3:ListBucket', 's3:GetBucketLocation'], bucketsAll.map(arn)), allow(['s3:PutObject', 's3:GetObject'], bucketsAll.map((b) => `${arn(b)}/*`))),
  export: policy(allow(['s3:ListBucket', 's3:GetBucketLocation'], [arn(BUCKET)]), allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [`${arn(BUCKET)}/*`])),
  'no-put': policy(allow(['s3:ListBucket', 's3:GetBucketLocation'], [arn(BUCKET)]), allow(['s3:GetObject'], [`${arn(BUCKET)}/*`])),
  'no-get': policy(allow(['s3:ListBucket', 's3:GetBucketLocation'], [arn(BUCKET)]), allow(['s3:PutObject'], [`${arn(BUCKET)}/*`])),
  'no-location': policy(allow(['s3:ListBucket'], [arn(BUCKET)]), allow(['s3:PutObject', 's3:GetObject'], [`${arn(BUCKET)}/*`])),
  'other-folder': policy(allow(['s3:ListBucket', 's3:GetBucketLocation'], [arn(BUCKET)]), allow(['s3:PutObject', 's3:GetObject'], [`${arn(BUCKET)}/exports/*`])),
  'object-arn-for-list': policy(allow(['s3:ListBucket', 's3:GetBucketLocation', 's3:PutObject', 's3:GetObject'], [`${arn(BUCKET)}/*`])),
  admin: policy(allow(['*'], ['*'])),
  stale: '',
};

let moto: MotoServer;
let dir: string;
const keys: Record<string, { id: string; secret: string }> = {};

before(async () => {
  // IAM authentication on needs moto's SigV4 check fixed for "/" in query strings (see moto-sigv4/sitecustomize.py).
  moto = await startMoto({ env: { PYTHONPATH: resolve(__dirname, '../helpers/moto-sigv4') } });
  const cfg = clientConfig(moto.endpoint);
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  const iam = new IAMClient(cfg);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
  await s3.send(new CreateBucketCommand({ Bucket: ENCRYPTED }));
  await s3.send(new PutBucketPolicyCommand({
    Bucket: ENCRYPTED,
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'DenyUnencrypted', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${arn(ENCRYPTED)}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } } }] }),
  }));
  POLICIES.stale = POLICIES.currents;
  for (const [name, document] of Object.entries(POLICIES)) {
    await iam.send(new CreateUserCommand({ UserName: `braze-${name}` }));
    await iam.send(new PutUserPolicyCommand({ UserName: `braze-${name}`, PolicyName: name, PolicyDocument: document }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: `braze-${name}` }));
    keys[name] = { id: k.AccessKey!.AccessKeyId!, secret: k.AccessKey!.SecretAccessKey! };
  }
  // A key someone deactivated (a rotation policy, a leaked-key response).
  await iam.send(new UpdateAccessKeyCommand({ UserName: 'braze-stale', AccessKeyId: keys.stale.id, Status: 'Inactive' }));
  // Roles: one trusted by Braze's AWS account only (as Braze's guide has it), one the user may assume to test it.
  const trust = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } }] });
  for (const [role, principal] of [['braze-currents-s3', `arn:aws:iam::${BRAZE_ACCOUNT}:root`], ['braze-self-test', 'arn:aws:iam::123456789012:user/braze-admin']]) {
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trust(principal) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'currents', PolicyDocument: POLICIES.currents }));
  }
  s3.destroy();
  iam.destroy();
  // From here on moto checks every request against the caller's IAM policies, as AWS does.
  const res = await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  assert.equal(res.status, 200);
  // "Your own credentials" (cleanup, Object Lock, bucket policy): the admin user.
  process.env.AWS_ACCESS_KEY_ID = keys.admin.id;
  process.env.AWS_SECRET_ACCESS_KEY = keys.admin.secret;
  dir = mkdtempSync(join(tmpdir(), 'pw-braze-'));
});

after(async () => {
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function pipeline(name: string, kind: 'braze-currents' | 'braze-export', extra: Record<string, unknown> = {}): BrazePipeline {
  const file = join(dir, `${name}.pipeline.json`);
  writeFileSync(file, `${JSON.stringify({ kind, name: `Braze ${name}`, bucket: BUCKET, region: 'us-east-1', ...(kind === 'braze-currents' ? { folderPath: 'currents' } : {}), auth: { method: 'access-key', accessKeyId: '${env:BRAZE_TEST_KEY_ID}', secretAccessKey: '${secret:braze-s3-secret}' }, ...extra }, null, 2)}\n`);
  const doc = new Project(nodeFileAccess).get(file)!;
  const p = brazePipelineOf(doc);
  assert.ok(!('error' in p), JSON.stringify(p));
  return p;
}

async function check(p: BrazePipeline, user: string, endpoint = moto.endpoint, propagationWaitSeconds = 0) {
  process.env.BRAZE_TEST_KEY_ID = keys[user].id;
  return brazeConnectionTest(p, { endpoint, secrets: { 'braze-s3-secret': keys[user].secret }, propagationWaitSeconds });
}

const statuses = (r: { steps: Array<{ step: { action: string }; status: string }> }) => Object.fromEntries(r.steps.map((s) => [s.step.action, s.status]));

/** The steps judged by the IAM evaluator on the user's policy: what AWS would answer. */
function judged(p: BrazePipeline, user: string, key: string) {
  const model = policyModel(parseTree(POLICIES[user]));
  return Object.fromEntries(judgeSteps(p.target, (request) => ({ allowed: evaluate(model, request).decision === 'allow', explanation: '' }), key).map((s) => [s.step.action, s.status]));
}

const CASES: Array<[string, 'braze-currents' | 'braze-export', Record<string, string>]> = [
  ['currents', 'braze-currents', { 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'passed', 's3:GetObject': 'passed' }],
  ['export', 'braze-export', { 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'passed', 's3:GetObject': 'passed', 's3:DeleteObject': 'passed' }],
  ['currents', 'braze-export', { 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'passed', 's3:GetObject': 'passed', 's3:DeleteObject': 'failed' }],
  ['no-put', 'braze-currents', { 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'failed', 's3:GetObject': 'not-run' }],
  ['no-get', 'braze-currents', { 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'passed', 's3:GetObject': 'failed' }],
  ['no-location', 'braze-currents', { 's3:GetBucketLocation': 'failed', 's3:ListBucket': 'passed', 's3:PutObject': 'passed', 's3:GetObject': 'not-run' }],
  ['other-folder', 'braze-currents', { 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'failed', 's3:GetObject': 'not-run' }],
  ['object-arn-for-list', 'braze-currents', { 's3:GetBucketLocation': 'failed', 's3:ListBucket': 'failed', 's3:PutObject': 'passed', 's3:GetObject': 'not-run' }],
];

for (const [user, kind, expected] of CASES) {
  test(`${kind} with the "${user}" policy: each step answers as S3 does, and as the IAM evaluator predicts`, async () => {
    const p = pipeline(`${user}-${kind}`, kind);
    const r = await check(p, user);
    assert.deepEqual(statuses(r), expected);
    const key = r.steps.find((s) => s.step.key)!.step.key!;
    // The evaluator's verdict on the same policy, for every step that ran.
    const predicted = judged(p, user, key);
    for (const s of r.steps) if (s.status !== 'not-run') assert.equal(s.status, predicted[s.step.action], `${s.step.action}: S3 said ${s.status}, the evaluator ${predicted[s.step.action]}`);
    assert.equal(r.ok, Object.values(expected).every((v) => v === 'passed'));
    for (const s of r.steps.filter((x) => x.status === 'failed')) {
      assert.match(s.message, new RegExp(`AccessDenied on ${s.step.action.replace(/[:]/g, '\\$&')}`));
      assert.ok(s.breaks.length > 10, 'a failed step says what Braze loses');
    }
    // Nothing of the test is left behind: removed by the step or with the user's own credentials.
    if (r.testObject) assert.equal(r.testObject.removed, true, r.testObject.message);
    const admin = new S3Client({ ...clientConfig(moto.endpoint), credentials: { accessKeyId: keys.admin.id, secretAccessKey: keys.admin.secret }, forcePathStyle: true });
    const left = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: kind === 'braze-currents' ? 'currents/' : '' }));
    admin.destroy();
    assert.deepEqual((left.Contents ?? []).map((o) => o.Key).filter((k) => k?.includes('pipewright-connection-test')), []);
  });
}

test('with AES-256 on, the test object is written with x-amz-server-side-encryption: AES256', async () => {
  const seen: Array<string | string[] | undefined> = [];
  // The proxy only watches: it records the header of each PutObject of the test object and injects nothing.
  const proxy = await startFaultProxy({ target: moto.endpoint, rules: [{ match: (r) => (r.method === 'PUT' && r.path.includes('pipewright-connection-test') && seen.push(r.headers['x-amz-server-side-encryption']), false), rate: 1, fault: 'internal' }] });
  try {
    const on = await check(pipeline('sse-on', 'braze-currents', { serverSideEncryption: true }), 'currents', proxy.endpoint);
    assert.equal(on.ok, true);
    assert.match(on.steps.find((s) => s.step.action === 's3:PutObject')!.message, /AES256/);
    const off = await check(pipeline('sse-off', 'braze-currents'), 'currents', proxy.endpoint);
    assert.equal(off.ok, true);
    assert.deepEqual(seen, ['AES256', undefined]);
  } finally {
    await proxy.close();
  }
});

test('a new key that IAM does not know everywhere yet: the first call is retried until it is accepted', async () => {
  const until = Date.now() + 2500;
  const proxy = await startFaultProxy({ target: moto.endpoint, rules: [{ match: () => Date.now() < until, rate: 1, fault: 'badKey' }] });
  try {
    const r = await check(pipeline('fresh-key', 'braze-currents'), 'currents', proxy.endpoint, 30);
    assert.equal(r.ok, true);
    const first = r.steps[0];
    assert.equal(first.step.action, 's3:GetBucketLocation');
    assert.ok(first.attempts > 1, `attempts: ${first.attempts}`);
    assert.ok(r.waitedMs >= 2000, `waited ${r.waitedMs} ms`);
    assert.ok(proxy.counts.badKey >= 2);
  } finally {
    await proxy.close();
  }
});

test('a refusal that outlasts the propagation wait is a real failure, said so', async () => {
  const proxy = await startFaultProxy({ target: moto.endpoint, rules: [{ match: () => true, rate: 1, fault: 'denied' }] });
  try {
    const r = await check(pipeline('never', 'braze-currents'), 'currents', proxy.endpoint, 2);
    assert.equal(r.ok, false);
    assert.equal(r.steps[0].status, 'failed');
    assert.match(r.steps[0].message, /still refused after \d+ s: not a propagation delay/);
    assert.ok(r.steps[0].attempts >= 2);
    // Later refusals are not waited for: the first call proves the key is known.
    assert.ok(r.steps.slice(1).every((s) => s.attempts <= 1));
  } finally {
    await proxy.close();
  }
});

function cli(args: string[], user = 'currents') {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, BRAZE_TEST_KEY_ID: keys[user].id, PIPEWRIGHT_SECRET_BRAZE_S3_SECRET: keys[user].secret, LANG: 'C.UTF-8' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('pipewright braze test on a bucket with Object Lock: the steps pass, but Currents cannot use it — an error on the config\'s bucket line', () => {
  pipeline('locked', 'braze-currents', { bucket: LOCKED });
  const r = cli(['braze', 'test', 'locked.pipeline.json', '--endpoint', moto.endpoint, '--propagation-wait', '0']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /✔ s3:PutObject/);
  assert.match(r.out, /Object Lock: enabled/);
  assert.match(r.out, /locked\.pipeline\.json:4: error braze-object-lock: Bucket "acme-braze-locked" has Object Lock enabled, and Braze Currents does not support/);
  assert.match(r.out, /Test object s3:\/\/acme-braze-locked\/currents\/pipewright-connection-test-\d{8}T\d{6}Z\.txt: removed with your own AWS credentials/);
  // A dashboard export may use it: Braze's guide restricts only Currents.
  pipeline('locked-export', 'braze-export', { bucket: LOCKED });
  const e = cli(['braze', 'test', 'locked-export.pipeline.json', '--endpoint', moto.endpoint, '--propagation-wait', '0'], 'admin');
  assert.equal(e.code, 0, e.out + e.err);
  assert.doesNotMatch(e.out, /braze-object-lock/);
});

test('a bucket policy that refuses unencrypted writes: flagged on "serverSideEncryption" when it is off, silent when on', () => {
  pipeline('needs-sse', 'braze-currents', { bucket: ENCRYPTED, serverSideEncryption: false });
  const r = cli(['braze', 'test', 'needs-sse.pipeline.json', '--endpoint', moto.endpoint, '--propagation-wait', '0', '--json']);
  assert.equal(r.code, 1, r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.settings.requiresSse, true);
  assert.deepEqual(report.findings.map((f: { code: string; line: number }) => [f.code, f.line]), [['braze-sse-required', 12]]);
  pipeline('has-sse', 'braze-currents', { bucket: ENCRYPTED, serverSideEncryption: true });
  const on = cli(['braze', 'test', 'has-sse.pipeline.json', '--endpoint', moto.endpoint, '--propagation-wait', '0', '--json']);
  // (moto's own bucket-policy check does not know the encryption header and refuses this write too — AWS would
  // accept it; what is checked here is Pipewright's reading of the policy.)
  const onReport = JSON.parse(on.out);
  assert.equal(onReport.settings.requiresSse, true);
  assert.deepEqual(onReport.findings, []);
  assert.doesNotMatch(onReport.problems.join(' '), /x-amz-server-side-encryption/);
});

test('usage errors name what to fix and exit 2', () => {
  pipeline('usage', 'braze-currents');
  assert.match(cli(['braze', 'test']).err, /name the braze-currents or braze-export pipeline file/);
  const wait = cli(['braze', 'test', 'usage.pipeline.json', '--propagation-wait', 'soon']);
  assert.equal(wait.code, 2);
  assert.match(wait.err, /--propagation-wait takes seconds from 0 to 3600 \(found "soon"\)/);
  const noSecret = spawnSync(process.execPath, [BIN, 'braze', 'test', 'usage.pipeline.json', '--endpoint', moto.endpoint], { cwd: dir, encoding: 'utf8', env: { ...process.env, BRAZE_TEST_KEY_ID: 'AKIAEXAMPLE', PIPEWRIGHT_SECRET_BRAZE_S3_SECRET: '' } });
  assert.equal(noSecret.status, 2);
  assert.match(noSecret.stderr, /usage\.pipeline\.json: auth\.secretAccessKey: \$\{secret:braze-s3-secret\} has no value: set the environment variable PIPEWRIGHT_SECRET_BRAZE_S3_SECRET/);
});

const roleAuth = (role: string, externalId = EXTERNAL_ID) => ({ auth: { method: 'role-arn', roleArn: `arn:aws:iam::123456789012:role/${role}`, brazeAccountId: BRAZE_ACCOUNT, externalId } });

test('a role only Braze\'s account may assume: judged from its trust and permission policies in IAM, step by step', async () => {
  const r = await brazeConnectionTest(pipeline('role-braze', 'braze-currents', roleAuth('braze-currents-s3')), { endpoint: moto.endpoint, propagationWaitSeconds: 0 });
  assert.equal(r.mode, 'judged');
  assert.deepEqual(statuses(r), { 'sts:AssumeRole': 'passed', 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'passed', 's3:GetObject': 'passed' });
  assert.match(r.steps[0].message, /only Braze’s account may assume the role/);
  assert.equal(r.ok, true);
  assert.equal(r.testObject, undefined, 'nothing was written');
  // The external id Braze shows is not the one the trust policy requires: Braze would be refused.
  const wrong = await brazeConnectionTest(pipeline('role-wrong-id', 'braze-currents', roleAuth('braze-currents-s3', 'another-external-id')), { endpoint: moto.endpoint, propagationWaitSeconds: 0 });
  assert.equal(wrong.mode, 'judged');
  assert.equal(wrong.steps[0].status, 'failed');
  assert.match(wrong.steps[0].message, /the trust policy does not let Braze \(arn:aws:iam::563918207415:root\) assume the role/);
  assert.equal(wrong.ok, false);
  // A dashboard export with the Currents policy: DeleteObject is judged refused, as S3 refused it above.
  const exp = await brazeConnectionTest(pipeline('role-export', 'braze-export', roleAuth('braze-currents-s3')), { endpoint: moto.endpoint, propagationWaitSeconds: 0 });
  assert.equal(statuses(exp)['s3:DeleteObject'], 'failed');
});

test('a role the user may assume too: the steps are made live with the role\'s session, the external id sent', async () => {
  const r = await brazeConnectionTest(pipeline('role-self', 'braze-currents', roleAuth('braze-self-test')), { endpoint: moto.endpoint, propagationWaitSeconds: 0 });
  assert.equal(r.mode, 'live');
  assert.deepEqual(statuses(r), { 'sts:AssumeRole': 'passed', 's3:GetBucketLocation': 'passed', 's3:ListBucket': 'passed', 's3:PutObject': 'passed', 's3:GetObject': 'passed' });
  assert.match(r.steps[0].message, /assumed as arn:aws:sts::123456789012:assumed-role\/braze-self-test\//);
  assert.equal(r.testObject?.removed, true);
});

test('an access key\'s freshness: its user, status and age from IAM; a deactivated key fails the test, an ageing one is warned of', async () => {
  const fresh = await check(pipeline('fresh', 'braze-currents'), 'currents');
  assert.equal(fresh.credentials?.facts.user, 'braze-currents');
  assert.equal(fresh.credentials?.facts.status, 'Active');
  assert.equal(fresh.credentials?.facts.keyId, `${keys.currents.id.slice(0, 4)}…${keys.currents.id.slice(-4)}`, 'the key id is shown masked');
  assert.deepEqual(fresh.warnings, []);
  assert.equal(fresh.ok, true);
  const stale = await check(pipeline('stale', 'braze-currents'), 'stale');
  assert.equal(stale.ok, false);
  assert.match(stale.problems.join(' '), /is Inactive in IAM: every call Braze makes with it fails, and Currents drops events after 48 hours/);
  process.env.BRAZE_TEST_KEY_ID = keys.currents.id;
  const ageing = await brazeConnectionTest(pipeline('ageing', 'braze-currents'), { endpoint: moto.endpoint, secrets: { 'braze-s3-secret': keys.currents.secret }, propagationWaitSeconds: 0, maxKeyAgeDays: 10 });
  assert.equal(ageing.ok, true, 'a warning does not fail the test');
  assert.match(ageing.warnings!.join(' '), /is 0 days old: a rotation policy of 10 days deactivates it in 10 days/);
});

test('a key the shared credentials file holds with a session token is temporary: said with its expiry', async () => {
  const file = join(dir, 'credentials');
  writeFileSync(file, `[default]\naws_access_key_id = AKIAOTHER\n\n[braze]\naws_access_key_id = ${keys.currents.id}\naws_secret_access_key = hidden\naws_session_token = token\nx_security_token_expires = 2026-01-01T00:00:00Z\n`);
  process.env.BRAZE_TEST_KEY_ID = keys.currents.id;
  const r = await brazeConnectionTest(pipeline('session', 'braze-currents'), { endpoint: moto.endpoint, secrets: { 'braze-s3-secret': keys.currents.secret }, propagationWaitSeconds: 0, credentialsFile: file });
  assert.equal(r.credentials?.facts.profile, 'braze');
  assert.equal(r.ok, false);
  assert.match(r.problems.join(' '), /temporary credentials that expired at 2026-01-01T00:00:00\.000Z: Braze cannot use them/);
  // A substring test: the secret moto makes is base64, whose + and / a regular expression would read as syntax.
  assert.ok(!JSON.stringify(r).includes(keys.currents.secret), 'the secret is never in the report');
});

test('a refused call is explained by the policy file the pipeline names, or the file is said to differ from what AWS has', async () => {
  writeFileSync(join(dir, 'no-put.policy.json'), POLICIES['no-put']);
  writeFileSync(join(dir, 'currents.policy.json'), POLICIES.currents);
  const same = await check(pipeline('explained', 'braze-currents', { permissionPolicy: 'no-put.policy.json' }), 'no-put');
  const put = same.steps.find((s) => s.step.action === 's3:PutObject')!;
  assert.equal(put.status, 'failed');
  assert.match(put.message, /AccessDenied on s3:PutObject .* — no-put\.policy\.json: /);
  assert.doesNotMatch(put.message, /is not this file/);
  const drifted = await check(pipeline('drifted', 'braze-currents', { permissionPolicy: 'currents.policy.json' }), 'no-put');
  assert.match(drifted.steps.find((s) => s.step.action === 's3:PutObject')!.message, /currents\.policy\.json allows it, so the policy attached in AWS is not this file/);
});
