/**
 * The embedded default destination: a SQLite database file, one table per template target (`products` …) with
 * the template's key as primary key (re-importing a record updates it), plus Pipewright's own tables:
 *   _pipewright_state     the sync state per pipeline (and shard), as JSON
 *   _pipewright_done      the objects the run in progress has finished (kept row by row, not rewritten)
 *   _pipewright_problems  every problem of every run: object key, line, column, value, message
 * Records, problems and state of a batch go in one transaction: after a crash the database holds either all of a
 * batch or none of it.
 *
 * SQLite here is node-sqlite3-wasm (WebAssembly, no native build: it runs in VS Code's Electron as in Node).
 * Its file locking is a `<db>.lock` directory, which a killed process leaves behind; we keep a pid file beside it
 * so that a lock whose process is gone is cleared, and a live one is refused with a clear message.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { releaseWriterLock, takeWriterLock } from './lock';
import type { Batch, Destination } from '../../engine/import/destination';
import type { TemplateColumn } from '../../engine/import/mapping';
import { parseState, type SyncState } from '../../engine/import/state';

type Db = InstanceType<typeof sqlite.Database>;
type Stmt = ReturnType<Db['prepare']>;

/**
 * Rows per multi-row INSERT. Its text values travel in one blob per statement (see `RowPacker`): node-sqlite3-wasm
 * encodes every bound string to UTF-8 in a JavaScript loop and copies it twice, which made binding half of an import's
 * time; one native Buffer.from per 128 rows and integer offsets cut the SQLite side by 40% (measured on 300,000 rows).
 */
const ROWS_PER_STATEMENT = 128;

export interface SqliteOptions {
  path: string;
  /** The template's columns, for the target table's columns. */
  columns: TemplateColumn[];
  target: string;
  readOnly?: boolean;
}

/** The in-thread destination, and what the writer thread (sqlite-writer.ts) calls on it. */
export type SqliteDestination = Destination & { db: Db; commitPacked(batches: PackedBatch | PackedBatch[]): void };

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function openSqliteDestination(options: SqliteOptions): SqliteDestination {
  const { path } = options;
  if (options.readOnly && !existsSync(path)) return emptyDestination(path);
  if (!options.readOnly) {
    mkdirSync(dirname(path), { recursive: true });
    // The previous writer is gone: its SQLite lock directory (if any) is stale. Its hot journal, if any, is rolled back by SQLite on open.
    takeWriterLock(`${path}.pipewright-pid`, path);
    rmSync(`${path}.lock`, { recursive: true, force: true });
  }
  let db: Db;
  try {
    db = new sqlite.Database(path, { readOnly: !!options.readOnly });
  } catch (e) {
    if (!options.readOnly) releaseWriterLock(`${path}.pipewright-pid`);
    throw new Error(`${path}: cannot open the SQLite database (${(e as Error).message})`);
  }
  if (!options.readOnly) {
    // A rollback journal (this WebAssembly build has no shared memory for WAL); NORMAL sync is safe against a
    // killed process, which is what resuming protects against.
    db.exec(`PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=TRUNCATE; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;
      CREATE TABLE IF NOT EXISTS _pipewright_state (state_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS _pipewright_done (state_id TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, last_modified TEXT NOT NULL, PRIMARY KEY (state_id, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS _pipewright_problems (id INTEGER PRIMARY KEY, state_id TEXT NOT NULL, run_started_at TEXT, object TEXT NOT NULL, line INTEGER, "column" TEXT, value TEXT, message TEXT NOT NULL);`);
    ensureTable(db, options.target, options.columns);
  }
  const layout = fieldsOf(options.columns);
  const textSlots = [true, ...layout.text, true, false];
  const cols = ['key', ...layout.fields, '_source', '_line', '_imported_at'];
  const upsertSql = (n: number) =>
    `INSERT INTO ${q(options.target)} (${cols.map(q).join(',')}) VALUES ${valuesSql(textSlots, n)} ON CONFLICT(key) DO UPDATE SET ${cols.slice(1).map((c) => `${q(c)}=excluded.${q(c)}`).join(',')}`;
  const statements = new Map<number, Stmt>();
  /** A statement per key, prepared once: `sql` is only called (and the text built) the first time. */
  const stmt = (n: number, sql: () => string): Stmt => {
    let s = statements.get(n);
    if (!s) {
      s = db.prepare(sql());
      statements.set(n, s);
    }
    return s;
  };

  /**
   * One transaction: the records, the problems, the finished objects and the state — all of the batch or none of it.
   * Several batches given at once go in one transaction, each applied in order as if committed one after another:
   * what a crash leaves is one of the states a run passes through, and one sync to disk serves them all.
   */
  const commitPacked = (batches: PackedBatch | PackedBatch[]): void => {
    const list = Array.isArray(batches) ? batches : [batches];
    const now = new Date().toISOString();
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const batch of list) {
        const rows = batch.rows;
        let i = 0;
        for (; i + ROWS_PER_STATEMENT <= rows.count; i += ROWS_PER_STATEMENT) {
          stmt(ROWS_PER_STATEMENT, () => upsertSql(ROWS_PER_STATEMENT)).run(statementParams(rows, i, ROWS_PER_STATEMENT, now));
        }
        const one = stmt(1, () => upsertSql(1));
        for (; i < rows.count; i++) one.run(statementParams(rows, i, 1, now));
        if (batch.problems.length) {
          const p = stmt(-1, () => 'INSERT INTO _pipewright_problems (state_id, run_started_at, object, line, "column", value, message) VALUES (?,?,?,?,?,?,?)');
          for (const x of batch.problems) p.run([batch.stateId, batch.runStartedAt ?? null, x.object, x.line, x.column ?? null, x.value ?? null, x.message]);
        }
        for (const f of batch.finished) {
          stmt(-2, () => 'INSERT OR REPLACE INTO _pipewright_done (state_id, key, etag, last_modified) VALUES (?,?,?,?)').run([batch.stateId, f.key, f.etag, f.lastModified]);
        }
        if (!batch.runInProgress) db.run('DELETE FROM _pipewright_done WHERE state_id = ?', [batch.stateId]);
        stmt(-3, () => 'INSERT INTO _pipewright_state (state_id, state, updated_at) VALUES (?,?,?) ON CONFLICT(state_id) DO UPDATE SET state=excluded.state, updated_at=excluded.updated_at').run([batch.stateId, batch.stateJson, now]);
      }
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  };

  return {
    db,
    description: `SQLite database ${path}`,
    async loadState(stateId) {
      if (!hasTable(db, '_pipewright_state')) return undefined;
      const row = db.get('SELECT state FROM _pipewright_state WHERE state_id = ?', [stateId]) as { state: string } | null;
      if (!row) return undefined;
      const state = parseState(row.state, `${path} (pipeline ${stateId})`);
      if (state.run) {
        for (const r of db.all('SELECT key, etag, last_modified FROM _pipewright_done WHERE state_id = ?', [stateId]) as Array<{ key: string; etag: string; last_modified: string }>) {
          state.run.done[r.key] = r.etag;
          state.run.modified[r.key] = r.last_modified;
        }
      }
      return state;
    },
    async commit(batch: Batch) {
      commitPacked(packBatch(batch, layout));
    },
    commitPacked,
    async close() {
      for (const s of statements.values()) {
        try {
          s.finalize();
        } catch {
          // finalize reports the error of the statement's last run (a failed commit, already thrown): close anyway,
          // or the database would stay open and locked.
        }
      }
      statements.clear();
      if (db.isOpen) db.close();
      if (!options.readOnly) releaseWriterLock(`${path}.pipewright-pid`);
    },
  };
}

