/**
 * The preview of one Avro Object Container File (`.avro`), as Braze Currents delivers its events to S3: the header
 * (magic, the metadata map with `avro.schema` and `avro.codec`, the sync marker), then blocks — each a record count,
 * a byte size, the (compressed) records and the sync marker again — until the rows asked for are decoded.
 *
 * The object is read through byte ranges that grow (64 KiB first, doubling to 8 MiB) and stop as soon as the rows
 * are decoded: a multi-GB Currents file costs its header and first block or two, never a whole download. Every
 * range is pinned to the listed ETag, so a file replaced mid-preview is an error rather than a mix of two files.
 *
 * Transport-free: S3 comes in as `S3Access`; deflate comes in as a function from the node side (node:zlib), snappy
 * is hyparquet's (pure JavaScript, platform-neutral entry point).
 */
import { snappyUncompress } from 'hyparquet/src/index.js';
import * as l10n from '../l10n';
import { findObject, s3RangeSource } from '../delivery/parquet';
import type { S3Access } from '../import/types';
import { BadInput, cellOf, Cursor, decodeValue, ShortInput, type AvroCell } from './decode';
import { AvroSchemaError, parseSchema, rawFields, typeText, type AvroType } from './schema';

export type { AvroCell } from './decode';

export interface AvroFieldInfo {
  name: string;
  /** The writer schema's type, readably: `long`, `["null","string"]`, `{"type":"long","logicalType":"timestamp-millis"}`. */
  type: string;
  doc?: string;
}

export interface AvroPreview {
  format: 'avro';
  key: string;
  /** The object's size in S3. */
  size: number;
  lastModified: string;
  /** The header's `avro.codec`: null, deflate, snappy (a file without one is `null`). */
  codec: string;
  /** The full name of the writer schema's record, e.g. `com.braze.users_messages_email_Send`. */
  schemaName?: string;
  /** The record's fields (a schema that is not a record shows as one field, `value`). */
  fields: AvroFieldInfo[];
  /** The first rows, cells in `fields` order: nested records, arrays and maps as compact JSON. */
  rows: AvroCell[][];
  /** Whether the file has more rows than shown. */
  truncated: boolean;
  /** Bytes fetched from S3 for this preview. */
  bytesRead: number;
}

/** Decompressors the node side supplies (the engine imports no node module). */
export interface AvroCodecs {
  /** Raw DEFLATE (RFC 1951, no zlib header), as the `deflate` codec writes it. */
  deflate?: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;
}

export interface AvroPreviewOptions {
  /** Rows to show (default 20; 0 for the schema only). */
  maxRows?: number;
  codecs?: AvroCodecs;
  signal?: AbortSignal;
}

/** The object is not a readable Avro file (truncated, damaged, another format, or a codec the preview does not read). */
export class AvroReadError extends Error {
  override name = 'AvroReadError';
}

/** `avro` for a `.avro` key, undefined for anything else. */
export function avroKind(key: string): 'avro' | undefined {
  return /\.avro$/i.test(key) ? 'avro' : undefined;
}

const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj" 1
const FIRST_RANGE = 64 * 1024;
const LARGEST_RANGE = 8 * 1024 * 1024;

