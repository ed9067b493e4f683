/**
 * The import run: list the bucket, select objects exactly as the preview does (select.ts), stream each one
 * through its record reader and the template's mapper, and deliver batches to the destination together with
 * the sync state. A run killed at any moment resumes where its last batch was committed: finished objects are
 * not read again, the object in progress is read from its checkpoint with a Range request, and the records
 * delivered are exactly those of one clean run.
 */
import type { CancellationToken } from '../lint';
import type { Batch, CommitResult, Destination, FinishedObject, ImportProblem, PlannedRecord, RecordAction } from './destination';
import { createMapper, type FieldError, type MappedRecord, type Template } from './mapping';
import { createRecordReader } from './parse';
import { decide, type SelectOptions, type Shard, type VerdictKind } from './select';
import { completeRun, emptyState, type PartialObject, type SyncState } from './state';
import { ObjectChangedError, type S3Access, type S3Object } from './types';

/** A batch smaller than batchSize is committed after this long, so a killed run loses little work. */
const COMMIT_INTERVAL_MS = 5_000;

export interface ImportSource {
  bucket: string;
  /** '' or a folder ending in '/'. */
  folder: string;
  formats: SelectOptions['formats'];
}

export interface ImportOptions {
  now?: () => Date;
  since?: Date;
  full?: boolean;
  shard?: Shard;
  /** Read, parse and map everything, write nothing. */
  dryRun?: boolean;
  /** Problems in one object past which the object is rejected (default 100). */
  maxProblemsPerObject?: number;
  /**
   * Records per committed batch (default 2,000); a batch is also committed once a second has passed. The records of
   * a batch are held until it commits: 20,000 cost ~90 MB of peak RSS over 2,000 for the same speed (100 MB CSV,
   * SQLite destination in exclusive locking mode, where a commit is cheap).
   */
  batchSize?: number;
  /** Problems kept in the report (all of them go to the destination; default 200). */
  reportProblems?: number;
}

export interface ImportProgress {
  phase: 'listing' | 'importing';
  listed: number;
  selected: number;
  objectsDone: number;
  bytesDone: number;
  bytesTotal: number;
  records: number;
  problems: number;
  current?: string;
}

export interface ObjectOutcome {
  key: string;
  status: 'imported' | 'rejected' | 'changed-during-read';
  records: number;
  problems: number;
  /** For rejected objects: why. */
  reason?: string;
  /** The object was resumed from a checkpoint at this line. */
  resumedAtLine?: number;
}

export interface ImportReport {
  bucket: string;
  folder: string;
  stateId: string;
  dryRun: boolean;
  cancelled: boolean;
  listed: number;
  verdicts: Partial<Record<VerdictKind, number>>;
  objects: ObjectOutcome[];
  records: number;
  problems: number;
  problemSamples: ImportProblem[];
  bytes: number;
  /** Objects already finished by the interrupted run this one resumed. */
  resumedObjects: number;
  /** The watermark after the run (unchanged when cancelled or dry). */
  watermark?: string;
  /** For a destination that decides per record (Stripe): how many records were created, updated … */
  actions?: Partial<Record<RecordAction, number>>;
  /** The first of those decisions (as many as problems are kept), for a dry run's plan. */
  planSample?: PlannedRecord[];
}

export interface ImportDeps {
  s3: S3Access;
  destination: Destination;
  progress?: (p: ImportProgress) => void;
  token?: CancellationToken;
}

export function stateIdOf(pipelineName: string, shard?: Shard): string {
  return shard ? `${pipelineName}#${shard.index}/${shard.count}` : pipelineName;
}

/** Every object under `prefix`, page by page (the first page is handed out before the next is asked for). */
export async function listAll(s3: S3Access, bucket: string, prefix: string, onPage: (objects: S3Object[]) => void, token?: CancellationToken, signal?: AbortSignal): Promise<boolean> {
  let next: string | undefined;
  do {
    if (token?.isCancellationRequested) return false;
    const page = await s3.listPage(bucket, prefix, next, signal);
    onPage(page.objects);
    next = page.nextToken;
  } while (next);
  return true;
}