/**
 * A batch as the SQLite writer needs it, made of plain data that crosses to a worker thread cheaply (the text bytes and
 * the numbers are transferred, not copied): the records packed by `packBatch`, and the state already as JSON.
 */
export interface PackedBatch {
  stateId: string;
  rows: PackedRows;
  problems: Batch['problems'];
  finished: Batch['finished'];
  /** The sync state to store, as JSON (without the finished objects, which `_pipewright_done` keeps row by row). */
  stateJson: string;
  /** A run is in progress (resumable): its finished objects are kept; otherwise they are cleared. */
  runInProgress: boolean;
  runStartedAt?: string;
}

/**
 * The records of a batch: the UTF-8 of all their text values one after another (`text`), and per record a fixed
 * number (`stride`) of numbers: for a text value its byte offset in `text` and its length, for a number or boolean
 * its value (0/1), NaN for null. The layout of a record: key, the template's fields in order, source, line.
 */
export interface PackedRows {
  count: number;
  stride: number;
  text: Uint8Array;
  /** Byte offset in `text` where each record starts, and one past the last (count + 1 entries). */
  rowStart: Float64Array;
  nums: Float64Array;
  /** Per slot of a record: a text value (two numbers) or not (one). */
  textSlots: boolean[];
}

/** The template's distinct fields, in order, and whether each is stored as text. */
export function fieldsOf(columns: TemplateColumn[]): { fields: string[]; text: boolean[] } {
  const types = new Map<string, TemplateColumn['type']>();
  for (const c of columns) if (!types.has(c.field)) types.set(c.field, c.type);
  const fields = [...types.keys()];
  return { fields, text: fields.map((f) => SQL_TYPE[types.get(f)!] !== 'INTEGER') };
}

/**
 * Packs a batch's records. The text values are encoded once, together (node-sqlite3-wasm would encode every bound
 * string in a JavaScript loop and copy it twice, which made binding half of an import's time), into a buffer of the
 * batch's own, so that it moves to the writer thread without a copy.
 */
