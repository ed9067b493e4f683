/**
 * IAM Condition evaluation, following AWS's documented semantics
 * (IAM User Guide: "Condition operators", "Single-valued vs. multivalued context keys", "Policy variables"):
 *
 * - all clauses must hold (AND across operators and keys); the values of one key are ORed;
 * - a negated operator (StringNotEquals, NotIpAddress, ArnNotLike…) holds when the request value matches
 *   NONE of the policy values, and holds when the key is missing from the request;
 * - any other operator on a missing key is false, unless `…IfExists` (a missing key passes);
 * - `ForAllValues:` holds when every request value passes (also when the key is missing or empty);
 *   `ForAnyValue:` holds when at least one does (false when the key is missing or empty);
 * - a multivalued key (an array in the context) needs a set operator: a plain operator on it is false;
 * - `Null: true` holds when the key is missing, `Null: false` when it is present;
 * - an unknown operator makes its clause false (the checks module reports it).
 * Context key names are case-insensitive; values are compared as the operator says.
 */
import { arnLike, matchTokens, parseArn, ONE, STAR, type GlobTokens } from './arn';
import type { ConditionClause } from './model';
import * as l10n from '../l10n';

/** Condition context as callers give it: strings, numbers and booleans, or arrays for multivalued keys. */
export type ConditionContext = Record<string, string | string[] | number | boolean | undefined>;

/** The base condition operators AWS documents (without ForAllValues:/ForAnyValue: and without IfExists). */
export const KNOWN_CONDITION_OPERATORS: readonly string[] = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
];

export interface ParsedOperator {
  setOperator?: 'ForAllValues' | 'ForAnyValue';
  /** The base name as AWS spells it when known (`StringLike`), else as written. */
  base: string;
  ifExists: boolean;
  known: boolean;
}

const canonicalBase = new Map(KNOWN_CONDITION_OPERATORS.map((o) => [o.toLowerCase(), o]));

/** Split `ForAnyValue:StringLikeIfExists` into its set operator, base operator and IfExists suffix. */
export function parseConditionOperator(operator: string): ParsedOperator {
  let rest = operator;
  let setOperator: ParsedOperator['setOperator'];
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const q = rest.slice(0, colon).toLowerCase();
    if (q === 'forallvalues') setOperator = 'ForAllValues';
    else if (q === 'foranyvalue') setOperator = 'ForAnyValue';
    else return { base: operator, ifExists: false, known: false };
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  let base = canonicalBase.get(rest.toLowerCase());
  if (!base && /ifexists$/i.test(rest)) {
    base = canonicalBase.get(rest.slice(0, -'IfExists'.length).toLowerCase());
    // `NullIfExists` is not an operator: Null already speaks about presence.
    if (base === 'Null') base = undefined;
    ifExists = base !== undefined;
  }
  return base ? { setOperator, base, ifExists, known: true } : { setOperator, base: rest, ifExists: false, known: false };
}

/** A context key's value(s) after normalization: strings, and whether the key is multivalued (an array). */
interface ContextValue {
  values: string[];
  multi: boolean;
}

/** Normalized context: lower-cased key → value. Missing keys, `undefined` and empty arrays are absent. */
export type NormalizedContext = Map<string, ContextValue>;

export function normalizeContext(context: ConditionContext | undefined): NormalizedContext {
  const map: NormalizedContext = new Map();
  if (!context) return map;
  for (const [k, v] of Object.entries(context)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      const values = v.filter((x) => x !== undefined && x !== null).map(scalarString);
      if (values.length) map.set(k.toLowerCase(), { values, multi: true });
    } else {
      map.set(k.toLowerCase(), { values: [scalarString(v)], multi: false });
    }
  }
  return map;
}

