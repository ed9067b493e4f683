/** A keystroke inside a string updates the previous tree; the result is the tree a full parse would build. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Node } from 'jsonc-parser';
import { Project, parseDocument, validate } from '../../server/src/engine';
import { findConfigFiles } from '../../server/src/node/files';
import { prng } from '../helpers/random';
import { plain } from '../helpers/trees';


const noFiles = { readFile: () => undefined, exists: () => false };

test('typing, deleting and pasting inside strings, 3,000 times over: same tree, kind and findings as a full parse', () => {
  const rand = prng(11);
  let reused = 0;
  let reusedBroken = 0;
  const insertions = ['a', 'Z', '-', '/', '*', ' ', 'é', '\\"', '\\n', '\\u00e9', '"', '\\', ',', '{', 'stripe-export', '<BUCKET_RESOURCE>', 'sk_live_51Nv0FGQ9RKHgCVdKaBcDe'];
  for (const file of findConfigFiles(resolve(__dirname, '../../examples'))) {
    const project = new Project(noFiles);
    let text = readFileSync(file, 'utf8');
    let prevRoot = project.setOpen(file, text).root;
    for (let k = 0; k < 160; k++) {
      // Aim inside a string most of the time: find a quote and edit just after it.
      let pos = Math.floor(rand() * text.length);
      const q = text.indexOf('"', pos);
      if (q >= 0 && rand() < 0.8) pos = q + 1 + Math.floor(rand() * 3);
      const r = rand();
      const next = r < 0.5 ? text.slice(0, pos) + insertions[Math.floor(rand() * insertions.length)] + text.slice(pos) : text.slice(0, pos) + text.slice(pos + 1 + Math.floor(rand() * 2));
      const incremental = project.setOpen(file, next);
      if (incremental.root && incremental.root === prevRoot) {
        reused++;
        if (incremental.syntax.length) reusedBroken++;
      }
      prevRoot = incremental.root;
      const full = parseDocument(file, next);
      assert.deepEqual(plain(incremental.root), plain(full.root), `${file} edit ${k}`);
      assert.deepEqual(incremental.syntax, full.syntax);
      assert.equal(incremental.kind, full.kind);
      assert.equal(incremental.subKind, full.subKind);
      const a = validate(incremental, project).map((f) => `${f.code}@${f.start}`);
      const b = validate(full, new Project(noFiles)).map((f) => `${f.code}@${f.start}`);
      assert.deepEqual(a.filter((c) => !c.startsWith('file-')), b.filter((c) => !c.startsWith('file-')));
      text = next;
      // Start over from the clean file when the text broke (the next edit would be a full parse anyway), and now and then.
      if (full.syntax.length > 3 || rand() < 0.05) {
        text = readFileSync(file, 'utf8');
        prevRoot = project.setOpen(file, text).root;
      }
    }
  }
  assert.ok(reused > 1000, `only ${reused} edits took the incremental path`);
  assert.ok(reusedBroken > 50, `only ${reusedBroken} edits of half-typed text took the incremental path`);
});

test('changing the kind of a pipeline in place re-detects the kind', () => {
  const project = new Project(noFiles);
  project.setOpen('/ws/a.pipeline.json', '{"kind": "stripe-export", "name": "x"}');
  const doc = project.setOpen('/ws/a.pipeline.json', '{"kind": "stripe-import", "name": "x"}');
  assert.equal(doc.subKind, 'stripe-import');
});
