/**
 * The folder VS Code opens in the extension tests, and the S3 it talks to: copies of examples/ and of the mistakes
 * fixtures, a runnable stripe-export pipeline (JSON Lines sample data, PGP-encrypted with a key made by the CLI),
 * and moto's S3 holding the stripe-import example's files. The private key is written outside the folder.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../helpers/moto';
import { ROOT } from './harness';

export const EXPORT_BUCKET = 'pw-vscode-export';
/** A Braze Currents delivery in examples/braze/currents.pipeline.json's bucket, written by Apache Avro's Python library. */
export const CURRENTS_KEY = 'currents/dataexport.prod-01.S3.integration.5e8b/event_type=users.messages.email.Send/date=2026-11-23-15/575e/0_0_0.avro';
export const ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';

export interface Workspace {
  dir: string;
  privateKeyFile: string;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

/** `stripeApiBase`: also a stripe-export pipeline reading from the Stripe API there (`stripe/stripe-api.pipeline.json`). */
export async function makeWorkspace(endpoint: string, options: { stripeApiBase?: string } = {}): Promise<Workspace> {
  const home = mkdtempSync(join(tmpdir(), 'pw-vscode-'));
  const dir = join(home, 'workspace');
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  cpSync(join(ROOT, 'test/fixtures/mistakes'), join(dir, 'mistakes'), { recursive: true });
  writeFileSync(join(dir, '.vscode/settings.json'), JSON.stringify({ 'pipewright.s3.endpoint': endpoint, 'pipewright.iam.endpoint': endpoint, 'pipewright.trace.server': 'verbose', 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }, null, 2));

  // A stripe-export pipeline that runs here: sample data from a folder, encrypted to a key the CLI makes.
  const run = join(dir, 'deliveries');
  mkdirSync(run);
  const cli = (args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bin/pipewright.js'), ...args], { cwd: run, stdio: 'pipe' });
  cli(['sample-data', 'data', '--charges', '400', '--seed', '7']);
  const privateKeyFile = join(home, `${ACCOUNT}.private.asc`);
  cli(['pgp', 'generate', ACCOUNT, '--private-out', privateKeyFile, '--public-dir', 'keys']);
  writeFileSync(join(run, 'delivery.policy.json'), JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket'], Resource: `arn:aws:s3:::${EXPORT_BUCKET}` },
    { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: `arn:aws:s3:::${EXPORT_BUCKET}/*` },
  ] }, null, 2));
  writeFileSync(join(run, 'delivery.trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::731954892063:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': ACCOUNT } } }] }, null, 2));
  writeFileSync(join(run, 'delivery.pipeline.json'), JSON.stringify({
    kind: 'stripe-export', name: 'Acme deliveries (local)', account: ACCOUNT, bucket: EXPORT_BUCKET, region: 'us-east-1', awsAccountId: '402871995361',
    roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: 'delivery.policy.json', trustPolicy: 'delivery.trust.json',
    encryption: { type: 'pgp', publicKey: `keys/${ACCOUNT}.key` },
    tables: ['charges', 'customers', 'refunds', 'balance_transactions', 'subscriptions', 'prices'],
    source: { type: 'jsonl-folder', path: 'data' },
  }, null, 2));

  if (options.stripeApiBase) {
    mkdirSync(join(dir, 'stripe'));
    writeFileSync(join(dir, 'stripe/stripe-api.pipeline.json'), JSON.stringify({
      kind: 'stripe-export', name: 'Acme from the Stripe API', account: ACCOUNT, bucket: EXPORT_BUCKET, region: 'us-east-1', awsAccountId: '402871995361',
      roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: '../deliveries/delivery.policy.json', trustPolicy: '../deliveries/delivery.trust.json',
      prefix: 'from-api/', tables: ['charges', 'customers'],
      source: { type: 'stripe-api', apiKey: '${secret:stripe-api-key}', apiBase: options.stripeApiBase },
    }, null, 2));
  }

  // The stripe-import example's bucket, as its local-s3 folder holds it.
  const s3 = new S3Client({ ...clientConfig(endpoint), forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: EXPORT_BUCKET }));
    const local = join(ROOT, 'examples/stripe-import/local-s3');
    for (const bucket of readdirSync(local)) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      for (const f of files(join(local, bucket))) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: relative(join(local, bucket), f), Body: readFileSync(f) }));
    }
    const avro = join(home, 'currents.avro');
    execFileSync('/usr/bin/python3', [join(ROOT, 'test/helpers/avro-peer.py'), 'write', avro, '--codec', 'deflate', '--rows', '40', '--seed', '3'], { stdio: 'pipe' });
    await s3.send(new CreateBucketCommand({ Bucket: 'acme-braze-data', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'acme-braze-data', Key: CURRENTS_KEY, Body: readFileSync(avro) }));
  } finally {
    s3.destroy();
  }
  return { dir, privateKeyFile };
}
