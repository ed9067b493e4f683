/**
 * A local copy of the target XDM schema, as Platform's Schema Registry returns it
 * (`GET /schemaregistry/tenant/schemas/{id}` with `Accept: application/vnd.adobe.xed-full-desc+json; version=1`:
 * references resolved, descriptors included). Flattened into dotted paths (`_acme.payments.amount`), each with its
 * JSON type, its XDM type (`meta:xdmType`: long, int, date-time …), docs, whether it is required and whether an
 * identity descriptor (`xdm:descriptorIdentity`) makes it identity-capable.
 */
export interface XdmField {
  path: string;
  /** JSON type: string, integer, number, boolean, object, array. */
  type: string;
  /** XDM type: string, long, int, short, byte, double, boolean, date, date-time, object, array, map. */
  xdmType: string;
  title?: string;
  description?: string;
  required: boolean;
  identity?: { namespace?: string; primary?: boolean };
  /** Offset of the field's key in the schema file, for go-to-definition (when the text was parsed). */
}

export interface XdmSchema {
  id?: string;
  title?: string;
  fields: Map<string, XdmField>;
}

interface Node {
  type?: string | string[];
  format?: string;
  title?: string;
  description?: string;
  'meta:xdmType'?: string;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
}

interface Descriptor {
  '@type'?: string;
  'xdm:sourceProperty'?: string;
  'xdm:namespace'?: string;
  'xdm:isPrimary'?: boolean;
}

function xdmTypeOf(n: Node, jsonType: string): string {
  if (typeof n['meta:xdmType'] === 'string') return n['meta:xdmType'];
  if (jsonType === 'string' && n.format === 'date-time') return 'date-time';
  if (jsonType === 'string' && n.format === 'date') return 'date';
  if (jsonType === 'integer') return 'long';
  if (jsonType === 'number') return 'double';
  return jsonType;
}

const cache = new WeakMap<object, XdmSchema>();

/** The schema's fields, or undefined when the value is not a schema (no `properties`). */
export function readXdmSchema(value: unknown): XdmSchema | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const hit = cache.get(value as object);
  if (hit) return hit;
  const root = value as Node & { $id?: string; 'meta:descriptors'?: Descriptor[]; descriptors?: Descriptor[] };
  if (!root.properties || typeof root.properties !== 'object') return undefined;
  const fields = new Map<string, XdmField>();
  const walk = (node: Node, prefix: string, requiredHere: boolean, depth: number) => {
    if (depth > 16) return;
    const req = new Set(Array.isArray(node.required) ? node.required : []);
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      if (!child || typeof child !== 'object') continue;
      const path = prefix ? `${prefix}.${name}` : name;
      const jsonType = (Array.isArray(child.type) ? child.type.find((t) => t !== 'null') : child.type) ?? (child.properties ? 'object' : 'string');
      fields.set(path, { path, type: jsonType, xdmType: xdmTypeOf(child, jsonType), title: child.title, description: child.description, required: requiredHere && req.has(name) });
      if (child.properties) walk(child, path, requiredHere && req.has(name), depth + 1);
    }
  };
  walk(root, '', true, 0);
  const descriptors = [...(Array.isArray(root['meta:descriptors']) ? root['meta:descriptors'] : []), ...(Array.isArray(root.descriptors) ? root.descriptors : [])];
  for (const d of descriptors) {
    if (d?.['@type'] !== 'xdm:descriptorIdentity' || typeof d['xdm:sourceProperty'] !== 'string') continue;
    const f = fields.get(d['xdm:sourceProperty'].replace(/^\//, '').split('/').join('.'));
    if (f) f.identity = { namespace: d['xdm:namespace'], primary: d['xdm:isPrimary'] === true };
  }
  const schema: XdmSchema = { id: typeof root.$id === 'string' ? root.$id : undefined, title: root.title, fields };
  cache.set(value as object, schema);
  return schema;
}

/** The fields a record must carry: required all the way from the root. */
export function requiredLeaves(schema: XdmSchema): XdmField[] {
  return [...schema.fields.values()].filter((f) => f.required && f.type !== 'object');
}
