/**
 * The bucket preview of a stripe-export pipeline: what has been delivered, run by run. An export writes
 *
 *   <prefix><mode>/<run id>/<table>/part-NNNNN.parquet[.gpg]     the files of each table
 *   <prefix><mode>/<run id>/_SUCCESS                             last, once every file is complete
 *
 * so a run directory without `_SUCCESS` is a run that failed, was stopped, or is still writing: it is shown as
 * incomplete, never as a delivery. Every listed object lands in a run (as a table part, the marker, or something
 * else inside the run directory) or among the other objects: the penny-test files under `penny_test/` (shown for what
 * they are, with the account they are for), folder markers, and anything outside the layout.
 *
 * Keys sharing a prefix are contiguous in S3's listing order, so a run is finished as soon as the listing moves past
 * its directory: runs stream out page by page while the listing goes on. Transport-free: S3 comes in through S3Access.
 */
import type { CancellationToken } from '../lint';
import { PENNY_FOLDER } from '../export/penny';
import { SUCCESS_MARKER } from '../export/run';
import type { S3Access, S3Object } from '../import/types';

/** A run's verdict: complete (plain Parquet), encrypted (complete, `.parquet.gpg`), or incomplete (no `_SUCCESS`). */
export type DeliveryVerdictKind = 'complete' | 'incomplete' | 'encrypted';

export interface DeliveryPart {
  key: string;
  size: number;
  lastModified: string;
  encrypted: boolean;
}

export interface DeliveryTable {
  table: string;
  parts: DeliveryPart[];
  bytes: number;
}

export interface DeliveryRun {
  /** The run directory, with the pipeline's prefix: `snapshot/20261123T120000.123Z/`. */
  dir: string;
  mode: string;
  runId: string;
  /** The run id read as a time (ISO 8601), when it is one. */
  startedAt?: string;
  verdict: DeliveryVerdictKind;
  /** One sentence: what the verdict means for a reader of the bucket. */
  reason: string;
  /** Whether `_SUCCESS` is there. */
  complete: boolean;
  /** Whether its files are `.parquet.gpg`. */
  encrypted: boolean;
  success?: { key: string; lastModified: string };
  tables: DeliveryTable[];
  /** Table files in the run, and their bytes. */
  parts: number;
  bytes: number;
  /** Objects in the run directory that are neither table files nor the marker. */
  other: Array<{ key: string; size: number; lastModified: string }>;
}

export type DeliveryObjectKind = 'penny-test' | 'folder-marker' | 'other';

export interface DeliveryObject {
  key: string;
  size: number;
  lastModified: string;
  kind: DeliveryObjectKind;
  reason: string;
  /** penny-test: the account (acct_… or org_…) whose folder it is in. */
  account?: string;
  encrypted?: boolean;
}

export interface DeliveryTotals {
  listed: number;
  runs: number;
  byVerdict: Partial<Record<DeliveryVerdictKind, number>>;
  /** Table files in all runs, and their bytes. */
  parts: number;
  bytes: number;
  /** The newest run with `_SUCCESS`: what a reader should load. */
  latestComplete?: string;
  pennyTests: number;
  otherObjects: number;
  /** Whether the listing reached its end (false when cancelled). */
  complete: boolean;
}

export interface DeliveryPage {
  /** Runs whose listing is finished, in key order. */
  runs: DeliveryRun[];
  objects: DeliveryObject[];
  totals: DeliveryTotals;
}

export interface DeliveryListing {
  /** The pipeline's prefix ('' or ending in '/'): run directories are `<prefix><mode>/<run id>/`. */
  prefix: string;
  /** List from here instead of the prefix (and skip the separate penny_test/ listing). */
  from?: string;
  /** The pipeline's Stripe account, to say whether a penny-test file is for it. */
  account?: string;
}

export async function previewDeliveries(
  s3: S3Access,
  bucket: string,
  listing: DeliveryListing,
  onPage: (page: DeliveryPage) => void,
  token?: CancellationToken,
  signal?: AbortSignal,
): Promise<DeliveryTotals> {
  const totals: DeliveryTotals = { listed: 0, runs: 0, byVerdict: {}, parts: 0, bytes: 0, pennyTests: 0, otherObjects: 0, complete: false };
  // The penny test sits at the bucket's root, outside any prefix: listed on its own unless the listing covers it.
  const prefixes = listing.from !== undefined ? [listing.from] : listing.prefix && !PENNY_FOLDER.startsWith(listing.prefix) ? [listing.prefix, PENNY_FOLDER] : [listing.prefix];
  for (const prefix of prefixes) {
    let current: RunBuilder | undefined;
    let next: string | undefined;
    do {
      if (token?.isCancellationRequested) return totals;
      const page = await s3.listPage(bucket, prefix, next, signal);
      next = page.nextToken;
      const out: DeliveryPage = { runs: [], objects: [], totals };
      const finish = () => {
        if (!current) return;
        const run = current.build();
        totals.runs++;
        totals.byVerdict[run.verdict] = (totals.byVerdict[run.verdict] ?? 0) + 1;
        totals.parts += run.parts;
        totals.bytes += run.bytes;
        if (run.complete && (!totals.latestComplete || run.dir > totals.latestComplete)) totals.latestComplete = run.dir;
        out.runs.push(run);
        current = undefined;
      };
      for (const o of page.objects) {
        totals.listed++;
        const place = placeOf(o.key, listing);
        if (place.run) {
          if (current?.dir !== place.run.dir) {
            finish();
            current = new RunBuilder(place.run.dir, place.run.mode, place.run.runId);
          }
          current.add(o, place.run.rest);
        } else {
          finish();
          const obj = objectOf(o, place.kind, place.reason, listing.account);
          if (obj.kind === 'penny-test') totals.pennyTests++;
          else totals.otherObjects++;
          out.objects.push(obj);
        }
      }
      if (!next) finish();
      onPage({ ...out, totals: { ...totals, byVerdict: { ...totals.byVerdict } } });
    } while (next);
  }
  totals.complete = true;
  onPage({ runs: [], objects: [], totals: { ...totals, byVerdict: { ...totals.byVerdict } } });
  return totals;
}

