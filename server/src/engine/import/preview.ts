/**
 * Bucket preview: every object under the folder (or a wider prefix) with the verdict of the next import and
 * its reason, page by page as the listing arrives; and a content preview of one object — its first rows, the
 * columns found, and how the data template maps them.
 */
import type { CancellationToken } from '../lint';
import type { PlannedRecord } from './destination';
import { createMapper, type FieldError, type MappedRecord, type Template } from './mapping';
import { createRecordReader, formatOfKey } from './parse';
import { decide, LISTING_WARNING_OBJECTS, type SelectOptions, type Verdict, type VerdictKind } from './select';
import type { FileFormat, ParseProblem, ParsedRecord, S3Access } from './types';

export interface PreviewEntry {
  key: string;
  size: number;
  lastModified: string;
  etag: string;
  verdict: Verdict;
}

export interface PreviewTotals {
  listed: number;
  /** Objects that passed the prefix and glob filters. */
  shown: number;
  byVerdict: Partial<Record<VerdictKind, { objects: number; bytes: number }>>;
  toImport: { objects: number; bytes: number };
  /** Past 50,000 objects: every sync lists them all. */
  warning?: string;
  complete: boolean;
}

export interface PreviewFilter {
  /** List from this prefix instead of the pipeline's folder (objects outside the folder then show as such). */
  prefix?: string;
  /** Only keys matching this glob (`*` within a path segment, `**` across, `?` one character). */
  glob?: string;
}

export async function previewBucket(
  s3: S3Access,
  bucket: string,
  select: SelectOptions,
  filter: PreviewFilter,
  onPage: (entries: PreviewEntry[], totals: PreviewTotals) => void,
  token?: CancellationToken,
  signal?: AbortSignal,
): Promise<PreviewTotals> {
  const totals: PreviewTotals = { listed: 0, shown: 0, byVerdict: {}, toImport: { objects: 0, bytes: 0 }, complete: false };
  const match = filter.glob ? globRegExp(filter.glob) : undefined;
  const prefix = filter.prefix ?? select.folder;
  let next: string | undefined;
  do {
    if (token?.isCancellationRequested) return totals;
    const page = await s3.listPage(bucket, prefix, next, signal);
    const entries: PreviewEntry[] = [];
    for (const o of page.objects) {
      totals.listed++;
      if (match && !match.test(o.key)) continue;
      const verdict = decide(o, select);
      const t = (totals.byVerdict[verdict.kind] ??= { objects: 0, bytes: 0 });
      t.objects++;
      t.bytes += o.size;
      if (verdict.imports) {
        totals.toImport.objects++;
        totals.toImport.bytes += o.size;
      }
      entries.push({ key: o.key, size: o.size, lastModified: o.lastModified.toISOString(), etag: o.etag, verdict });
    }
    totals.shown += entries.length;
    next = page.nextToken;
    if (totals.listed > LISTING_WARNING_OBJECTS) {
      totals.warning = `${totals.listed.toLocaleString('en-US')} objects under ${prefix || 'the bucket'}: the connector lists every object on every sync (S3 cannot filter by date); keep the folder under 50,000 files, for example by moving imported files elsewhere`;
    }
    if (!next) totals.complete = true;
    onPage(entries, { ...totals, byVerdict: { ...totals.byVerdict } });
  } while (next);
  return totals;
}

/** `*` within a segment, `**` across segments, `?` one character; everything else literal. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A glob without a slash matches the file name anywhere, as users of other S3 browsers expect.
  return new RegExp(glob.includes('/') ? `^${re}$` : `(^|/)${re}$`);
}

// ---------------------------------------------------------------------------------------------------------
// Content preview of one object

export type InferredType = 'integer' | 'decimal' | 'boolean' | 'timestamp' | 'string' | 'empty' | 'object';

export interface ContentPreview {
  key: string;
  format: FileFormat;
  /** The columns found: the header (CSV/TSV) or the keys of the first objects (JSON/JSONL), with an inferred type. */
  columns: Array<{ name: string; type: InferredType }>;
  /** The first rows, as strings, in `columns` order. */
  rows: Array<{ line: number; cells: string[] }>;
  /** How the template maps the rows read: per template column, found or not and how many values fail. */
  mapping?: Array<{ column: string; field: string; type: string; found: boolean; failures: number; example?: string }>;
  /** Rows that would not import, with why (field failures and malformed rows). */
  problems: Array<{ line: number; column?: string; value?: string; message: string }>;
  /** Whether the object has more rows than shown. */
  truncated: boolean;
  /** With a destination that decides per record (Stripe): what the import would do with each row shown. */
  actions?: PlannedRecord[];
}

