/**
 * The export run, with Stripe Data Pipeline's delivery layout:
 *
 *   <prefix><mode>/<run id>/<table>/part-00000.parquet[.gpg]   one directory per table, files of up to N rows
 *   <prefix><mode>/<run id>/_SUCCESS                            written last: the run is complete
 *
 * Every file streams through a multipart upload (row groups leave memory as soon as they are encoded). A run that
 * fails or is cancelled aborts its open uploads and writes no success marker, so no reader takes it for complete;
 * a reader of the bucket (the preview) shows a run directory without `_SUCCESS` as incomplete.
 * Transport-free: S3, the source, encryption and the clock are passed in.
 */
import type { CancellationToken } from '../lint';
import { columnsOf, flatten } from './tables';
import { ParquetStreamWriter } from './parquet';

export interface Upload {
  /** Appends bytes (the sink buffers them into parts); resolves when they may be dropped by the caller. */
  write(chunk: Uint8Array): Promise<void>;
  complete(): Promise<void>;
  abort(): Promise<void>;
}

export interface ExportSink {
  /** A multipart upload of one object. */
  upload(key: string, contentType: string): Upload;
  /** A small object in one PUT (the success marker). */
  put(key: string, body: string, contentType: string): Promise<void>;
  /**
   * Aborts the multipart uploads still open under `prefix`, left by a run that was killed before it could abort
   * them itself; returns how many.
   */
  abortStale?(prefix: string): Promise<number>;
}

export interface ExportSource {
  /** The objects of one table, oldest first or in any stable order. */
  read(table: string): AsyncIterable<Record<string, unknown>>;
}

