/**
 * The sync state of an import, kept by the destination in the same transaction as the records, so that a
 * crash at any moment leaves either the old state with the old records or the new state with the new ones.
 */
import type { Checkpoint } from './types';

export interface SyncState {
  /** Format version of this object. */
  version: 1;
  /** The latest LastModified (ISO 8601) among the objects the last completed sync imported. */
  watermark?: string;
  /** key → ETag of the objects imported whose LastModified equals the watermark. */
  atWatermark: Record<string, string>;
  /** When the last completed sync finished. */
  lastSyncAt?: string;
  /** The run in progress (absent once a run completes): what a resumed run must not do again. */
  run?: RunState;
}

export interface RunState {
  startedAt: string;
  /** key → ETag of the objects this run has finished (imported, or rejected for their content). */
  done: Record<string, string>;
  /** key → LastModified (ISO) of those objects, for the watermark at the end of the run. */
  modified: Record<string, string>;
  /** The object being read when the last batch was committed. */
  partial?: PartialObject;
}

export interface PartialObject {
  key: string;
  etag: string;
  /** Where the reader resumes (a Range request from checkpoint.offset). */
  checkpoint: Checkpoint;
  /** The CSV/TSV header row, needed to map the records after the resume point. */
  header?: string[];
  /** Problems counted in this object so far (the per-file error limit carries over a resume). */
  problems: number;
  /** Records delivered from this object so far. */
  records: number;
}

export function emptyState(): SyncState {
  return { version: 1, atWatermark: {} };
}

/** The state after a run that finished every selected object: a new watermark, no run in progress. */
export function completeRun(state: SyncState, finishedAt: Date): SyncState {
  const run = state.run;
  if (!run) return { ...state, lastSyncAt: finishedAt.toISOString() };
  let watermark = state.watermark;
  let atWatermark = { ...state.atWatermark };
  for (const [key, iso] of Object.entries(run.modified)) {
    const t = Date.parse(iso);
    const w = watermark ? Date.parse(watermark) : -Infinity;
    if (t > w) {
      watermark = new Date(t).toISOString();
      atWatermark = { [key]: run.done[key] };
    } else if (t === w) {
      atWatermark[key] = run.done[key];
    }
  }
  return { version: 1, watermark, atWatermark, lastSyncAt: finishedAt.toISOString() };
}

/** A state read back from a destination, checked: a file edited by hand or from another version is refused, not guessed at. */
export function parseState(text: string, where: string): SyncState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: the sync state is not valid JSON (${(e as Error).message}); run with --full to start over`);
  }
  const s = v as SyncState;
  if (!s || typeof s !== 'object' || s.version !== 1 || typeof s.atWatermark !== 'object') {
    throw new Error(`${where}: the sync state is not one this version of Pipewright wrote; run with --full to start over`);
  }
  return s;
}
