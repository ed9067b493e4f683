/** The cursor location read from the parsed tree agrees with jsonc-parser's text scan at every offset of every example. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getLocation } from 'jsonc-parser';
import { parseDocument } from '../../server/src/engine';
import { locate } from '../../server/src/engine/location';
import { findConfigFiles } from '../../server/src/node/files';

test('locate() = getLocation() (path and key/value) at every offset of the examples', () => {
  let checked = 0;
  for (const f of findConfigFiles(resolve(__dirname, '../../examples'))) {
    const text = readFileSync(f, 'utf8');
    const doc = parseDocument(f, text);
    for (let o = 0; o <= text.length; o++) {
      const want = getLocation(text, o);
      const got = locate(doc.root, text, o);
      assert.deepEqual([got.path, got.isAtPropertyKey], [want.path, want.isAtPropertyKey], `${f} at ${o}: …${JSON.stringify(text.slice(Math.max(0, o - 20), o))}|`);
      checked++;
    }
  }
  assert.ok(checked > 10_000);
});

test('in a half-typed document the location still points at the value being typed', () => {
  const text = '{"Statement": [{"Action": ["s3:Pu';
  const doc = parseDocument('/ws/p.policy.json', text);
  const loc = locate(doc.root, text, text.length);
  assert.deepEqual(loc.path, ['Statement', 0, 'Action', 0]);
  assert.equal(loc.isAtPropertyKey, false);
});
