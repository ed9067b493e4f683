/**
 * Secret hygiene: every kind of secret a pipeline touches — AWS keys and session token, Stripe keys (the import's
 * restricted key and the export's secret key), the Braze connector's secret access key, an Adobe access token,
 * a PGP private key — is set the way users set it (environment, `${secret:…}` references, `--private-key`, the
 * LSP commands' `secrets` option), every command runs against moto and the Stripe API double, and then
 * everything the product wrote is scanned for the values: stdout and stderr of each command, the SARIF, JSON and
 * text lint reports, the LSP traffic (diagnostics, answers, log), the state files and databases in the
 * workspace, the CLI's temporary folder, and every object in every moto bucket. Config files with secrets
 * pasted into them are flagged without the value being repeated.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Commands } from '../../server/src/protocol';
import { generateStripeKeyPair } from '../../server/src/node/pgp/keys';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { startStripeDouble, type StripeDouble } from '../helpers/stripe-api';
import { importWorkspace, products, toCsv } from '../helpers/import-data';
import { ACCOUNT, cli, writeExportPipeline, writePolicies } from '../helpers/export-workspace';
import { LspClient, fileUri, messageOf } from '../helpers/lsp-client';

/** The values to hunt for. Each is unique enough that a hit can only be a leak. */
const SECRETS = {
  awsSecretAccessKey: 'pwHygieneAwsSecret/Key+0123456789abcdefX',
  awsSessionToken: 'pwHygieneSessionTokenFwoGZXIvYXdzEJr//////////wEaDA',
  stripeImportKey: 'rk_test_pwHygieneImport0123456789abcdef',
  stripeExportKey: 'sk_test_pwHygieneExport0123456789abcdef',
  brazeSecret: 'pwHygieneBrazeSecretAccessKey0123456789Z',
  adobeToken: 'eyJhbGciOiJSUzI1NiJ9.eyJwd0h5Z2llbmVBZG9iZSI6dHJ1ZX0.pwHygieneAdobeSignature',
};
/** Secrets pasted into config files (the lint and LSP part): flagged, never echoed. */
const LITERAL = {
  stripe: 'sk_live_pwHygieneLiteral0123456789abcd',
  aws: 'pwHygLiteralAwsSecret/0123456789abcdefGH',
  jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJwd0h5Z0xpdGVyYWwiOnRydWV9.pwHygLiteralSig',
  braze: 'pwHygLiteralBraze+0123456789abcdefGHIJKL',
};
const BUCKET_IMPORT = 'hygiene-import';
const BUCKET_EXPORT = 'hygiene-export';
const BUCKET_BRAZE = 'hygiene-braze';

let moto: MotoServer;
let api: StripeDouble;
let s3: S3Client;
let root: string;
let ws: string;
let cliTmp: string;
let privateKey: string;
/** Everything the product said or wrote, with where it came from. */
const outputs: Array<{ where: string; text: string }> = [];

/** Fragments of the private key's armored body: a leak of any line of it is a leak. */
let privateKeyFragments: string[] = [];
/** Lines of the private key's armor that the public key does not share (a secret key packet begins with the public one). */
function secretLines(priv: string, pub: string): string[] {
  const publicLines = new Set(pub.split('\n'));
  const only = priv.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----') && !publicLines.has(l));
  return [only[Math.floor(only.length / 4)], only[Math.floor(only.length / 2)], only[Math.floor((3 * only.length) / 4)]];
}

function hits(text: string): string[] {
  const found: string[] = [];
  for (const [name, v] of Object.entries({ ...SECRETS, ...Object.fromEntries(Object.entries(LITERAL).map(([k, x]) => [`literal ${k}`, x])) })) if (text.includes(v)) found.push(name);
  for (const f of privateKeyFragments) if (text.includes(f)) found.push('PGP private key');
  if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text)) found.push('PGP private key header');
  return found;
}

/** Every file under `dir` (recursively), but the ones this test itself wrote holding a secret. */
function filesUnder(dir: string, skip: Set<string>): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (skip.has(p)) continue;
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, skip));
    else out.push(p);
  }
  return out;
}

