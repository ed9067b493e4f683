/**
 * The key Stripe's Data Pipeline guide prescribes (RSA and RSA, 4096 bits, no expiry, name = account id, no email,
 * comment or passphrase): ours is that key as gpg sees it, and inspectPublicKey tells every way a key can miss it.
 * One RSA-4096 pair for the whole file (generation takes seconds); wrong keys are derived from it or made small.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKey, readPrivateKey, reformatKey } from 'openpgp';
import { generateStripeKeyPair, inspectPublicKey, splitUserId, type PgpKeyReport, type StripeKeyPair } from '../../server/src/node/pgp/keys';

const ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';
const EXAMPLE_KEY = resolve(__dirname, '../../examples/stripe-export/keys/acct_1Nv0FGQ9RKHgCVdK.key');
let pair: StripeKeyPair;
let home: string;

/** gpg on a keyring of its own (never the user's), non-interactive. */
function gpg(args: string[], input?: string) {
  const r = spawnSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', ...args], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `gpg ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const codes = (r: PgpKeyReport) => r.findings.map((f) => `${f.severity}:${f.code}`).sort();
const only = (r: PgpKeyReport, code: string) => {
  assert.deepEqual(codes(r), [`error:${code}`], JSON.stringify(r.findings, null, 1));
  return r.findings[0].message;
};

/** The shared pair with other user ids or an expiry, re-signed by its own key: the same RSA-4096 keys, no new primes. */
async function variant(options: { userIDs?: Array<{ name?: string; email?: string; comment?: string }>; keyExpirationTime?: number }): Promise<string> {
  const privateKey = await readPrivateKey({ armoredKey: pair.privateArmored });
  const { publicKey } = await reformatKey({ privateKey, userIDs: options.userIDs ?? [{ name: ACCOUNT }], keyExpirationTime: options.keyExpirationTime, format: 'armored' });
  return publicKey;
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'pw-gpg-'));
  const started = Date.now();
  pair = await generateStripeKeyPair(ACCOUNT);
  process.stderr.write(`# RSA-4096 key pair generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

after(() => {
  spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
  rmSync(home, { recursive: true, force: true });
});

test('a generated key has nothing wrong with it, and its facts are the guide\'s', async () => {
  const r = await inspectPublicKey(pair.publicArmored, { accountId: ACCOUNT });
  assert.deepEqual(r.findings, []);
  assert.deepEqual(
    { ...r.facts, created: undefined },
    { algorithm: 'RSA', bits: 4096, encryptionBits: 4096, userIds: [ACCOUNT], expires: null, created: undefined, fingerprint: pair.fingerprint, canEncrypt: true, isPrivate: false },
  );
  assert.match(pair.fingerprint, /^[0-9A-F]{40}$/);
  assert.match(pair.publicArmored, /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
  assert.match(pair.privateArmored, /^-----BEGIN PGP PRIVATE KEY BLOCK-----\n/);
});

test('gpg imports the public key: RSA 4096 [SC] with an RSA 4096 [E] subkey, user id = the account id, no expiry, good self-signatures', () => {
  // Not even a warning: openpgp's SHA3 hash preferences, unknown to gpg 2.2, are dropped.
  assert.doesNotMatch(gpg(['--import'], pair.publicArmored).stderr, /WARNING|unavailable/);
  const rows = gpg(['--with-colons', '--fixed-list-mode', '--list-keys', pair.fingerprint]).stdout.trim().split('\n').map((l) => l.split(':'));
  const pub = rows.find((f) => f[0] === 'pub')!;
  const sub = rows.find((f) => f[0] === 'sub')!;
  const uids = rows.filter((f) => f[0] === 'uid');
  // Colon fields: 3 key length, 4 algorithm (1 = RSA), 7 expiry (empty = never), 10 user id, 12 capabilities.
  assert.deepEqual([pub[2], pub[3], pub[6], pub[11].replace(/[A-Z]/g, '')], ['4096', '1', '', 'sc']);
  assert.deepEqual([sub[2], sub[3], sub[6], sub[11]], ['4096', '1', '', 'e']);
  assert.deepEqual(
    uids.map((f) => f[9]),
    [ACCOUNT],
  );
  assert.equal(rows.find((f) => f[0] === 'fpr')![9], pair.fingerprint);
  const sigs = gpg(['--with-colons', '--check-sigs', pair.fingerprint]).stdout.split('\n').filter((l) => l.startsWith('sig:'));
  assert.equal(sigs.length, 2);
  assert.ok(sigs.every((l) => l.startsWith('sig:!:')), sigs.join('\n'));
});

test('the private key has no passphrase, as the guide asks, and gpg imports it', async () => {
  assert.equal((await readPrivateKey({ armoredKey: pair.privateArmored })).isDecrypted(), true);
  assert.doesNotMatch(gpg(['--import'], pair.privateArmored).stderr, /WARNING|unavailable/);
  const sec = gpg(['--with-colons', '--list-secret-keys', pair.fingerprint]).stdout;
  assert.match(sec, /^sec:[^:]*:4096:1:/m);
  assert.ok(sec.split('\n').some((l) => l.startsWith('fpr:') && l.includes(pair.fingerprint)));
});

test('the example key in examples/stripe-export is a clean RSA-4096 key for the example pipeline\'s account', async () => {
  const r = await inspectPublicKey(readFileSync(EXAMPLE_KEY, 'utf8'), { accountId: ACCOUNT });
  assert.deepEqual(r.findings, []);
  assert.equal(r.facts?.bits, 4096);
  assert.deepEqual(r.facts?.userIds, [ACCOUNT]);
});

test('inspectPublicKey is quick: a few milliseconds once openpgp is warm', async () => {
  const text = readFileSync(EXAMPLE_KEY, 'utf8');
  await inspectPublicKey(text, { accountId: ACCOUNT });
  const started = performance.now();
  for (let i = 0; i < 5; i++) await inspectPublicKey(text, { accountId: ACCOUNT });
  const each = (performance.now() - started) / 5;
  assert.ok(each < 100, `${each.toFixed(1)} ms per inspection`);
});

test('generateStripeKeyPair refuses a name that is not a Stripe account id, before any work', async () => {
  await assert.rejects(generateStripeKeyPair('Acme Corp <ops@acme.test>'), /not a Stripe account id.*acct_….*org_…/);
  await assert.rejects(generateStripeKeyPair('acct_'), /not a Stripe account id/);
});

test('a private key block is an error that says to rotate the key', async () => {
  const r = await inspectPublicKey(pair.privateArmored, { accountId: ACCOUNT });
  const m = only(r, 'pgp-private-key');
  assert.match(m, /PRIVATE key block/);
  assert.match(m, /committed.*rotate/);
  assert.equal(r.facts?.isPrivate, true);
  // The message names what to do, never key material.
  assert.ok(!m.includes(pair.privateArmored.split('\n')[2]));
});

test('an RSA-2048 key is an error naming both sizes', async () => {
  const small = await generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: ACCOUNT }], format: 'armored' });
  const m = only(await inspectPublicKey(small.publicKey, { accountId: ACCOUNT }), 'pgp-key-size');
  assert.match(m, /primary key has 2048 bits and its encryption subkey has 2048 bits/);
  assert.match(m, /RSA and RSA, 4096 bits/);
});

test('an elliptic-curve key is an error: the guide asks for RSA', async () => {
  const ecc = await generateKey({ type: 'ecc', userIDs: [{ name: ACCOUNT }], format: 'armored' });
  assert.match(only(await inspectPublicKey(ecc.publicKey, { accountId: ACCOUNT }), 'pgp-key-type'), /This key is EdDSA.*RSA and RSA key of 4096 bits/);
});

test('a key for another account is an error naming both ids', async () => {
  const m = only(await inspectPublicKey(await variant({ userIDs: [{ name: 'acct_0ther4ccount' }] }), { accountId: ACCOUNT }), 'pgp-user-id');
  assert.match(m, /user id is "acct_0ther4ccount", but the account is "acct_1Nv0FGQ9RKHgCVdK"/);
  assert.match(m, /pipewright pgp generate acct_1Nv0FGQ9RKHgCVdK/);
});

test('an email or comment in the user id is a warning; the name still matches', async () => {
  const r = await inspectPublicKey(await variant({ userIDs: [{ name: ACCOUNT, email: 'data@acme.test' }] }), { accountId: ACCOUNT });
  assert.deepEqual(codes(r), ['warning:pgp-user-id-extra']);
  assert.match(r.findings[0].message, /has an email/);
  assert.deepEqual(splitUserId(`${ACCOUNT} (ops)`), { userId: `${ACCOUNT} (ops)`, name: ACCOUNT, comment: 'ops', email: '' });
});

test('without an account, a key whose user id is no account id gets a warning', async () => {
  const r = await inspectPublicKey(await variant({ userIDs: [{ name: 'Acme Data', email: 'data@acme.test' }] }));
  assert.deepEqual(codes(r), ['warning:pgp-user-id']);
});

test('an expiry in the future is a warning with the date; once past it is an error', async () => {
  const expiring = await variant({ keyExpirationTime: 3600 });
  const soon = await inspectPublicKey(expiring, { accountId: ACCOUNT });
  assert.deepEqual(codes(soon), ['warning:pgp-expiry']);
  assert.match(soon.findings[0].message, /expires on \d{4}-\d\d-\d\dT.*does not expire.*gpg --quick-set-expire [0-9A-F]{40} 0/);
  assert.ok(soon.facts?.expires instanceof Date);
  const later = await inspectPublicKey(expiring, { accountId: ACCOUNT, now: new Date(Date.now() + 2 * 86_400_000) });
  assert.match(only(later, 'pgp-expired'), /This key expired on .*Stripe cannot encrypt to an expired key/);
  assert.equal(later.facts?.canEncrypt, false);
});

test('a key gpg made already expired is an error (gpg as the peer)', async () => {
  // gpg, with its clock set two days back, makes a key valid for one day: expired by now.
  const past = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/[-:]/g, '').slice(0, 15);
  gpg(['--faked-system-time', `${past}!`, '--passphrase', '', '--quick-generate-key', 'acct_Exp1red0ne', 'rsa2048', 'default', '1d']);
  const armored = gpg(['--armor', '--export', 'acct_Exp1red0ne']).stdout;
  const r = await inspectPublicKey(armored, { accountId: 'acct_Exp1red0ne' });
  assert.ok(codes(r).includes('error:pgp-expired'), JSON.stringify(r.findings));
  assert.ok(codes(r).includes('error:pgp-key-size'));
});

test('garbage is an error saying to export with --armor; a cut-off block gives the parser\'s reason; an edited one fails its self-signature', async () => {
  assert.match(only(await inspectPublicKey('ssh-rsa AAAAB3NzaC1yc2E acme@laptop\n'), 'pgp-parse'), /not an armored OpenPGP key.*--armor/);
  assert.match(only(await inspectPublicKey('-----BEGIN PGP MESSAGE-----\n\nhQ==\n-----END PGP MESSAGE-----\n'), 'pgp-parse'), /PGP message, not a public key/);
  const lines = pair.publicArmored.trim().split('\n');
  const cut = [...lines.slice(0, 12), ...lines.slice(-1)].join('\n');
  assert.match(only(await inspectPublicKey(cut), 'pgp-parse'), /cannot be read \(.+\): export it again/);
  // One changed letter in the primary key's modulus: still parses, but its self-signature no longer matches.
  lines[5] = lines[5].slice(0, 10) + (lines[5][10] === 'A' ? 'B' : 'A') + lines[5].slice(11);
  assert.match(only(await inspectPublicKey(lines.join('\n')), 'pgp-invalid'), /self-signature does not check out .*damaged or edited/);
});
