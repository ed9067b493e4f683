/**
 * The extension manifest agrees with the code: every command the client registers is contributed (category
 * Pipewright, a title in English, French and German), every command a menu or a walkthrough names exists, and every
 * %key% of package.json is translated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientCommands } from '../../client/src/command-ids';
import { scanKeys } from '../helpers/l10n-keys';
import { ROOT } from './harness';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const nls = Object.fromEntries(['', '.fr', '.de'].map((l) => [l.slice(1) || 'en', JSON.parse(readFileSync(join(ROOT, `package.nls${l}.json`), 'utf8')) as Record<string, string>]));
const contributed = new Map<string, { title: string; category: string }>(manifest.contributes.commands.map((c: { command: string; title: string; category: string }) => [c.command, c]));

test('every client command is contributed once, in the Pipewright category, and nothing else is', () => {
  assert.deepEqual([...contributed.keys()].sort(), Object.values(ClientCommands).sort());
  for (const [id, c] of contributed) assert.equal(c.category, 'Pipewright', id);
});

test('every %key% of the manifest has an English, French and German text, and no bundle has a key the manifest does not use', () => {
  const used = new Set([...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));
  assert.ok(used.size > 20);
  for (const [lang, bundle] of Object.entries(nls)) {
    assert.deepEqual([...used].filter((k) => !bundle[k]), [], `missing in ${lang}`);
    assert.deepEqual(Object.keys(bundle).filter((k) => !used.has(k)), [], `unused in ${lang}`);
  }
  // A translation that is the English text again was forgotten, except names that stay the same.
  const same = Object.keys(nls.en).filter((k) => nls.fr[k] === nls.en[k] && nls.de[k] === nls.en[k] && !/^view\.pipelines$/.test(k));
  assert.deepEqual(same, []);
});

test('menus, views and walkthroughs name only contributed commands, and walkthrough media exist', () => {
  const menus = Object.values(manifest.contributes.menus as Record<string, { command: string }[]>).flat();
  assert.deepEqual(menus.map((m) => m.command).filter((c) => !contributed.has(c)), []);
  const links = [...JSON.stringify(nls.en).matchAll(/command:([\w.]+)/g)].map((m) => m[1]);
  assert.deepEqual(links.filter((c) => !contributed.has(c)), []);
  for (const w of manifest.contributes.walkthroughs) for (const s of w.steps) assert.ok(existsSync(join(ROOT, s.media.markdown)), s.media.markdown);
});

test('the manifest admits VS Code 1.100 (code-server 4.100) and @types/vscode is not newer than it', () => {
  assert.equal(manifest.engines.vscode, '^1.100.0');
  const types = JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/vscode/package.json'), 'utf8')).version as string;
  assert.ok(/^1\.100\./.test(types), `@types/vscode ${types} is newer than the oldest VS Code we support (1.100)`);
});

test('every string the client shows (vscode.l10n.t) has a French and a German translation in l10n/', () => {
  const keys = [...new Set(scanKeys(ROOT, ['client/src']).uses.map((u) => u.key))];
  assert.ok(keys.length > 50);
  for (const lang of ['fr', 'de']) {
    const bundle = JSON.parse(readFileSync(join(ROOT, `l10n/bundle.l10n.${lang}.json`), 'utf8')) as Record<string, string>;
    assert.deepEqual(keys.filter((k) => !bundle[k]), [], `missing in bundle.l10n.${lang}.json`);
  }
  assert.equal(manifest.l10n, './l10n');
});
