/**
 * complete(doc, offset, project): property names and values from the schemas (with their docs), and
 * the value sets Pipewright knows: AWS regions, IAM actions, Stripe resource paths, workspace files, secret references.
 */
import type { Node } from 'jsonc-parser';
import { locate } from './location';
import { dirname, relative } from 'node:path';
import type { ParsedDocument } from './parse';
import type { Project } from './project';
import { validatorFor } from './schemas';
import type { JSONSchema } from './schema';
import { propAt, quote } from './json';
import { AWS_REGIONS } from '../data/regions';
import { IAM_ACTIONS, IAM_SERVICES } from '../data/iam';
import { AEP_RESOURCE_PATHS } from '../data/aep';
import { STRIPE_OBJECTS } from '../data/stripe-objects';
import { fileKindFromName } from './kinds';
import { aepCompletions } from './aep/complete';
import * as l10n from './l10n';

export type CompletionKind = 'property' | 'value' | 'enum' | 'file' | 'reference' | 'snippet' | 'module';

export interface Completion {
  label: string;
  kind: CompletionKind;
  /** Text to insert; a snippet (with $1 tab stops) when `snippet` is true. */
  insertText: string;
  snippet?: boolean;
  /** The range the insert replaces (offsets). */
  replace: [number, number];
  detail?: string;
  documentation?: string;
  filterText?: string;
  sortText?: string;
}

export function complete(doc: ParsedDocument, offset: number, project?: Project): Completion[] {
  const validator = validatorFor(doc);
  if (!validator) return [];
  const loc = locate(doc.root, doc.text, offset);
  const prev = loc.previousNode;
  if (loc.isAtPropertyKey) {
    const objectPath = loc.path.slice(0, -1);
    const objectNode = nodeAtPath(doc.root, objectPath);
    const present = new Set((objectNode?.children ?? []).map((p) => p.children?.[0]?.value as string));
    const range: [number, number] = prev && prev.type === 'property' ? [prev.offset, prev.offset + prev.length] : prev?.type === 'string' ? [prev.offset, prev.offset + prev.length] : [offset, offset];
    const current = prev?.type === 'string' ? (prev.value as string) : undefined;
    if (current !== undefined) present.delete(current);
    const out: Completion[] = [];
    const seen = new Set<string>();
    for (const s of validator.schemasAt(doc.root, objectPath)) {
      for (const [name, ps0] of Object.entries(s.properties ?? {})) {
        if (present.has(name) || seen.has(name)) continue;
        seen.add(name);
        const ps = validator.deref(ps0) ?? {};
        const required = s.required?.includes(name);
        out.push({
          label: name,
          kind: 'property',
          insertText: `${quote(name)}: ${valueSnippet(ps, validator.expand([ps], undefined))}`,
          snippet: true,
          replace: range,
          filterText: quote(name),
          detail: required ? l10n.t('required') : undefined,
          documentation: docOf(ps),
          sortText: `${required ? '0' : '1'}${name}`,
        });
      }
    }
    return out;
  }
  // A value position: the string/number under the cursor is replaced whole.
  const range: [number, number] = prev && prev.type !== 'property' && prev.type !== 'object' && prev.type !== 'array' ? [prev.offset, prev.offset + prev.length] : [offset, offset];
  const schemas = validator.schemasAt(doc.root, loc.path);
  const out: Completion[] = [];
  const seen = new Set<string>();
  const push = (c: Completion) => {
    if (seen.has(c.label)) return;
    seen.add(c.label);
    out.push(c);
  };
  for (const s of schemas) {
    const values = s.const !== undefined ? [s.const] : s.enum ?? [];
    for (const v of values) push({ label: labelOf(v), kind: 'enum', insertText: JSON.stringify(v), filterText: JSON.stringify(v), replace: range, documentation: docOf(s) });
    if (s.default !== undefined && typeof s.default !== 'object') push({ label: labelOf(s.default), kind: 'value', insertText: JSON.stringify(s.default), filterText: JSON.stringify(s.default), replace: range, detail: l10n.t('default'), documentation: docOf(s) });
    if (s.type === 'boolean') for (const b of ['true', 'false']) push({ label: b, kind: 'value', insertText: b, replace: range });
    const special = s['x-pipewright-complete'];
    if (special?.startsWith('aep-')) for (const c of aepCompletions(special, doc, offset, range, project)) push(c);
    else if (special) for (const c of specialValues(special, doc, range, project)) push(c);
    if (s['x-pipewright-secret']) for (const c of specialValues('secret-ref', doc, range, project)) push(c);
  }
  return out;
}

