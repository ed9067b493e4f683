/**
 * Stripe's request encoding, as the Stripe API reads it: `application/x-www-form-urlencoded` bodies and query
 * strings with bracket notation for nesting — `metadata[order_id]=42`, `recurring[interval]=month`,
 * `a[b][c]=v`, lists as `expand[0]=x&expand[1]=y` (what the SDK sends) or `expand[]=x`. Every value arrives as a
 * string; the endpoint decides what it means (see stripe-api-objects.ts).
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type Form = { [key: string]: FormValue };

/** A malformed parameter: answered as Stripe does, 400 invalid_request_error naming the parameter. */
export class FormError extends Error {
  constructor(message: string, readonly param: string) {
    super(message);
  }
}

/** `a[b][0]` → ['a', 'b', '0']; `a[]` → ['a', ''] (append). */
function pathOf(key: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) throw new FormError(`Invalid parameter name: ${key}`, key);
  const parts = [m[1]];
  for (const b of m[2].matchAll(/\[([^[\]]*)\]/g)) parts.push(b[1]);
  return parts;
}

const plus = (s: string) => s.replace(/\+/g, ' ');

/** Decodes a form body or a query string (without its `?`). Later duplicates of a plain key win, as in Stripe. */
export function decodeForm(text: string): Form {
  const root: Form = {};
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(plus(eq < 0 ? pair : pair.slice(0, eq)));
      value = eq < 0 ? '' : decodeURIComponent(plus(pair.slice(eq + 1)));
    } catch {
      throw new FormError(`Invalid percent-encoding in ${pair.slice(0, 60)}`, pair.slice(0, 60));
    }
    const path = pathOf(key);
    let node: Record<string, FormValue> = root;
    for (let i = 0; i < path.length; i++) {
      let part = path[i];
      // `a[]`: the next free index of the list being built.
      if (part === '') part = String(Object.keys(node).length);
      if (i === path.length - 1) {
        if (typeof node[part] === 'object') throw new FormError(`Invalid ${path[0]}: a value and nested parameters under one name`, key);
        node[part] = value;
        break;
      }
      const next = node[part];
      if (next === undefined) node[part] = {};
      else if (typeof next === 'string') throw new FormError(`Invalid ${path[0]}: a value and nested parameters under one name`, key);
      node = node[part] as Record<string, FormValue>;
    }
  }
  return listsOf(root) as Form;
}

/** Objects whose keys are exactly 0..n-1 become lists (the SDK's `expand[0]`, `preferred_locales[1]` …). */
function listsOf(v: FormValue): FormValue {
  if (typeof v === 'string' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  for (const k of keys) v[k] = listsOf(v[k]);
  if (keys.length && keys.every((k, i) => k === String(i))) return keys.map((k) => v[k]);
  return v;
}

/** The same parameters give the same text whatever order they came in (idempotency compares parameters). */
export function canonicalForm(v: FormValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalForm).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalForm(v[k])}`).join(',')}}`;
}
