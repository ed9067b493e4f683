/**
 * An Avro writer schema (the `avro.schema` of an Object Container File's header) as the decoder walks it: named
 * types resolved (a record may refer to itself, as linked-list schemas do), namespaces applied, logical types kept
 * only where the specification allows them — an annotation on the wrong base type is ignored, as every Avro reader
 * does, so the value is shown as its base type rather than refused.
 *
 * Only what reading needs: no default values, aliases or schema resolution (a preview reads with the writer's
 * schema, which the file carries).
 */
import * as l10n from '../l10n';

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export type AvroType =
  | { kind: AvroPrimitive; logical?: Logical }
  | { kind: 'fixed'; name: string; size: number; logical?: Logical }
  | { kind: 'enum'; name: string; symbols: string[] }
  | { kind: 'record'; name: string; fields: Array<{ name: string; type: AvroType }> }
  | { kind: 'array'; items: AvroType }
  | { kind: 'map'; values: AvroType }
  | { kind: 'union'; branches: AvroType[] };

export type Logical =
  | { name: 'timestamp-millis' | 'timestamp-micros' | 'timestamp-nanos' | 'local-timestamp-millis' | 'local-timestamp-micros' | 'local-timestamp-nanos' | 'date' | 'time-millis' | 'time-micros' | 'uuid' }
  | { name: 'decimal'; scale: number };

/** The schema cannot be read; the message says what is wrong with it (the caller names the file). */
export class AvroSchemaError extends Error {
  override name = 'AvroSchemaError';
}

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Which base types each logical type may annotate (Avro 1.12 specification, "Logical Types"). */
const LOGICAL_BASES: Record<string, string[]> = {
  'timestamp-millis': ['long'],
  'timestamp-micros': ['long'],
  'timestamp-nanos': ['long'],
  'local-timestamp-millis': ['long'],
  'local-timestamp-micros': ['long'],
  'local-timestamp-nanos': ['long'],
  date: ['int'],
  'time-millis': ['int'],
  'time-micros': ['long'],
  uuid: ['string', 'fixed'],
  decimal: ['bytes', 'fixed'],
};

/** The schema of `json` (the header's `avro.schema` text), resolved for decoding. */
export function parseSchema(json: string): AvroType {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new AvroSchemaError(l10n.t('its schema is not JSON ({0})', (e as Error).message));
  }
  return new Resolver().type(raw, '');
}

class Resolver {
  private readonly named = new Map<string, AvroType>();

  type(s: unknown, namespace: string): AvroType {
    if (typeof s === 'string') return this.reference(s, namespace);
    if (Array.isArray(s)) return { kind: 'union', branches: s.map((b) => this.type(b, namespace)) };
    if (!s || typeof s !== 'object') throw new AvroSchemaError(l10n.t('{0} is not a type', JSON.stringify(s)));
    const o = s as Record<string, unknown>;
    const kind = o.type;
    // `{"type": {"type": "record", …}}` and `{"type": "long", "logicalType": …}` are both legal.
    if (typeof kind !== 'string') return this.type(kind, namespace);
    let t: AvroType;
    switch (kind) {
      case 'record':
      case 'error': {
        const { full, ns } = this.fullName(o, namespace);
        // Registered before its fields: a field may name the record it belongs to.
        const record: AvroType = { kind: 'record', name: full, fields: [] };
        this.named.set(full, record);
        if (!Array.isArray(o.fields)) throw new AvroSchemaError(l10n.t('the record {0} has no "fields" list', full));
        for (const f of o.fields as Array<Record<string, unknown>>) {
          if (!f || typeof f.name !== 'string') throw new AvroSchemaError(l10n.t('a field of the record {0} has no name', full));
          record.fields.push({ name: f.name, type: this.type(f.type, ns) });
        }
        return record;
      }
      case 'enum': {
        const { full } = this.fullName(o, namespace);
        if (!Array.isArray(o.symbols) || !o.symbols.every((x) => typeof x === 'string')) throw new AvroSchemaError(l10n.t('the enum {0} has no "symbols" list', full));
        t = { kind: 'enum', name: full, symbols: o.symbols as string[] };
        this.named.set(full, t);
        return t;
      }
      case 'fixed': {
        const { full } = this.fullName(o, namespace);
        if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size < 0) throw new AvroSchemaError(l10n.t('the fixed type {0} has no valid "size"', full));
        t = { kind: 'fixed', name: full, size: o.size };
        this.named.set(full, t);
        break;
      }
      case 'array':
        return { kind: 'array', items: this.type(o.items, namespace) };
      case 'map':
        return { kind: 'map', values: this.type(o.values, namespace) };
      default:
        if (!PRIMITIVES.has(kind)) return this.reference(kind, namespace);
        t = { kind: kind as AvroPrimitive };
    }
    const logical = logicalOf(o, t.kind);
    if (logical) t.logical = logical;
    return t;
  }

  private reference(name: string, namespace: string): AvroType {
    if (PRIMITIVES.has(name)) return { kind: name as AvroPrimitive };
    const found = this.named.get(name.includes('.') || !namespace ? name : `${namespace}.${name}`) ?? this.named.get(name);
    if (!found) throw new AvroSchemaError(l10n.t('it names the type {0}, which it does not define', JSON.stringify(name)));
    return found;
  }

  private fullName(o: Record<string, unknown>, namespace: string): { full: string; ns: string } {
    if (typeof o.name !== 'string' || !o.name) throw new AvroSchemaError(l10n.t('a {0} type has no name', String(o.type)));
    if (o.name.includes('.')) return { full: o.name, ns: o.name.slice(0, o.name.lastIndexOf('.')) };
    const ns = typeof o.namespace === 'string' ? o.namespace : namespace;
    return { full: ns ? `${ns}.${o.name}` : o.name, ns };
  }
}

function logicalOf(o: Record<string, unknown>, base: string): Logical | undefined {
  const name = o.logicalType;
  if (typeof name !== 'string' || !LOGICAL_BASES[name]?.includes(base)) return undefined;
  if (name === 'decimal') {
    const scale = o.scale === undefined ? 0 : o.scale;
    // An invalid decimal is read as its base type, as the specification says.
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || typeof o.precision !== 'number') return undefined;
    return { name, scale };
  }
  return { name } as Logical;
}

/**
 * A field's type as a person reads it in a table: a primitive by its name (`long`), anything else as its schema's
 * compact JSON (`["null","string"]`, `{"type":"long","logicalType":"timestamp-millis"}`), without the docs.
 */
export function typeText(schema: unknown): string {
  if (typeof schema === 'string') return schema;
  return JSON.stringify(schema, (k, v: unknown) => (k === 'doc' ? undefined : v));
}

/** The top-level fields of the writer schema as written (for their type texts), in order; undefined if it is not a record. */
export function rawFields(json: string): Array<{ name: string; type: unknown; doc?: string }> | undefined {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const fields = raw && typeof raw === 'object' && !Array.isArray(raw) && (raw.type === 'record' || raw.type === 'error') ? raw.fields : undefined;
  return Array.isArray(fields) ? (fields as Array<{ name: string; type: unknown; doc?: string }>) : undefined;
}
