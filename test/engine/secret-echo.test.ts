/**
 * A secret pasted where a file name belongs is flagged once, as a literal secret, and no other finding quotes it:
 * before, a private key pasted as `publicKey` came back whole in "does not exist" and "is named …" messages, in the
 * editor, the terminal and SARIF (found by test/reliability/secret-hygiene.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintOne } from '../helpers/engine';

const KEY = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxcZYBGsEd5oBEADWpbJdVuZJjbdj+oMu98YrNIdOX+K86xbCsQ3nGCgsfK39\n=CBiQ\n-----END PGP PRIVATE KEY BLOCK-----\n';

test('a private key pasted as publicKey: one literal-secret finding, and no message repeats the key', () => {
  const text = JSON.stringify({ kind: 'stripe-export', name: 'k', account: 'acct_1Nv0FGQ9RKHgCVdK', bucket: 'acme-key', region: 'us-east-1', awsAccountId: '402871995361', roleName: 'stripe-data-pipeline-s3-role', permissionPolicy: 'p.policy.json', trustPolicy: 't.trust.json', tables: ['charges'], encryption: { type: 'pgp', publicKey: KEY } }, null, 2);
  const findings = lintOne('k.pipeline.json', text);
  const onKey = findings.filter((f) => f.text.startsWith('"-----BEGIN'));
  assert.deepEqual(onKey.map((f) => f.code), ['literal-secret']);
  for (const f of findings) assert.ok(!f.message.includes('xcZYBGsEd5oBEADWpbJdVuZJjbdj'), `${f.code}: ${f.message}`);
});
