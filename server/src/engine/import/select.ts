/**
 * Which objects the next import takes, and why not the others — one function that the bucket preview and
 * the import run both call, so that what the preview shows is what the run does.
 *
 * The rules are the Stripe S3 connector's (seed 001): only the configured folder is read; CSV, TSV, JSON and
 * JSONLINE files; at most 1 GB per file; the first sync takes objects modified in the last 90 days; later syncs
 * take only objects whose LastModified is after the last sync. The watermark keeps, besides the last
 * LastModified, the keys and ETags seen at exactly that instant, so that an object written in the same second
 * (S3-compatible servers keep whole seconds) is neither skipped nor taken twice.
 */
import { formatOfKey } from './parse';
import type { FileFormat, S3Object } from './types';
import type { SyncState } from './state';

/** Stripe's limit per file: "1 GB". Read as 10^9 bytes, the stricter of the two readings: a file the preview passes is never one Stripe refuses. */
export const MAX_OBJECT_BYTES = 1_000_000_000;
/** A first sync takes objects modified in the last 90 days. */
export const FIRST_SYNC_DAYS = 90;
/** Past this many objects in the bucket, every sync lists them all: the guide asks to keep it below. */
export const LISTING_WARNING_OBJECTS = 50_000;

export type VerdictKind =
  | 'import'
  | 'changed'
  | 'too-large'
  | 'unsupported-format'
  | 'format-not-enabled'
  | 'outside-folder'
  | 'folder-marker'
  | 'too-old'
  | 'not-modified'
  | 'already-imported'
  | 'other-shard';

export interface Verdict {
  kind: VerdictKind;
  /** Whether the next import reads the object. */
  imports: boolean;
  /** One sentence: why. */
  reason: string;
  format?: FileFormat;
}

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

export interface SelectOptions {
  /** The pipeline's folder ('' for the whole bucket), ending in '/'. */
  folder: string;
  /** Formats the pipeline enables (its `formats`). */
  formats: readonly FileFormat[];
  now: Date;
  /** The destination's sync state; undefined on a first sync. */
  state?: SyncState;
  /** Take objects modified at or after this instant, instead of the state's watermark or the 90-day window. */
  since?: Date;
  /** Ignore the sync state: select as a first sync would (the 90-day window, or `since`). */
  full?: boolean;
  shard?: Shard;
}

const DAY_MS = 86_400_000;

export function decide(o: S3Object, opts: SelectOptions): Verdict {
  if (opts.folder && !o.key.startsWith(opts.folder)) return skip('outside-folder', `outside the folder ${opts.folder}: only that folder is read`);
  if (o.key.endsWith('/')) return skip('folder-marker', 'a folder marker, not a file');
  const format = formatOfKey(o.key);
  if (!format) return skip('unsupported-format', `not a CSV, TSV, JSON or JSONL file (${extensionOf(o.key)}): the connector reads only those`);
  if (!opts.formats.includes(format)) return skip('format-not-enabled', `a ${format.toUpperCase()} file, but the pipeline's "formats" lists only ${opts.formats.join(', ')}`, format);
  if (o.size > MAX_OBJECT_BYTES) return skip('too-large', `${formatBytes(o.size)}, larger than the 1 GB limit per file: split it`, format);
  if (opts.shard && shardOf(o.key, opts.shard.count) !== opts.shard.index) return skip('other-shard', `taken by shard ${shardOf(o.key, opts.shard.count)}/${opts.shard.count}`, format);

  const state = opts.full ? undefined : opts.state;
  const run = state?.run;
  if (run?.done[o.key] === o.etag) return skip('already-imported', 'already imported by the interrupted run that this one resumes', format);

  const t = o.lastModified.getTime();
  if (opts.since) {
    return t >= opts.since.getTime() ? take('import', `modified since ${isoOf(opts.since)}`, format) : skip('too-old', `modified before ${isoOf(opts.since)} (--since)`, format);
  }
  if (!state?.watermark) {
    const from = opts.now.getTime() - FIRST_SYNC_DAYS * DAY_MS;
    return t >= from ? take('import', 'modified in the last 90 days (first sync)', format) : skip('too-old', `modified ${Math.floor((opts.now.getTime() - t) / DAY_MS)} days ago: a first sync takes only the last 90 days`, format);
  }
  const w = Date.parse(state.watermark);
  if (t > w) {
    const before = state.atWatermark[o.key];
    return take(before !== undefined ? 'changed' : 'import', before !== undefined ? 'changed since it was imported (new ETag)' : `modified after the last sync (${state.watermark})`, format);
  }
  if (t === w) {
    const seen = state.atWatermark[o.key];
    if (seen === o.etag) return skip('already-imported', `imported by the last sync (same LastModified ${state.watermark} and ETag)`, format);
    return take(seen === undefined ? 'import' : 'changed', seen === undefined ? `modified at the instant of the last sync (${state.watermark}) but not imported then` : 'changed since it was imported (new ETag)', format);
  }
  return skip('not-modified', `not modified since the last sync (${state.watermark})`, format);
}

// decide() runs for every object of every listing (50,000 per preview of a large folder): its helpers are top-level
// functions rather than closures made per call, and the --since instant is formatted once, not once per object.
function skip(kind: VerdictKind, reason: string, format?: FileFormat): Verdict {
  return { kind, imports: false, reason, format };
}

function take(kind: 'import' | 'changed', reason: string, format: FileFormat): Verdict {
  return { kind, imports: true, reason, format };
}

let isoCache: { ms: number; iso: string } | undefined;
function isoOf(d: Date): string {
  const ms = d.getTime();
  if (isoCache?.ms !== ms) isoCache = { ms, iso: d.toISOString() };
  return isoCache.iso;
}

/** Deterministic, listing-independent: the same key always lands in the same shard (FNV-1a over UTF-16 units). */
export function shardOf(key: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) % count) + 1;
}

export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : undefined;
}

function extensionOf(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(dot) : 'no extension';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
