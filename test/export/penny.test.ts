/**
 * The penny test against moto's S3: `penny send` writes the validation file with the pipeline's credentials,
 * `penny verify` finds it, decrypts it (PGP pipelines), checks it and shows the code — and each way it can be
 * wrong is named: no penny_test/ folder, no folder for this account, no file, a malformed file, an encrypted file
 * without a key or with the wrong key, a file far too large to be one, stored or once decrypted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { generateStripeKeyPair } from '../../server/src/node/pgp/keys';
import { gpgHome } from '../helpers/gpg';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';
let moto: MotoServer;
let s3: S3Client;
let dir: string;
let keys: { publicArmored: string; privateArmored: string };
let other: { privateArmored: string };

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args, '--endpoint', moto.endpoint], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function pipeline(name: string, bucket: string, encrypted = false): string {
  const path = join(dir, `${name}.pipeline.json`);
  writeFileSync(path, JSON.stringify({
    kind: 'stripe-export', name, account: ACCOUNT, bucket, region: 'us-east-1', awsAccountId: '402871995361', roleName: 'stripe-data-pipeline-s3-role',
    permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json', tables: ['charges'],
    ...(encrypted ? { encryption: { type: 'pgp', publicKey: `keys/${ACCOUNT}.key` } } : {}),
  }, null, 2));
  return path;
}

before(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  for (const b of ['penny-plain', 'penny-pgp', 'penny-empty', 'penny-other', 'penny-huge']) await s3.send(new CreateBucketCommand({ Bucket: b }));
  dir = mkdtempSync(join(tmpdir(), 'pw-penny-'));
  writeFileSync(join(dir, 'p.policy.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::penny-plain/*' }] }, null, 2));
  writeFileSync(join(dir, 't.trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::731954892063:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': ACCOUNT } } }] }, null, 2));
  [keys, other] = await Promise.all([generateStripeKeyPair(ACCOUNT), generateStripeKeyPair('acct_Other000000001')]);
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', `${ACCOUNT}.key`), keys.publicArmored);
  writeFileSync(join(dir, 'private.asc'), keys.privateArmored);
  writeFileSync(join(dir, 'wrong-private.asc'), other.privateArmored);
});

after(async () => {
  s3?.destroy();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('send writes the validation file; verify finds it and shows the same code; --save keeps a copy to upload', async () => {
  const p = pipeline('plain', 'penny-plain');
  const sent = await cli(['penny', 'send', p]);
  assert.equal(sent.code, 0, sent.stderr);
  const code = /Validation code: ([A-Z0-9-]{19})/.exec(sent.stdout)?.[1];
  assert.ok(code, sent.stdout);
  assert.match(sent.stdout, new RegExp(`s3://penny-plain/penny_test/${ACCOUNT}/account_${ACCOUNT}\\.validation\\.csv`));
  const verified = await cli(['penny', 'verify', p, '--save', 'validation.csv']);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`Validation code: ${code}`));
  assert.match(readFileSync(join(dir, 'validation.csv'), 'utf8'), new RegExp(`^account_id,validation_code,created\\n${ACCOUNT},${code},`));
});

test('PGP pipelines: the file is encrypted to the public key; verify decrypts it with the private key, and says why it cannot otherwise', async () => {
  const p = pipeline('pgp', 'penny-pgp', true);
  const sent = await cli(['penny', 'send', p]);
  assert.equal(sent.code, 0, sent.stderr);
  const code = /Validation code: (\S+)/.exec(sent.stdout)![1];
  const raw = await s3.send(new GetObjectCommand({ Bucket: 'penny-pgp', Key: `penny_test/${ACCOUNT}/account_${ACCOUNT}.validation.csv.gpg` }));
  const bytes = Buffer.from(await raw.Body!.transformToByteArray());
  assert.ok(!bytes.includes(Buffer.from(code)), 'the code is not readable in the stored object');
  const ok = await cli(['penny', 'verify', p, '--private-key', 'private.asc']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`Validation code: ${code}`));
  const noKey = await cli(['penny', 'verify', p]);
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /is encrypted: give the private key with --private-key FILE/);
  const wrong = await cli(['penny', 'verify', p, '--private-key', 'wrong-private.asc']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /it is encrypted for key [0-9A-F]{16}, and this private key is [0-9A-F]{40}/);
  assert.doesNotMatch(wrong.stderr + ok.stdout + ok.stderr, /PRIVATE KEY/, 'no key material in any output');
});

test('verify names what is wrong: no folder, no folder for this account, no file, a malformed file', async () => {
  const empty = await cli(['penny', 'verify', pipeline('empty', 'penny-empty')]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /s3:\/\/penny-empty\/penny_test\/ does not exist: the test delivery has not arrived/);

  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: 'penny-other', Key: key, Body: body }));
  await put('penny_test/acct_Someone0000001/account_acct_Someone0000001.validation.csv', 'x');
  await put('penny_test/org_Group00000001/account_org_Group00000001.validation.csv', 'x');
  const p = pipeline('other', 'penny-other');
  const none = await cli(['penny', 'verify', p]);
  assert.match(none.stderr, new RegExp(`holds 2 folders \\(acct_Someone0000001, org_Group00000001\\) but none for ${ACCOUNT}`));

  await put(`penny_test/${ACCOUNT}/notes.txt`, 'x');
  const noFile = await cli(['penny', 'verify', p]);
  assert.match(noFile.stderr, new RegExp(`has no account_${ACCOUNT}\\.validation\\.csv \\(found: notes\\.txt\\)`));

  await put(`penny_test/${ACCOUNT}/account_${ACCOUNT}.validation.csv`, `account_id,validation_code,created\nacct_Someone0000001,ABCD-EFGH-JKMN-PQRS,2026-11-23T00:00:00Z\n`);
  const wrongAccount = await cli(['penny', 'verify', p]);
  assert.match(wrongAccount.stderr, new RegExp(`the file is for acct_Someone0000001, but the pipeline's account is ${ACCOUNT}`));

  await put(`penny_test/${ACCOUNT}/account_${ACCOUNT}.validation.csv`, 'id;code\n1;2\n');
  const malformed = await cli(['penny', 'verify', p]);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /not a penny-test validation file/);
});

test('a validation file far too large to be one is refused before it is read, stored or once decrypted (a bomb)', async () => {
  const p = pipeline('huge', 'penny-huge', true);
  const key = `penny_test/${ACCOUNT}/account_${ACCOUNT}.validation.csv`;
  const line = `account_id,validation_code,created\n${ACCOUNT},ABCD-EFGH-JKMN-PQRS,2026-11-23T00:00:00Z\n`;
  await s3.send(new PutObjectCommand({ Bucket: 'penny-huge', Key: key, Body: line + 'x'.repeat(2 * 1024 * 1024) }));
  const stored = await cli(['penny', 'verify', p]);
  assert.equal(stored.code, 1);
  assert.match(stored.stderr, new RegExp(`s3://penny-huge/${key.replace(/\./g, '\\.')} holds 2,097,2\\d\\d bytes: a validation file is a header and one line`));

  // Encrypted to the pipeline's key by gpg, 64 MiB of one line compressed to a few hundred KB.
  const home = gpgHome();
  try {
    home.importPrivate(keys.privateArmored);
    const bomb = home.run(['--recipient', ACCOUNT, '--compress-algo', 'zlib', '-z', '9', '--encrypt'], Buffer.from(line.repeat(Math.ceil((64 * 1024 * 1024) / line.length))));
    assert.equal(bomb.code, 0, bomb.err);
    assert.ok(bomb.out.length < 1024 * 1024, `${bomb.out.length} bytes`);
    await s3.send(new PutObjectCommand({ Bucket: 'penny-huge', Key: `${key}.gpg`, Body: bomb.out }));
  } finally {
    home.close();
  }
  await s3.send(new DeleteObjectCommand({ Bucket: 'penny-huge', Key: key }));
  const inflated = await cli(['penny', 'verify', p, '--private-key', 'private.asc', '--save', 'huge.csv']);
  assert.equal(inflated.code, 1);
  assert.match(inflated.stderr, /\.validation\.csv\.gpg decrypts to more than 1,048,576 bytes, more than such a file holds: it is damaged or a decompression bomb/);
  assert.equal(existsSync(join(dir, 'huge.csv')), false);
});
