/**
 * Which source types Data Prep can put into which XDM types, and how the local preview converts a value. One
 * table serves the mapping-set check (as you type) and the preview (record by record), so they never disagree.
 */
import * as l10n from '../l10n';
import type { SourceType } from './source';

export type Compatibility = 'ok' | 'narrowing' | 'mismatch';

const INTEGER_XDM = new Set(['long', 'int', 'integer', 'short', 'byte']);
const NUMBER_XDM = new Set(['double', 'number']);

export function compatibility(source: SourceType, xdmType: string): Compatibility {
  switch (source) {
    case 'string':
      return xdmType === 'string' || xdmType === 'date' || xdmType === 'date-time' ? 'ok' : 'mismatch';
    case 'integer':
      if (xdmType === 'long' || xdmType === 'integer' || NUMBER_XDM.has(xdmType) || xdmType === 'string' || xdmType === 'date' || xdmType === 'date-time') return 'ok';
      return INTEGER_XDM.has(xdmType) ? 'narrowing' : 'mismatch';
    case 'number':
      if (NUMBER_XDM.has(xdmType) || xdmType === 'string') return 'ok';
      return INTEGER_XDM.has(xdmType) ? 'narrowing' : 'mismatch';
    case 'boolean':
      return xdmType === 'boolean' || xdmType === 'string' ? 'ok' : 'mismatch';
    case 'object':
      return xdmType === 'object' || xdmType === 'map' ? 'ok' : 'mismatch';
    case 'array':
      return xdmType === 'array' ? 'ok' : 'mismatch';
  }
}

/** Value ranges of XDM's integer types (long is JavaScript's safe range: larger Stripe amounts do not exist). */
export const INTEGER_RANGE: Record<string, [number, number]> = {
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  integer: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int: [-2147483648, 2147483647],
  short: [-32768, 32767],
  byte: [-128, 127],
};

export type Converted = { value: unknown } | { error: string };

/**
 * One value as Data Prep would write it into an XDM field of `xdmType`; `error` is the reason a record fails.
 * Unix seconds (Stripe's timestamps) become ISO 8601 for date-time and date fields.
 */
export function convert(value: unknown, xdmType: string): Converted {
  switch (xdmType) {
    case 'string':
      if (typeof value === 'string') return { value };
      if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
      return { error: l10n.t('a {0} cannot be written into a string field', kindOf(value)) };
    case 'long':
    case 'integer':
    case 'int':
    case 'short':
    case 'byte': {
      const n = typeof value === 'number' ? value : NaN;
      if (!Number.isInteger(n)) return { error: l10n.t('{0} is not a whole number ({1})', show(value), xdmType) };
      const [lo, hi] = INTEGER_RANGE[xdmType];
      return n < lo || n > hi ? { error: l10n.t('{0} does not fit in {1} ({2} to {3})', n, xdmType, lo, hi) } : { value: n };
    }
    case 'double':
    case 'number':
      return typeof value === 'number' ? { value } : { error: l10n.t('{0} is not a number', show(value)) };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { error: l10n.t('{0} is not true or false', show(value)) };
    case 'date-time':
    case 'date': {
      let d: Date | undefined;
      if (typeof value === 'number' && Number.isFinite(value)) d = new Date(value * 1000);
      else if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) d = new Date(value);
      if (!d || Number.isNaN(d.getTime())) return { error: l10n.t('{0} is not a date', show(value)) };
      const iso = d.toISOString();
      return { value: xdmType === 'date' ? iso.slice(0, 10) : iso };
    }
    case 'object':
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value) ? { value } : { error: l10n.t('{0} is not an object', show(value)) };
    case 'array':
      return Array.isArray(value) ? { value } : { error: l10n.t('{0} is not a list', show(value)) };
    default:
      return { value };
  }
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'list' : v === null ? 'null' : typeof v;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}