function scalarString(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

// ---------------------------------------------------------------------------------------------------------
// Patterns with policy variables

/** A compiled pattern: char codes, with STAR for a `*` wildcard and ONE for a `?` wildcard. */
type Tokens = GlobTokens;

export interface VariableOptions {
  /** Resolve `${key}` policy variables from this context (policies with Version 2012-10-17); else literal. */
  variables?: NormalizedContext;
}

/**
 * Compile a policy string: `*`/`?` become wildcards when `wildcards`, `${key}` is replaced by the context's
 * single value (or the `${key, 'default'}` default), `${*}` `${?}` `${$}` are the literal characters.
 * Without `options.variables` (a policy older than 2012-10-17) `${…}` is literal text.
 * Returns undefined when a variable cannot be resolved (key missing or multivalued, no default): AWS
 * documents that this "might cause the entire statement to be invalid", so such a value decides nothing —
 * it matches nothing, and it cannot prove a mismatch for NotResource or a negated operator either.
 */
export function compilePattern(s: string, wildcards: boolean, options: VariableOptions = {}): Tokens | undefined {
  const out: Tokens = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '$' && s[i + 1] === '{' && options.variables) {
      const end = s.indexOf('}', i + 2);
      if (end > 0) {
        const resolved = resolveVariable(s.slice(i + 2, end), options.variables);
        if (resolved === undefined) return undefined;
        for (let j = 0; j < resolved.length; j++) out.push(resolved.charCodeAt(j));
        i = end;
        continue;
      }
    }
    if (wildcards && c === '*') out.push(STAR);
    else if (wildcards && c === '?') out.push(ONE);
    else out.push(s.charCodeAt(i));
  }
  return out;
}

function resolveVariable(inner: string, ctx: NormalizedContext): string | undefined {
  if (inner === '*' || inner === '?' || inner === '$') return inner;
  const m = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner);
  if (!m) return undefined;
  const v = ctx.get(m[1].toLowerCase());
  if (v && !v.multi) return v.values[0];
  return m[2];
}

/** Substitute policy variables only (no wildcards), as text; undefined when a variable cannot be resolved. */
export function resolveText(s: string, options: VariableOptions): string | undefined {
  if (!options.variables || !s.includes('${')) return s;
  const tokens = compilePattern(s, false, options);
  return tokens && String.fromCharCode(...tokens);
}

/** Match a policy pattern (wildcards, variables) against a value: true, false, or undefined (unresolvable). */
export function patternMatches(pattern: string, value: string, options: VariableOptions = {}): boolean | undefined {
  const tokens = compilePattern(pattern, true, options);
  return tokens && matchTokens(tokens, value);
}

export { matchTokens };

// ---------------------------------------------------------------------------------------------------------
// Value types

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