type Place = { run: { dir: string; mode: string; runId: string; rest: string[] }; kind?: undefined; reason?: undefined } | { run?: undefined; kind: DeliveryObjectKind; reason: string };

function placeOf(key: string, listing: DeliveryListing): Place {
  if (key.startsWith(PENNY_FOLDER)) return { kind: 'penny-test', reason: '' };
  if (key.endsWith('/')) return { kind: 'folder-marker', reason: 'a folder marker, not a file' };
  if (!key.startsWith(listing.prefix)) return { kind: 'other', reason: `outside the pipeline's prefix ${listing.prefix}: not part of its deliveries` };
  const segments = key.slice(listing.prefix.length).split('/');
  // A run id starts with its date (20261123T120000.123Z): other two-level folders (another pipeline's prefix under
  // a bucket-wide listing) are not taken for runs.
  if (segments.length < 3 || !segments[0] || !/^\d{8}/.test(segments[1])) {
    return { kind: 'other', reason: `not in a run directory (${listing.prefix}<mode>/<run id>/<table>/part-00000.parquet): not written by the export` };
  }
  const [mode, runId, ...rest] = segments;
  return { run: { dir: `${listing.prefix}${mode}/${runId}/`, mode, runId, rest } };
}

function objectOf(o: S3Object, kind: DeliveryObjectKind, reason: string, account: string | undefined): DeliveryObject {
  const base = { key: o.key, size: o.size, lastModified: o.lastModified.toISOString(), kind };
  if (kind !== 'penny-test') return { ...base, reason };
  const [, folder = '', name = ''] = o.key.split('/');
  const encrypted = name.endsWith('.gpg');
  const isFile = /^(acct|org)_[A-Za-z0-9]+$/.test(folder) && name.replace(/\.gpg$/, '') === `account_${folder}.validation.csv`;
  let why: string;
  if (!isFile) why = `in ${PENNY_FOLDER} but not a validation file (penny_test/<acct_…>/account_<acct_…>.validation.csv)`;
  else if (account && folder !== account) why = `Stripe's penny-test file for ${folder}, not for this pipeline's account ${account}`;
  else why = `Stripe's penny-test file${encrypted ? ', PGP-encrypted' : ''}: "pipewright penny verify" checks it and shows the code to confirm in Stripe's onboarding`;
  return { ...base, reason: why, account: /^(acct|org)_/.test(folder) ? folder : undefined, encrypted };
}

class RunBuilder {
  private readonly tables = new Map<string, DeliveryTable>();
  private readonly other: DeliveryRun['other'] = [];
  private success?: { key: string; lastModified: string };

  constructor(
    readonly dir: string,
    private readonly mode: string,
    private readonly runId: string,
  ) {}

  add(o: S3Object, rest: string[]): void {
    const lastModified = o.lastModified.toISOString();
    if (rest.length === 1 && rest[0] === SUCCESS_MARKER) {
      this.success = { key: o.key, lastModified };
      return;
    }
    if (rest.length === 2 && rest[0] && /\.parquet(\.gpg)?$/.test(rest[1])) {
      let t = this.tables.get(rest[0]);
      if (!t) this.tables.set(rest[0], (t = { table: rest[0], parts: [], bytes: 0 }));
      t.parts.push({ key: o.key, size: o.size, lastModified, encrypted: o.key.endsWith('.gpg') });
      t.bytes += o.size;
      return;
    }
    this.other.push({ key: o.key, size: o.size, lastModified });
  }

  build(): DeliveryRun {
    const tables = [...this.tables.values()];
    const parts = tables.reduce((n, t) => n + t.parts.length, 0);
    const bytes = tables.reduce((n, t) => n + t.bytes, 0);
    const encrypted = tables.some((t) => t.parts.some((p) => p.encrypted));
    const complete = !!this.success;
    const files = `${tables.length} table${tables.length === 1 ? '' : 's'}, ${parts} file${parts === 1 ? '' : 's'}`;
    let verdict: DeliveryVerdictKind;
    let reason: string;
    if (!complete) {
      verdict = 'incomplete';
      reason = `no ${SUCCESS_MARKER}: the run failed, was stopped or is still writing (${files} so far) — not a delivery, do not load it`;
    } else if (encrypted) {
      verdict = 'encrypted';
      reason = `complete (${SUCCESS_MARKER} at ${this.success!.lastModified}), PGP-encrypted: ${files}; reading them needs the private key`;
    } else {
      verdict = 'complete';
      reason = `complete (${SUCCESS_MARKER} at ${this.success!.lastModified}): ${files}`;
    }
    const run: DeliveryRun = { dir: this.dir, mode: this.mode, runId: this.runId, verdict, reason, complete, encrypted, tables, parts, bytes, other: this.other };
    const startedAt = timeOfRunId(this.runId);
    if (startedAt) run.startedAt = startedAt;
    if (this.success) run.success = this.success;
    return run;
  }
}

/** `20261123T120000.123Z` (our run ids, ISO 8601 basic format) → `2026-11-23T12:00:00.123Z`. */
export function timeOfRunId(runId: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d{1,3})?Z$/.exec(runId);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
