/**
 * The benchmark runner: `npm run bench` (all) or `npm run bench -- completion startup` (the named ones).
 * Finds every bench/*.bench.ts, runs the selected ones one after the other, prints their tables and
 * rewrites BENCHMARKS.md at the repository root. Exits non-zero when a benchmark fails or asserts.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { gcAvailable, machine, type Benchmark, type BenchResult } from './harness';
import { benchmarksMarkdown, previousSections, sectionMarkdown, verdicts } from './report';

// The pinned AWS SDK's notice that later versions need Node 22 is noise in benchmark output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');
const OUTPUT = join(ROOT, 'BENCHMARKS.md');
/** Report order; benchmarks not listed here come after, by id. */
const ORDER = ['diagnostics', 'completion', 'iam', 'import', 'export', 'pgp', 'startup', 'activation'];

async function discover(): Promise<Benchmark[]> {
  const files = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts'));
  const list: Benchmark[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(BENCH_DIR, f)).href)) as { default?: Benchmark | { default?: Benchmark } };
    // tsx may wrap a CommonJS module's default export once more.
    const b = (mod.default && 'run' in mod.default ? mod.default : (mod.default as { default?: Benchmark } | undefined)?.default) as Benchmark | undefined;
    if (!b || typeof b.run !== 'function' || !b.id) throw new Error(`bench/${f} must export default a Benchmark ({ id, title, run })`);
    list.push(b);
  }
  const rank = (id: string) => (ORDER.includes(id) ? ORDER.indexOf(id) : ORDER.length);
  return list.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

async function main(): Promise<number> {
  const all = await discover();
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !all.some((b) => b.id === n));
  if (unknown.length) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.map((b) => b.id).join(', ')}.`);
    return 2;
  }
  const selected = names.length ? all.filter((b) => names.includes(b.id)) : all;
  const m = machine();
  const gc = gcAvailable();
  console.error(`Pipewright benchmarks on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ${m.node}${gc ? '' : ' — no forced GC available'}`);

  const results: BenchResult[] = [];
  let failed = 0;
  const started = performance.now();
  for (const b of selected) {
    const t0 = performance.now();
    console.error(`\n▶ ${b.id}: ${b.title}`);
    try {
      const r = await b.run({ log: (msg) => console.error(`  ${msg}`), root: ROOT });
      results.push(r);
      console.log(`\n${sectionMarkdown(r, m)}\n`);
      console.error(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      const err = e as Error;
      console.error(`\n✖ ${b.id} FAILED — ${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`);
    }
  }

  const method =
    `Method: every comparison runs both contenders side by side in one process, on the same input, alternating which goes first each iteration; ` +
    `the figures are the median (and, where asked, the 95th percentile, nearest rank) of the timed runs that follow the warm-ups. ` +
    `${gc ? 'A full garbage collection runs before every timed call (`--expose-gc` is switched on at run time), so neither contender pays for the other’s garbage. ' : ''}` +
    `Ratios are Pipewright median / peer median: below 1 means Pipewright is faster. Fixtures are generated deterministically (seeded PRNG) by bench/fixtures.ts.`;
  if (results.length) {
    const previous = existsSync(OUTPUT) ? previousSections(readFileSync(OUTPUT, 'utf8')) : new Map<string, string>();
    writeFileSync(OUTPUT, benchmarksMarkdown({ machine: m, order: all.map((b) => b.id), results, previous, method }));
    console.error(`\nWrote ${OUTPUT}`);
  }
  const v = results.flatMap(verdicts);
  if (v.length) {
    console.error('\nTargets:');
    for (const x of v) console.error(`  ${x.ok === undefined ? '—' : x.ok ? '✅' : '❌'} ${x.what}`);
  }
  console.error(`\nTotal ${((performance.now() - started) / 1000).toFixed(1)} s${failed ? `, ${failed} benchmark(s) FAILED` : ''}.`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