/** Wraps the bytes of one file (PGP encryption); the output is what is uploaded. */
export type Encryptor = (plain: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

export interface ExportPlan {
  /** '' or a folder ending in '/'. */
  prefix: string;
  /** The delivery mode directory (Stripe: a snapshot of each table per run). */
  mode?: string;
  tables: string[];
  /** Rows per file before the next part starts (default 1,000,000). */
  rowsPerFile?: number;
  /** Rows per Parquet row group (default 100,000). */
  rowGroupRows?: number;
}

export interface ExportDeps {
  sink: ExportSink;
  source: ExportSource;
  encrypt?: Encryptor;
  now?: () => Date;
  progress?: (p: { table: string; rows: number; tablesDone: number; tables: number }) => void;
  token?: CancellationToken;
}

export interface ExportReport {
  runDir: string;
  /** The success marker's key; undefined when the run did not complete. */
  success?: string;
  cancelled: boolean;
  tables: Array<{ table: string; rows: number; files: string[]; bytes: number }>;
  /** Uploads of earlier, killed runs that this run aborted before it began. */
  abortedStale: number;
}

export const SUCCESS_MARKER = '_SUCCESS';

/** A run id that sorts by time and is a valid key segment: 20261123T120000.123Z (two runs in one second stay apart). */
export function runIdOf(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

export async function runExport(plan: ExportPlan, deps: ExportDeps): Promise<ExportReport> {
  const now = deps.now ?? (() => new Date());
  const runDir = `${plan.prefix}${plan.mode ?? 'snapshot'}/${runIdOf(now())}/`;
  const rowsPerFile = plan.rowsPerFile ?? 1_000_000;
  const report: ExportReport = { runDir, cancelled: false, tables: [], abortedStale: 0 };
  const open = new Set<Upload>();
  let lastProgress = Date.now();
  // A run killed outright (SIGKILL, power) could not abort its uploads: the next run does, before it starts.
  report.abortedStale = (await deps.sink.abortStale?.(`${plan.prefix}${plan.mode ?? 'snapshot'}/`)) ?? 0;
  try {
    for (const [index, table] of plan.tables.entries()) {
      const entry = { table, rows: 0, files: [] as string[], bytes: 0 };
      report.tables.push(entry);
      const columns = columnsOf(table).map((c) => ({ name: c.name, type: c.type }));
      let file: { writer: ParquetStreamWriter; upload: Upload; done: Promise<void>; push: (c: Uint8Array) => Promise<void>; end: () => void; rows: number } | undefined;

      const startFile = () => {
        const key = `${runDir}${table}/part-${String(entry.files.length).padStart(5, '0')}.parquet${deps.encrypt ? '.gpg' : ''}`;
        entry.files.push(key);
        const upload = deps.sink.upload(key, deps.encrypt ? 'application/pgp-encrypted' : 'application/vnd.apache.parquet');
        open.add(upload);
        const pipe = channel();
        const body = deps.encrypt ? deps.encrypt(pipe.iterable) : pipe.iterable;
        const done = (async () => {
          for await (const chunk of body) {
            entry.bytes += chunk.length;
            await upload.write(chunk);
          }
        })();
        // An upload that fails stops the writer at its next row group.
        done.catch(() => undefined);
        const writer = new ParquetStreamWriter(columns, { rowGroupRows: plan.rowGroupRows }, (chunk) => pipe.push(chunk));
        file = { writer, upload, done, push: pipe.push, end: pipe.end, rows: 0 };
      };
      const finishFile = async () => {
        if (!file) return;
        await file.writer.end();
        file.end();
        await file.done;
        await file.upload.complete();
        open.delete(file.upload);
        file = undefined;
      };

      startFile();
      for await (const obj of deps.source.read(table)) {
        if (deps.token?.isCancellationRequested) {
          report.cancelled = true;
          throw new ExportCancelled();
        }
        if (file!.rows >= rowsPerFile) {
          await finishFile();
          startFile();
        }
        // The writer returns a promise only when a row group leaves for the upload: no microtask per row.
        const pending = file!.writer.write(flatten(table, obj));
        if (pending) await pending;
        file!.rows++;
        entry.rows++;
        // Every 16,384 rows, or every 256 rows once 200 ms have passed: a slow source (the Stripe API, 100 objects
        // a request) still shows movement, and a fast one pays no clock read per row.
        if ((entry.rows & 0xff) === 0 && ((entry.rows & 0x3fff) === 0 || Date.now() - lastProgress >= 200)) {
          lastProgress = Date.now();
          deps.progress?.({ table, rows: entry.rows, tablesDone: index, tables: plan.tables.length });
        }
      }
      // A source that stops early because the run was cancelled (the Stripe API source stops paging) ends its
      // table short: that table is not complete, and neither is the run.
      if (deps.token?.isCancellationRequested) {
        report.cancelled = true;
        throw new ExportCancelled();
      }
      await finishFile();
      deps.progress?.({ table, rows: entry.rows, tablesDone: index + 1, tables: plan.tables.length });
    }
    const success = `${runDir}${SUCCESS_MARKER}`;
    await deps.sink.put(success, `${JSON.stringify({ completedAt: now().toISOString(), tables: report.tables.map((t) => ({ table: t.table, rows: t.rows, files: t.files })) }, null, 2)}\n`, 'application/json');
    report.success = success;
    return report;
  } catch (e) {
    // Nothing half-written may stay open: abort every upload in progress (their parts are discarded by S3).
    await Promise.allSettled([...open].map((u) => u.abort()));
    if (e instanceof ExportCancelled) return report;
    throw e;
  }
}

class ExportCancelled extends Error {}

/** A push/pull byte channel: the writer pushes, the uploader (or the encryptor) pulls; push waits while one chunk is pending. */
function channel(): { push(c: Uint8Array): Promise<void>; end(): void; iterable: AsyncIterable<Uint8Array> } {
  const queue: Uint8Array[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  return {
    push(c) {
      queue.push(c);
      wake?.();
      wake = undefined;
      // Backpressure: the writer waits until the consumer has taken what is queued.
      return queue.length > 1 ? new Promise<void>((r) => (drained = r)) : Promise.resolve();
    },
    end() {
      ended = true;
      wake?.();
      wake = undefined;
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (queue.length) {
            const c = queue.shift()!;
            if (queue.length <= 1) {
              drained?.();
              drained = undefined;
            }
            yield c;
            continue;
          }
          if (ended) return;
          await new Promise<void>((r) => (wake = r));
        }
      },
    },
  };
}
