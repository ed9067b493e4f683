/**
 * Avro's binary encoding, decoded with the writer's schema, into values a person reads in a table: longs exact
 * (a bigint until the cell is made: a JavaScript number holds only 53 bits, and Braze ids and Stripe amounts in
 * minor units may be larger), timestamps as ISO 8601 strings, unions as the value of their branch (as Apache
 * Avro's own readers give them), bytes as hex.
 *
 * Written here rather than taken from avsc: avsc's types module requires Node's `buffer` and `util` (the engine
 * imports no node module) and reads longs as doubles unless given a long type of its own; the binary encoding
 * itself is a page of the specification.
 */
import * as l10n from '../l10n';
import type { AvroType, Logical } from './schema';
import { isoOfEpochCount, MAX_DATE_MS } from '../timestamps';

export type AvroCell = string | number | boolean | null;

/** The bytes end before the value does: a header or block framing reader asks for more; inside a block it is damage. */
export class ShortInput extends Error {
  override name = 'ShortInput';
}

/** The bytes cannot be what the schema says (a union branch or enum symbol that does not exist, a negative length). */
export class BadInput extends Error {
  override name = 'BadInput';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A position in a byte array, reading Avro's primitives. */
export class Cursor {
  pos = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** A zig-zag variable-length long (at most 10 bytes), exact. */
  long(): bigint {
    let raw = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw new ShortInput();
      const b = this.bytes[this.pos++];
      raw |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return (raw >> 1n) ^ -(raw & 1n);
      shift += 7n;
    }
    throw new BadInput(l10n.t('a number is longer than 10 bytes'));
  }

