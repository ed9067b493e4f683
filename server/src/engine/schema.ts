/**
 * A small JSON Schema (draft-07 subset) validator and navigator that works directly on jsonc-parser's
 * tree, so that diagnostics carry exact ranges and the document is never re-parsed. It reads only the
 * keywords our schemas use (see schemas/README.md), plus two of ours: `x-pipewright-secret` (the value
 * must be a secret reference) and `x-pipewright-complete` (what completion offers).
 */
import type { Node } from 'jsonc-parser';
import { finding, type Finding, type Fix } from './diagnostics';
import { didYouMean, innerRange, keyOf, objectProp, quote } from './json';
import * as l10n from './l10n';
import { typeMessage } from './schema-types';

export interface JSONSchema {
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  markdownDescription?: string;
  type?: string | string[];
  properties?: Record<string, JSONSchema>;
  required?: string[];
  additionalProperties?: boolean | JSONSchema;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JSONSchema;
  minItems?: number;
  uniqueItems?: boolean;
  oneOf?: JSONSchema[];
  anyOf?: JSONSchema[];
  definitions?: Record<string, JSONSchema>;
  default?: unknown;
  examples?: unknown[];
  'x-pipewright-secret'?: boolean;
  'x-pipewright-complete'?: string;
}

export const SECRET_REFERENCE = /^\$\{(env|secret):[A-Za-z_][A-Za-z0-9_.-]*\}$/;

type Selection = { schema: JSONSchema; findings?: Finding[] } | { error: Finding };

export class SchemaValidator {
  private readonly patterns = new Map<string, RegExp>();

  constructor(readonly root: JSONSchema) {}

  private readonly merged = new WeakMap<JSONSchema, JSONSchema>();

  /** Follow `$ref`s. A referencing schema's own description (more specific than the shared one) is kept. */
  deref(s: JSONSchema | undefined): JSONSchema | undefined {
    if (!s?.$ref) return s;
    const hit = this.merged.get(s);
    if (hit) return hit;
    let cur: JSONSchema | undefined = s;
    for (let i = 0; cur?.$ref && i < 32; i++) {
      const m = /^#\/definitions\/(.+)$/.exec(cur.$ref);
      cur = m ? this.root.definitions?.[m[1]] : undefined;
    }
    if (!cur) return undefined;
    const out: JSONSchema = s.description || s.markdownDescription ? { ...cur, description: s.description ?? cur.description, markdownDescription: s.markdownDescription ?? (s.description ? undefined : cur.markdownDescription) } : cur;
    this.merged.set(s, out);
    return out;
  }

  validate(node: Node | undefined, out: Finding[]): void {
    if (node) this.check(node, this.root, out);
  }

  private check(node: Node, schema: JSONSchema, out: Finding[]): void {
    const s = this.deref(schema);
    if (!s) return;
    if (!this.checkType(node, s, out)) return;
    const branches = s.oneOf ?? s.anyOf;
    if (branches) {
      const sel = this.select(node, branches);
      if ('error' in sel) {
        out.push(sel.error);
        return;
      }
      // A branch chosen by trial was already checked: reuse its findings instead of checking twice.
      if (sel.findings) out.push(...sel.findings);
      else this.check(node, sel.schema, out);
    }
    switch (node.type) {
      case 'string':
        this.checkString(node, s, out);
        break;
      case 'number':
        this.checkNumber(node, s, out);
        break;
      case 'object':
        this.checkObject(node, s, out);
        break;
      case 'array':
        this.checkArray(node, s, out);
        break;
    }
    if (s.const !== undefined || s.enum) this.checkEnum(node, s, out);
  }

