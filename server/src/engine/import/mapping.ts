/**
 * A data template (*.template.json) compiled into a record mapper: file columns → Stripe fields, with the
 * template's types. Every failure names the column and the value, so the run can report object key, line,
 * column and value; a record with a failure is not delivered.
 */
import type { ParsedRecord } from './types';

export type ColumnType = 'string' | 'integer' | 'decimal' | 'boolean' | 'timestamp' | 'enum';

export interface TemplateColumn {
  column: string;
  field: string;
  type: ColumnType;
  required?: boolean;
  values?: string[];
  currencyExponent?: number;
  format?: 'iso8601' | 'unix';
}

export interface Template {
  /** Stripe object each record becomes: the destination table. */
  object: string;
  header?: boolean;
  key: string;
  delimiter?: string;
  columns: TemplateColumn[];
}

export interface MappedRecord {
  /** The value of the template's key column: records with the same key update one another. */
  key: string;
  /** Stripe field path → value (string, integer, boolean; timestamps as Unix seconds). Empty optional values are null. */
  fields: Record<string, string | number | boolean | null>;
  line: number;
  /** The S3 key the record comes from (set by the run). */
  source?: string;
  /** That object's ETag (set by the run): with the key and line, it names the record across runs. */
  etag?: string;
}

export interface FieldError {
  line: number;
  column?: string;
  value?: string;
  message: string;
}

/** Reads a template from its parsed JSON; throws with a message naming what is missing. */
export function templateFromJson(v: unknown, where: string): Template {
  const t = v as Template;
  if (!t || typeof t !== 'object' || typeof t.object !== 'string' || typeof t.key !== 'string' || !Array.isArray(t.columns) || !t.columns.length) {
    throw new Error(`${where}: not a data template (it needs "object", "key" and "columns"); run "pipewright lint" on it`);
  }
  for (const c of t.columns) {
    if (!c || typeof c.column !== 'string' || typeof c.field !== 'string' || typeof c.type !== 'string') throw new Error(`${where}: every column needs "column", "field" and "type"; run "pipewright lint" on it`);
  }
  if (!t.columns.some((c) => c.column === t.key)) throw new Error(`${where}: the key "${t.key}" is not one of the columns`);
  return t;
}

export interface Mapper {
  /**
   * For CSV/TSV with a header: take the header row. Returns a file-level problem when a required column is
   * missing (the file cannot be mapped), and notes for optional columns that are absent.
   */
  useHeader(fields: string[]): { error?: string; notes: string[] };
  /** The header the mapper uses (to store for a resumed run). */
  header(): string[] | undefined;
  map(record: ParsedRecord, errors: FieldError[]): MappedRecord | undefined;
}