  /** A long that must be a count or size: a JavaScript number, never negative unless `signed`. */
  size(signed = false): number {
    const v = this.long();
    if ((!signed && v < 0n) || v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new BadInput(l10n.t('a length or count of {0}, which cannot be', v.toString()));
    return Number(v);
  }

  take(n: number): Uint8Array {
    if (n > this.remaining) throw new ShortInput();
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const bytes = this.take(this.size());
    try {
      return utf8.decode(bytes);
    } catch {
      throw new BadInput(l10n.t('a string is not valid UTF-8'));
    }
  }

  float(): number {
    if (this.remaining < 4) throw new ShortInput();
    this.pos += 4;
    return this.view.getFloat32(this.pos - 4, true);
  }

  double(): number {
    if (this.remaining < 8) throw new ShortInput();
    this.pos += 8;
    return this.view.getFloat64(this.pos - 8, true);
  }
}

/**
 * One value of type `t`. Records become plain objects in field order, maps objects in the file's order, arrays
 * arrays; longs stay bigints (cellOf makes them numbers where exact); logical types become their text.
 */
export function decodeValue(c: Cursor, t: AvroType): unknown {
  switch (t.kind) {
    case 'null':
      return null;
    case 'boolean': {
      const b = c.take(1)[0];
      if (b > 1) throw new BadInput(l10n.t('a boolean byte of {0} (only 0 and 1 are booleans)', b));
      return b === 1;
    }
    case 'int': {
      const v = c.long();
      if (v < -2147483648n || v > 2147483647n) throw new BadInput(l10n.t('an int of {0}, outside 32 bits', v.toString()));
      return logical(Number(v), t.logical);
    }
    case 'long':
      return logical(c.long(), t.logical);
    case 'float':
      return c.float();
    case 'double':
      return c.double();
    case 'bytes':
      return logical(c.take(c.size()), t.logical);
    case 'string':
      return c.string();
    case 'fixed':
      return logical(c.take(t.size), t.logical);
    case 'enum': {
      const i = c.size(true);
      if (i < 0 || i >= t.symbols.length) throw new BadInput(l10n.t('symbol number {0} of the enum {1}, which has {2} symbols', i, t.name, t.symbols.length));
      return t.symbols[i];
    }
    case 'union': {
      const i = c.size(true);
      if (i < 0 || i >= t.branches.length) throw new BadInput(l10n.t('branch {0} of a union of {1} branches', i, t.branches.length));
      return decodeValue(c, t.branches[i]);
    }
    case 'record': {
      const o: Record<string, unknown> = {};
      for (const f of t.fields) o[f.name] = decodeValue(c, f.type);
      return o;
    }
    case 'array': {
      const out: unknown[] = [];
      blocks(c, () => out.push(decodeValue(c, t.items)));
      return out;
    }
    case 'map': {
      const entries: Array<[string, unknown]> = [];
      blocks(c, () => entries.push([c.string(), decodeValue(c, t.values)]));
      // fromEntries defines own properties: a key such as "__proto__" is data, as in the file.
      return Object.fromEntries(entries);
    }
  }
}

/** Arrays and maps come in blocks: a count (negative: followed by the block's byte size), items, until a count of 0. */
function blocks(c: Cursor, item: () => void): void {
  for (;;) {
    let n = c.size(true);
    if (n === 0) return;
    if (n < 0) {
      n = -n;
      c.size();
    }
    // Every item takes at least one byte, except null and empty records: a count past the bytes left is damage,
    // caught here before a loop of billions.
    if (n > c.remaining * 8 + 1024) throw new BadInput(l10n.t('an array or map block of {0} items in {1} bytes', n, c.remaining));
    for (let i = 0; i < n; i++) item();
  }
}

/** ISO 8601 with as many fraction digits as the unit has; `zone` is `Z` for UTC, empty for local timestamps. */
function isoOf(value: bigint, perSecond: bigint, digits: number, zone: string): string {
  return isoOfEpochCount(value, perSecond, digits, zone);
}

function logical(v: number | bigint | Uint8Array, l: Logical | undefined): unknown {
  if (!l) return v;
  switch (l.name) {
    case 'timestamp-millis':
    case 'local-timestamp-millis':
      return isoOf(v as bigint, 1000n, 3, l.name === 'timestamp-millis' ? 'Z' : '');
    case 'timestamp-micros':
    case 'local-timestamp-micros':
      return isoOf(v as bigint, 1_000_000n, 6, l.name === 'timestamp-micros' ? 'Z' : '');
    case 'timestamp-nanos':
    case 'local-timestamp-nanos':
      return isoOf(v as bigint, 1_000_000_000n, 9, l.name === 'timestamp-nanos' ? 'Z' : '');
    case 'date': {
      const ms = (v as number) * 86_400_000;
      return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString().slice(0, 10) : v;
    }
    case 'time-millis':
      return isoOf(BigInt(v as number), 1000n, 3, '').slice(11);
    case 'time-micros':
      return isoOf(v as bigint, 1_000_000n, 6, '').slice(11);
    case 'decimal':
      return decimalText(v as Uint8Array, l.scale);
    case 'uuid':
      return v instanceof Uint8Array ? uuidText(v) : v;
  }
}

/** A decimal's unscaled value is a big-endian two's-complement integer of any length. */
function decimalText(bytes: Uint8Array, scale: number): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length && bytes[0] & 0x80) n -= 1n << BigInt(bytes.length * 8);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

function uuidText(b: Uint8Array): string {
  const h = hex(b);
  return b.length === 16 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Exact as a number while it fits 53 bits; past that, its digits. */
function exact(v: bigint): number | string {
  return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
}

/**
 * A decoded value → one table cell: scalars as they are (longs past 2^53 and non-finite doubles as text, bytes as
 * `0x…`), records, arrays and maps as compact JSON with the same rules inside.
 */
export function cellOf(v: unknown): AvroCell {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'bigint':
      return exact(v);
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'string':
    case 'boolean':
      return v;
  }
  if (v instanceof Uint8Array) return `0x${hex(v)}`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? exact(x) : x instanceof Uint8Array ? `0x${hex(x)}` : typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
}
