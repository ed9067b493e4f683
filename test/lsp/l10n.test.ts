/**
 * The language server speaks the editor's language: the `locale` of `initialize` (what VS Code's client
 * sends), else VS Code's VSCODE_NLS_CONFIG, else English. A known-bad fixture is opened and its diagnostics
 * and quick-fix titles are checked word for word.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol/node';
import { LspClient, fileUri, messageOf, type StartOptions } from '../helpers/lsp-client';

const FIXTURE = resolve(__dirname, '../fixtures/mistakes/bad-bucket.pipeline.json');
const TEXT = readFileSync(FIXTURE, 'utf8');
let workspace: string;

before(() => {
  workspace = mkdtempSync(join(tmpdir(), 'pw-l10n-'));
});
after(() => rmSync(workspace, { recursive: true, force: true }));

/** Start a server with these options, open the fixture, and return its first diagnostics by code (and the client). */
async function diagnosticsWith(options: Omit<StartOptions, 'workspace'>): Promise<{ byCode: Map<string, Diagnostic>; client: LspClient }> {
  const client = await LspClient.start({ workspace, ...options });
  try {
    const uri = fileUri(FIXTURE);
    await client.open(uri, TEXT);
    const published = await client.nextDiagnostics(uri, { version: 1 });
    return { byCode: new Map(published.diagnostics.map((d) => [String(d.code), d])), client };
  } catch (e) {
    client.kill();
    throw e;
  }
}

async function messagesWith(options: Omit<StartOptions, 'workspace'>): Promise<Map<string, string>> {
  const { byCode, client } = await diagnosticsWith(options);
  client.kill();
  return new Map([...byCode].map(([code, d]) => [code, messageOf(d)]));
}

test('initialize with locale "fr": the diagnostics of a bad pipeline arrive in French', async () => {
  const m = await messagesWith({ locale: 'fr' });
  assert.equal(m.get('bucket-name'), 'Le nom de compartiment S3 "My_Bucket" ne doit contenir que des lettres minuscules. Consultez les règles de dénomination des compartiments S3.');
  assert.equal(m.get('region'), '"eu-west-9" n’est pas un code de Région AWS. Vouliez-vous dire "eu-west-1"\u00a0?');
  assert.equal(m.get('aws-account-id'), 'L’ID de compte AWS doit comporter exactement 12 chiffres (trouvé\u00a0: "12345")\u00a0; copiez-le depuis le menu du compte dans la console AWS.');
});

test('initialize with locale "de": German diagnostics and German quick-fix titles', async () => {
  const { byCode, client } = await diagnosticsWith({ locale: 'de' });
  try {
    assert.equal(byCode.get('bucket-name')?.message, 'Der S3-Bucket-Name "My_Bucket" darf nur Kleinbuchstaben verwenden. Siehe die Regeln für die Benennung von S3-Buckets.');
    const region = byCode.get('region')!;
    assert.equal(region.message, '"eu-west-9" ist kein AWS-Regionscode. Meinten Sie "eu-west-1"?');
    assert.equal(byCode.get('aws-account-id')?.message, 'Die AWS-Konto-ID muss genau 12 Ziffern haben (gefunden: "12345"); kopieren Sie sie aus dem Kontomenü der AWS-Konsole.');
    const actions = (await client.codeActions(fileUri(FIXTURE), region.range, [region])) as CodeAction[];
    assert.ok(actions.some((a) => a.title === 'In "eu-west-1" ändern'), actions.map((a) => a.title).join(' | '));
  } finally {
    client.kill();
  }
});

test('a regional locale such as "de-CH" falls back to the language\'s bundle', async () => {
  const m = await messagesWith({ locale: 'de-CH' });
  assert.equal(m.get('region'), '"eu-west-9" ist kein AWS-Regionscode. Meinten Sie "eu-west-1"?');
});

test('without a locale in initialize, VS Code\'s VSCODE_NLS_CONFIG decides', async () => {
  const m = await messagesWith({ env: { VSCODE_NLS_CONFIG: JSON.stringify({ locale: 'fr', osLocale: 'fr-fr', availableLanguages: {} }) } });
  assert.equal(m.get('region'), '"eu-west-9" n’est pas un code de Région AWS. Vouliez-vous dire "eu-west-1"\u00a0?');
});

test('locale "en", and locales without a bundle, get English (initialize wins over VSCODE_NLS_CONFIG)', async () => {
  const english = '"eu-west-9" is not an AWS region code. Did you mean "eu-west-1"?';
  assert.equal((await messagesWith({ locale: 'en', env: { VSCODE_NLS_CONFIG: '{"locale":"de"}' } })).get('region'), english);
  assert.equal((await messagesWith({ locale: 'ja' })).get('region'), english);
  assert.equal((await messagesWith({})).get('region'), english);
});