export async function runImport(source: ImportSource, template: Template, stateId: string, deps: ImportDeps, options: ImportOptions = {}): Promise<ImportReport> {
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 2_000;
  const maxProblems = options.maxProblemsPerObject ?? 100;
  const keep = options.reportProblems ?? 200;
  const { s3, destination, token } = deps;
  const abort = new AbortController();

  const loaded = await destination.loadState(stateId);
  let state: SyncState = loaded ?? emptyState();
  const report: ImportReport = { bucket: source.bucket, folder: source.folder, stateId, dryRun: !!options.dryRun, cancelled: false, listed: 0, verdicts: {}, objects: [], records: 0, problems: 0, problemSamples: [], bytes: 0, resumedObjects: 0, watermark: state.watermark };
  const progress: ImportProgress = { phase: 'listing', listed: 0, selected: 0, objectsDone: 0, bytesDone: 0, bytesTotal: 0, records: 0, problems: 0 };
  const tell = () => deps.progress?.({ ...progress });

  // 1. Select, as the preview does.
  const selected: S3Object[] = [];
  const select: SelectOptions = { folder: source.folder, formats: source.formats, now: now(), state, since: options.since, full: options.full, shard: options.shard };
  const complete = await listAll(s3, source.bucket, source.folder, (objects) => {
    for (const o of objects) {
      const v = decide(o, select);
      report.verdicts[v.kind] = (report.verdicts[v.kind] ?? 0) + 1;
      if (v.kind === 'already-imported' && state.run?.done[o.key] === o.etag) report.resumedObjects++;
      if (v.imports) {
        selected.push(o);
        progress.bytesTotal += o.size;
      }
    }
    report.listed += objects.length;
    progress.listed = report.listed;
    progress.selected = selected.length;
    tell();
  }, token, abort.signal);
  if (!complete) return { ...report, cancelled: true };

  // --full starts a new run over everything: a resumable run of the old state does not apply.
  if (options.full) state = { ...state, run: undefined };
  state = { ...state, run: state.run ?? { startedAt: now().toISOString(), done: {}, modified: {} } };
  state.run = { ...state.run!, done: { ...state.run!.done }, modified: { ...state.run!.modified } };
  progress.phase = 'importing';
  tell();

  // Records, problems and finished objects wait here until a batch is due: committing after every small
  // object would cost a transaction (and a sync to disk) per file.
  const pending = { records: [] as MappedRecord[], problems: [] as ImportProblem[], finished: [] as FinishedObject[] };
  // A dry run asks a destination that can plan (Stripe) what it would do; others are not called at all.
  const deliver = async (batch: Batch) => {
    const result = options.dryRun ? await destination.plan?.(batch) : await destination.commit(batch);
    if (result) merge(result);
  };
  const merge = (r: CommitResult) => {
    const actions = (report.actions ??= {});
    for (const [k, n] of Object.entries(r.actions)) actions[k as RecordAction] = (actions[k as RecordAction] ?? 0) + (n ?? 0);
    const sample = (report.planSample ??= []);
    for (const x of r.records) if (sample.length < keep) sample.push(x);
    for (const p of r.rejected) {
      report.problems++;
      progress.problems++;
      if (report.problemSamples.length < keep) report.problemSamples.push(p);
    }
  };
  let lastCommit = Date.now();
  const due = () => pending.records.length + pending.problems.length >= batchSize || Date.now() - lastCommit >= COMMIT_INTERVAL_MS;
  const commitNow = async (partial: PartialObject | undefined) => {
    state.run!.partial = partial;
    const batch = { stateId, target: template.object, records: pending.records, problems: pending.problems, finished: pending.finished, state };
    report.records += pending.records.length;
    progress.records += pending.records.length;
    pending.records = [];
    pending.problems = [];
    pending.finished = [];
    lastCommit = Date.now();
    await deliver(batch);
  };

  for (const o of selected) {
    if (token?.isCancellationRequested) {
      report.cancelled = true;
      break;
    }
    progress.current = o.key;
    tell();
    const outcome = await importObject(o);
    report.objects.push(outcome);
    progress.objectsDone++;
    if (outcome.status === 'changed-during-read' && token?.isCancellationRequested) break;
    if (report.cancelled) break;
  }

  if (report.cancelled) {
    if (pending.records.length || pending.problems.length || pending.finished.length) await commitNow(undefined);
    if (!options.dryRun) await destination.flush?.();
  } else {
    // The last batch and the completed state in one transaction: "complete" is never written without every record.
    const finished = state.run!;
    state = completeRun(state, now());
    const batch = { stateId, target: template.object, records: pending.records, problems: pending.problems, finished: pending.finished, state };
    report.records += pending.records.length;
    progress.records += pending.records.length;
    await deliver(batch);
    // Reported complete only once the destination holds the last batch.
    if (!options.dryRun) await destination.flush?.();
    if (!options.dryRun) report.watermark = state.watermark;
    else state = { ...state, run: finished };
  }
  return report;

  async function importObject(o: S3Object): Promise<ObjectOutcome> {
    const run = state.run!;
    const resume = run.partial && run.partial.key === o.key && run.partial.etag === o.etag ? run.partial : undefined;
    const mapper = createMapper(template);
    const format = decide(o, select).format!;
    const headerExpected = (format === 'csv' || format === 'tsv') && template.header !== false;
    let needHeader = headerExpected && !resume;
    if (resume?.header) mapper.useHeader(resume.header);
    let objectProblems = resume?.problems ?? 0;
    let objectRecords = resume?.records ?? 0;
    let rejected: string | undefined;
    /** The reason was already reported as the problem that caused it. */
    let rejectionReported = false;
    const fieldErrors: FieldError[] = [];

    const problem = (p: ImportProblem) => {
      pending.problems.push(p);
      objectProblems++;
      report.problems++;
      progress.problems++;
      if (report.problemSamples.length < keep) report.problemSamples.push(p);
      // Checked per problem, not per chunk: the records after the limit are not delivered.
      if (!rejected && objectProblems > maxProblems) rejected = `more than ${maxProblems} problem${maxProblems === 1 ? '' : 's'}`;
    };
    const reader = createRecordReader(
      { format, delimiter: template.delimiter, resume: resume?.checkpoint },
      (r) => {
        if (rejected) return;
        if (needHeader) {
          needHeader = false;
          const h = mapper.useHeader(r.fields ?? []);
          if (h.error) rejected = h.error;
          return;
        }
        const m = mapper.map(r, fieldErrors);
        if (fieldErrors.length) {
          for (const e of fieldErrors) problem({ object: o.key, line: e.line, column: e.column, value: e.value, message: e.message });
          fieldErrors.length = 0;
        }
        if (m) {
          m.source = o.key;
          m.etag = o.etag;
          pending.records.push(m);
          objectRecords++;
        }
      },
      (p) => {
        if (rejected) return;
        problem({ object: o.key, line: p.line, message: p.message });
        if (p.fatal) {
          rejected = p.message;
          rejectionReported = true;
        }
      },
    );
    const partial = (): PartialObject => ({ key: o.key, etag: o.etag, checkpoint: reader.checkpoint(), header: mapper.header(), problems: objectProblems, records: objectRecords });

    try {
      for await (const chunk of s3.read(source.bucket, o.key, { etag: o.etag, start: resume?.checkpoint.offset ?? 0, signal: abort.signal })) {
        reader.push(chunk);
        report.bytes += chunk.length;
        progress.bytesDone += chunk.length;
        if (rejected) break;
        if (due()) {
          await commitNow(partial());
          tell();
        }
        if (token?.isCancellationRequested) {
          await commitNow(partial());
          report.cancelled = true;
          return { key: o.key, status: 'imported', records: objectRecords, problems: objectProblems, resumedAtLine: resume?.checkpoint.line };
        }
      }
      if (!rejected) reader.end();
    } catch (e) {
      if (!(e instanceof ObjectChangedError)) {
        // Keep what was read so far: a rerun resumes from here.
        await commitNow(partial()).catch(() => undefined);
        throw e;
      }
      // Read again from the start next time (its new ETag does not match this checkpoint).
      await commitNow(undefined);
      return { key: o.key, status: 'changed-during-read', records: objectRecords, problems: objectProblems, reason: e.message };
    }
    if (rejected && !rejectionReported) problem({ object: o.key, line: reader.checkpoint().line, message: `object rejected: ${rejected}; ${objectRecords} records before that were imported` });
    // Mutated in place: copying these maps per object would make a run over 50,000 objects quadratic.
    state.run!.done[o.key] = o.etag;
    state.run!.modified[o.key] = o.lastModified.toISOString();
    pending.finished.push({ key: o.key, etag: o.etag, lastModified: o.lastModified.toISOString() });
    if (due()) await commitNow(undefined);
    tell();
    return { key: o.key, status: rejected ? 'rejected' : 'imported', records: objectRecords, problems: objectProblems, reason: rejected, resumedAtLine: resume?.checkpoint.line };
  }
}
