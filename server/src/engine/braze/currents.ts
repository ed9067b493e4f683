/**
 * Braze Currents' layout in S3:
 *   <folder>/dataexport.<cluster>.S3.integration.<integration id>/event_type=<type>/date=<YYYY-MM-DD-HH>/<schema id>/<zone>/<file>.avro
 * Objects grouped by event type and hour; hours without files between delivered hours (gaps); event ids found in
 * more than one place (Currents delivers at least once, so a consumer must de-duplicate on `id`).
 */
import * as l10n from '../l10n';

export interface CurrentsObject {
  key: string;
  size: number;
  lastModified: string;
}

export interface CurrentsFile extends CurrentsObject {
  cluster: string;
  integrationId: string;
  eventType: string;
  /** YYYY-MM-DD-HH (UTC), as in `date=`. */
  hour: string;
  schemaId?: string;
  zone?: string;
}

const LAYOUT = /^dataexport\.([^/]+)\.S3\.integration\.([^/]+)\/event_type=([^/]+)\/date=(\d{4}-\d{2}-\d{2}-\d{2})\/(?:([^/]+)\/)?(?:([^/]+)\/)?[^/]+\.avro$/;

/** The parts of a Currents key under `folder` ('' for the bucket's root), or undefined for any other key. */
export function parseCurrentsKey(o: CurrentsObject, folder: string): CurrentsFile | undefined {
  const prefix = folder ? `${folder}/` : '';
  if (!o.key.startsWith(prefix)) return undefined;
  const m = LAYOUT.exec(o.key.slice(prefix.length));
  if (!m || !validHour(m[4])) return undefined;
  return { ...o, cluster: m[1], integrationId: m[2], eventType: m[3], hour: m[4], schemaId: m[5], zone: m[6] };
}

function hourMs(hour: string): number {
  const [y, mo, d, h] = hour.split('-').map(Number);
  return Date.UTC(y, mo - 1, d, h);
}

function validHour(hour: string): boolean {
  const ms = hourMs(hour);
  return Number.isFinite(ms) && hourOf(ms) === hour;
}

export function hourOf(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}`;
}

/** Every hour from `a` to `b` inclusive (at most `limit`). */
export function hoursBetween(a: string, b: string, limit = 24 * 366): string[] {
  const out: string[] = [];
  for (let t = hourMs(a), end = hourMs(b); t <= end && out.length < limit; t += 3_600_000) out.push(hourOf(t));
  return out;
}

export interface HourGroup {
  hour: string;
  files: number;
  bytes: number;
}

export interface EventTypeGroup {
  eventType: string;
  integrationIds: string[];
  files: number;
  bytes: number;
  first: string;
  last: string;
  hours: HourGroup[];
  /** Hours inside the range (or between the first and last delivered hour) with no file of this event type. */
  gaps: string[];
}

export interface CurrentsSummary {
  folder: string;
  eventTypes: EventTypeGroup[];
  files: number;
  bytes: number;
  /** Keys under the folder that are not Currents deliveries (the connection test's object, stray uploads). */
  other: string[];
}

export interface HourRange {
  from?: string;
  to?: string;
}

export function isHour(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}-\d{2}$/.test(s) && validHour(s);
}

/** Groups a listing of the folder; with a range, only hours inside it count and gaps are looked for across all of it. */
export function summarizeCurrents(objects: Iterable<CurrentsObject>, folder: string, range: HourRange = {}): { summary: CurrentsSummary; files: CurrentsFile[] } {
  const files: CurrentsFile[] = [];
  const other: string[] = [];
  for (const o of objects) {
    const f = parseCurrentsKey(o, folder);
    if (!f) other.push(o.key);
    else if ((!range.from || f.hour >= range.from) && (!range.to || f.hour <= range.to)) files.push(f);
  }
  const byType = new Map<string, CurrentsFile[]>();
  for (const f of files) {
    const list = byType.get(f.eventType) ?? [];
    list.push(f);
    byType.set(f.eventType, list);
  }
  const eventTypes: EventTypeGroup[] = [];
  for (const [eventType, list] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    const hours = new Map<string, HourGroup>();
    for (const f of list) {
      const h = hours.get(f.hour) ?? { hour: f.hour, files: 0, bytes: 0 };
      h.files++;
      h.bytes += f.size;
      hours.set(f.hour, h);
    }
    const sorted = [...hours.values()].sort((a, b) => a.hour.localeCompare(b.hour));
    const first = sorted[0].hour;
    const last = sorted[sorted.length - 1].hour;
    const gaps = hoursBetween(range.from ?? first, range.to ?? last).filter((h) => !hours.has(h));
    eventTypes.push({
      eventType,
      integrationIds: [...new Set(list.map((f) => f.integrationId))].sort(),
      files: list.length,
      bytes: list.reduce((n, f) => n + f.size, 0),
      first,
      last,
      hours: sorted,
      gaps,
    });
  }
  return { summary: { folder, eventTypes, files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), other }, files };
}

export interface DuplicateEvent {
  id: string;
  /** Where it was found: key and row (1-based) of each copy. */
  copies: Array<{ key: string; row: number }>;
}

/** Collects event ids file by file; `duplicates()` lists those seen more than once (at most `limit`). */
export class DuplicateFinder {
  private readonly seen = new Map<string, { key: string; row: number } | Array<{ key: string; row: number }>>();
  private count = 0;

  add(id: string, key: string, row: number): void {
    const at = { key, row };
    const prev = this.seen.get(id);
    if (prev === undefined) this.seen.set(id, at);
    else if (Array.isArray(prev)) prev.push(at);
    else {
      this.seen.set(id, [prev, at]);
      this.count++;
    }
  }

  get duplicateCount(): number {
    return this.count;
  }

  duplicates(limit = 1000): DuplicateEvent[] {
    const out: DuplicateEvent[] = [];
    for (const [id, v] of this.seen) {
      if (Array.isArray(v)) out.push({ id, copies: v });
      if (out.length >= limit) break;
    }
    return out;
  }
}

export function gapMessage(eventType: string, hours: string[]): string {
  return l10n.t('{0}: no file for {1} hour(s) ({2}) although files arrived around them: a delivery failure (check the connector in Braze: events are dropped after 48 hours of failures) or simply no {0} events then.', eventType, hours.length, hours.length > 4 ? `${hours.slice(0, 4).join(', ')}, …` : hours.join(', '));
}

/** A Currents folder as `pipewright braze deliveries` and the editor command report it. */
export interface DeliveriesReport extends CurrentsSummary {
  bucket: string;
  /** One sentence per event type with missing hours. */
  gapMessages: string[];
  /** undefined when not looked for. */
  duplicates?: DuplicateEvent[];
  duplicateCount?: number;
  /** Events read for the duplicate search. */
  eventsRead?: number;
  cancelled?: boolean;
}
