/**
 * The local mapping preview: a mapping set compiled once into getters and setters, then run over Stripe records
 * (the sample-data generator's, or a JSON Lines file's) as Data Prep would — each record becomes the XDM record
 * that would land in the dataset, or fails with why (a required field missing, a value the field's type cannot
 * take). Stripe objects are read as the source delivers them: under `data` (`data.amount`).
 */
import * as l10n from '../l10n';
import type { ParsedDocument } from '../parse';
import { stringOf } from '../json';
import { mappingLines } from './checks';
import type { SourceField } from './source';
import { convert } from './types';
import type { XdmSchema } from './xdm';

export interface CompiledLine {
  line: number;
  source: string;
  destination: string;
  xdmType: string;
  required: boolean;
  get: (record: unknown) => unknown;
  /** Path segments of the destination. */
  to: string[];
}

export interface CompiledMapping {
  lines: CompiledLine[];
  /** Required leaves no line fills: every record fails on them. */
  unfilled: string[];
  /** Lines the preview cannot run (expressions), with why. */
  notes: string[];
}

function getter(path: string): (record: unknown) => unknown {
  const parts = path.split('.');
  if (parts.length === 2) {
    const [a, b] = parts;
    return (r) => ((r as Record<string, Record<string, unknown> | undefined>)?.[a])?.[b];
  }
  return (r) => {
    let cur = r;
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };
}

export function compileMapping(doc: ParsedDocument, xdm: XdmSchema | undefined, source?: Map<string, SourceField>): CompiledMapping {
  const lines: CompiledLine[] = [];
  const notes: string[] = [];
  for (const l of mappingLines(doc)) {
    const src = stringOf(l.source);
    const dst = stringOf(l.destination);
    const line = doc.lines.positionAt(l.node.offset).line + 1;
    if (src === undefined || dst === undefined) continue;
    const field = xdm?.fields.get(dst);
    // Without a local schema the types come from the source side, and nothing is known to be required.
    const xdmType = field?.xdmType ?? (source?.get(src)?.type === 'integer' ? 'long' : 'any');
    if (l.sourceType === 'EXPRESSION') {
      notes.push(l10n.t('line {0}: the expression {1} is not evaluated by the local preview; {2} is left empty', line, src, dst));
      continue;
    }
    const get = l.sourceType === 'STATIC' ? () => src : getter(src);
    lines.push({ line, source: src, destination: dst, xdmType, required: field?.required ?? false, get, to: dst.split('.') });
  }
  const filled = new Set(lines.map((l) => l.destination));
  const unfilled = xdm ? [...xdm.fields.values()].filter((f) => f.required && f.type !== 'object' && !filled.has(f.path) && ![...filled].some((d) => f.path.startsWith(`${d}.`))).map((f) => f.path) : [];
  return { lines, unfilled, notes };
}

export interface MappedRecord {
  ok: boolean;
  xdm: Record<string, unknown>;
  errors: string[];
  /** Each error without the value, so that failures group by reason. */
  reasons: string[];
}

/** A Stripe object as the source delivers it: under `data` (a record already shaped so is kept). */
export function sourceRecord(obj: Record<string, unknown>): Record<string, unknown> {
  return obj && typeof obj === 'object' && obj.data && typeof obj.data === 'object' && !('id' in obj) ? obj : { data: obj };
}

export function mapRecord(m: CompiledMapping, record: unknown): MappedRecord {
  const xdm: Record<string, unknown> = {};
  let errors: string[] | undefined;
  let reasons: string[] | undefined;
  const fail = (reason: string, error = reason) => {
    (errors ??= []).push(error);
    (reasons ??= []).push(reason);
  };
  for (const l of m.lines) {
    const v = l.get(record);
    if (v === undefined || v === null) {
      if (l.required) fail(v === null ? l10n.t('{0} is required but {1} is null', l.destination, l.source) : l10n.t('{0} is required but {1} is missing', l.destination, l.source));
      continue;
    }
    let value: unknown = v;
    if (l.xdmType !== 'any') {
      const c = convert(v, l.xdmType);
      if ('error' in c) {
        const reason = l10n.t('{0} ({1}) from {2}', l.destination, l.xdmType, l.source);
        fail(reason, `${reason}: ${c.error}`);
        continue;
      }
      value = c.value;
    }
    let cur = xdm;
    const to = l.to;
    for (let k = 0; k < to.length - 1; k++) cur = (cur[to[k]] ??= {}) as Record<string, unknown>;
    cur[to[to.length - 1]] = value;
  }
  for (const u of m.unfilled) fail(l10n.t('{0} is required but no mapping fills it', u));
  return { ok: !errors, xdm, errors: errors ?? [], reasons: reasons ?? [] };
}

export interface PreviewReport {
  records: number;
  mapped: number;
  failed: number;
  /** The first mapped records, as they would land in the dataset. */
  samples: Array<Record<string, unknown>>;
  /** The first failed records: their position (1-based), Stripe id and every reason. */
  failures: Array<{ record: number; id?: string; errors: string[] }>;
  /** Failures by reason, with counts (reasons without the value, so they group). */
  reasons: Array<{ reason: string; count: number }>;
  notes: string[];
}

export function previewRecords(m: CompiledMapping, objects: Iterable<Record<string, unknown>>, o: { keep?: number; keepFailures?: number; onMapped?: (xdm: Record<string, unknown>) => void } = {}): PreviewReport {
  const keep = o.keep ?? 20;
  const keepFailures = o.keepFailures ?? 100;
  const report: PreviewReport = { records: 0, mapped: 0, failed: 0, samples: [], failures: [], reasons: [], notes: [...m.notes] };
  const reasons = new Map<string, number>();
  for (const obj of objects) {
    report.records++;
    const r = mapRecord(m, sourceRecord(obj));
    if (r.ok) {
      report.mapped++;
      if (report.samples.length < keep) report.samples.push(r.xdm);
      o.onMapped?.(r.xdm);
    } else {
      report.failed++;
      if (report.failures.length < keepFailures) report.failures.push({ record: report.records, id: typeof obj.id === 'string' ? obj.id : undefined, errors: r.errors });
      for (const key of r.reasons) reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  report.reasons = [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  return report;
}
