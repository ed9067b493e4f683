/**
 * The examples are clean, and each seeded mistake gets exactly the finding a careful reviewer names, on its line.
 * The expected findings are read from the table in test/fixtures/mistakes/README.md, so the doc and the test agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve, relative } from 'node:path';
import { lintPaths } from '../../server/src/cli/lint';

const ROOT = resolve(__dirname, '../..');
const MISTAKES = resolve(ROOT, 'test/fixtures/mistakes');

test('every example lints clean', async () => {
  const { files, missing } = await lintPaths(['examples'], ROOT);
  assert.deepEqual(missing, []);
  assert.ok(files.length >= 19, `found ${files.length} example files`);
  const findings = files.flatMap((f) => f.findings.map((x) => `${relative(ROOT, f.path)}:${f.doc.lines.positionAt(x.start).line + 1} ${x.code} ${x.message}`));
  assert.deepEqual(findings, []);
});

test('every example of each pipeline kind is there', async () => {
  const { files } = await lintPaths(['examples'], ROOT);
  const kinds = new Set(files.filter((f) => f.doc.kind === 'pipeline').map((f) => f.doc.subKind));
  assert.deepEqual([...kinds].sort(), ['aep-stripe-flow', 'braze-currents', 'braze-export', 'stripe-export', 'stripe-import']);
  const bodies = new Set(files.filter((f) => f.doc.kind === 'aep').map((f) => f.doc.subKind));
  assert.deepEqual([...bodies].sort(), ['base-connection', 'flow', 'mapping-set', 'source-connection', 'target-connection']);
});

test('each seeded mistake gets its finding on its line, and nothing else is reported', async () => {
  const table = readFileSync(resolve(MISTAKES, 'README.md'), 'utf8')
    .split('\n')
    .map((l) => /^\| `([^`]+)` \| (\d+) \| `([\w-]+)` \|/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => `${m[1]}:${m[2]} ${m[3]}`)
    .sort();
  assert.ok(table.length >= 20, 'the README table lists the expected findings');
  const { files } = await lintPaths(['.'], MISTAKES);
  const got = files
    .flatMap((f) => f.findings.map((x) => `${relative(MISTAKES, f.path)}:${f.doc.lines.positionAt(x.start).line + 1} ${x.code}`))
    .sort();
  assert.deepEqual(got, table);
});
