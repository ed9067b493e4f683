/**
 * Where an import delivers its records. A destination keeps the sync state itself and writes it in the same
 * transaction as the records (SQLite: one transaction; JSON Lines: files truncated back to the state's
 * lengths on open), so that a crash between the two cannot happen. The Stripe API plugs in here
 * (server/src/node/import/stripe.ts): its records go to Stripe first, then into a local ledger with the state.
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

/** What a destination did with each record, for a destination that decides per record (Stripe). */
export type RecordAction = 'create' | 'update' | 'unchanged' | 'reject';

export interface PlannedRecord {
  object: string;
  line: number;
  key: string;
  action: RecordAction;
  /** The object created, updated or left unchanged (absent for a create in a dry run). */
  id?: string;
  /** Why it is rejected (Stripe's own message when Stripe refused it). */
  message?: string;
  /** For an update: the fields that differ from what Stripe holds. */
  changed?: string[];
}

export interface CommitResult {
  actions: Partial<Record<RecordAction, number>>;
  /** Records the destination refused; each is also stored as a problem of the batch. */
  rejected: ImportProblem[];
  /** Each record's decision, in order (kept by the run as a sample). */
  records: PlannedRecord[];
}

export interface Destination {
  /** For messages: "SQLite database out/import.db". */
  readonly description: string;
  loadState(stateId: string): Promise<SyncState | undefined>;
  /** Upserts the records on their key, keeps the problems, stores the state: all or nothing. */
  commit(batch: Batch): Promise<void | CommitResult>;
  /** For a dry run: what commit would do with the batch, writing nothing. */
  plan?(batch: Batch): Promise<CommitResult>;
  /**
   * For a destination whose commit returns before the batch is stored (SQLite, written by a worker thread while the
   * next batch is read): resolves once every committed batch is stored, or throws the error of the one that failed.
   */
  flush?(): Promise<void>;
  close(): Promise<void>;
}
