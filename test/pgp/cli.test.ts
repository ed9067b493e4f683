/**
 * `pipewright pgp generate|inspect` as a user runs them (runPgp, in process): the two files and their modes, the
 * refusals that keep a private key out of the project or from being overwritten, inspect's report and exit codes.
 * One RSA-4096 generation for the whole file; every refusal happens before generating.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { readKey, readPrivateKey } from 'openpgp';
import { PGP_HELP, runPgp } from '../../server/src/cli/pgp';

const ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';
const EXAMPLE_KEYS = resolve(__dirname, '../../examples/stripe-export/keys');
let root: string; // holds the workspace and, beside it, the secrets folder
let ws: string;
let secrets: string;
let first: Awaited<ReturnType<typeof run>>;

async function run(args: string[], cwd = ws) {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, done) => (f(String(c)), done()) });
  const code = await runPgp(args, sink((s) => (out += s)), sink((s) => (err += s)), cwd);
  return { code, out, err };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'pw-pgp-cli-'));
  ws = join(root, 'ws');
  secrets = join(root, 'secrets');
  mkdirSync(join(ws, 'keys'), { recursive: true });
  // A stale, world-writable public key from an earlier attempt: --force replaces it, with the right mode.
  writeFileSync(join(ws, 'keys', `${ACCOUNT}.key`), 'stale', { mode: 0o666 });
  chmodSync(join(ws, 'keys', `${ACCOUNT}.key`), 0o666);
  first = await run(['generate', ACCOUNT, '--public-dir', 'keys', '--private-out', join(secrets, `${ACCOUNT}.private.asc`), '--force']);
});

after(() => rmSync(root, { recursive: true, force: true }));

test('generate (--force) writes keys/<account>.key (public, 0644) and the private key only to --private-out (0600)', async () => {
  assert.equal(first.code, 0, first.err);
  const pub = join(ws, 'keys', `${ACCOUNT}.key`);
  const priv = join(secrets, `${ACCOUNT}.private.asc`);
  assert.equal(statSync(pub).mode & 0o777, 0o644 & ~process.umask());
  assert.equal(statSync(priv).mode & 0o777, 0o600);
  assert.match(readFileSync(pub, 'utf8'), /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n[\s\S]+-----END PGP PUBLIC KEY BLOCK-----\n$/);
  const privateKey = await readPrivateKey({ armoredKey: readFileSync(priv, 'utf8') });
  const publicKey = await readKey({ armoredKey: readFileSync(pub, 'utf8') });
  // The private key written is the other half of the public one, and nothing else was written anywhere.
  assert.equal(privateKey.getFingerprint(), publicKey.getFingerprint());
  assert.ok(first.out.includes(`fingerprint  ${publicKey.getFingerprint().toUpperCase().slice(0, 4)} `));
  assert.deepEqual(readdirSync(ws), ['keys']);
  assert.deepEqual(readdirSync(join(ws, 'keys')), [`${ACCOUNT}.key`]);
  assert.deepEqual(readdirSync(secrets), [`${ACCOUNT}.private.asc`]);
  // The report says where each file went; it never prints the private key.
  assert.match(first.out, /RSA 4096 and RSA 4096, user id "acct_1Nv0FGQ9RKHgCVdK", no expiry, no passphrase/);
  assert.match(first.out, /public key {3}keys\/acct_1Nv0FGQ9RKHgCVdK\.key/);
  assert.ok(!(first.out + first.err).includes('PRIVATE KEY BLOCK'));
  assert.ok(!(first.out + first.err).includes(readFileSync(priv, 'utf8').split('\n')[3]));
});

test('gpg reads the written public key as the guide\'s key', () => {
  const home = mkdtempSync(join(tmpdir(), 'pw-gpg-'));
  try {
    const r = spawnSync('gpg', ['--homedir', home, '--batch', '--with-colons', '--show-keys', join(ws, 'keys', `${ACCOUNT}.key`)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').map((l) => l.split(':'));
    assert.deepEqual(rows.filter((f) => f[0] === 'pub' || f[0] === 'sub').map((f) => [f[0], f[2], f[3], f[6]]), [
      ['pub', '4096', '1', ''],
      ['sub', '4096', '1', ''],
    ]);
    assert.deepEqual(rows.filter((f) => f[0] === 'uid').map((f) => f[9]), [ACCOUNT]);
  } finally {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    rmSync(home, { recursive: true, force: true });
  }
});

test('generate refuses to overwrite either file without --force, and changes nothing', async () => {
  const before = readFileSync(join(ws, 'keys', `${ACCOUNT}.key`), 'utf8');
  const r = await run(['generate', ACCOUNT, '--public-dir', 'keys', '--private-out', join(secrets, `${ACCOUNT}.private.asc`)]);
  assert.equal(r.code, 1);
  assert.match(r.err, /secrets\/acct_1Nv0FGQ9RKHgCVdK\.private\.asc and keys\/acct_1Nv0FGQ9RKHgCVdK\.key already exist: add --force/);
  assert.equal(readFileSync(join(ws, 'keys', `${ACCOUNT}.key`), 'utf8'), before);
  const onlyPublic = await run(['generate', ACCOUNT, '--public-dir', 'keys', '--private-out', join(secrets, 'new.asc')]);
  assert.equal(onlyPublic.code, 1);
  assert.match(onlyPublic.err, /keys\/acct_1Nv0FGQ9RKHgCVdK\.key already exists/);
  assert.equal(existsSync(join(secrets, 'new.asc')), false);
});

test('generate refuses a private key inside the workspace, also through a symlink or elsewhere in its git repository', async () => {
  const inside = await run(['generate', ACCOUNT, '--private-out', 'private.asc']);
  assert.equal(inside.code, 1);
  assert.match(inside.err, /refusing to write the private key inside the workspace .*--allow-in-workspace/);
  // A link outside the workspace that leads back into it.
  symlinkSync(ws, join(root, 'ws-link'));
  const viaLink = await run(['generate', ACCOUNT, '--private-out', join(root, 'ws-link', 'private.asc')]);
  assert.equal(viaLink.code, 1);
  assert.match(viaLink.err, /refusing/);
  // The command is run in a subfolder of a git repository: the whole repository is the workspace.
  const repo = join(root, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'pipelines'));
  const inRepo = await run(['generate', ACCOUNT, '--private-out', '../private/key.asc'], join(repo, 'pipelines'));
  assert.equal(inRepo.code, 1);
  assert.match(inRepo.err, /refusing/);
  assert.deepEqual(readdirSync(ws), ['keys']);
  assert.equal(existsSync(join(repo, 'private')), false);
  // --allow-in-workspace lets it past that check (here to the next one: the file exists).
  writeFileSync(join(ws, 'keys', 'private.asc'), 'x');
  const allowed = await run(['generate', ACCOUNT, '--public-dir', 'elsewhere', '--private-out', 'keys/private.asc', '--allow-in-workspace']);
  assert.equal(allowed.code, 1);
  assert.match(allowed.err, /keys\/private\.asc already exists/);
  rmSync(join(ws, 'keys', 'private.asc'));
});

test('generate usage errors: exit 2 before any work', async () => {
  const noOut = await run(['generate', ACCOUNT]);
  assert.equal(noOut.code, 2);
  assert.match(noOut.err, /--private-out FILE is required/);
  const badId = await run(['generate', 'Acme Corp', '--private-out', join(secrets, 'x.asc')]);
  assert.equal(badId.code, 2);
  assert.match(badId.err, /"Acme Corp" is not a Stripe account id/);
  assert.equal((await run(['generate', ACCOUNT, '--private-out'])).code, 2);
  assert.equal((await run(['generate', ACCOUNT, '--bits', '2048', '--private-out', join(secrets, 'x.asc')])).code, 2);
  assert.equal((await run(['rotate'])).code, 2);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.equal(help.out, PGP_HELP);
});

test('inspect: exit 0 on the generated key, with its facts and the account taken from the file name', async () => {
  const r = await run(['inspect', `keys/${ACCOUNT}.key`]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^ {2}algorithm {4}RSA 4096 bits$/m);
  assert.match(r.out, /^ {2}user ids {5}"acct_1Nv0FGQ9RKHgCVdK"$/m);
  assert.match(r.out, /^ {2}expires {6}never$/m);
  assert.match(r.out, /^ {2}can encrypt {2}yes$/m);
  assert.match(r.out, /^ {2}account {6}acct_1Nv0FGQ9RKHgCVdK \(from the file name\)$/m);
  assert.match(r.out, /^0 errors, 0 warnings\.$/m);
  assert.equal((await run(['inspect', join(EXAMPLE_KEYS, `${ACCOUNT}.key`)])).code, 0);
});

test('inspect: exit 1 on an error finding — a private key file, another account', async () => {
  const priv = await run(['inspect', join(secrets, `${ACCOUNT}.private.asc`), '--account', ACCOUNT]);
  assert.equal(priv.code, 1);
  assert.match(priv.out, /private\.asc: error \[pgp-private-key\] This is a PRIVATE key block/);
  assert.ok(!priv.out.includes(readFileSync(join(secrets, `${ACCOUNT}.private.asc`), 'utf8').split('\n')[3]));
  const other = await run(['inspect', `keys/${ACCOUNT}.key`, '--account', 'acct_0ther4ccount']);
  assert.equal(other.code, 1);
  assert.match(other.out, /error \[pgp-user-id\] This key's user id is "acct_1Nv0FGQ9RKHgCVdK", but the account is "acct_0ther4ccount"/);
  assert.match(other.out, /warning \[pgp-key-name\] Stripe expects the public key file named "acct_0ther4ccount\.key"/);
  assert.match(other.out, /^1 error, 1 warning\.$/m);
});

test('inspect: exit 2 when the file is missing or not a file', async () => {
  writeFileSync(join(root, 'garbage.key'), 'not a key');
  assert.equal((await run(['inspect', join(root, 'garbage.key')])).code, 1);
  const missing = await run(['inspect', 'keys/acct_Missing.key']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /keys\/acct_Missing\.key: cannot read it \(ENOENT\)/);
  assert.equal((await run(['inspect', 'keys'])).code, 2);
  assert.equal((await run(['inspect'])).code, 2);
});