/** ISO 8601 (UTC when no offset is given) or epoch seconds → milliseconds. */
export function parseDate(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^\d{4}-\d{2}(-\d{2})?([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i.test(t)) return undefined;
  let iso = t.replace(' ', 'T');
  if (iso.includes('T')) {
    const m = /^(.*T[\d:.]+)(Z|[+-]\d{2}(:?\d{2})?)?$/i.exec(iso)!;
    let [, dateTime, zone = 'Z'] = m;
    // Date.parse wants hh:mm at least, and ±hh:mm offsets.
    if (/T\d{2}$/.test(dateTime)) dateTime += ':00';
    if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
    else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
    iso = dateTime + zone;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

interface Cidr {
  v6: boolean;
  addr: bigint;
  bits: number;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const b = Number(p);
    if (b > 255) return undefined;
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

function parseIPv6(s: string): bigint | undefined {
  if (!s.includes(':') || !/^[0-9a-f:.]+$/i.test(s)) return undefined;
  let tail: number[] = [];
  if (s.includes('.')) {
    // An embedded IPv4 address in the last 32 bits (::ffff:192.0.2.1).
    const lastColon = s.lastIndexOf(':');
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  for (const g of [...head, ...rest]) if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
  const total = head.length + rest.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups: number[] = head.map((g) => parseInt(g, 16));
  if (halves.length === 2) for (let i = 0; i < 8 - total; i++) groups.push(0);
  groups.push(...rest.map((g) => parseInt(g, 16)), ...tail);
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

export function parseIp(s: string): { v6: boolean; addr: bigint } | undefined {
  const t = s.trim();
  const v4 = parseIPv4(t);
  if (v4 !== undefined) return { v6: false, addr: v4 };
  const v6 = parseIPv6(t);
  return v6 !== undefined ? { v6: true, addr: v6 } : undefined;
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(s: string): Cidr | undefined {
  const t = s.trim();
  const slash = t.indexOf('/');
  const ip = parseIp(slash >= 0 ? t.slice(0, slash) : t);
  if (!ip) return undefined;
  const max = ip.v6 ? 128 : 32;
  let bits = max;
  if (slash >= 0) {
    const b = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return undefined;
    bits = Number(b);
  }
  return { v6: ip.v6, addr: ip.addr, bits };
}

function inCidr(cidr: Cidr, ip: { v6: boolean; addr: bigint }): boolean {
  if (cidr.v6 !== ip.v6) return false;
  const width = BigInt(cidr.v6 ? 128 : 32);
  const shift = width - BigInt(cidr.bits);
  return ip.addr >> shift === cidr.addr >> shift;
}

// ---------------------------------------------------------------------------------------------------------
// Operators

/** How one (positive) operator compares a single request value against a single policy value. */
interface OperatorDef {
  /** Name of the positive operator this one negates, if negated. */
  negates?: string;
  /** Is the request value of the right type? A value of the wrong type fails the clause, negated or not. */
  accepts?: (requestValue: string) => boolean;
  /** true/false, or undefined when the policy value holds a variable the request cannot resolve. */
  compare?: (policyValue: string, requestValue: string, options: VariableOptions) => boolean | undefined;
}

const num = (cmp: (p: number, r: number) => boolean): OperatorDef => ({
  accepts: (r) => parseNumber(r) !== undefined,
  compare: (p, r) => {
    const a = parseNumber(p);
    const b = parseNumber(r);
    return a !== undefined && b !== undefined && cmp(a, b);
  },
});
const date = (cmp: (p: number, r: number) => boolean): OperatorDef => ({
  accepts: (r) => parseDate(r) !== undefined,
  compare: (p, r) => {
    const a = parseDate(p);
    const b = parseDate(r);
    return a !== undefined && b !== undefined && cmp(a, b);
  },
});
const mapText = (v: string | undefined, f: (v: string) => boolean): boolean | undefined => (v === undefined ? undefined : f(v));
const binary = (s: string) => s.replace(/\s+/g, '').replace(/=+$/, '');

const OPERATORS: Record<string, OperatorDef> = {
  StringEquals: { compare: (p, r, o) => mapText(resolveText(p, o), (v) => v === r) },
  StringNotEquals: { negates: 'StringEquals' },
  StringEqualsIgnoreCase: { compare: (p, r, o) => mapText(resolveText(p, o), (v) => v.toLowerCase() === r.toLowerCase()) },
  StringNotEqualsIgnoreCase: { negates: 'StringEqualsIgnoreCase' },
  StringLike: { compare: (p, r, o) => patternMatches(p, r, o) },
  StringNotLike: { negates: 'StringLike' },
  NumericEquals: num((p, r) => r === p),
  NumericNotEquals: { negates: 'NumericEquals' },
  NumericLessThan: num((p, r) => r < p),
  NumericLessThanEquals: num((p, r) => r <= p),
  NumericGreaterThan: num((p, r) => r > p),
  NumericGreaterThanEquals: num((p, r) => r >= p),
  DateEquals: date((p, r) => r === p),
  DateNotEquals: { negates: 'DateEquals' },
  DateLessThan: date((p, r) => r < p),
  DateLessThanEquals: date((p, r) => r <= p),
  DateGreaterThan: date((p, r) => r > p),
  DateGreaterThanEquals: date((p, r) => r >= p),
  Bool: {
    accepts: (r) => /^(true|false)$/i.test(r.trim()),
    compare: (p, r, o) =>
      mapText(resolveText(p, o), (t) => {
        const v = t.trim().toLowerCase();
        return (v === 'true' || v === 'false') && v === r.trim().toLowerCase();
      }),
  },
  BinaryEquals: { compare: (p, r) => binary(p) === binary(r) },
  IpAddress: {
    accepts: (r) => parseIp(r) !== undefined,
    compare: (p, r) => {
      const c = parseCidr(p);
      const ip = parseIp(r);
      return !!c && !!ip && inCidr(c, ip);
    },
  },
  NotIpAddress: { negates: 'IpAddress' },
  ArnLike: { compare: (p, r, o) => arnLikeResolved(p, r, o) },
  ArnEquals: { compare: (p, r, o) => arnLikeResolved(p, r, o) },
  ArnNotLike: { negates: 'ArnLike' },
  ArnNotEquals: { negates: 'ArnEquals' },
};

/** ArnLike with policy variables resolved inside each component; undefined when one cannot be resolved. */
function arnLikeResolved(pattern: string, arn: string, options: VariableOptions): boolean | undefined {
  if (!options.variables || !pattern.includes('${')) return arnLike(pattern, arn);
  // Split the pattern into its six components first, without splitting inside ${aws:…} variables, so a
  // resolved value cannot shift the components.
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '$' && pattern[i + 1] === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === ':' && depth === 0 && parts.length < 5) {
      parts.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(pattern.slice(start));
  const a = parseArn(arn);
  if (parts.length < 6 || parts[0] !== 'arn' || !a) return false;
  const requestParts = ['arn', a.partition, a.service, a.region, a.account, a.resource];
  let result: boolean | undefined = true;
  for (let i = 0; i < 6; i++) {
    const m = patternMatches(parts[i], requestParts[i], options);
    if (m === undefined) return undefined;
    if (!m) result = false;
  }
  return result;
}

const isNegated = (base: string) => OPERATORS[base]?.negates !== undefined;

/**
 * Does one request value pass the operator against the policy values? Positive operators: any policy value
 * matches (OR). Negated operators: no policy value matches (NOR) — and every policy value must be decidable,
 * since a value with an unresolvable variable cannot prove a mismatch.
 */
function valuePasses(base: string, policyValues: string[], requestValue: string, options: VariableOptions): boolean {
  const def = OPERATORS[base];
  const positive = def.negates ? OPERATORS[def.negates] : def;
  if (positive.accepts && !positive.accepts(requestValue)) return false;
  let any = false;
  let undecided = false;
  for (const p of policyValues) {
    const m = positive.compare!(p, requestValue, options);
    if (m === true) any = true;
    else if (m === undefined) undecided = true;
  }
  return def.negates ? !any && !undecided : any;
}

export interface ClauseResult {
  holds: boolean;
  /** Why, in words: `aws:SecureTransport is "false"`, `s3:prefix is missing`… */
  reason: string;
}

/**
 * A clause result whose reason is put into words only when read: most clauses are evaluated to decide,
 * and only the deciding one is ever explained (in the user's language, which costs a bundle lookup).
 */
function result(holds: boolean, reason: () => string): ClauseResult {
  return { holds, get reason() { return reason(); } };
}

/** Evaluate one clause against a normalized context. */
export function evaluateClause(clause: ConditionClause, context: NormalizedContext, options: VariableOptions = {}): ClauseResult {
  const op = parseConditionOperator(clause.operator);
  const policyValues = clause.values.map(scalarString);
  const key = clause.key;
  if (!op.known) return result(false, () => l10n.t('{0} is not a condition operator', clause.operator));
  const entry = context.get(key.toLowerCase());
  const shown = () => entry ? (entry.multi ? JSON.stringify(entry.values) : JSON.stringify(entry.values[0])) : '';
  if (op.base === 'Null') {
    const want = entry ? 'false' : 'true';
    const holds = policyValues.some((v) => v.trim().toLowerCase() === want);
    return result(holds, () => entry ? l10n.t('{0} is present', key) : l10n.t('{0} is missing', key));
  }
  if (!entry) {
    if (op.ifExists) return result(true, () => l10n.t('{0} is missing and the operator is …IfExists', key));
    if (op.setOperator === 'ForAllValues') return result(true, () => l10n.t('{0} is missing (ForAllValues holds on an empty set)', key));
    if (op.setOperator === 'ForAnyValue') return result(false, () => l10n.t('{0} is missing (ForAnyValue fails on an empty set)', key));
    if (isNegated(op.base)) return result(true, () => l10n.t('{0} is missing and {1} holds on a missing key', key, op.base));
    return result(false, () => l10n.t('{0} is missing from the request', key));
  }
  if (op.setOperator) {
    const passes = entry.values.map((v) => valuePasses(op.base, policyValues, v, options));
    const holds = op.setOperator === 'ForAllValues' ? passes.every(Boolean) : passes.some(Boolean);
    return result(holds, () => l10n.t('{0} is {1}', key, shown()));
  }
  if (entry.multi) return result(false, () => l10n.t('{0} is multivalued ({1}) and {2} has no ForAllValues:/ForAnyValue: prefix', key, shown(), clause.operator));
  return result(valuePasses(op.base, policyValues, entry.values[0], options), () => l10n.t('{0} is {1}', key, shown()));
}

/** All clauses hold (AND). Returns the first failing clause, if any. */
export function firstFailingClause(
  clauses: readonly ConditionClause[],
  context: NormalizedContext,
  options: VariableOptions = {},
): { clause: ConditionClause; result: ClauseResult } | undefined {
  for (const clause of clauses) {
    const result = evaluateClause(clause, context, options);
    if (!result.holds) return { clause, result };
  }
  return undefined;
}

/** Convenience: evaluate clauses against a raw context. */
export function conditionsHold(clauses: readonly ConditionClause[], context: ConditionContext | undefined, options: { variables?: boolean } = {}): boolean {
  const ctx = normalizeContext(context);
  return firstFailingClause(clauses, ctx, { variables: options.variables === false ? undefined : ctx }) === undefined;
}
