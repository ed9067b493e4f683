/**
 * Where an import delivers its records. A destination keeps the sync state itself and writes it in the same
 * transaction as the records (SQLite: one transaction; JSON Lines: files truncated back to the state's
 * lengths on open), so that a crash between the two cannot happen. The Stripe API (a later issue) plugs in
 * here without touching the run.
 */
import type { MappedRecord } from './mapping';
import type { SyncState } from './state';

export interface ImportProblem {
  /** The S3 key of the object. */
  object: string;
  line: number;
  column?: string;
  value?: string;
  message: string;
}

export interface Batch {
  /** The sync state's name in the destination: the pipeline, and its shard when sharded. */
  stateId: string;
  /** Stripe object of the template (the table). */
  target: string;
  /** Each record carries the S3 key it comes from (`source`). */
  records: MappedRecord[];
  problems: ImportProblem[];
  /**
   * The state after this batch. `state.run.done` / `modified` grow a few objects at a time (`finished`):
   * a destination stores those entries incrementally rather than rewriting them on every commit.
   */
  state: SyncState;
  /** The objects this batch finishes (their entries are already in state.run.done). */
  finished: FinishedObject[];
}

export interface FinishedObject {
  key: string;
  etag: string;
  /** ISO 8601 */
  lastModified: string;
}

export interface Destination {
  /** For messages: "SQLite database out/import.db". */
  readonly description: string;
  loadState(stateId: string): Promise<SyncState | undefined>;
  /** Upserts the records on their key, keeps the problems, stores the state: all or nothing. */
  commit(batch: Batch): Promise<void>;
  close(): Promise<void>;
}