export async function previewAvroObject(s3: S3Access, bucket: string, key: string, options: AvroPreviewOptions = {}): Promise<AvroPreview> {
  const where = `s3://${bucket}/${key}`;
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? 20));
  const object = await findObject(s3, bucket, key, options.signal);
  const source = s3RangeSource(s3, bucket, object, options.signal);
  const damaged = (reason: string): AvroReadError =>
    new AvroReadError(l10n.t('{0} is not a readable Avro file: {1}. It is truncated, damaged or not an Avro Object Container File: download it again, and if it fails the same way, have it delivered again.', where, reason));

  // The bytes [start, start + window.length) of the object; `at` is the next byte to parse.
  let window = new Uint8Array(0);
  let start = 0;
  let at = 0;
  let range = FIRST_RANGE;
  const fetched = () => start + window.length;
  /** At least `n` bytes from `at` in the window, or false when the object ends before. */
  const have = async (n: number): Promise<boolean> => {
    if (at + n <= fetched()) return true;
    if (fetched() >= object.size) return false;
    const end = Math.min(object.size, Math.max(at + n, fetched() + range));
    range = Math.min(range * 2, LARGEST_RANGE);
    const more = await source.read(fetched(), end);
    // Bytes before `at` are done with: the window keeps only what is still to be parsed.
    const from = Math.max(0, at - start);
    const keep = window.subarray(from);
    const next = new Uint8Array(keep.length + more.length);
    next.set(keep);
    next.set(more, keep.length);
    start += from;
    window = next;
    return at + n <= fetched();
  };
  /** Parses with `read` from `at`, fetching more while the bytes end too soon; `short` is the reason when the object ends. */
  const parse = async <T>(read: (c: Cursor) => T, short: () => string): Promise<T> => {
    for (;;) {
      const c = new Cursor(window.subarray(at - start));
      try {
        const value = read(c);
        at += c.pos;
        return value;
      } catch (e) {
        if (!(e instanceof ShortInput)) throw e instanceof BadInput ? damaged(e.message) : e;
        // One byte more than all there was from `at`: a header larger than the first range takes a second one.
        if (!(await have(c.bytes.length + 1))) throw damaged(short());
      }
    }
  };

  // The header.
  if (object.size < 4 || !(await have(4)) || MAGIC.some((b, i) => window[i] !== b)) throw damaged(l10n.t('it does not begin with the Avro marker Obj followed by the byte 1'));
  at = 4;
  const meta = await parse((c) => {
    const m = new Map<string, Uint8Array>();
    for (;;) {
      let n = c.size(true);
      if (n === 0) return m;
      if (n < 0) {
        n = -n;
        c.size();
      }
      for (let i = 0; i < n; i++) m.set(c.string(), c.take(c.size()));
    }
  }, () => l10n.t('it ends inside its header ({0} bytes)', object.size));
  const sync = await parse((c) => c.take(16).slice(), () => l10n.t('it ends inside its header ({0} bytes)', object.size));

  const text = new TextDecoder();
  const schemaJson = meta.get('avro.schema');
  if (!schemaJson) throw damaged(l10n.t('its header has no avro.schema'));
  let schema: AvroType;
  try {
    schema = parseSchema(text.decode(schemaJson));
  } catch (e) {
    if (e instanceof AvroSchemaError) throw damaged(l10n.t('its schema cannot be read: {0}', e.message));
    throw e;
  }
  const codec = meta.has('avro.codec') ? text.decode(meta.get('avro.codec')) : 'null';
  if (codec !== 'null' && codec !== 'deflate' && codec !== 'snappy') {
    throw new AvroReadError(l10n.t('{0} is compressed with the Avro codec {1}, which the preview does not read (it reads null, deflate and snappy). Read it with Apache Avro\'s own tools (avro-tools tojson), or have it delivered with one of those codecs.', where, JSON.stringify(codec)));
  }
  const fields = fieldsOf(text.decode(schemaJson), schema);

  // The blocks, until the rows are there.
  const rows: AvroCell[][] = [];
  let truncated = false;
  for (let block = 1; rows.length < maxRows || maxRows === 0; block++) {
    if (!(await have(1))) break;
    if (maxRows === 0) {
      truncated = true;
      break;
    }
    const ends = () => l10n.t('it ends inside block {0}', block);
    const [count, size] = await parse((c) => [c.size(), c.size()], ends);
    // A size past the object's end is checked before fetching: a damaged size must not download the rest.
    if (at + size + 16 > object.size || !(await have(size + 16))) throw damaged(l10n.t('it ends inside block {0} (the block announces {1} bytes, {2} remain)', block, size + 16, object.size - at));
    const data = await decompress(codec, window.subarray(at - start, at - start + size), options.codecs, (reason) => damaged(l10n.t('block {0} cannot be decompressed ({1})', block, reason)));
    if (!sameBytes(window.subarray(at - start + size, at - start + size + 16), sync)) throw damaged(l10n.t('block {0} is not followed by the sync marker of the header', block));
    at += size + 16;

    const c = new Cursor(data);
    const take = Math.min(count, maxRows - rows.length);
    for (let i = 0; i < take; i++) {
      let value: unknown;
      try {
        value = decodeValue(c, schema);
      } catch (e) {
        if (e instanceof ShortInput) throw damaged(l10n.t('record {0} of block {1} ends past the end of its block', i + 1, block));
        if (e instanceof BadInput) throw damaged(l10n.t('record {0} of block {1} cannot be decoded: {2}', i + 1, block, e.message));
        throw e;
      }
      rows.push(schema.kind === 'record' ? schema.fields.map((f) => cellOf((value as Record<string, unknown>)[f.name])) : [cellOf(value)]);
    }
    if (take === count && c.remaining) throw damaged(l10n.t('block {0} holds {1} bytes more than its {2} records', block, c.remaining, count));
    if (take < count) {
      truncated = true;
      break;
    }
    if (rows.length >= maxRows) truncated = at < object.size;
  }
  return {
    format: 'avro',
    key,
    size: object.size,
    lastModified: object.lastModified.toISOString(),
    codec,
    ...(schema.kind === 'record' ? { schemaName: schema.name } : {}),
    fields,
    rows,
    truncated,
    bytesRead: source.bytesRead,
  };
}

function fieldsOf(json: string, schema: AvroType): AvroFieldInfo[] {
  const raw = rawFields(json);
  if (!raw || schema.kind !== 'record') return [{ name: 'value', type: typeText(JSON.parse(json)) }];
  return raw.map((f) => ({ name: f.name, type: typeText(f.type), ...(typeof f.doc === 'string' ? { doc: f.doc } : {}) }));
}

async function decompress(codec: string, bytes: Uint8Array, codecs: AvroCodecs | undefined, fail: (reason: string) => Error): Promise<Uint8Array> {
  if (codec === 'null') return bytes;
  if (codec === 'deflate') {
    if (!codecs?.deflate) throw new Error('previewAvroObject: a deflate file needs options.codecs.deflate');
    try {
      return await codecs.deflate(bytes);
    } catch (e) {
      throw fail((e as Error).message);
    }
  }
  // snappy: the compressed records, then the CRC-32 of the uncompressed ones (big-endian).
  if (bytes.length < 4) throw fail(l10n.t('shorter than its checksum'));
  const body = bytes.subarray(0, bytes.length - 4);
  const c = new Cursor(body);
  let out: Uint8Array;
  try {
    // The snappy stream opens with the uncompressed length as an unsigned varint (not zig-zag).
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const b = c.take(1)[0];
      length += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
      if (shift > 28) throw new Error(l10n.t('a number is longer than 10 bytes'));
    }
    if (length > 64 * body.length + 1024) throw new Error(l10n.t('it announces {0} bytes from {1}', length, body.length));
    out = new Uint8Array(length);
    snappyUncompress(body, out);
  } catch (e) {
    throw fail(e instanceof ShortInput ? l10n.t('shorter than its checksum') : (e as Error).message);
  }
  const expected = ((bytes[bytes.length - 4] << 24) | (bytes[bytes.length - 3] << 16) | (bytes[bytes.length - 2] << 8) | bytes[bytes.length - 1]) >>> 0;
  if (crc32(out) !== expected) throw fail(l10n.t('its snappy checksum does not match'));
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), which Avro's snappy codec appends to each block. */
function crc32(bytes: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