export interface PreviewObjectOptions {
  maxRows?: number;
  signal?: AbortSignal;
  /** The destination's decision for the rows that map (Stripe: create, update, unchanged or reject), read-only. */
  plan?: (records: MappedRecord[]) => Promise<PlannedRecord[]>;
}

export async function previewObject(s3: S3Access, bucket: string, key: string, template: Template | undefined, options: PreviewObjectOptions = {}): Promise<ContentPreview> {
  const format = formatOfKey(key);
  if (!format) throw new Error(`${key}: not a CSV, TSV, JSON or JSONL file`);
  const maxRows = options.maxRows ?? 20;
  const records: ParsedRecord[] = [];
  const problems: ContentPreview['problems'] = [];
  const reader = createRecordReader(
    { format, delimiter: template?.delimiter },
    (r) => void records.push(r),
    (p: ParseProblem) => void problems.push({ line: p.line, message: p.message }),
  );
  const header = (format === 'csv' || format === 'tsv') && template?.header !== false;
  const wanted = maxRows + (header ? 1 : 0) + 1;
  let ended = true;
  const abort = new AbortController();
  options.signal?.addEventListener('abort', () => abort.abort());
  for await (const chunk of s3.read(bucket, key, { signal: abort.signal })) {
    reader.push(chunk);
    if (records.length >= wanted) {
      ended = false;
      abort.abort();
      break;
    }
  }
  if (ended) reader.end();
  const truncated = records.length > maxRows + (header ? 1 : 0);

  let names: string[];
  let rows: ContentPreview['rows'];
  const body = header ? records.slice(1, maxRows + 1) : records.slice(0, maxRows);
  if (format === 'csv' || format === 'tsv') {
    names = header ? (records[0]?.fields ?? []) : (template?.columns.map((c) => c.column) ?? (body[0]?.fields ?? []).map((_, i) => `column ${i + 1}`));
    rows = body.map((r) => ({ line: r.line, cells: r.fields ?? [] }));
  } else {
    names = [];
    for (const r of body) if (r.value && typeof r.value === 'object' && !Array.isArray(r.value)) for (const k of Object.keys(r.value)) if (!names.includes(k)) names.push(k);
    rows = body.map((r) => ({ line: r.line, cells: names.map((n) => cellText((r.value as Record<string, unknown> | undefined)?.[n])) }));
  }
  const columns = names.map((name, i) => ({ name, type: inferType(rows.map((r) => r.cells[i] ?? '')) }));

  let mapping: ContentPreview['mapping'];
  let actions: ContentPreview['actions'];
  if (template) {
    const mapped: MappedRecord[] = [];
    const unmapped: PlannedRecord[] = [];
    const mapper = createMapper(template);
    if (header && records[0]) {
      const h = mapper.useHeader(records[0].fields ?? []);
      if (h.error) problems.push({ line: records[0].line, message: h.error });
    }
    const failures = new Map<string, number>();
    const errors: FieldError[] = [];
    for (const r of body) {
      const m = mapper.map(r, errors);
      if (m) mapped.push({ ...m, source: key });
      else if (errors.length) unmapped.push({ object: key, line: r.line, key: '', action: 'reject', message: errors[0].message });
      for (const e of errors) {
        problems.push({ line: e.line, column: e.column, value: e.value, message: e.message });
        if (e.column) failures.set(e.column, (failures.get(e.column) ?? 0) + 1);
      }
      errors.length = 0;
    }
    mapping = template.columns.map((c) => {
      const i = names.indexOf(c.column);
      return { column: c.column, field: c.field, type: c.type, found: i >= 0 || (format !== 'csv' && format !== 'tsv' && c.column.includes('.')), failures: failures.get(c.column) ?? 0, example: i >= 0 ? rows.find((r) => r.cells[i])?.cells[i] : undefined };
    });
    if (options.plan) actions = [...(await options.plan(mapped)), ...unmapped].sort((a, b) => a.line - b.line);
  }
  problems.sort((a, b) => a.line - b.line);
  return { key, format, columns, rows, mapping, problems, truncated, ...(actions ? { actions } : {}) };
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function inferType(values: string[]): InferredType {
  const present = values.filter((v) => v !== '');
  if (!present.length) return 'empty';
  if (present.every((v) => /^[+-]?\d+$/.test(v))) return 'integer';
  if (present.every((v) => /^[+-]?\d*\.\d+$|^[+-]?\d+$/.test(v))) return 'decimal';
  if (present.every((v) => /^(true|false)$/i.test(v))) return 'boolean';
  if (present.every((v) => /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2})?/.test(v))) return 'timestamp';
  if (present.every((v) => v.startsWith('{') || v.startsWith('['))) return 'object';
  return 'string';
}
