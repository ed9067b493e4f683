/** The fast parser builds exactly jsonc-parser's tree for well-formed text, and steps aside for anything else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { fastParse } from '../../server/src/engine/fastparse';
import { findConfigFiles } from '../../server/src/node/files';
import { prng } from '../helpers/random';
import { plain } from '../helpers/trees';


function reference(text: string, jsonc: boolean): { root: Node | undefined; errors: ParseError[] } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: jsonc, disallowComments: !jsonc, allowEmptyContent: false });
  return { root, errors };
}

function agree(text: string, jsonc: boolean): void {
  const fast = fastParse(text, jsonc, 200);
  const ref = reference(text, jsonc);
  if (fast && 'root' in fast) {
    assert.deepEqual(ref.errors, [], `fast path accepted text jsonc-parser rejects: ${JSON.stringify(text.slice(0, 80))}`);
    assert.deepEqual(plain(fast.root), plain(ref.root));
  }
}

test('same tree as jsonc-parser on every example and fixture', () => {
  const files = [...findConfigFiles(resolve(__dirname, '../../examples')), ...findConfigFiles(resolve(__dirname, '../fixtures'))];
  let fastCount = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const jsonc = f.endsWith('c');
    agree(text, jsonc);
    const r = fastParse(text, jsonc, 200);
    if (r && 'root' in r) fastCount++;
  }
  assert.ok(fastCount >= 19, 'the clean examples take the fast path');
});

test('edge cases: escapes, numbers, literals, comments, trailing commas, empty containers, nesting', () => {
  const cases: Array<[string, boolean]> = [
    ['{"a\\"b": "c\\u00e9\\n", "d": [1, -0.5, 2e10, 3E-2, 0], "e": {}, "f": [], "g": [true, false, null]}', false],
    ['  [ [ [ ] ] , { "x" : { "y" : [ 1 ] } } ]  ', false],
    ['"just a string"', false],
    ['-12.5e+3', false],
    ['{"a": 1, // c\n "b": /* d */ 2,}', true],
    ['[1, 2,]', true],
  ];
  for (const [text, jsonc] of cases) {
    const r = fastParse(text, jsonc, 200);
    assert.ok(r && 'root' in r, `fast path should take ${text}`);
    agree(text, jsonc);
  }
});

test('anything jsonc-parser would complain about is left to it', () => {
  const bad: Array<[string, boolean]> = [
    ['{"a": 1,}', false], ['[1,]', false], ['{"a": 1 // c\n}', false], ['{"a" 1}', false], ['{"a": 01}', false],
    ['{"a": tru}', false], ['{"a": truex}', false], ['{"a": "\\x"}', false], ['{"a": "line\nbreak"}', false], ['', false],
    ['{"a": 1} x', false], ['{"a": [1 2]}', false], ['{a: 1}', true], ['{"a": .5}', false], ['{"a": 1.}', false], ['/* open', true],
  ];
  for (const [text, jsonc] of bad) assert.equal(fastParse(text, jsonc, 200), undefined, text);
});

test('nesting past the limit is reported with the offset of the first bracket too deep', () => {
  assert.deepEqual(fastParse('['.repeat(300) + ']'.repeat(300), false, 200), { tooDeep: 200 });
});

test('random edits of the examples: whenever the fast path answers, it answers like jsonc-parser', () => {
  const rand = prng(7);
  const texts = findConfigFiles(resolve(__dirname, '../../examples')).map((f) => [readFileSync(f, 'utf8'), f.endsWith('c')] as const);
  const alphabet = ['{', '}', '[', ']', '"', ':', ',', '0', '-', '1', 'e', '.', ' ', '\n', '/', '*', '\\', 't', 'n'];
  for (let k = 0; k < 5000; k++) {
    const [base, jsonc] = texts[k % texts.length];
    const pos = Math.floor(rand() * base.length);
    const text = rand() < 0.5 ? base.slice(0, pos) + alphabet[Math.floor(rand() * alphabet.length)] + base.slice(pos) : base.slice(0, pos) + base.slice(pos + 1);
    agree(text, jsonc);
  }
});
