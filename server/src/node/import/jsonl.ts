/**
 * The second destination: a folder of JSON Lines files.
 *   <target>.jsonl     one line per delivered record: {"key", "fields", "source", "line"}; a record imported again
 *                      (same key) is appended again, and the last line for a key is the current one
 *   problems.jsonl     one line per problem: {"stateId", "object", "line", "column", "value", "message"}
 *   .pipewright/<state>.journal.jsonl
 *                      one line per committed batch: the length of every data file after it, the sync state,
 *                      and the object it finished
 * A batch is committed when its journal line is complete. On open, data files are cut back to the lengths of
 * the last complete journal line, so a run killed mid-batch leaves nothing a reader could take for delivered. The
 * journal's first line, written before any data, holds the lengths the files had then.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Batch, Destination, FinishedObject } from '../../engine/import/destination';
import { emptyState, parseState, type SyncState } from '../../engine/import/state';
import { releaseWriterLock, takeWriterLock } from './lock';

interface JournalLine {
  lengths: Record<string, number>;
  state: SyncState;
  finished?: FinishedObject[];
}

const PROBLEMS = 'problems.jsonl';

export function openJsonlDestination(dir: string, options: { readOnly?: boolean } = {}): Destination {
  const meta = join(dir, '.pipewright');
  const journals = new Map<string, { lines: JournalLine[]; path: string }>();
  if (!options.readOnly) {
    mkdirSync(meta, { recursive: true });
    takeWriterLock(join(meta, 'writer.pid'), dir);
  }

  const journalPath = (stateId: string) => join(meta, `${encodeURIComponent(stateId)}.journal.jsonl`);
  const load = (stateId: string) => {
    let j = journals.get(stateId);
    if (j) return j;
    const path = journalPath(stateId);
    const lines: JournalLine[] = [];
    let validBytes = 0;
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      let at = 0;
      while (at < text.length) {
        const nl = text.indexOf('\n', at);
        if (nl < 0) break; // a line cut by a crash: not committed
        try {
          lines.push(JSON.parse(text.slice(at, nl)) as JournalLine);
        } catch {
          break;
        }
        at = nl + 1;
        validBytes = Buffer.byteLength(text.slice(0, at));
      }
      if (!options.readOnly) {
        truncateTo(path, validBytes);
        // Data written after the last committed batch is cut away.
        const last = lines[lines.length - 1];
        if (last) for (const [file, len] of Object.entries(last.lengths)) truncateTo(join(dir, file), len);
      }
    }
    j = { lines, path };
    journals.set(stateId, j);
    return j;
  };

  return {
    description: `JSON Lines folder ${dir}`,
    async loadState(stateId) {
      const { lines, path } = load(stateId);
      const last = lines[lines.length - 1];
      if (!last) return undefined;
      const state = parseState(JSON.stringify(last.state), path);
      if (state.run) {
        // The objects finished since the run began: every journal line after the last completed state.
        for (let i = lines.length - 1; i >= 0 && lines[i].state.run; i--) {
          for (const f of lines[i].finished ?? []) {
            if (f.key in state.run.done) continue;
            state.run.done[f.key] = f.etag;
            state.run.modified[f.key] = f.lastModified;
          }
        }
      }
      return state;
    },
    async commit(batch: Batch) {
      if (options.readOnly) throw new Error(`${dir}: opened read-only`);
      const j = load(batch.stateId);
      const dataFile = `${batch.target}.jsonl`;
      if (!j.lines.length) {
        // Before the first data is written, a line with the files' lengths as they are and an empty state: a run
        // killed after its first append to a data file, before that batch's journal line, is cut back to these on
        // the next open (without it, no journal line says where the committed data ends, and the batch's records
        // would stay and be appended again by the resumed run).
        const baseline: JournalLine = { lengths: { [dataFile]: sizeOf(join(dir, dataFile)), [PROBLEMS]: sizeOf(join(dir, PROBLEMS)) }, state: emptyState() };
        append(j.path, `${JSON.stringify(baseline)}\n`);
        j.lines.push(baseline);
      }
      const lengths: Record<string, number> = { ...(j.lines[j.lines.length - 1]?.lengths ?? {}) };
      if (batch.records.length) {
        let text = '';
        for (const r of batch.records) text += `${JSON.stringify({ key: r.key, fields: r.fields, source: r.source, line: r.line })}\n`;
        lengths[dataFile] = append(join(dir, dataFile), text);
      } else if (!(dataFile in lengths)) lengths[dataFile] = sizeOf(join(dir, dataFile));
      if (batch.problems.length) {
        let text = '';
        for (const p of batch.problems) text += `${JSON.stringify({ stateId: batch.stateId, ...p })}\n`;
        lengths[PROBLEMS] = append(join(dir, PROBLEMS), text);
      }
      const stored: SyncState = batch.state.run ? { ...batch.state, run: { ...batch.state.run, done: {}, modified: {} } } : batch.state;
      const line: JournalLine = { lengths, state: stored, ...(batch.finished.length ? { finished: batch.finished } : {}) };
      if (!batch.state.run) {
        // A completed run: the journal starts again from this one line (written aside, then renamed over).
        writeFileSync(`${j.path}.tmp`, `${JSON.stringify(line)}\n`);
        renameSync(`${j.path}.tmp`, j.path);
        j.lines = [line];
      } else {
        append(j.path, `${JSON.stringify(line)}\n`);
        j.lines.push(line);
      }
    },
    async close() {
      journals.clear();
      if (!options.readOnly) releaseWriterLock(join(meta, 'writer.pid'));
    },
  };
}

/** Appends and returns the file's new length. */
function append(path: string, text: string): number {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function sizeOf(path: string): number {
  return existsSync(path) ? fstatSyncPath(path) : 0;
}

function fstatSyncPath(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function truncateTo(path: string, length: number): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r+');
  try {
    if (fstatSync(fd).size > length) ftruncateSync(fd, length);
  } finally {
    closeSync(fd);
  }
}
