/**
 * The benchmark contract and the measuring helpers every benchmark shares.
 *
 * A benchmark is one `*.bench.ts` file whose default export is a {@link Benchmark}. It measures, and
 * returns its figures as numbers in a {@link BenchResult}; it never formats or writes markdown itself
 * (bench/report.ts does, for the console and for BENCHMARKS.md).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readFileSync } from 'node:fs';

// ---------------------------------------------------------------------------------------------------------
// The contract

export interface BenchContext {
  /** Progress line on stderr (the table goes to stdout). */
  log(message: string): void;
  /** Repository root. */
  root: string;
}

export interface Benchmark {
  /** Short name used on the command line (`npm run bench -- completion`) and as the BENCHMARKS.md section id. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export type Unit = 'ms' | 'ratio' | 'count' | 'kb' | 'text';

/** A target from the issue, checked against one column. */
export interface Target {
  op: '≤' | '≥';
  limit: number;
}

export interface Column {
  key: string;
  header: string;
  unit: Unit;
  /** When set, the report adds "Target" and verdict (✅/❌) columns right after this one. */
  target?: Target;
}

export type Row = Record<string, number | string | undefined>;

export interface Table {
  /** Optional heading above the table. */
  title?: string;
  columns: Column[];
  rows: Row[];
}

export interface BenchResult {
  id: string;
  title: string;
  /** One paragraph: what is measured and how (markdown). */
  method: string;
  tables: Table[];
  /** Observations, skipped peers, warnings (markdown, one bullet each). */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Statistics

export interface Stats {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

export function stats(samples: number[]): Stats {
  if (!samples.length) throw new Error('stats() of no samples');
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  // Nearest rank: the smallest sample that at least 95 % of the samples do not exceed.
  const p95 = s[Math.min(n - 1, Math.ceil(0.95 * n) - 1)];
  return { n, median, p95, min: s[0], max: s[n - 1], mean: s.reduce((a, b) => a + b, 0) / n };
}

// ---------------------------------------------------------------------------------------------------------
// Garbage collection between samples

let gcFn: (() => void) | undefined | null = null;

/**
 * A full GC, when the runtime lets us have one (`--expose-gc`, switched on here at run time so that
 * `npm run bench` needs no extra flag). Run before every timed call, so that garbage one contender
 * left behind is not collected on the other's clock.
 */
export function collectGarbage(): void {
  if (gcFn === null && process.env.BENCH_NO_GC) gcFn = undefined;
  if (gcFn === null) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch {
      gcFn = undefined;
    }
  }
  gcFn?.();
}

export function gcAvailable(): boolean {
  collectGarbage();
  return !!gcFn;
}

// ---------------------------------------------------------------------------------------------------------
// Side-by-side measurement

export interface Contender<I> {
  name: string;
  /** The timed call. It may return a promise; the time until it settles is measured. */
  fn: (input: I) => unknown;
}

export interface SideBySideOptions<I> {
  warmup: number;
  runs: number;
  /** The input of iteration `i` (warm-ups included); built outside the timed region. */
  input: (i: number) => I;
  contenders: Array<Contender<I>>;
}

export interface SideBySideResult {
  /** Wall time of every timed call (ms), per contender. */
  samples: Record<string, number[]>;
  /** Garbage-collection time (ms) that fell inside each timed call, per contender (same order as `samples`). */
  gc: Record<string, number[]>;
}

/**
 * Runs every contender once per iteration on the same input, alternating who goes first (A B, B A, …)
 * so that neither always inherits the other's cache or heap state. Returns the samples (ms) per contender,
 * and how much of each sample V8 spent collecting garbage.
 */
export async function sideBySide<I>(opts: SideBySideOptions<I>): Promise<SideBySideResult> {
  const samples: Record<string, number[]> = Object.fromEntries(opts.contenders.map((c) => [c.name, []]));
  const windows: Record<string, Array<[number, number]>> = Object.fromEntries(opts.contenders.map((c) => [c.name, []]));
  const gcEntries: Array<{ start: number; duration: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, duration: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const total = opts.warmup + opts.runs;
  try {
    for (let i = 0; i < total; i++) {
      const input = opts.input(i);
      const order = i % 2 === 0 ? opts.contenders : [...opts.contenders].reverse();
      for (const c of order) {
        collectGarbage();
        const t0 = performance.now();
        const r = c.fn(input);
        if (r && typeof (r as PromiseLike<unknown>).then === 'function') await r;
        const t1 = performance.now();
        if (i >= opts.warmup) {
          samples[c.name].push(t1 - t0);
          windows[c.name].push([t0, t1]);
        }
      }
    }
    // GC entries are delivered asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    for (const e of observer.takeRecords?.() ?? []) gcEntries.push({ start: e.startTime, duration: e.duration });
    observer.disconnect();
  }
  const gc: Record<string, number[]> = {};
  for (const [name, ws] of Object.entries(windows)) {
    gc[name] = ws.map(([a, b]) => gcEntries.filter((e) => e.start >= a && e.start < b).reduce((sum, e) => sum + e.duration, 0));
  }
  return { samples, gc };
}

// ---------------------------------------------------------------------------------------------------------
// Machine

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  date: string;
  /** The commit the engine sources are at, and whether they have uncommitted changes. */
  sources: string;
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model?.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    sources: sourcesState(),
  };
}

function sourcesState(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'server', 'schemas', 'scripts', 'package.json');
    return `${head}${dirty ? ' + uncommitted changes in server/, schemas/ or scripts/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new BenchAssertionError(message);
}

/** A benchmark's precondition failed: the runner reports it loudly and exits non-zero. */
export class BenchAssertionError extends Error {
  override name = 'BenchAssertionError';
}

export function kb(text: string): number {
  return Buffer.byteLength(text, 'utf8') / 1024;
}

/** The machine's CPU time so far, all cores, from /proc/stat (Linux), in clock ticks; undefined elsewhere. */
export function machineCpu(): { busy: number; total: number; hz: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const busy = user + nice + system + irq + softirq + steal;
    // USER_HZ: 100 on every Linux build that matters (sysconf(_SC_CLK_TCK)).
    return { busy, total: busy + idle + iowait, hz: 100 };
  } catch {
    return undefined;
  }
}
