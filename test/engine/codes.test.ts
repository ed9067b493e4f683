/** Every diagnostic code is documented in docs/config-reference.md, and the docs name no code the engine lacks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CODES } from '../../server/src/engine';

test('the config reference documents exactly the engine’s diagnostic codes, with their severities', () => {
  const doc = readFileSync(resolve(__dirname, '../../docs/config-reference.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^### ([a-z][a-z-]*)$/gm)].map((m) => m[1]));
  for (const code of Object.keys(CODES)) assert.ok(documented.has(code), `docs lack a "### ${code}" section`);
  const rows = [...doc.matchAll(/^\| \[`([a-z-]+)`\]\(#[a-z-]+\) \| (\w+) \|/gm)];
  assert.equal(rows.length, Object.keys(CODES).length, 'one table row per code');
  for (const [, code, severity] of rows) {
    assert.ok(code in CODES, `docs name unknown code ${code}`);
    assert.equal(severity, CODES[code as keyof typeof CODES][0], `severity of ${code}`);
  }
});