function specialValues(kind: string, doc: ParsedDocument, range: [number, number], project?: Project): Completion[] {
  switch (kind) {
    case 'region':
      return Object.entries(AWS_REGIONS).map(([code, name]) => ({ label: code, kind: 'enum', insertText: quote(code), filterText: quote(code), replace: range, detail: name }));
    case 'iam-action':
      return [
        ...Object.entries(IAM_SERVICES).map(([svc, name]) => ({ label: `${svc}:*`, kind: 'module' as const, insertText: quote(`${svc}:*`), filterText: quote(`${svc}:*`), replace: range, detail: l10n.t('Every {0} action', name), documentation: l10n.t('Grants every action of the service: prefer the exact actions the integration needs (least privilege).'), sortText: `~${svc}` })),
        ...IAM_ACTIONS.map((a) => ({
          label: a.id,
          kind: 'value' as const,
          insertText: quote(a.id),
          filterText: quote(a.id),
          replace: range,
          detail: `${a.accessLevel}${a.resourceTypes.length ? ` — ${a.resourceTypes.join(', ')}` : ''}`,
          documentation: `${a.description}\n\n${l10n.t('Access level: {0}. Resource types: {1}.', a.accessLevel, a.resourceTypes.join(', ') || '*')}`,
        })),
      ];
    case 'stripe-field': {
      // The fields of the template's own object (its "object"), then a metadata key to fill in.
      const object = doc.root?.type === 'object' ? doc.root.children?.find((p) => p.children?.[0]?.value === 'object')?.children?.[1]?.value : undefined;
      const schema = typeof object === 'string' ? STRIPE_OBJECTS[object] : undefined;
      if (!schema) return [];
      return [
        ...Object.entries(schema.fields).map(([path, f]) => ({
          label: path,
          kind: 'value' as const,
          insertText: quote(path),
          filterText: quote(path),
          replace: range,
          detail: `${f.type}${f.values ? `: ${f.values.join(' | ')}` : ''}${f.createOnly ? ` — ${l10n.t('set on create only')}` : ''}`,
          documentation: `${f.description}\n\n${schema.docs}`,
        })),
        { label: 'metadata.…', kind: 'reference', insertText: '"metadata.${1:external_id}"', snippet: true, filterText: '"metadata.', replace: range, documentation: l10n.t('Your own key on the {0} (a string); as the template\'s key it is how an import into Stripe finds the {0} again.', schema.object), sortText: '~metadata' },
      ];
    }
    case 'resource-path':
      return Object.entries(AEP_RESOURCE_PATHS).map(([p, d]) => ({ label: p, kind: 'enum', insertText: quote(p), filterText: quote(p), replace: range, documentation: d }));
    case 'secret-ref':
      return [
        { label: '${secret:…}', kind: 'reference', insertText: '"\\${secret:${1:name}}"', snippet: true, filterText: '"${secret:', replace: range, documentation: l10n.t('A secret kept in the editor’s secret storage (CLI: the environment variable PIPEWRIGHT_SECRET_<NAME>).') },
        { label: '${env:…}', kind: 'reference', insertText: '"\\${env:${1:NAME}}"', snippet: true, filterText: '"${env:', replace: range, documentation: l10n.t('An environment variable read when the command runs.') },
      ];
    default:
      if (kind.startsWith('file:') && project) {
        const want = kind.slice(5);
        const base = dirname(doc.path);
        return project
          .knownPaths()
          .filter((p) => p !== doc.path && (want === 'aep' ? fileKindFromName(p) === 'aep' : fileKindFromName(p) === want))
          .map((p) => {
            const rel = relative(base, p).split('\\').join('/');
            return { label: rel, kind: 'file' as const, insertText: quote(rel), filterText: quote(rel), replace: range };
          });
      }
      return [];
  }
}

/** Strings are shown bare (the quotes are inserted anyway); other values as JSON. */
function labelOf(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function valueSnippet(s: JSONSchema, alternatives: JSONSchema[]): string {
  const type = Array.isArray(s.type) ? s.type[0] : s.type ?? alternatives.map((a) => (Array.isArray(a.type) ? a.type[0] : a.type)).find(Boolean);
  const def = s.default ?? (s.const !== undefined ? s.const : undefined);
  if (s.enum && s.enum.length <= 12 && s.enum.every((e) => typeof e === 'string')) return `"\${1|${(s.enum as string[]).map(escapeChoice).join(',')}|}"`;
  switch (type) {
    case 'string':
      return typeof def === 'string' ? `"\${1:${escapeSnippet(def)}}"` : '"$1"';
    case 'boolean':
      return `\${1|${def === true ? 'true,false' : 'false,true'}|}`;
    case 'integer':
    case 'number':
      return `\${1:${typeof def === 'number' ? def : 0}}`;
    case 'array':
      return '[$1]';
    case 'object':
      return '{$1}';
    default:
      return '$1';
  }
}

function escapeSnippet(s: string): string {
  return s.replace(/[$}\\]/g, (c) => `\\${c}`);
}

function escapeChoice(s: string): string {
  return s.replace(/[$}\\,|]/g, (c) => `\\${c}`);
}

export function docOf(s: JSONSchema | undefined): string | undefined {
  return s?.markdownDescription ?? s?.description;
}

function nodeAtPath(root: Node | undefined, path: Array<string | number>): Node | undefined {
  let cur = root;
  for (const seg of path) {
    if (!cur) return undefined;
    cur = typeof seg === 'number' ? cur.children?.[seg] : propAt(cur, [seg]);
  }
  return cur;
}