const env = () => ({
  AWS_ACCESS_KEY_ID: 'AKIAPWHYGIENE0000001',
  AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretAccessKey,
  AWS_SESSION_TOKEN: SECRETS.awsSessionToken,
  PIPEWRIGHT_SECRET_STRIPE_API_KEY: SECRETS.stripeImportKey,
  PIPEWRIGHT_SECRET_STRIPE_EXPORT_KEY: SECRETS.stripeExportKey,
  PIPEWRIGHT_SECRET_BRAZE_S3_SECRET: SECRETS.brazeSecret,
  PIPEWRIGHT_SECRET_ADOBE_TOKEN: SECRETS.adobeToken,
  BRAZE_KEY_ID: 'AKIAPWHYGIENEBRAZE01',
  TMPDIR: cliTmp,
});

async function run(args: string[], expect: number[] = [0, 1]): Promise<string> {
  const r = await cli([...args], ws, env()).done;
  outputs.push({ where: `pipewright ${args.join(' ')} (stdout)`, text: r.stdout }, { where: `pipewright ${args.join(' ')} (stderr)`, text: r.stderr });
  assert.ok(expect.includes(r.code ?? -1), `pipewright ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

before(async () => {
  moto = await startMoto();
  api = await startStripeDouble({ keys: [SECRETS.stripeImportKey, SECRETS.stripeExportKey] });
  s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  for (const b of [BUCKET_IMPORT, BUCKET_EXPORT, BUCKET_BRAZE]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET_IMPORT, Key: 'imports/products/catalog.csv', Body: toCsv(products(8, 7)) }));
  root = mkdtempSync(join(tmpdir(), 'pw-hygiene-'));
  ws = join(root, 'ws');
  cliTmp = join(root, 'tmp');
  mkdirSync(cliTmp, { recursive: true });
  // Two stripe-import pipelines: into SQLite, and into Stripe (the double) with the key from ${secret:stripe-api-key}.
  renameSync(importWorkspace(ws, { bucket: BUCKET_IMPORT, name: 'to-sqlite', destination: { type: 'sqlite', path: 'out/import.db' } }), join(ws, 'to-sqlite.pipeline.json'));
  renameSync(importWorkspace(ws, { bucket: BUCKET_IMPORT, name: 'to-stripe', destination: { type: 'stripe', apiKey: '${secret:stripe-api-key}', apiBase: api.url, maxRequestsPerSecond: 200, path: 'out/stripe/' } }), join(ws, 'stripe-import.pipeline.json'));
  writePolicies(ws, BUCKET_EXPORT);
  const keys = await generateStripeKeyPair(ACCOUNT);
  privateKey = keys.privateArmored;
  privateKeyFragments = secretLines(keys.privateArmored, keys.publicArmored);
  mkdirSync(join(ws, 'keys'), { recursive: true });
  writeFileSync(join(ws, 'keys', `${ACCOUNT}.key`), keys.publicArmored);
  writeFileSync(join(root, 'private.asc'), privateKey);
  writeExportPipeline(ws, BUCKET_EXPORT, 'export-pgp', { encryption: { type: 'pgp', publicKey: `keys/${ACCOUNT}.key` } });
  writeExportPipeline(ws, BUCKET_EXPORT, 'export-api', { prefix: 'api/', source: { type: 'stripe-api', apiKey: '${secret:stripe-export-key}', apiBase: api.url } });
  writeFileSync(join(ws, 'currents.pipeline.json'), JSON.stringify({ kind: 'braze-currents', name: 'Braze hygiene', bucket: BUCKET_BRAZE, region: 'us-east-1', folderPath: 'currents', auth: { method: 'access-key', accessKeyId: '${env:BRAZE_KEY_ID}', secretAccessKey: '${secret:braze-s3-secret}' } }, null, 2));

  // A second folder of configs with secrets pasted in: the linter must flag each without repeating it.
  const leaky = join(root, 'leaky');
  mkdirSync(leaky);
  writeFileSync(join(leaky, 'export.pipeline.json'), JSON.stringify({ kind: 'stripe-export', name: 'leaky', account: ACCOUNT, bucket: 'acme-leaky', region: 'us-east-1', awsAccountId: '402871995361', roleName: 'stripe-data-pipeline-s3-role', tables: ['charges'], source: { type: 'stripe-api', apiKey: LITERAL.stripe }, description: LITERAL.aws }, null, 2));
  writeFileSync(join(leaky, 'braze.pipeline.json'), JSON.stringify({ kind: 'braze-currents', name: 'leaky braze', bucket: 'acme-braze', region: 'us-east-1', folderPath: 'currents', auth: { method: 'access-key', accessKeyId: 'AKIAPWHYGIENELEAKY01', secretAccessKey: LITERAL.braze } }, null, 2));
  writeFileSync(join(leaky, 'base.aep.json'), JSON.stringify({ name: 'Stripe base', auth: { specName: 'OAuth2 Refresh Code', params: { accessToken: LITERAL.jwt } }, connectionSpec: { id: 'cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3', version: '1.0' } }, null, 2));
  writeFileSync(join(leaky, 'key.pipeline.json'), JSON.stringify({ kind: 'stripe-export', name: 'pasted key', account: ACCOUNT, bucket: 'acme-key', region: 'us-east-1', awsAccountId: '402871995361', roleName: 'stripe-data-pipeline-s3-role', tables: ['charges'], encryption: { type: 'pgp', publicKey: privateKey } }, null, 2));
});

after(async () => {
  s3?.destroy();
  await api?.close();
  await moto?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('lint flags each pasted secret (text, JSON and SARIF) without ever repeating it', async () => {
  const leaky = join(root, 'leaky');
  const text = await run(['lint', leaky], [1]);
  const json = await run(['lint', leaky, '--format', 'json'], [1]);
  await run(['lint', leaky, '--format', 'sarif', '-o', join(ws, 'out', 'leaky.sarif')], [1]);
  outputs.push({ where: 'leaky.sarif', text: readFileSync(join(ws, 'out', 'leaky.sarif'), 'utf8') });
  for (const file of ['export.pipeline.json', 'braze.pipeline.json', 'base.aep.json', 'key.pipeline.json']) {
    assert.match(text, new RegExp(`${file.replace('.', '\\.')}:\\d+:\\d+: error \\[literal-secret\\]`), `${file} has its literal-secret finding\n${text}`);
  }
  assert.ok((json.match(/literal-secret/g) ?? []).length >= 4, json);
  assert.deepEqual(hits(text + json), []);
});

test('the CLI commands with every secret set leave none of them in their output', async () => {
  await run(['preview', 'to-sqlite.pipeline.json', '--endpoint', moto.endpoint]);
  await run(['import', 'to-sqlite.pipeline.json', '--endpoint', moto.endpoint]);
  const dry = await run(['import', 'stripe-import.pipeline.json', '--dry-run', '--endpoint', moto.endpoint]);
  assert.match(dry, /create/i, 'the dry run plans the records');
  await run(['preview', 'stripe-import.pipeline.json', '--object', 'imports/products/catalog.csv', '--endpoint', moto.endpoint]);
  await run(['import', 'stripe-import.pipeline.json', '--endpoint', moto.endpoint]);
  assert.ok(api.log.some((r) => r.method === 'POST'), 'the import reached the Stripe double with the key');
  await run(['import', 'stripe-import.pipeline.json', '--json', '--endpoint', moto.endpoint]);
  await run(['sample-data', 'data', '--charges', '20']);
  await run(['export', 'export-pgp.pipeline.json', '--source', 'data', '--endpoint', moto.endpoint]);
  await run(['export', 'export-api.pipeline.json', '--endpoint', moto.endpoint]);
  await run(['penny', 'send', 'export-pgp.pipeline.json', '--endpoint', moto.endpoint]);
  await run(['penny', 'verify', 'export-pgp.pipeline.json', '--private-key', join(root, 'private.asc'), '--save', join('out', 'validation.csv'), '--endpoint', moto.endpoint]);
  const runs = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET_EXPORT, Prefix: 'snapshot/' }));
  const gpg = runs.Contents!.map((o) => o.Key!).find((k) => k.endsWith('.parquet.gpg'));
  assert.ok(gpg, 'the PGP export wrote encrypted Parquet');
  await run(['preview', 'export-pgp.pipeline.json', '--object', gpg, '--private-key', join(root, 'private.asc'), '--rows', '3', '--endpoint', moto.endpoint]);
  await run(['braze', 'test', 'currents.pipeline.json', '--endpoint', moto.endpoint], [0, 1, 3]);
  await run(['iam', 'check', 'export-pgp.pipeline.json', '--endpoint', moto.endpoint], [0, 1, 3]);
  await run(['pgp', 'inspect', join('keys', `${ACCOUNT}.key`)]);
  await run(['lint', '.', '--format', 'sarif', '-o', join('out', 'ws.sarif')]);
  for (const o of outputs) assert.deepEqual(hits(o.text), [], `${o.where} holds a secret:\n${o.text.slice(0, 2000)}`);
});

test('the language server: diagnostics, code actions, hovers, logs and job answers hold no secret', async () => {
  const traffic: string[] = [];
  const client = await LspClient.start({ workspace: join(root, 'leaky'), workDoneProgress: true, env: { ...env(), PIPEWRIGHT_SECRET_STRIPE_API_KEY: '' } });
  client.child.stdout!.on('data', (d: Buffer) => traffic.push(d.toString('utf8')));
  try {
    for (const file of ['export.pipeline.json', 'braze.pipeline.json', 'base.aep.json', 'key.pipeline.json']) {
      const path = join(root, 'leaky', file);
      const text = readFileSync(path, 'utf8');
      const doc = await client.open(path, text);
      const d = await client.nextDiagnostics(doc.uri, { version: 1 });
      const secret = d.diagnostics.find((x) => x.code === 'literal-secret');
      assert.ok(secret, `${file}: literal-secret among ${d.diagnostics.map((x) => x.code).join(',')}`);
      assert.deepEqual(hits(messageOf(secret)), []);
      await client.codeActions(doc.uri, secret.range, [secret]);
      await client.hover(doc.uri, secret.range.start);
    }
    await client.executeCommand(Commands.lintWorkspace, [], 30_000);
    // The editor hands the Stripe key to the import in the command's `secrets` option.
    const importUri = fileUri(join(ws, 'stripe-import.pipeline.json'));
    await client.executeCommand(Commands.importNow, [importUri, { endpoint: moto.endpoint, dryRun: true, secrets: { 'stripe-api-key': SECRETS.stripeImportKey } }], 60_000);
    await client.executeCommand(Commands.exportNow, [fileUri(join(ws, 'export-api.pipeline.json')), { endpoint: moto.endpoint, secrets: { 'stripe-export-key': SECRETS.stripeExportKey } }], 60_000);
    await client.shutdown();
  } finally {
    client.kill();
  }
  outputs.push({ where: 'LSP traffic', text: traffic.join('') }, { where: 'LSP stderr and log', text: client.stderr });
  assert.deepEqual(hits(traffic.join('')), [], 'LSP traffic');
  assert.deepEqual(hits(client.stderr), [], 'LSP log');
});

test('nothing written — state files, databases, ledgers, SARIF, temp files, objects in every bucket — holds a secret', async () => {
  const skip = new Set([join(root, 'private.asc'), join(root, 'leaky')]);
  const files = [...filesUnder(ws, skip), ...filesUnder(cliTmp, skip)];
  assert.ok(files.some((f) => f.endsWith('.db')) && files.some((f) => f.endsWith('.sarif')) && files.some((f) => f.includes(`${join('out', 'stripe')}`)), `the runs wrote their state:\n${files.join('\n')}`);
  for (const f of files) assert.deepEqual(hits(readFileSync(f).toString('latin1')), [], f);
  let objects = 0;
  for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: b.Name!, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: b.Name!, Key: o.Key! }))).Body!.transformToByteArray());
        assert.deepEqual(hits(body.toString('latin1')), [], `s3://${b.Name}/${o.Key}`);
        objects++;
      }
      token = page.NextContinuationToken;
    } while (token);
  }
  const bytes = outputs.reduce((n, o) => n + o.text.length, 0);
  console.log(`secret hygiene: ${Object.keys(SECRETS).length + 1} secrets set (+${Object.keys(LITERAL).length + 1} pasted into configs), ${outputs.length} outputs (${bytes} characters), ${files.length} files and ${objects} S3 objects scanned: no secret found`);
});
