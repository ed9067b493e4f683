/**
 * Who an encrypted delivery is for, from its first bytes: the recipient key ids the preview shows without a private
 * key are the ones gpg lists for the same message — one recipient or several, hidden recipients (--throw-keyids),
 * passphrase-encrypted messages — and what is not an encrypted binary message is said to be so.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ENVELOPE_BYTES, readPgpEnvelope, type PgpEnvelope } from '../../server/src/engine/delivery/pgp-envelope';
import { encryptStream } from '../../server/src/node/pgp/stream';

let home: string;
let plain: string;

function gpg(args: string[], input?: string) {
  const r = spawnSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--trust-model', 'always', ...args], { input, encoding: 'latin1' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The recipients gpg reads from a message: `:pubkey enc packet: … keyid X` lines, and symmetric session keys. */
function gpgRecipients(file: string): { keyIds: string[]; symmetric: number } {
  const listing = gpg(['--list-packets', '--passphrase', 'wrong', file]);
  const text = listing.out + listing.err;
  return { keyIds: [...text.matchAll(/:pubkey enc packet: version 3, algo \d+, keyid ([0-9A-F]{16})/g)].map((m) => m[1]), symmetric: [...text.matchAll(/:symkey enc packet:/g)].length };
}

const head = (file: string) => readFileSync(file).subarray(0, ENVELOPE_BYTES);

before(() => {
  home = mkdtempSync(join(tmpdir(), 'pw-envelope-'));
  for (const name of ['acct_1Recipient', 'acct_2Recipient']) {
    const r = gpg(['--passphrase', '', '--quick-gen-key', name, 'rsa2048', 'default', 'never']);
    assert.equal(r.code, 0, r.err);
    assert.equal(gpg(['--passphrase', '', '--quick-add-key', fingerprintOf(name), 'rsa2048', 'encr', 'never']).code, 0);
  }
  plain = join(home, 'plain.bin');
  writeFileSync(plain, Buffer.alloc(50_000, 7));
});

after(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

function fingerprintOf(name: string): string {
  const out = gpg(['--with-colons', '--list-keys', name]).out;
  return /^fpr:+([0-9A-F]{40}):/m.exec(out)![1];
}

test('one recipient, two recipients, hidden recipients: the key ids gpg lists', () => {
  const cases: Array<[string, string[]]> = [
    ['one', ['-r', 'acct_1Recipient']],
    ['two', ['-r', 'acct_1Recipient', '-r', 'acct_2Recipient']],
    ['hidden', ['--throw-keyids', '-r', 'acct_1Recipient']],
  ];
  for (const [name, recipients] of cases) {
    const out = join(home, `${name}.gpg`);
    const r = gpg(['--encrypt', ...recipients, '--output', out, plain]);
    assert.equal(r.code, 0, r.err);
    const expected = gpgRecipients(out);
    assert.ok(expected.keyIds.length >= 1, `${name}: gpg lists its recipients`);
    const envelope = readPgpEnvelope(head(out)) as PgpEnvelope;
    assert.ok(!(envelope instanceof Error), String(envelope));
    assert.deepEqual(envelope.keyIds.slice().sort(), expected.keyIds.slice().sort(), name);
    assert.equal(envelope.symmetric, 0);
  }
  assert.deepEqual((readPgpEnvelope(head(join(home, 'hidden.gpg'))) as PgpEnvelope).keyIds, ['0000000000000000']);
});

test('a passphrase-encrypted message is named as such; our own encryption names the key gpg names', async () => {
  const sym = join(home, 'sym.gpg');
  assert.equal(gpg(['--symmetric', '--passphrase', 'p4ss', '--output', sym, plain]).code, 0);
  assert.deepEqual(readPgpEnvelope(head(sym)), { keyIds: [], fingerprints: [], symmetric: gpgRecipients(sym).symmetric });

  const armored = gpg(['--armor', '--export', 'acct_2Recipient']).out;
  const ours = join(home, 'ours.gpg');
  const chunks: Buffer[] = [];
  for await (const c of encryptStream(Readable.from([readFileSync(plain)]), armored)) chunks.push(Buffer.from(c as Uint8Array));
  writeFileSync(ours, Buffer.concat(chunks));
  assert.deepEqual((readPgpEnvelope(head(ours)) as PgpEnvelope).keyIds, gpgRecipients(ours).keyIds);
});

test('what is not an encrypted binary message says so: armored, plain Parquet, a signed-only message', () => {
  const armored = join(home, 'armored.asc');
  assert.equal(gpg(['--encrypt', '--armor', '-r', 'acct_1Recipient', '--output', armored, plain]).code, 0);
  assert.match(String(readPgpEnvelope(head(armored))), /ASCII-armored message/);
  assert.match(String(readPgpEnvelope(Buffer.from('PAR1\x15\x00\x15'))), /not an OpenPGP message/);
  const signed = join(home, 'signed.gpg');
  assert.equal(gpg(['--sign', '--passphrase', '', '-u', 'acct_1Recipient', '--output', signed, plain]).code, 0);
  assert.match(String(readPgpEnvelope(head(signed))), /not an encrypted OpenPGP message/);
});
