/** `pipewright iam check`: the live role in (moto's) IAM, read through the real SDK, judged by the offline evaluator. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand, DeleteRolePolicyCommand } from '@aws-sdk/client-iam';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { Commands, type RoleCheckReport } from '../../server/src/protocol';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const EXAMPLES = resolve(__dirname, '../../examples');

describe('pipewright iam check against moto', () => {
  let moto: MotoServer;
  let iam: IAMClient;
  let dir: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'iam', 'check', ...args, '--endpoint', moto.endpoint], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
    });

  before(async () => {
    moto = await startMoto();
    iam = new IAMClient(clientConfig(moto.endpoint));
    dir = mkdtempSync(join(tmpdir(), 'pw-iam-check-'));
    cpSync(join(EXAMPLES, 'braze'), dir, { recursive: true });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::563918207415:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'c34beb90-e8f1-4ab6-96d0-50a837d460de' } } }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'braze-currents-s3', AssumeRolePolicyDocument: trust }));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await moto?.stop();
  });

  test('a role whose policy lacks s3:GetObject: exit 1, the refused request named with what breaks', async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: 'arn:aws:s3:::acme-braze-data' }, { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::acme-braze-data/*' }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'braze-currents-s3', PolicyName: 'currents', PolicyDocument: JSON.stringify(policy) }));
    const r = run('currents.pipeline.json');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Role arn:aws:iam::\d{12}:role\/braze-currents-s3: 0 attached and 1 inline policies, 4 requests checked\./);
    assert.match(r.stdout, /refused: s3:GetObject on arn:aws:s3:::acme-braze-data\/currents\/.*Braze’s backend cannot handle errors/);
    assert.ok(!/refused: s3:PutObject/.test(r.stdout));
    assert.ok(!r.stdout.includes('trust:'), r.stdout);
  });

  test('with the missing action granted, every request is allowed: exit 0', async () => {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'braze-currents-s3', PolicyName: 'currents' }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: 'arn:aws:s3:::acme-braze-data' }, { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::acme-braze-data/*' }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'braze-currents-s3', PolicyName: 'currents', PolicyDocument: JSON.stringify(policy) }));
    const r = run('currents.pipeline.json');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Every request the integration makes is allowed\./);
  });

  test('the editor command (LSP workspace/executeCommand) gives the same verdict, as data', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
    const client = await LspClient.start({ workspace: dir });
    try {
      const report = await client.executeCommand<RoleCheckReport>(Commands.checkIamRole, [fileUri(join(dir, 'currents.pipeline.json')), { endpoint: moto.endpoint }]);
      assert.match(report.roleArn, /:role\/braze-currents-s3$/);
      assert.equal(report.checked, 4);
      assert.deepEqual(report.gaps, []);
      assert.deepEqual(report.trust, []);
      await assert.rejects(client.executeCommand(Commands.checkIamRole, [fileUri(join(dir, 'export.pipeline.json')), { endpoint: moto.endpoint }]), /no role to check/);
    } finally {
      client.kill();
    }
  });

  test('a role that does not exist, and a pipeline without a role, are explained', () => {
    const text = readFileSync(join(dir, 'currents.pipeline.json'), 'utf8').replace('role/braze-currents-s3', 'role/braze-missing');
    writeFileSync(join(dir, 'missing.pipeline.json'), text);
    const missing = run('missing.pipeline.json');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /braze-missing does not exist/);
    const noRole = run('export.pipeline.json');
    assert.equal(noRole.status, 1);
    assert.match(noRole.stderr, /access key: there is no role to check/);
  });
});
