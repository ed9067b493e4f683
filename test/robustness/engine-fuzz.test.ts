/**
 * No input breaks the engine: every prefix of every example, 10,000 random edits, a 10 MB file.
 * Each feature (validate, complete, hover, symbols, actions, format) runs on every mutated text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Project, validate, complete, hover, documentSymbols, codeActions, formatDocument, documentLinks } from '../../server/src/engine';
import { findConfigFiles, nodeFileAccess } from '../../server/src/node/files';
import { prng } from '../helpers/random';

const EXAMPLES = resolve(__dirname, '../../examples');
const files = findConfigFiles(EXAMPLES);
/** Broken-on-purpose files are good starting points for mutation too. */
const mistakes = findConfigFiles(resolve(__dirname, '../fixtures/mistakes'));


function exercise(project: Project, path: string, text: string, at: number): void {
  const doc = project.setOpen(path, text);
  const findings = validate(doc, project);
  complete(doc, at, project);
  hover(doc, at);
  documentSymbols(doc);
  documentLinks(doc, project);
  codeActions(doc, findings, Math.max(0, at - 5), at);
  formatDocument(doc);
  for (const f of findings) {
    assert.ok(f.start >= 0 && f.end >= f.start && f.end <= text.length + 1, `finding ${f.code} out of range in ${path}`);
    assert.ok(f.message.length > 0);
  }
}

test('the examples folder holds a file of every kind to mutate', () => {
  const kinds = new Set(files.map((f) => /\.(\w+)\.jsonc?$/.exec(f)![1]));
  assert.deepEqual([...kinds].sort(), ['aep', 'pipeline', 'policy', 'template', 'trust']);
});

test('every prefix of every example file', () => {
  const project = new Project(nodeFileAccess);
  for (const f of files) project.addKnown(f);
  let count = 0;
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    for (let i = 0; i <= text.length; i++) {
      exercise(project, path, text.slice(0, i), i);
      count++;
    }
    project.setOpen(path, text);
  }
  assert.ok(count > 1000);
});

test('10,000 random edits of the examples: no exception, bounded time per edit', () => {
  const rand = prng(20261123);
  const alphabet = ['{', '}', '[', ']', '"', ':', ',', '0', 'a', ' ', '\n', '/', '*', '\\', '{{x}}', '\u0000', '\uFFFF', 'é', '${secret:'];
  const project = new Project(nodeFileAccess);
  const pool = [...files, ...mistakes];
  for (const f of pool) project.addKnown(f);
  const texts = new Map(pool.map((f) => [f, readFileSync(f, 'utf8')]));
  let worst = 0;
  let worstAt = '';
  for (let i = 0; i < 10_000; i++) {
    const path = pool[Math.floor(rand() * pool.length)];
    let text = texts.get(path)!;
    const pos = Math.floor(rand() * (text.length + 1));
    const op = rand();
    if (op < 0.45) text = text.slice(0, pos) + alphabet[Math.floor(rand() * alphabet.length)] + text.slice(pos);
    else if (op < 0.9) text = text.slice(0, pos) + text.slice(pos + 1 + Math.floor(rand() * 3));
    else text = text.slice(0, pos) + text.slice(pos, pos + 40) + text.slice(pos); // duplicate a run
    // Drift back to the original now and then, so edits stay near realistic text.
    texts.set(path, rand() < 0.02 ? readFileSync(path, 'utf8') : text);
    const t0 = performance.now();
    exercise(project, path, text, pos);
    const dt = performance.now() - t0;
    if (dt > worst) {
      worst = dt;
      worstAt = `${path} edit ${i}`;
    }
  }
  console.log(`engine fuzz: worst time for one edit (all features) ${worst.toFixed(1)} ms at ${worstAt}`);
  assert.ok(worst < 1000, `an edit took ${worst} ms`);
});

test('a 10 MB policy validates, completes and outlines without running out of stack or time', () => {
  const statement = (i: number) => `{"Sid":"S${i}","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::acme-${i % 97}/*"]}`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 10 * 1024 * 1024; i++) {
    const s = statement(i);
    parts.push(s);
    size += s.length + 1;
  }
  const text = `{"Version":"2012-10-17","Statement":[${parts.join(',')}]}`;
  assert.ok(text.length >= 10 * 1024 * 1024);
  const project = new Project({ readFile: () => undefined, exists: () => false });
  const path = join('/ws', 'huge.policy.json');
  const t0 = performance.now();
  exercise(project, path, text, text.length - 20);
  const dt = performance.now() - t0;
  console.log(`10 MB policy: all features in ${dt.toFixed(0)} ms`);
  const findings = validate(project.get(path)!, project);
  assert.deepEqual(findings, []);
});