const MAX_SHOWN = 80;
const shown = (v: string) => (v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}…` : v);

export function createMapper(t: Template): Mapper {
  let index: Map<string, number> | undefined;
  /** Per template column, its position in a row's fields (-1: the header has no such column); set with the header. */
  let at: Int32Array | undefined;
  let headerRow: string[] | undefined;
  const positions = () => Int32Array.from(t.columns, (c) => index!.get(c.column) ?? -1);
  // Without a header row, the columns are in the template's order.
  if (t.header === false) {
    index = new Map(t.columns.map((c, i) => [c.column, i]));
    at = positions();
  }
  const coerce = t.columns.map((c) => coercer(c));
  const keyColumn = t.columns.findIndex((c) => c.column === t.key);

  return {
    useHeader(fields) {
      headerRow = fields;
      index = new Map();
      fields.forEach((f, i) => {
        const name = f.trim();
        if (!index!.has(name)) index!.set(name, i);
      });
      at = positions();
      const missing = t.columns.filter((c) => !index!.has(c.column));
      const required = missing.filter((c) => c.required || c.column === t.key);
      if (required.length) return { error: `the header has no column ${required.map((c) => `"${c.column}"`).join(', ')}, which the template requires (header: ${fields.slice(0, 8).join(', ')}${fields.length > 8 ? '…' : ''})`, notes: [] };
      return { notes: missing.map((c) => `the header has no column "${c.column}": "${c.field}" stays empty`) };
    },
    header: () => headerRow,
    map(record, errors) {
      const fields: MappedRecord['fields'] = {};
      let key: string | undefined;
      let ok = true;
      const isObject = record.value !== undefined;
      if (isObject && (record.value === null || typeof record.value !== 'object' || Array.isArray(record.value))) {
        errors.push({ line: record.line, message: `a record must be a JSON object, found ${record.value === null ? 'null' : Array.isArray(record.value) ? 'an array' : typeof record.value}` });
        return undefined;
      }
      if (!isObject && record.fields && index && t.header !== false && headerRow && record.fields.length !== headerRow.length) {
        errors.push({ line: record.line, message: `${record.fields.length} fields where the header has ${headerRow.length}` });
        return undefined;
      }
      const row = record.fields;
      for (let i = 0; i < t.columns.length; i++) {
        const c = t.columns[i];
        let raw: unknown;
        if (isObject) raw = lookup(record.value as Record<string, unknown>, c.column);
        else {
          const p = at ? at[i] : -1;
          raw = p < 0 || !row ? undefined : row[p];
        }
        const r = coerce[i](raw);
        if (typeof r === 'object' && r !== null) {
          errors.push({ line: record.line, column: c.column, value: r.value === undefined ? undefined : shown(r.value), message: r.error });
          ok = false;
          continue;
        }
        fields[c.field] = r;
        if (i === keyColumn) key = r === null ? undefined : String(r);
      }
      if (!ok) return undefined;
      if (key === undefined) {
        errors.push({ line: record.line, column: t.key, message: `the key column "${t.key}" is empty` });
        return undefined;
      }
      return { key, fields, line: record.line };
    },
  };
}

/** A property, or a dotted path into nested objects (`price.unit_amount`) when no property has that name. */
function lookup(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  if (!name.includes('.')) return undefined;
  let v: unknown = o;
  for (const part of name.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

type Coerced = string | number | boolean | null | { error: string; value?: string };

function coercer(c: TemplateColumn): (raw: unknown) => Coerced {
  const convert = converter(c);
  return (raw) => {
    if (raw === undefined || raw === null || raw === '') return c.required ? { error: `"${c.column}" is required but empty` } : null;
    if (typeof raw === 'object') return { error: `"${c.column}" holds ${Array.isArray(raw) ? 'an array' : 'an object'}, not a ${c.type}`, value: JSON.stringify(raw) };
    return convert(raw as string | number | boolean);
  };
}

const INT = /^[+-]?\d+$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const TRUE = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE = new Set(['false', '0', 'no', 'n', 'f']);

function converter(c: TemplateColumn): (raw: string | number | boolean) => Coerced {
  const bad = (raw: unknown, what: string) => ({ error: `"${c.column}" ${what}`, value: String(raw) });
  switch (c.type) {
    case 'string':
      return (raw) => (typeof raw === 'string' ? raw : String(raw));
    case 'integer':
      return (raw) => {
        const s = typeof raw === 'string' ? raw.trim() : raw;
        if (typeof s === 'number') return Number.isSafeInteger(s) ? s : bad(raw, 'is not a whole number');
        if (typeof s !== 'string' || !INT.test(s)) return bad(raw, 'is not a whole number');
        const n = Number(s);
        return Number.isSafeInteger(n) ? n : bad(raw, 'is too large for an integer');
      };
    case 'decimal': {
      const exp = c.currencyExponent ?? 2;
      return (raw) => {
        if (typeof raw === 'string') {
          const n = plainDecimal(raw, exp);
          if (n !== undefined) return n;
        }
        // Decimal text → minor units by string arithmetic: 12.34 × 10² is exactly 1234, never 1233.9999.
        const s = (typeof raw === 'number' ? numberText(raw) : String(raw)).trim();
        const m = DECIMAL.exec(s);
        if (typeof raw === 'boolean' || !m || (m[2] === '' && !m[3])) return bad(raw, 'is not a decimal amount');
        const frac = m[3] ?? '';
        if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) return bad(raw, `has more than ${exp} decimal places`);
        const digits = `${m[2] || '0'}${frac.slice(0, exp).padEnd(exp, '0')}`;
        const n = Number(digits) * (m[1] === '-' ? -1 : 1);
        return Number.isSafeInteger(n) ? n : bad(raw, 'is too large');
      };
    }
    case 'boolean':
      return (raw) => {
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true') return true;
        if (raw === 'false') return false;
        const s = String(raw).trim().toLowerCase();
        if (TRUE.has(s)) return true;
        if (FALSE.has(s)) return false;
        return bad(raw, 'is not a boolean (true/false, 1/0, yes/no)');
      };
    case 'timestamp':
      return c.format === 'unix'
        ? (raw) => {
            const s = String(raw).trim();
            if (!INT.test(s)) return bad(raw, 'is not a Unix timestamp in seconds');
            if (s.replace(/^[+-]/, '').length >= 13) return bad(raw, 'looks like milliseconds: Unix timestamps here are in seconds');
            return Number(s);
          }
        : (raw) => {
            if (typeof raw === 'string' && raw.length === 20) {
              const ms = plainIsoSeconds(raw);
              if (ms !== undefined) return ms;
            }
            const s = String(raw).trim();
            // ISO 8601 with a date and, when a time is given, a zone; Date.parse alone accepts too much.
            if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/.test(s)) return bad(raw, 'is not an ISO 8601 timestamp with a time zone (2024-05-01T12:00:00Z)');
            const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.replace(' ', 'T'));
            return Number.isNaN(t) ? bad(raw, 'is not a valid date') : Math.floor(t / 1000);
          };
    case 'enum': {
      const values = new Set(c.values ?? []);
      const lower = new Map((c.values ?? []).map((v) => [v.toLowerCase(), v]));
      return (raw) => {
        if (typeof raw === 'string' && values.has(raw)) return raw;
        const s = String(raw).trim();
        if (values.has(s)) return s;
        const near = lower.get(s.toLowerCase());
        return bad(raw, `is not one of ${[...values].join(', ')}${near ? ` (did you mean "${near}"? values are case-sensitive)` : ''}`);
      };
    }
    default:
      return (raw) => bad(raw, `has an unknown type "${String(c.type)}" in the template`);
  }
}

/**
 * The common decimal spelling (`-1234.5`: digits, at most one point, no spaces or exponent, the integer part short
 * enough to stay exact) in minor units, without a regular expression or string building; undefined for anything
 * else, which takes the general path (and its error messages). Same result as the general path: 12.34 → 1234.
 */
function plainDecimal(s: string, exp: number): number | undefined {
  let i = 0;
  let sign = 1;
  const first = s.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    if (first === 45) sign = -1;
    i = 1;
  }
  let n = 0;
  let digits = 0;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    digits++;
  }
  if (digits > 15) return undefined;
  let frac = 0;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 46 /* . */) return undefined;
    for (i++; i < s.length; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      if (frac < exp) n = n * 10 + d;
      else if (d !== 0) return undefined;
      frac++;
      digits++;
    }
  }
  if (digits === 0) return undefined;
  for (; frac < exp; frac++) n *= 10;
  return Number.isSafeInteger(n) ? n * sign : undefined;
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ` exactly (what exports write) in Unix seconds, read digit by digit; undefined for anything
 * else or any field out of its everyday range, which then takes the general path: the result is the same as
 * Date.parse's (a day past the month's end rolls over in both).
 */
function plainIsoSeconds(s: string): number | undefined {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 90) return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  return daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil): arithmetic only, and
 * linear in the day, so a day past the month's end rolls over into the next month as Date.parse does.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The number written by `len` ASCII digits at `from`, or -1 when one of them is not a digit. */
function digitsAt(s: string, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A JSON number as decimal text without exponent (1e-7 → 0.0000001), so decimals stay exact. */
function numberText(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/\.?0+$/, '');
}
