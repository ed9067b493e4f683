/**
 * A stripe-export pipeline's PGP key is judged as Stripe's guide asks, as diagnostics on `encryption.publicKey`:
 * in the CLI's lint, and in the editor (a moment after the other diagnostics, once openpgp has read the key).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKey } from 'openpgp';
import { LspClient, fileUri } from '../helpers/lsp-client';

const BIN = resolve(__dirname, '../../bin/pipewright.js');
const EXAMPLE = resolve(__dirname, '../../examples/stripe-export');
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-pgp-diag-'));
  for (const f of ['stripe-export.pipeline.json', 'stripe-data-pipeline.policy.json', 'stripe-data-pipeline.trust.json']) writeFileSync(join(dir, f), readFileSync(join(EXAMPLE, f)));
  mkdirSync(join(dir, 'keys'));
  // A key made the wrong way: RSA 2048, with a person's name and an email instead of the account id.
  const { publicKey } = await generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'Acme Finance', email: 'finance@acme.example' }], format: 'armored' });
  writeFileSync(join(dir, 'keys', 'acct_1Nv0FGQ9RKHgCVdK.key'), publicKey);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('lint: a key that is not RSA 4096, or not named after the account, is an error on publicKey', () => {
  const r = spawnSync(process.execPath, [BIN, 'lint', dir], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.includes('[pgp-key]'));
  assert.equal(lines.length, 1, r.stdout);
  assert.ok(lines.every((l) => /stripe-export\.pipeline\.json:\d+:\d+: error \[pgp-key\] acct_1Nv0FGQ9RKHgCVdK\.key: /.test(l)), lines.join('\n'));
  assert.match(lines[0], /\(1\) .*2048 bits.* \(2\) .*user id is "Acme Finance <finance@acme\.example>", but the account is "acct_1Nv0FGQ9RKHgCVdK"/);
  // The example's own key (made as the guide says) is clean.
  const clean = spawnSync(process.execPath, [BIN, 'lint', EXAMPLE], { encoding: 'utf8' });
  assert.equal(clean.status, 0, clean.stdout);
});

test('editor: the key’s findings arrive on publicKey once openpgp has read it', async () => {
  const client = await LspClient.start({ workspace: dir });
  try {
    const path = join(dir, 'stripe-export.pipeline.json');
    await client.open(path, readFileSync(path, 'utf8'));
    const d = await client.nextDiagnostics(fileUri(path), { match: (p) => p.diagnostics.some((x) => x.code === 'pgp-key'), timeoutMs: 20_000 });
    const pgp = d.diagnostics.filter((x) => x.code === 'pgp-key');
    const text = readFileSync(path, 'utf8').split('\n');
    assert.ok(pgp.every((x) => text[x.range.start.line].includes('"publicKey"')), 'on the publicKey line');
    assert.ok(pgp.some((x) => /2048/.test(String(x.message))));
  } finally {
    client.kill();
  }
});
