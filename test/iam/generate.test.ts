/** Least-privilege policies generated for each example pipeline: exactly what the integration needs, and they lint clean. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Project, validate } from '../../server/src/engine';
import { generatedFiles } from '../../server/src/engine/iam/files';
import { findConfigFiles, nodeFileAccess } from '../../server/src/node/files';

const EXAMPLES = resolve(__dirname, '../../examples');
const BIN = resolve(__dirname, '../../bin/pipewright.js');

test('for every example pipeline with a bucket, the generated policies replace the hand-written ones and everything still lints clean', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-gen-'));
  try {
    cpSync(EXAMPLES, dir, { recursive: true });
    const project = new Project(nodeFileAccess);
    for (const f of findConfigFiles(dir)) project.addKnown(f);
    const pipelines = findConfigFiles(dir).filter((f) => /\.pipeline\.jsonc?$/.test(f));
    let generated = 0;
    for (const p of pipelines) {
      const doc = project.get(p)!;
      const out = generatedFiles(doc, project);
      if ('error' in out) {
        assert.equal(doc.subKind, 'aep-stripe-flow', `${p}: ${out.error}`);
        continue;
      }
      for (const f of out.files) {
        writeFileSync(f.path, f.text);
        project.fileChanged(f.path);
        generated++;
      }
    }
    assert.ok(generated >= 5, `generated ${generated} files`);
    for (const f of findConfigFiles(dir)) project.addKnown(f);
    const findings = findConfigFiles(dir).flatMap((f) => validate(project.get(f)!, project).map((x) => `${f.slice(dir.length)}: ${x.code} ${x.message}`));
    assert.deepEqual(findings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Braze Currents: list and locate the bucket, write and read its folder; trust Braze’s account with the external id', () => {
  const project = new Project(nodeFileAccess);
  const out = generatedFiles(project.get(join(EXAMPLES, 'braze/currents.pipeline.json'))!);
  assert.ok(!('error' in out));
  const [permission, trust] = out.files.map((f) => JSON.parse(f.text));
  assert.deepEqual(permission.Statement, [
    { Sid: 'Bucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: 'arn:aws:s3:::acme-braze-data' },
    { Sid: 'Objects', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::acme-braze-data/currents/*' },
  ]);
  assert.deepEqual(trust.Statement[0].Principal, { AWS: 'arn:aws:iam::563918207415:root' });
  assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { 'sts:ExternalId': 'c34beb90-e8f1-4ab6-96d0-50a837d460de' } });
});

test('two Currents connectors sharing one policy file get one policy covering both folders', () => {
  const project = new Project(nodeFileAccess);
  for (const f of findConfigFiles(join(EXAMPLES, 'braze'))) project.addKnown(f);
  const out = generatedFiles(project.get(join(EXAMPLES, 'braze/currents.pipeline.json'))!, project);
  assert.ok(!('error' in out));
  const resources = JSON.parse(out.files[0].text).Statement.map((s: { Resource: string }) => s.Resource);
  assert.deepEqual(resources.sort(), ['arn:aws:s3:::acme-braze-data', 'arn:aws:s3:::acme-braze-data/currents-behaviors/*', 'arn:aws:s3:::acme-braze-data/currents/*']);
});

test('Braze dashboard export adds s3:DeleteObject; the Stripe connector lists only its folder', () => {
  const project = new Project(nodeFileAccess);
  const exp = generatedFiles(project.get(join(EXAMPLES, 'braze/export.pipeline.json'))!);
  assert.ok(!('error' in exp));
  assert.deepEqual(JSON.parse(exp.files[0].text).Statement[1].Action, ['s3:PutObject', 's3:GetObject', 's3:DeleteObject']);
  assert.equal(exp.files.length, 1, 'access-key auth: no trust policy');
  assert.match(exp.note!, /access key/);
  const imp = generatedFiles(project.get(join(EXAMPLES, 'stripe-import/stripe-import.pipeline.json'))!);
  assert.ok(!('error' in imp));
  const st = JSON.parse(imp.files[0].text).Statement;
  assert.deepEqual(st[0].Condition, { StringLike: { 's3:prefix': ['imports/products/*'] } });
  assert.equal(st[1].Resource, 'arn:aws:s3:::acme-product-catalog-imports/imports/products/*');
  assert.match(imp.note!, /Stripe shows the trust policy/);
});

test('the CLI prints, refuses to overwrite without --force, and writes with it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-gen-cli-'));
  try {
    cpSync(join(EXAMPLES, 'braze'), dir, { recursive: true });
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'iam', 'generate', ...args], { cwd: dir, encoding: 'utf8' });
    const printed = run('currents.pipeline.json');
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /^\/\/ braze-currents\.policy\.json\n\{/);
    const refused = run('currents.pipeline.json', '--write');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /braze-currents\.policy\.json, braze-currents\.trust\.json already exist: add --force/);
    const before = readFileSync(join(dir, 'braze-currents.policy.json'), 'utf8');
    const forced = run('currents.pipeline.json', '--write', '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /wrote braze-currents\.policy\.json\nwrote braze-currents\.trust\.json/);
    assert.notEqual(readFileSync(join(dir, 'braze-currents.policy.json'), 'utf8'), before);
    const notPipeline = run('braze-currents.policy.json');
    assert.equal(notPipeline.status, 1);
    assert.match(notPipeline.stderr, /not a pipeline config/);
    assert.equal(run().status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Stripe export: with Stripe’s principal and external id copied into the config, the trust policy is generated too', () => {
  const project = new Project(nodeFileAccess);
  const pipeline = findConfigFiles(join(EXAMPLES, 'stripe-export')).find((f) => f.endsWith('.pipeline.json'))!;
  const out = generatedFiles(project.get(pipeline)!);
  assert.ok(!('error' in out), JSON.stringify(out));
  const trust = out.files.find((f) => f.path.endsWith('.trust.json'));
  assert.ok(trust, `no trust policy among ${out.files.map((f) => f.path).join(', ')}`);
  assert.deepEqual(JSON.parse(trust.text).Statement, [
    { Sid: 'StripeAssumeRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::731954892063:role/stripe-data-pipeline-delivery' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FGQ9RKHgCVdK' } } },
  ]);
});
