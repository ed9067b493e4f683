/**
 * `pipewright lint` in the user's language: `--locale` first, then LC_ALL / LC_MESSAGES / LANG, else English.
 * The built CLI runs on a known-bad fixture; codes and positions stay the same in every language.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const BIN = resolve(ROOT, 'bin/pipewright.js');
const FIXTURE = 'test/fixtures/mistakes/bad-bucket.pipeline.json';

function lint(args: string[], env: Record<string, string> = {}) {
  // A clean locale environment, so that the machine's own LANG cannot decide the test.
  const base = { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
  const r = spawnSync(process.execPath, [BIN, 'lint', FIXTURE, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status, lines: r.stdout.trim().split('\n'), err: r.stderr };
}

test('--locale de: German messages, same codes, positions and exit status', () => {
  const r = lint(['--locale', 'de']);
  assert.equal(r.code, 1, r.err);
  assert.ok(r.lines.includes(`${FIXTURE}:8:13: error [region] "eu-west-9" ist kein AWS-Regionscode. Meinten Sie "eu-west-1"?`), r.lines.join('\n'));
  assert.ok(r.lines.includes(`${FIXTURE}:9:19: error [aws-account-id] Die AWS-Konto-ID muss genau 12 Ziffern haben (gefunden: "12345"); kopieren Sie sie aus dem Kontomenü der AWS-Konsole.`), r.lines.join('\n'));
});

test('--locale=fr works after the paths too, and SARIF carries the French message', () => {
  const r = lint(['--format', 'sarif', '--locale=fr']);
  assert.equal(r.code, 1, r.err);
  const results = JSON.parse(r.lines.join('\n')).runs[0].results as Array<{ ruleId: string; message: { text: string } }>;
  assert.equal(results.find((x) => x.ruleId === 'region')?.message.text, '"eu-west-9" n’est pas un code de Région AWS. Vouliez-vous dire "eu-west-1"\u00a0?');
});

test('LANG chooses the language when --locale is absent; LC_ALL overrides LANG; --locale overrides both', () => {
  assert.ok(lint([], { LANG: 'de_DE.UTF-8' }).lines.some((l) => l.includes('[region] "eu-west-9" ist kein AWS-Regionscode.')));
  assert.ok(lint([], { LANG: 'de_DE.UTF-8', LC_ALL: 'fr_FR.UTF-8' }).lines.some((l) => l.includes('[region] "eu-west-9" n’est pas un code de Région AWS.')));
  assert.ok(lint(['--locale', 'en'], { LANG: 'de_DE.UTF-8', LC_ALL: 'fr_FR.UTF-8' }).lines.some((l) => l.includes('[region] "eu-west-9" is not an AWS region code.')));
});

test('English by default, and for a language Pipewright does not ship', () => {
  assert.ok(lint([]).lines.includes(`${FIXTURE}:8:13: error [region] "eu-west-9" is not an AWS region code. Did you mean "eu-west-1"?`));
  assert.ok(lint(['--locale', 'pt-BR']).lines.includes(`${FIXTURE}:8:13: error [region] "eu-west-9" is not an AWS region code. Did you mean "eu-west-1"?`));
});

test('--locale without a language is a usage error (exit 2)', () => {
  const r = lint(['--locale']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--locale needs a language/);
});
