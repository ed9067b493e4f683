/** `npm start` (`pipewright demo`) runs every part on this machine and leaves what it made where it says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '../../bin/pipewright.js');

test('the demo lints, exports (encrypted Parquet, _SUCCESS last), passes the penny test and imports into SQLite', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pw-demo-'));
  try {
    const r = await new Promise<{ code: number | null; out: string }>((done) => {
      // Run from elsewhere: the demo finds examples/ beside its own bundle.
      const child = spawn(process.execPath, [BIN, 'demo', '--dir', 'out', '--charges', '300'], { cwd, env: { ...process.env, HOME: cwd } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => done({ code, out }));
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /19 files checked: 0 errors, 0 warnings/);
    const snap = join(cwd, 'out', 's3', 'acme-stripe-data', 'snapshot');
    const [run] = readdirSync(snap);
    assert.ok(existsSync(join(snap, run, '_SUCCESS')));
    assert.ok(existsSync(join(snap, run, 'charges', 'part-00000.parquet.gpg')));
    assert.match(r.out, /Validation code: ([A-Z0-9]{4}-){3}[A-Z0-9]{4}\n/);
    assert.match(readFileSync(join(cwd, 'out', 'penny-validation.csv'), 'utf8'), /^account_id,validation_code,created\nacct_1Nv0FGQ9RKHgCVdK,/);
    assert.ok(existsSync(join(cwd, 'out', 'stripe-import', 'out', 'import.db')));
    assert.match(r.out, /imported 2 \(.*\), 7 records/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
