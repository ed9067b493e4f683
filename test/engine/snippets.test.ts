/** Every snippet, expanded with its defaults, is a valid file of its kind; `$schema` selects a schema by itself. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lintOne, codes } from '../helpers/engine';
import { parseDocument } from '../../server/src/engine';

/** VS Code snippet syntax → the text a user gets by pressing Tab through every default. */
function expand(body: string): string {
  // A tab stop used again later (`\${2}`) mirrors what the user typed at its first place: its default here.
  const defaults = new Map<string, string>();
  for (const m of body.matchAll(/\$\{(\d+):((?:[^$}\\]|\\.)*)\}/g)) if (!defaults.has(m[1])) defaults.set(m[1], m[2]);
  for (const m of body.matchAll(/\$\{(\d+)\|([^,|]*)[^|]*\|\}/g)) if (!defaults.has(m[1])) defaults.set(m[1], m[2]);
  let out = body;
  // Innermost first, until nothing changes: mirrors, then \${1:default} → default, \${1|a,b|} → a, $1 → ''.
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out
      .replace(/\$\{(\d+)\}|\$(\d+)/g, (_m, a: string, b: string) => defaults.get(a ?? b) ?? '')
      .replace(/\$\{\d+:((?:[^$}\\]|\\.)*)\}/g, '$1')
      .replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1');
  }
  return out.replace(/\\\$/g, '$').replace(/\\\}/g, '}');
}

const SNIPPETS = JSON.parse(readFileSync(resolve(__dirname, '../../snippets/pipewright.code-snippets.json'), 'utf8')) as Record<string, { prefix: string; body: string[] | string }>;

const FILE_FOR: Record<string, string> = {
  'pw-policy': 'x.policy.json',
  'pw-trust': 'x.trust.json',
  'pw-template': 'x.template.json',
};

test('one snippet per pipeline kind, policy, trust policy, template and AEP body', () => {
  const prefixes = Object.values(SNIPPETS).map((s) => s.prefix).sort();
  for (const want of ['pw-stripe-export', 'pw-stripe-import', 'pw-aep-stripe-flow', 'pw-braze-currents', 'pw-braze-export', 'pw-policy', 'pw-trust', 'pw-template', 'pw-aep-base-connection', 'pw-aep-source-connection', 'pw-aep-target-connection', 'pw-aep-mapping-set', 'pw-aep-flow']) {
    assert.ok(prefixes.includes(want), want);
  }
});

test('every snippet expanded with its defaults lints clean (apart from the files it names, which do not exist here)', () => {
  for (const [name, s] of Object.entries(SNIPPETS)) {
    const text = expand(Array.isArray(s.body) ? s.body.join('\n') : s.body);
    const file = FILE_FOR[s.prefix] ?? (s.prefix.startsWith('pw-aep-') && s.prefix !== 'pw-aep-stripe-flow' ? 'x.aep.json' : 'x.pipeline.json');
    const found = lintOne(file, text).filter((f) => f.code !== 'file-not-found');
    assert.deepEqual(found.map((f) => `${f.line}: ${f.code} ${f.message}`), [], `${name}:\n${text}`);
    const doc = parseDocument(`/ws/${file}`, text);
    assert.notEqual(doc.kind, 'unknown', name);
  }
});

test('a file with an ordinary name is recognised by its $schema', () => {
  const doc = parseDocument('/ws/stripe.json', '{"$schema": "https://pipewright.dev/schemas/pipeline.schema.json", "kind": "stripe-export"}');
  assert.equal(doc.kind, 'pipeline');
  assert.equal(doc.subKind, 'stripe-export');
  const relative = parseDocument('/ws/x.json', '{"$schema": "../schemas/template.schema.json", "object": "products"}');
  assert.equal(relative.kind, 'template');
  const aep = parseDocument('/ws/flow.json', '{"$schema": "https://pipewright.dev/schemas/aep-flow.schema.json", "name": "f"}');
  assert.deepEqual([aep.kind, aep.subKind], ['aep', 'flow']);
  assert.ok(codes(lintOne('stripe.json', '{"$schema": "https://pipewright.dev/schemas/pipeline.schema.json", "kind": "stripe-export"}')).includes('schema-required'));
  assert.equal(parseDocument('/ws/package.json', '{"name": "x"}').kind, 'unknown');
});
