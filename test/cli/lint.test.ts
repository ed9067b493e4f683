/** `pipewright lint` as a user and a CI job run it: the built CLI, real files, exit codes, text/JSON/SARIF. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripeExport, STRIPE_POLICY, STRIPE_TRUST } from '../helpers/engine';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
let dir: string;

function run(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-cli-'));
  mkdirSync(join(dir, 'good'));
  mkdirSync(join(dir, 'bad'));
  mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(dir, 'good/a.pipeline.json'), stripeExport());
  writeFileSync(join(dir, 'good/stripe.policy.json'), STRIPE_POLICY);
  writeFileSync(join(dir, 'good/stripe.trust.json'), STRIPE_TRUST);
  writeFileSync(join(dir, 'bad/a.pipeline.json'), stripeExport({ region: 'eu-west-9', roleName: 'stripe-role' }));
  writeFileSync(join(dir, 'bad/stripe.policy.json'), STRIPE_POLICY.replace('acme-stripe-data/*', '<BUCKET_RESOURCE>/*'));
  writeFileSync(join(dir, 'bad/stripe.trust.json'), STRIPE_TRUST);
  writeFileSync(join(dir, 'node_modules/x/ignored.pipeline.json'), '{');
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('a clean folder: exit 0 and a one-line summary', () => {
  const r = run(['lint', 'good']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(r.out, '3 files checked: 0 errors, 0 warnings.\n');
});

test('findings are printed as file:line:col with code and message; exit 1 on errors', () => {
  const r = run(['lint', 'bad']);
  assert.equal(r.code, 1);
  const lines = r.out.trim().split('\n');
  assert.ok(lines.includes('bad/a.pipeline.json:6:13: error [region] "eu-west-9" is not an AWS region code. Did you mean "eu-west-1"?'), r.out);
  assert.ok(lines.some((l) => l.startsWith('bad/a.pipeline.json:8:15: error [fixed-value]')), r.out);
  assert.ok(lines.some((l) => /^bad\/stripe\.policy\.json:\d+:\d+: error \[placeholder\] <BUCKET_RESOURCE>.*"acme-stripe-data"/.test(l)), r.out);
  assert.equal(lines.at(-1), '3 files checked: 3 errors, 0 warnings.');
});

test('the default path is the current folder, and node_modules is skipped', () => {
  const r = run(['lint']);
  assert.equal(r.code, 1);
  assert.match(r.out, /^6 files checked/m);
  assert.ok(!r.out.includes('ignored.pipeline.json'));
});

test('--format sarif: SARIF 2.1.0 with rule ids, levels and 1-based regions', () => {
  const r = run(['lint', 'bad', '--format', 'sarif']);
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.out);
  assert.equal(sarif.version, '2.1.0');
  const run0 = sarif.runs[0];
  assert.equal(run0.tool.driver.name, 'Pipewright');
  const region = run0.results.find((x: { ruleId: string }) => x.ruleId === 'region');
  assert.equal(region.level, 'error');
  assert.equal(region.locations[0].physicalLocation.artifactLocation.uri, 'bad/a.pipeline.json');
  assert.deepEqual(region.locations[0].physicalLocation.region, { startLine: 6, startColumn: 13, endLine: 6, endColumn: 24 });
  assert.equal(run0.tool.driver.rules[region.ruleIndex].id, 'region');
  assert.equal(run0.results.length, 3);
});

test('--format json and --output write a machine-readable report to a file', () => {
  const r = run(['lint', 'bad', '--format=json', '--output', 'report.json']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  const pipeline = report.find((f: { file: string }) => f.file === 'bad/a.pipeline.json');
  assert.equal(pipeline.subKind, 'stripe-export');
  assert.deepEqual(pipeline.findings.map((f: { code: string; line: number }) => [f.code, f.line]), [['region', 6], ['fixed-value', 8]]);
});

test('--suppress hides codes; the exit status follows what is left', () => {
  const r = run(['lint', 'bad/a.pipeline.json', '--suppress', 'region,fixed-value']);
  assert.equal(r.code, 0, r.out);
});

test('bad usage: unknown option, bad format, missing path — exit 2 or 1 with a message on stderr', () => {
  const u = run(['lint', '--frmat', 'x']);
  assert.equal(u.code, 2);
  assert.match(u.err, /unknown option --frmat/);
  const f = run(['lint', '--format', 'xml']);
  assert.equal(f.code, 2);
  assert.match(f.err, /--format must be text, json or sarif/);
  const m = run(['lint', 'nowhere']);
  assert.equal(m.code, 1);
  assert.match(m.err, /nowhere: no such file or folder/);
  const c = run(['frobnicate']);
  assert.equal(c.code, 2);
  assert.match(c.err, /unknown command "frobnicate"/);
});

test('--help on every command', () => {
  assert.match(run(['--help']).out, /Usage: pipewright <command>/);
  assert.match(run(['lint', '--help']).out, /Usage: pipewright lint \[paths…\]/);
  assert.match(run(['help', 'lint']).out, /--format text\|json\|sarif/);
});

test('Ctrl-C cancels a long lint: exit 130, a message, and no report written', async () => {
  const big = join(dir, 'big');
  mkdirSync(big);
  for (let i = 0; i < 4000; i++) writeFileSync(join(big, `p${i}.policy.json`), STRIPE_POLICY);
  const child = spawn(process.execPath, [BIN, 'lint', 'big', '--format', 'sarif', '--output', 'cancelled.sarif'], { cwd: dir, env: { ...process.env, PIPEWRIGHT_PROGRESS: '1' } });
  let err = '';
  // Interrupt once the CLI is under way: its first progress line says so (however loaded the machine is).
  let started!: () => void;
  const underWay = new Promise<void>((r) => (started = r));
  child.stderr.on('data', (d) => {
    err += d;
    if (/\d+\/4000/.test(err)) started();
  });
  await underWay;
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 130, err);
  assert.match(err, /cancelled; nothing was written/);
  assert.throws(() => readFileSync(join(dir, 'cancelled.sarif')), /ENOENT/);
  rmSync(big, { recursive: true, force: true });
});
