/**
 * `pipewright demo` (what `npm start` runs): the whole product on this machine, with nothing else installed —
 * lint the examples, serve a folder as S3, export Stripe-shaped sample data as Parquet (PGP-encrypted with a key
 * made for the demo), send and verify the penny test, then preview and import the stripe-import example into
 * SQLite. Everything it writes goes to one folder (default ./demo-output), which it names at the end with the
 * commands to look inside.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startLocalS3 } from '../node/s3server/server';
import { SAMPLE_TABLES } from '../engine/export/sample';
import { runLint } from './lint';
import { runExportCommand, runSampleData } from './export';
import { runPenny } from './penny';
import { runImportCommand, runPreview } from './import';

export const DEMO_HELP = `Usage: pipewright demo [--dir DIR] [--charges N]

Runs every part of Pipewright on this machine: lint, the embedded S3 server, an export of sample data to Parquet
(PGP-encrypted), the penny test, and an import preview and run into SQLite. Writes only under DIR
(default ./demo-output, replaced on each run).
`;

const EXPORT_BUCKET = 'acme-stripe-data';
const IMPORT_BUCKET = 'acme-product-catalog-imports';

export async function runDemo(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  let dir = resolve(cwd, 'demo-output');
  let charges = 2000;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-h' || args[i] === '--help') {
      stdout.write(DEMO_HELP);
      return 0;
    } else if (args[i] === '--dir' && args[i + 1]) dir = resolve(cwd, args[++i]);
    else if (args[i] === '--charges' && /^\d+$/.test(args[i + 1] ?? '')) charges = Number(args[++i]);
    else {
      stderr.write(`pipewright demo: unexpected ${args[i]}. Run "pipewright demo --help".\n`);
      return 2;
    }
  }
  const examples = findExamples(cwd);
  if (!examples) {
    stderr.write('pipewright demo: run it from the Pipewright folder (it uses examples/).\n');
    return 2;
  }
  const step = (title: string) => stdout.write(`\n── ${title}\n`);
  const rel = (p: string) => relative(cwd, p) || '.';

  step(`lint ${rel(examples)}`);
  if ((await runLint([examples], stdout, stderr, cwd)) !== 0) return 1;

  rmSync(dir, { recursive: true, force: true });
  const s3root = join(dir, 's3');
  mkdirSync(join(s3root, EXPORT_BUCKET), { recursive: true });
  // The import example's bucket, with its sample files.
  cpSync(join(examples, 'stripe-import', 'local-s3', IMPORT_BUCKET), join(s3root, IMPORT_BUCKET), { recursive: true });
  const s3 = await startLocalS3({ root: s3root });
  step(`embedded S3 server at ${s3.endpoint}, serving ${rel(s3root)}`);
  try {
    const exp = join(dir, 'stripe-export');
    cpSync(join(examples, 'stripe-export'), exp, { recursive: true });
    step('sample data: Stripe-shaped objects, one JSON Lines file per table');
    if ((await runSampleData([join(exp, 'data'), '--charges', String(charges)], stdout, stderr, cwd)) !== 0) return 1;

    step('a PGP key for the demo account (the private key stays in the demo folder)');
    const { generateStripeKeyPair } = await import('../node/pgp/keys');
    const pipelinePath = join(exp, 'stripe-export.pipeline.json');
    const pipeline = JSON.parse(readFileSync(pipelinePath, 'utf8')) as { account: string; source: unknown; encryption: { publicKey: string }; tables: string[] };
    const keys = await generateStripeKeyPair(pipeline.account);
    writeFileSync(join(exp, pipeline.encryption.publicKey), keys.publicArmored);
    writeFileSync(join(dir, 'demo-private-key.asc'), keys.privateArmored, { mode: 0o600 });
    stdout.write(`${rel(join(exp, pipeline.encryption.publicKey))} (public), ${rel(join(dir, 'demo-private-key.asc'))} (private)\n`);
    // The demo reads the sample data instead of the Stripe API.
    pipeline.source = { type: 'jsonl-folder', path: 'data' };
    pipeline.tables = pipeline.tables.filter((t) => (SAMPLE_TABLES as readonly string[]).includes(t));
    writeFileSync(pipelinePath, `${JSON.stringify(pipeline, null, 2)}\n`);

    const endpoint = ['--endpoint', s3.endpoint];
    step('export: Parquet per table, encrypted, _SUCCESS last');
    if ((await runExportCommand([pipelinePath, ...endpoint], stdout, stderr, cwd)) !== 0) return 1;
    step('penny test: send, then verify with the private key');
    if ((await runPenny(['send', pipelinePath, ...endpoint], stdout, stderr, cwd)) !== 0) return 1;
    if ((await runPenny(['verify', pipelinePath, ...endpoint, '--private-key', join(dir, 'demo-private-key.asc'), '--save', join(dir, 'penny-validation.csv')], stdout, stderr, cwd)) !== 0) return 1;

    const imp = join(dir, 'stripe-import');
    cpSync(join(examples, 'stripe-import'), imp, { recursive: true, filter: (src) => !src.includes(`${join('stripe-import', 'local-s3')}`) && !src.endsWith(`${join('stripe-import', 'out')}`) });
    const importPipeline = join(imp, 'stripe-import.pipeline.json');
    step('import preview: what the next sync takes, and why not the rest');
    if ((await runPreview([importPipeline, ...endpoint], stdout, stderr, cwd)) !== 0) return 1;
    step('import: into SQLite (two rows of the example are wrong on purpose)');
    const code = await runImportCommand([importPipeline, ...endpoint], stdout, stderr, cwd);
    if (code !== 0 && code !== 1) return 1;
  } finally {
    await s3.close();
  }
  step('look inside');
  stdout.write(
    [
      `Parquet files:  ${rel(join(s3root, EXPORT_BUCKET))}/snapshot/<run>/<table>/part-00000.parquet.gpg`,
      `  decrypt:      gpg --import ${rel(join(dir, 'demo-private-key.asc'))} && gpg --decrypt --output charges.parquet <file>.parquet.gpg`,
      `  read:         duckdb -c "select * from 'charges.parquet' limit 5"`,
      `SQLite import:  sqlite3 ${rel(join(dir, 'stripe-import', 'out', 'import.db'))} 'select key, name from products'`,
      `Serve it again: pipewright s3 serve --root ${rel(s3root)}`,
      '',
    ].join('\n'),
  );
  return 0;
}

function findExamples(cwd: string): string | undefined {
  for (const base of [cwd, resolve(__dirname, '..')]) {
    const p = join(base, 'examples');
    if (existsSync(join(p, 'stripe-export')) && existsSync(join(p, 'stripe-import'))) return p;
  }
  return undefined;
}
