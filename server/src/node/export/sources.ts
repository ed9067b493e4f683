/**
 * Where an export reads Stripe objects: a folder of JSON Lines files, one per table (`charges.jsonl` …), as
 * `pipewright sample-data` writes them. The Stripe API source is `stripe-api.ts` (it loads the SDK).
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { ExportSource } from '../../engine/export/run';
import { sampleObjects, SAMPLE_TABLES, type SampleOptions } from '../../engine/export/sample';

/**
 * A problem with the source (a missing file, a bad line, a refused Stripe key): said as it is, it is not an AWS
 * error. `transient` marks a failure that may pass by itself (network, rate limit), as opposed to input to fix.
 */
export class SourceError extends Error {
  constructor(message: string, readonly transient = false) {
    super(message);
  }
}

/** A source problem found before the run began (no table, no key, a live key without leave): nothing was uploaded. */
export class NotStartedError extends SourceError {
  /** The name of a `${secret:name}` that has no value, for the editor to ask for. */
  constructor(message: string, readonly missingSecret?: string) {
    super(message);
  }
}

export function jsonlFolderSource(dir: string): ExportSource {
  return {
    async *read(table) {
      const file = join(dir, `${table}.jsonl`);
      if (!existsSync(file)) throw new SourceError(`${file}: no such file — the source folder needs one JSON Lines file per table (run "pipewright sample-data ${dir}" for sample data)`);
      const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      let n = 0;
      for await (const line of lines) {
        n++;
        if (!line.trim()) continue;
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch (e) {
          throw new SourceError(`${file}:${n}: not valid JSON (${(e as Error).message}); fix the line and run the export again`);
        }
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new SourceError(`${file}:${n}: each line must be one Stripe object ({…})`);
        yield obj as Record<string, unknown>;
      }
    },
  };
}

/** Writes the sample data as one JSON Lines file per table; returns the object count per table. */
export async function writeSampleData(dir: string, options: SampleOptions): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true });
  const streams = new Map(SAMPLE_TABLES.map((t) => [t, createWriteStream(join(dir, `${t}.jsonl`))]));
  const counts: Record<string, number> = Object.fromEntries(SAMPLE_TABLES.map((t) => [t, 0]));
  for (const [table, obj] of sampleObjects(options)) {
    counts[table]++;
    const s = streams.get(table)!;
    if (!s.write(`${JSON.stringify(obj)}\n`)) await once(s, 'drain');
  }
  await Promise.all([...streams.values()].map((s) => new Promise<void>((r, j) => s.end((e?: Error | null) => (e ? j(e) : r())))));
  return counts;
}