  private checkType(node: Node, s: JSONSchema, out: Finding[]): boolean {
    if (!s.type) return true;
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.some((t) => typeMatches(node, t))) return true;
    out.push(finding('schema-type', typeMessage(node, types), node.offset, node.offset + node.length));
    return false;
  }

  /** Pick the branch of a oneOf/anyOf that applies: by type, then by a `const` discriminator, then by fewest errors. */
  select(node: Node, branches: JSONSchema[]): Selection {
    const resolved = branches.map((b) => this.deref(b)).filter((b): b is JSONSchema => !!b);
    let typed = resolved.filter((b) => !b.type || (Array.isArray(b.type) ? b.type : [b.type]).some((t) => typeMatches(node, t)));
    if (typed.length === 0) {
      const names = [...new Set(resolved.flatMap((b) => (Array.isArray(b.type) ? b.type : b.type ? [b.type] : [])))];
      return { error: finding('schema-type', typeMessage(node, names), node.offset, node.offset + node.length) };
    }
    if (typed.length === 1) return { schema: typed[0] };
    if (node.type === 'object') {
      const disc = this.discriminator(typed);
      if (disc) {
        const valueNode = objectProp(node, disc.key);
        if (!valueNode) {
          return { error: finding('schema-required', l10n.t('Missing required property "{0}": one of {1}.', disc.key, disc.values.map((v) => quote(String(v))).join(', ')), node.offset, node.offset + 1) };
        }
        const i = disc.values.findIndex((v) => v === valueNode.value);
        if (i >= 0) return { schema: disc.branches[i] };
        const suggestion = typeof valueNode.value === 'string' ? didYouMean(valueNode.value, disc.values.map(String)) : undefined;
        return {
          error: finding(
            'schema-enum',
            l10n.sentences(
              l10n.t('Unknown {0} {1}: use one of {2}.', disc.key, JSON.stringify(valueNode.value), disc.values.map((v) => quote(String(v))).join(', ')),
              suggestion && l10n.t('Did you mean "{0}"?', suggestion),
            ),
            valueNode.offset,
            valueNode.offset + valueNode.length,
            suggestion ? [replaceFix(valueNode, suggestion)] : undefined,
          ),
        };
      }
    }
    if (node.type === 'object') {
      // Branches that differ by `required` (Action or NotAction…): keep those whose required
      // properties are all present, which usually leaves one and spares a trial run of each.
      const keys = new Set((node.children ?? []).map((p) => p.children?.[0]?.value as string));
      const satisfied = typed.filter((b) => !b.required || b.required.every((r) => keys.has(r)));
      if (satisfied.length === 1) return { schema: satisfied[0] };
      if (satisfied.length > 1) typed = satisfied;
    }
    let best: JSONSchema = typed[0];
    let bestFindings: Finding[] | undefined;
    for (const b of typed) {
      const tmp: Finding[] = [];
      this.check(node, b, tmp);
      if (!bestFindings || tmp.length < bestFindings.length) {
        best = b;
        bestFindings = tmp;
        if (!tmp.length) break;
      }
    }
    return { schema: best, findings: bestFindings };
  }

  private discriminator(branches: JSONSchema[]): { key: string; values: unknown[]; branches: JSONSchema[] } | undefined {
    const first = branches[0].properties;
    if (!first) return undefined;
    for (const key of Object.keys(first)) {
      const values: unknown[] = [];
      for (const b of branches) {
        const c = this.deref(b.properties?.[key])?.const;
        if (c === undefined) break;
        values.push(c);
      }
      if (values.length === branches.length) return { key, values, branches };
    }
    return undefined;
  }

  private checkString(node: Node, s: JSONSchema, out: Finding[]): void {
    const value = node.value as string;
    const key = keyOf(node) ?? 'value';
    if (s['x-pipewright-secret']) {
      if (!SECRET_REFERENCE.test(value)) {
        // Never echo the value: it may be the secret itself.
        const reference = `\${secret:${suggestSecretName(key)}}`;
        out.push(
          finding('literal-secret', l10n.t('"{0}" must be a secret reference such as {1} or ${env:NAME}, not a literal value: move the secret out of the file and rotate it if it was ever committed.', key, reference), node.offset, node.offset + node.length, [
            { title: l10n.t('Replace with {0}', reference), edits: [{ start: node.offset, end: node.offset + node.length, newText: quote(reference) }] },
          ]),
        );
      }
      return;
    }
    if (s.minLength !== undefined && value.length < s.minLength) {
      out.push(finding('schema-length', s.minLength === 1 ? l10n.t('"{0}" must not be empty.', key) : l10n.t('"{0}" must be at least {1} characters long.', key, s.minLength), node.offset, node.offset + node.length));
    } else if (s.maxLength !== undefined && value.length > s.maxLength) {
      out.push(finding('schema-length', l10n.t('"{0}" must be at most {1} characters long.', key, s.maxLength), node.offset, node.offset + node.length));
    }
    if (s.pattern && !this.regex(s.pattern).test(value)) {
      // The schema's description stays English (the schemas are not translated); the sentence around it is.
      const shown = JSON.stringify(value).slice(0, 80);
      out.push(finding('schema-pattern', s.description ? l10n.t('{0} is not a valid "{1}": {2}', shown, key, firstSentence(s.description)) : l10n.t('{0} is not a valid "{1}".', shown, key), node.offset, node.offset + node.length));
    }
  }

  private checkNumber(node: Node, s: JSONSchema, out: Finding[]): void {
    const v = node.value as number;
    const key = keyOf(node) ?? 'value';
    if (s.minimum !== undefined && v < s.minimum) out.push(finding('schema-range', l10n.t('"{0}" must be at least {1}.', key, s.minimum), node.offset, node.offset + node.length));
    if (s.maximum !== undefined && v > s.maximum) out.push(finding('schema-range', l10n.t('"{0}" must be at most {1}.', key, s.maximum), node.offset, node.offset + node.length));
  }

  private checkEnum(node: Node, s: JSONSchema, out: Finding[]): void {
    const allowed = s.const !== undefined ? [s.const] : s.enum!;
    if (allowed.some((a) => a === node.value && (typeof a === 'object' ? false : true))) return;
    if (node.type === 'object' || node.type === 'array') return;
    const key = keyOf(node) ?? 'value';
    const strings = allowed.filter((a): a is string => typeof a === 'string');
    const suggestion = typeof node.value === 'string' ? didYouMean(node.value, strings) : undefined;
    const list = allowed.length <= 12 && l10n.t('Allowed: {0}.', allowed.map((a) => JSON.stringify(a)).join(', '));
    out.push(
      finding('schema-enum', l10n.sentences(l10n.t('{0} is not allowed for "{1}".', JSON.stringify(node.value), key), suggestion && l10n.t('Did you mean "{0}"?', suggestion), list), node.offset, node.offset + node.length, suggestion ? [replaceFix(node, suggestion)] : undefined),
    );
  }

  private checkObject(node: Node, s: JSONSchema, out: Finding[]): void {
    const props = s.properties ?? {};
    const present = new Set<string>();
    for (const p of node.children ?? []) {
      const keyNode = p.children?.[0];
      if (!keyNode) continue;
      const key = keyNode.value as string;
      present.add(key);
      const valueNode = p.children?.[1];
      const ps = props[key];
      if (ps) {
        if (valueNode) this.check(valueNode, ps, out);
      } else if (key === '$schema') {
        continue;
      } else if (s.additionalProperties === false) {
        const known = Object.keys(props);
        const suggestion = didYouMean(key, known.filter((k) => !present.has(k) && !objectProp(node, k)));
        const [a, b] = innerRange(keyNode);
        out.push(
          finding(
            'schema-unknown-property',
            l10n.sentences(
              l10n.t('Property "{0}" is not allowed here.', key),
              suggestion ? l10n.t('Did you mean "{0}"?', suggestion) : known.length > 0 && l10n.t('Known properties: {0}.', known.join(', ')),
            ),
            keyNode.offset,
            keyNode.offset + keyNode.length,
            suggestion ? [{ title: l10n.t('Rename to "{0}"', suggestion), edits: [{ start: a, end: b, newText: suggestion }], preferred: true }] : undefined,
          ),
        );
      } else if (typeof s.additionalProperties === 'object' && valueNode) {
        this.check(valueNode, s.additionalProperties, out);
      }
    }
    for (const r of s.required ?? []) {
      if (present.has(r)) continue;
      const d = this.deref(props[r])?.description;
      const anchor = anchorOf(node);
      out.push(finding('schema-required', d ? l10n.t('Missing required property "{0}": {1}', r, firstSentence(d)) : l10n.t('Missing required property "{0}".', r), anchor[0], anchor[1]));
    }
  }

  private checkArray(node: Node, s: JSONSchema, out: Finding[]): void {
    const items = node.children ?? [];
    const key = keyOf(node) ?? 'array';
    if (s.minItems !== undefined && items.length < s.minItems) {
      out.push(finding('schema-length', s.minItems === 1 ? l10n.t('"{0}" needs at least 1 item.', key) : l10n.t('"{0}" needs at least {1} items.', key, s.minItems), node.offset, node.offset + node.length));
    }
    if (s.items) for (const item of items) this.check(item, s.items, out);
    if (s.uniqueItems) {
      const seen = new Set<unknown>();
      for (const item of items) {
        if (item.type === 'object' || item.type === 'array') continue;
        const k = `${item.type}:${String(item.value)}`;
        if (seen.has(k)) out.push(finding('schema-unique', l10n.t('{0} appears twice in "{1}": remove the repeat.', JSON.stringify(item.value), key), item.offset, item.offset + item.length));
        seen.add(k);
      }
    }
  }

  private regex(pattern: string): RegExp {
    let r = this.patterns.get(pattern);
    if (!r) {
      try {
        r = new RegExp(pattern, 'u');
      } catch {
        r = /[\s\S]*/;
      }
      this.patterns.set(pattern, r);
    }
    return r;
  }

  /**
   * The schemas that apply at a JSON path, choosing oneOf/anyOf branches with the document's own
   * values where they decide it (used by completion and hover).
   */
  schemasAt(root: Node | undefined, path: Array<string | number>): JSONSchema[] {
    let current: JSONSchema[] = [this.root];
    let node: Node | undefined = root;
    for (const seg of path) {
      const next: JSONSchema[] = [];
      for (const s of this.expand(current, node)) {
        if (typeof seg === 'number') {
          if (s.items) next.push(s.items);
        } else if (s.properties?.[seg]) {
          next.push(s.properties[seg]);
        } else if (typeof s.additionalProperties === 'object') {
          next.push(s.additionalProperties);
        }
      }
      current = next;
      if (!current.length) return [];
      node = node ? (typeof seg === 'number' ? node.children?.[seg] : objectProp(node, seg)) : undefined;
    }
    return this.expand(current, node);
  }

  /** Resolve refs and branch into the alternatives that fit `node` (all of them when it is unknown). */
  expand(schemas: JSONSchema[], node: Node | undefined): JSONSchema[] {
    const out: JSONSchema[] = [];
    const stack = [...schemas].reverse();
    let guard = 0;
    while (stack.length && guard++ < 256) {
      const s = this.deref(stack.pop());
      if (!s) continue;
      out.push(s);
      const branches = s.oneOf ?? s.anyOf;
      if (!branches) continue;
      if (node) {
        const sel = this.select(node, branches);
        if ('schema' in sel) {
          stack.push(sel.schema);
          continue;
        }
      }
      for (let i = branches.length - 1; i >= 0; i--) stack.push(branches[i]);
    }
    return out;
  }
}

function typeMatches(node: Node, t: string): boolean {
  switch (t) {
    case 'integer':
      return node.type === 'number' && Number.isInteger(node.value);
    case 'number':
    case 'string':
    case 'boolean':
    case 'object':
    case 'array':
    case 'null':
      return node.type === t;
    default:
      return true;
  }
}

export function firstSentence(s: string): string {
  const m = /^(.*?[.!?])(\s|$)/.exec(s);
  return m ? m[1] : s.endsWith('.') ? s : `${s}.`;
}

/** Where to put a finding about a whole object: on its property key when it has one, else its `{`. */
export function anchorOf(node: Node): [number, number] {
  const p = node.parent;
  if (p?.type === 'property' && p.children?.[0]) return [p.children[0].offset, p.children[0].offset + p.children[0].length];
  return [node.offset, node.offset + 1];
}

export function replaceFix(node: Node, value: string): Fix {
  return { title: l10n.t('Change to "{0}"', value), edits: [{ start: node.offset, end: node.offset + node.length, newText: quote(value) }], preferred: true };
}

function suggestSecretName(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
