/**
 * The fields a Stripe source connection offers to a mapping set, per resource path, in the shape Adobe's explore
 * endpoint answers (`{"format":"hierarchical","schema":{…"data":{…}}}`): each record carries the Stripe object under
 * `data`, so mapping sets name `data.id`, `data.amount`, `data.billing_details.address.city`.
 *
 * The shipped schemas are built from the export's column list (engine/export/tables.ts), the one description of the
 * six Stripe objects this code base keeps; a schema written next to the bodies by `pipewright aep explore` (what the
 * account really returns) takes precedence over them.
 */
import { TABLES, type ColumnType } from '../export/tables';
import { AEP_RESOURCE_PATHS } from '../../data/aep';

/** JSON types as the explore endpoint names them. */
export type SourceType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface SourceField {
  path: string;
  type: SourceType;
  description?: string;
}

export interface ExploreSchema {
  format: 'hierarchical';
  schema: JsonSchemaNode;
  data?: unknown[];
}

export interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

/** Lists and open-ended objects of the export columns, told apart for the explore types. */
const ARRAYS = new Set(['preferred_locales', 'fee_details']);

const TIMESTAMP_DOC = 'Unix time in seconds.';

function sourceTypeOf(name: string, t: ColumnType): SourceType {
  switch (t) {
    case 'int64':
    case 'timestamp':
      return 'integer';
    case 'double':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return ARRAYS.has(name) ? 'array' : 'object';
    default:
      return 'string';
  }
}

const shipped = new Map<string, ExploreSchema>();

/** The shipped explore schema of a resource path (undefined for a path the Stripe source does not offer). */
export function shippedExploreSchema(resourcePath: string): ExploreSchema | undefined {
  if (!AEP_RESOURCE_PATHS[resourcePath] || !TABLES[resourcePath]) return undefined;
  let s = shipped.get(resourcePath);
  if (s) return s;
  const data: JsonSchemaNode = { type: 'object', properties: {} };
  for (const c of TABLES[resourcePath]) {
    const parts = c.name.split('.');
    let cur = data;
    for (const p of parts.slice(0, -1)) cur = (cur.properties![p] ??= { type: 'object', properties: {} });
    const doc = c.type === 'timestamp' ? (c.doc ? `${c.doc}. ${TIMESTAMP_DOC}` : TIMESTAMP_DOC) : c.doc;
    cur.properties![parts[parts.length - 1]] = { type: sourceTypeOf(parts[parts.length - 1], c.type), ...(doc ? { description: doc } : {}) };
  }
  s = { format: 'hierarchical', schema: { type: 'object', properties: { data } } };
  shipped.set(resourcePath, s);
  return s;
}

const flatCache = new WeakMap<object, Map<string, SourceField>>();

/** Every mappable path of an explore schema (objects too: a whole object can be mapped to an XDM object). */
export function sourceFields(schema: ExploreSchema | JsonSchemaNode): Map<string, SourceField> {
  const hit = flatCache.get(schema);
  if (hit) return hit;
  const root = 'format' in schema && (schema as ExploreSchema).schema ? (schema as ExploreSchema).schema : (schema as JsonSchemaNode);
  const out = new Map<string, SourceField>();
  const walk = (node: JsonSchemaNode, prefix: string, depth: number) => {
    if (depth > 12) return;
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      if (!child || typeof child !== 'object') continue;
      const path = prefix ? `${prefix}.${name}` : name;
      const t = (Array.isArray(child.type) ? child.type.find((x) => x !== 'null') : child.type) ?? (child.properties ? 'object' : 'string');
      out.set(path, { path, type: (['string', 'integer', 'number', 'boolean', 'object', 'array'].includes(t) ? t : 'string') as SourceType, description: child.description });
      if (child.properties) walk(child, path, depth + 1);
    }
  };
  walk(root, '', 0);
  flatCache.set(schema, out);
  return out;
}

/** Whether a parsed JSON value looks like an explore answer (or a bare JSON schema of the records). */
export function asExploreSchema(value: unknown): ExploreSchema | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Partial<ExploreSchema> & JsonSchemaNode;
  if (v.schema && typeof v.schema === 'object') return { format: 'hierarchical', schema: v.schema, data: Array.isArray(v.data) ? v.data : undefined };
  if (v.properties && typeof v.properties === 'object') return { format: 'hierarchical', schema: v };
  return undefined;
}