export function packBatch(batch: Batch, layout: { fields: string[]; text: boolean[] }): PackedBatch {
  const { fields, text: isText } = layout;
  const records = batch.records;
  const textSlots = [true, ...isText, true, false];
  const stride = textSlots.reduce((n, t) => n + (t ? 2 : 1), 0);
  const nums = new Float64Array(records.length * stride);
  const rowStart = new Float64Array(records.length + 1);
  let text = '';
  let offset = 0;
  let k = 0;
  const addText = (v: string | number | boolean | null | undefined) => {
    if (v === undefined || v === null) {
      nums[k++] = NaN;
      nums[k++] = NaN;
      return;
    }
    let s = typeof v === 'string' ? v : String(v);
    // A value ending in half a surrogate pair (JSON can carry one: "\ud83e") would pair with a next value starting
    // with the other half once the values are joined, and the offsets would no longer match the bytes. UTF-8 stores a
    // lone half as U+FFFD anyway: it becomes that here, so each value encodes alone as it does joined.
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) s = `${s.slice(0, -1)}\ufffd`;
    const bytes = Buffer.byteLength(s);
    text += s;
    nums[k++] = offset;
    nums[k++] = bytes;
    offset += bytes;
  };
  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    rowStart[r] = offset;
    addText(rec.key);
    for (let f = 0; f < fields.length; f++) {
      const v = rec.fields[fields[f]];
      if (isText[f]) addText(v);
      else nums[k++] = v === undefined || v === null ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
    }
    addText(rec.source ?? null);
    nums[k++] = rec.line;
  }
  rowStart[records.length] = offset;
  // One encoding of the whole text (measured: faster than a Buffer.write per value, whose per-call cost dominates).
  // A small result may be a slice of Node's shared buffer pool, which must not be transferred: it is copied out.
  let bytes: Uint8Array = Buffer.from(text);
  if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.byteLength) bytes = new Uint8Array(bytes);
  const run = batch.state.run;
  const stored = run ? { ...batch.state, run: { ...run, done: {}, modified: {} } } : batch.state;
  return {
    stateId: batch.stateId,
    rows: { count: records.length, stride, text: bytes, rowStart, nums, textSlots },
    problems: batch.problems,
    finished: batch.finished,
    stateJson: JSON.stringify(stored),
    runInProgress: !!run,
    runStartedAt: run?.startedAt,
  };
}

/**
 * The SQL of the VALUES of an upsert of `rows` records: ?1 is one blob with the text bytes of those records, each
 * text value is read back as `CAST(substr(?1, offset, length) AS TEXT)` (a NULL offset gives NULL); ?2 is the import
 * time, the same for the whole batch; numbers are bound as they are.
 */
function valuesSql(textSlots: boolean[], rows: number): string {
  let p = 3;
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const v: string[] = [];
    for (const t of textSlots) v.push(t ? `CAST(substr(?1, ?${p++}, ?${p++}) AS TEXT)` : `?${p++}`);
    v.push('?2');
    out.push(`(${v.join(',')})`);
  }
  return out.join(',');
}

/** The parameters of one upsert statement: records [from, from + n) of the packed rows. */
function statementParams(rows: PackedRows, from: number, n: number, now: string): Array<number | string | null | Uint8Array> {
  const base = rows.rowStart[from];
  const out: Array<number | string | null | Uint8Array> = [rows.text.subarray(base, rows.rowStart[from + n]), now];
  const { nums, stride, textSlots } = rows;
  for (let r = from; r < from + n; r++) {
    let k = r * stride;
    for (const t of textSlots) {
      const v = nums[k++];
      if (t) {
        const len = nums[k++];
        if (Number.isNaN(v)) out.push(null, null);
        else out.push(v - base + 1, len);
      } else out.push(Number.isNaN(v) ? null : v);
    }
  }
  return out;
}

const SQL_TYPE: Record<string, string> = { string: 'TEXT', enum: 'TEXT', integer: 'INTEGER', decimal: 'INTEGER', boolean: 'INTEGER', timestamp: 'INTEGER' };

/** The target table, created or widened: a template that gained a column gets it added, nothing is dropped. */
function ensureTable(db: Db, target: string, columns: TemplateColumn[]): void {
  const fields = new Map<string, string>();
  for (const c of columns) if (!fields.has(c.field)) fields.set(c.field, SQL_TYPE[c.type] ?? 'TEXT');
  if (!hasTable(db, target)) {
    const defs = ['key TEXT PRIMARY KEY', ...[...fields].map(([f, t]) => `${q(f)} ${t}`), '_source TEXT', '_line INTEGER', '_imported_at TEXT'];
    db.exec(`CREATE TABLE ${q(target)} (${defs.join(', ')}) WITHOUT ROWID`);
    return;
  }
  const have = new Set((db.all(`PRAGMA table_info(${q(target)})`) as Array<{ name: string }>).map((r) => r.name));
  for (const [f, t] of fields) if (!have.has(f)) db.exec(`ALTER TABLE ${q(target)} ADD COLUMN ${q(f)} ${t}`);
}

function hasTable(db: Db, name: string): boolean {
  return !!db.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", [name]);
}

function emptyDestination(path: string): SqliteDestination {
  return {
    db: undefined as unknown as Db,
    description: `SQLite database ${path} (not created yet)`,
    loadState: async () => undefined,
    commit: async () => {
      throw new Error(`${path}: opened read-only`);
    },
    commitPacked: () => {
      throw new Error(`${path}: opened read-only`);
    },
    close: async () => undefined,
  };
}
