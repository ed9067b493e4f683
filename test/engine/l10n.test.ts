/**
 * Localisation: every message the server builds has a French and a German translation that keeps its
 * placeholders, the bundles hold nothing stale, and the engine speaks the bundle the edge gives it.
 * Keys are read from the sources with the TypeScript parser (helpers/l10n-keys.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hiddenPlaceholders, placeholders, scanKeys } from '../helpers/l10n-keys';
import { lint, lintOne, stripeExport, stripeWorkspace, STRIPE_POLICY } from '../helpers/engine';
import { bundleCandidates, localeFromNlsConfig, localeFromPosixEnv, useLocale } from '../../server/src/node/l10n';
import { inspectPublicKey } from '../../server/src/node/pgp/keys';

const ROOT = resolve(__dirname, '../..');
const LOCALES = ['fr', 'de'];
const bundles = Object.fromEntries(LOCALES.map((l) => [l, JSON.parse(readFileSync(resolve(ROOT, `l10n/bundle.l10n.${l}.json`), 'utf8')) as Record<string, string>]));
const server = scanKeys(ROOT, ['server/src']);
// The client's strings share the bundles (VS Code's l10n/ folder): they are not stale, and not ours to require.
const client = scanKeys(ROOT, ['client/src']);

after(() => useLocale(undefined));

test('every server message is written as l10n.t with a literal English key', () => {
  assert.deepEqual(server.dynamic, [], 'these calls build their key at run time, so no bundle can hold it');
  assert.ok(server.uses.length > 250, `found only ${server.uses.length} message sites`);
});

test('every message the server uses has a French and a German translation', () => {
  for (const locale of LOCALES) {
    const missing = [...new Set(server.uses.filter((u) => !(u.key in bundles[locale])).map((u) => `${u.where}: ${u.key}`))];
    assert.deepEqual(missing, [], `missing from bundle.l10n.${locale}.json`);
  }
});

test('no bundle entry is stale: each is a message the server or the client uses', () => {
  const used = new Set([...server.uses, ...client.uses].map((u) => u.key));
  for (const locale of LOCALES) {
    assert.deepEqual(Object.keys(bundles[locale]).filter((k) => !used.has(k)), [], `unused keys in bundle.l10n.${locale}.json`);
  }
});

test('each translation keeps exactly the placeholders of its English text', () => {
  for (const locale of LOCALES) {
    for (const [key, text] of Object.entries(bundles[locale])) {
      assert.equal(typeof text, 'string', key);
      assert.deepEqual(placeholders(text), placeholders(key), `${locale}: ${key}\n  → ${text}`);
      assert.notEqual(text.trim(), '', `${locale}: empty translation for ${key}`);
    }
  }
});

test('every placeholder of a message is one @vscode/l10n fills in, and each call passes it', () => {
  for (const u of server.uses) {
    assert.deepEqual(hiddenPlaceholders(u.key), [], `${u.where}: a placeholder inside braces is never replaced: ${u.key}`);
    const names = placeholders(u.key);
    if (u.named) {
      assert.deepEqual([...u.named].sort(), names, `${u.where}: named arguments ≠ placeholders in ${u.key}`);
    } else {
      assert.ok(names.every((n) => /^\d+$/.test(n)), `${u.where}: named placeholders need an arguments object: ${u.key}`);
      const needed = names.length ? Math.max(...names.map(Number)) + 1 : 0;
      assert.equal(u.positional, needed, `${u.where}: ${u.positional} arguments for ${needed} placeholders in ${u.key}`);
    }
  }
});

test('the bundles are sorted by key, so that merges of the client and server strings stay easy', () => {
  for (const locale of LOCALES) {
    const keys = Object.keys(bundles[locale]);
    assert.deepEqual(keys, [...keys].sort(), `bundle.l10n.${locale}.json is not sorted`);
  }
});

test('a locale picks the most specific bundle there is; English and POSIX locales pick none', () => {
  assert.deepEqual(bundleCandidates('fr'), ['fr']);
  assert.deepEqual(bundleCandidates('de_CH.UTF-8'), ['de-ch', 'de']);
  assert.deepEqual(bundleCandidates('fr-FR'), ['fr-fr', 'fr']);
  assert.deepEqual(bundleCandidates('en-GB'), []);
  assert.deepEqual(bundleCandidates('C.UTF-8'), []);
  assert.deepEqual(bundleCandidates('POSIX'), []);
  assert.deepEqual(bundleCandidates(''), []);
  assert.equal(localeFromNlsConfig({ VSCODE_NLS_CONFIG: '{"locale":"de","osLocale":"de-de","availableLanguages":{}}' }), 'de');
  assert.equal(localeFromNlsConfig({ VSCODE_NLS_CONFIG: 'not json' }), undefined);
  assert.equal(localeFromPosixEnv({ LANG: 'de_DE.UTF-8', LC_ALL: 'fr_FR.UTF-8' }), 'fr_FR.UTF-8');
  assert.equal(localeFromPosixEnv({ LANG: 'de_DE.UTF-8', LC_ALL: '' }), 'de_DE.UTF-8');
});

test('the engine speaks French, then German, then English again, as the edge tells it', () => {
  const region = () => lintOne('a.pipeline.json', stripeExport({ region: 'eu-west-9' })).find((f) => f.code === 'region')!.message;
  assert.equal(useLocale('fr_FR.UTF-8'), 'fr');
  assert.equal(region(), '"eu-west-9" n’est pas un code de Région AWS. Vouliez-vous dire "eu-west-1"\u00a0?');
  assert.equal(useLocale('de'), 'de');
  assert.equal(region(), '"eu-west-9" ist kein AWS-Regionscode. Meinten Sie "eu-west-1"?');
  assert.equal(useLocale('es'), undefined);
  assert.equal(region(), '"eu-west-9" is not an AWS region code. Did you mean "eu-west-1"?');
});

test('a composed IAM message (who, refused request, evaluator explanation, consequence) is German throughout', () => {
  useLocale('de');
  try {
    const policy = STRIPE_POLICY.replace('"s3:GetBucketLocation"', '"s3:GetBucketAcl"');
    assert.notEqual(policy, STRIPE_POLICY, 'the test policy must lose GetBucketLocation');
    const files = { ...stripeWorkspace(), 'stripe.policy.json': policy };
    const refused = lint(files, 'stripe.policy.json').find((f) => f.code === 'iam-missing-permission' && f.message.includes('s3:GetBucketLocation'));
    assert.ok(refused, 'GetBucketLocation is refused');
    assert.equal(
      refused.message,
      'Für Stripe Data Pipeline (a.pipeline.json) wird s3:GetBucketLocation auf arn:aws:s3:::acme-stripe-data verweigert: ' +
        'Implizit verweigert: Keine Anweisung erlaubt s3:GetBucketLocation auf arn:aws:s3:::acme-stripe-data; die nächstliegende Anweisung, ' +
        'Statement[0] ("Bucket"), deckt s3:GetBucketLocation nicht ab (Action: "s3:GetBucketAcl", "s3:ListBucket"). ' +
        'Stripe kann die Region des Buckets nicht bestätigen, also wird die Verbindung abgelehnt.',
    );
    assert.equal(refused.finding.fixes?.[0]?.title, 's3:GetBucketLocation auf arn:aws:s3:::acme-stripe-data erlauben');
  } finally {
    useLocale(undefined);
  }
});

test('the PGP key findings (shown on encryption.publicKey) follow the locale too', async () => {
  useLocale('fr');
  try {
    const report = await inspectPublicKey('not a key at all');
    assert.deepEqual(report.findings.map((f) => [f.code, f.message]), [[
      'pgp-parse',
      'Ceci n’est pas une clé OpenPGP au format ASCII (armored)\u00a0: exportez la clé publique avec --armor (gpg --output acct_….key --armor --export <ID de clé>)\u00a0; ' +
        'Stripe attend la forme texte qui commence par "-----BEGIN PGP PUBLIC KEY BLOCK-----".',
    ]]);
  } finally {
    useLocale(undefined);
  }
});
