/**
 * Content preview of one Parquet file, as Stripe Data Pipeline (and our export) delivers them: the schema (column
 * names, physical and logical types, nullability), the row count, the row groups, the compression, and the first
 * rows with values as a person reads them — timestamps as ISO 8601 strings, INT64 as numbers while they are exact
 * (as strings past 2^53), nulls as null.
 *
 * The file is read through byte ranges: the footer first (the last 64 KiB, more only when the footer is larger),
 * then only the column chunks of the row groups that hold the first rows. A multi-GB object costs the footer and one
 * row group, never a whole download. Transport-free: the bytes come in through a RangeSource (S3 ranges, or a local
 * file for a decrypted `.parquet.gpg`, supplied by the node side).
 *
 * hyparquet is imported from its platform-neutral entry point: its default Node entry also loads `fs`.
 */
import { parquetMetadataAsync, parquetRead, parquetSchema, snappyUncompress, type AsyncBuffer, type FileMetaData, type SchemaTree } from 'hyparquet/src/index.js';
import type { S3Access } from '../import/types';
import { isoOfEpochCount, MAX_DATE_MS } from '../timestamps';

/** A file (or object) that can be read by byte range. */
export interface RangeSource {
  readonly byteLength: number;
  /** Bytes [start, end). */
  read(start: number, end: number): Promise<Uint8Array>;
}

export type ParquetCell = string | number | boolean | null;

export interface ParquetColumnInfo {
  /** The top-level field's name (our export's flattened columns keep their dots: `billing_details.address.city`). */
  name: string;
  /** BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY; GROUP for a nested field. */
  physicalType: string;
  /** The logical type, written as a reader states it: STRING, JSON, TIMESTAMP(MILLIS, UTC), DECIMAL(10, 2), LIST… */
  logicalType?: string;
  /** The legacy converted type as the footer names it (UTF8, TIMESTAMP_MILLIS…): what older readers go by. */
  convertedType?: string;
  /** OPTIONAL (may hold nulls) rather than REQUIRED. */
  nullable: boolean;
  /** REPEATED at the top level. */
  repeated?: boolean;
}

export interface ParquetFileInfo {
  /** The file's size in bytes (the plaintext size for a decrypted `.parquet.gpg`). */
  bytes: number;
  rows: number;
  rowGroups: Array<{ rows: number; compressedBytes: number }>;
  /** The codecs of the column chunks (SNAPPY, GZIP, ZSTD, UNCOMPRESSED…), each once. */
  compression: string[];
  createdBy?: string;
  /** Parquet format version of the footer (1 or 2). */
  version: number;
  columns: ParquetColumnInfo[];
}

export interface ParquetContent {
  file: ParquetFileInfo;
  /** Names of the columns in `rows` (all of them unless some were asked for). */
  shown: string[];
  /** The first rows, cells in `shown` order. */
  rows: ParquetCell[][];
  /** Whether the file has more rows than shown. */
  truncated: boolean;
}

/** The object is not a readable Parquet file (truncated, damaged, or something else). */
export class ParquetReadError extends Error {
  override name = 'ParquetReadError';
}

/** Footer bytes fetched first: our footers are a few KiB for 50 columns; a larger one costs a second range. */
export const FOOTER_FETCH_BYTES = 64 * 1024;

export interface ParquetPreviewOptions {
  /** Rows to show (default 20; 0 for the schema only). */
  maxRows?: number;
  /** Only these columns (their chunks alone are read). */
  columns?: string[];
}

/**
 * The schema, the statistics and the first rows of the Parquet file in `source`. `where` names it in errors
 * (`s3://bucket/key`). Errors of the source itself (network, a changed object, a cancelled read) pass through as
 * they are; anything wrong with the bytes is a ParquetReadError that names `where` and says what to do.
 */
export async function previewParquet(source: RangeSource, where: string, options: ParquetPreviewOptions = {}): Promise<ParquetContent> {
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? 20));
  // The source's own failures are not the file's fault: remember them so they are not reported as damage.
  let sourceError: unknown;
  const file: AsyncBuffer = {
    byteLength: source.byteLength,
    slice: async (start, end = source.byteLength) => {
      try {
        const bytes = await source.read(start, end);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      } catch (e) {
        sourceError ??= e;
        throw e;
      }
    },
  };
  const fail = (e: unknown): never => {
    if (sourceError !== undefined) throw sourceError;
    throw new ParquetReadError(`${where} is not a readable Parquet file (${reasonOf(e)}): it is truncated, damaged or not Parquet. If it belongs to a run without _SUCCESS, the run did not finish; otherwise download it again, and if that fails too, export the run again.`, { cause: e });
  };

  if (source.byteLength < 12) fail(new Error(`${source.byteLength} bytes, less than a Parquet file's header and footer`));
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file, { initialFetchSize: FOOTER_FETCH_BYTES, parsers: PARSERS, geoparquet: false });
  } catch (e) {
    return fail(e);
  }
  let tree: SchemaTree;
  try {
    tree = parquetSchema(metadata);
  } catch (e) {
    return fail(e);
  }
  const info = fileInfo(metadata, tree, source.byteLength);
  const names = info.columns.map((c) => c.name);
  const shown = options.columns?.length ? options.columns : names;
  const unknown = shown.filter((c) => !names.includes(c));
  if (unknown.length) throw new Error(`${where} has no column ${unknown.map((c) => JSON.stringify(c)).join(', ')}; its columns are ${names.join(', ')}`);

  const rowEnd = Math.min(maxRows, info.rows);
  let rows: ParquetCell[][] = [];
  if (rowEnd > 0) {
    try {
      await parquetRead({
        file,
        metadata,
        columns: shown,
        rowStart: 0,
        rowEnd,
        parsers: PARSERS,
        compressors: COMPRESSORS,
        geoparquet: false,
        rowFormat: 'array',
        onComplete: (data: unknown[][]) => {
          rows = data.map((r) => r.map(cellOf));
        },
      });
    } catch (e) {
      return fail(e);
    }
    if (rows.length !== rowEnd) fail(new Error(`the footer announces ${info.rows} rows but ${rows.length} of the first ${rowEnd} could be read`));
  }
  return { file: info, shown, rows, truncated: info.rows > rows.length };
}

function fileInfo(metadata: FileMetaData, tree: SchemaTree, bytes: number): ParquetFileInfo {
  const codecs = new Set<string>();
  const rowGroups = metadata.row_groups.map((g) => {
    let compressedBytes = 0;
    for (const c of g.columns) {
      if (!c.meta_data) continue;
      codecs.add(c.meta_data.codec);
      compressedBytes += Number(c.meta_data.total_compressed_size);
    }
    return { rows: Number(g.num_rows), compressedBytes };
  });
  return {
    bytes,
    rows: Number(metadata.num_rows),
    rowGroups,
    compression: [...codecs],
    createdBy: metadata.created_by,
    version: metadata.version,
    columns: tree.children.map(columnInfo),
  };
}

function columnInfo(node: SchemaTree): ParquetColumnInfo {
  const e = node.element;
  const info: ParquetColumnInfo = {
    name: e.name,
    physicalType: node.children.length ? 'GROUP' : (e.type ?? 'GROUP'),
    nullable: e.repetition_type !== 'REQUIRED',
  };
  const logical = logicalText(e);
  if (logical) info.logicalType = logical;
  if (e.converted_type) info.convertedType = e.converted_type;
  if (e.repetition_type === 'REPEATED') info.repeated = true;
  return info;
}

function logicalText(e: SchemaTree['element']): string | undefined {
  const t = e.logical_type;
  if (t) {
    switch (t.type) {
      case 'TIMESTAMP':
      case 'TIME':
        return `${t.type}(${t.unit}, ${t.isAdjustedToUTC ? 'UTC' : 'local'})`;
      case 'DECIMAL':
        return `DECIMAL(${t.precision}, ${t.scale})`;
      case 'INTEGER':
        return `INTEGER(${t.bitWidth}, ${t.isSigned ? 'signed' : 'unsigned'})`;
      default:
        return t.type;
    }
  }
  // Files from writers that predate logical types carry only the converted type.
  switch (e.converted_type) {
    case undefined:
      return undefined;
    case 'UTF8':
      return 'STRING';
    case 'TIMESTAMP_MILLIS':
      return 'TIMESTAMP(MILLIS, UTC)';
    case 'TIMESTAMP_MICROS':
      return 'TIMESTAMP(MICROS, UTC)';
    case 'DECIMAL':
      return `DECIMAL(${e.precision ?? '?'}, ${e.scale ?? 0})`;
    default:
      return e.converted_type;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Decompression, bounded

/**
 * The largest page we inflate. A page header states its uncompressed size and hyparquet allocates that much before
 * it decompresses; writers keep pages to about a megabyte (ours: one page per column chunk of a 100,000-row group,
 * tens of megabytes at most), so anything past this is a damaged header or a decompression bomb.
 */
export const MAX_PAGE_BYTES = 256 * 1024 * 1024;
/**
 * Snappy's best case is a 3-byte copy element that yields 64 bytes (21.3 : 1); a page announcing more than this ratio
 * cannot come from its compressed bytes, whatever the stream claims.
 */
const SNAPPY_MAX_RATIO = 22;

export class PageTooLargeError extends Error {
  override name = 'PageTooLargeError';
}

const COMPRESSORS = {
  SNAPPY(input: Uint8Array, outputLength: number): Uint8Array {
    if (outputLength > MAX_PAGE_BYTES) throw new PageTooLargeError(`a page announces ${outputLength.toLocaleString('en-US')} bytes uncompressed, more than the ${MAX_PAGE_BYTES / 1024 / 1024} MiB a page may inflate to here (a damaged header or a decompression bomb)`);
    if (outputLength > input.length * SNAPPY_MAX_RATIO + 64) throw new PageTooLargeError(`a page announces ${outputLength.toLocaleString('en-US')} bytes uncompressed from ${input.length.toLocaleString('en-US')} compressed, more than Snappy can produce (a damaged header or a decompression bomb)`);
    const out = new Uint8Array(outputLength);
    snappyUncompress(input, out);
    return out;
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Values as a person reads them

const decoder = new TextDecoder();
/** ISO 8601 (UTC) with as many fraction digits as the unit has: 3 for milliseconds, 6 for micro-, 9 for nanoseconds. */
function isoOf(value: bigint | undefined | null, perSecond: bigint, digits: number): string | null {
  return value === undefined || value === null ? null : isoOfEpochCount(value, perSecond, digits);
}

const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => isoOf(v, 1000n, 3),
  timestampFromMicroseconds: (v: bigint) => isoOf(v, 1_000_000n, 6),
  timestampFromNanoseconds: (v: bigint) => isoOf(v, 1_000_000_000n, 9),
  dateFromDays: (days: number) => (days === undefined || days === null ? null : Math.abs(days * 86_400_000) <= MAX_DATE_MS ? new Date(days * 86_400_000).toISOString().slice(0, 10) : String(days)),
  // JSON columns stay text, as DuckDB and the source show them: parsing would reorder nothing and lose nothing, but
  // a cell must be a string for a table anyway.
  jsonFromBytes: (bytes: Uint8Array) => (bytes ? decoder.decode(bytes) : null),
};

/** One value → a cell: exact integers (strings past 2^53), finite numbers, text for the rest; null for null. */
export function cellOf(v: unknown): ParquetCell {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'string':
    case 'boolean':
      return v;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return `0x${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : x.toString()) : x instanceof Uint8Array ? Array.from(x) : x));
}

function reasonOf(e: unknown): string {
  const m = (e as Error)?.message ?? String(e);
  return m.replace(/^parquet /, '');
}

// ---------------------------------------------------------------------------------------------------------------
// An S3 object as a RangeSource

export interface ObjectRef {
  key: string;
  size: number;
  /** Pins every range to this version of the object (If-Match): a file replaced mid-preview is an error, not a mix. */
  etag?: string;
}

/** Byte ranges of one S3 object, each one ranged GET; `bytesRead` counts what was fetched. */
export function s3RangeSource(s3: S3Access, bucket: string, object: ObjectRef, signal?: AbortSignal): RangeSource & { readonly bytesRead: number } {
  let bytesRead = 0;
  return {
    byteLength: object.size,
    get bytesRead() {
      return bytesRead;
    },
    async read(start, end) {
      const chunks: Uint8Array[] = [];
      let n = 0;
      for await (const c of s3.read(bucket, object.key, { start, end, etag: object.etag || undefined, signal })) {
        chunks.push(c);
        n += c.length;
      }
      bytesRead += n;
      if (n !== end - start) throw new Error(`s3://${bucket}/${object.key}: asked for bytes ${start}–${end - 1}, received ${n}: the object is shorter than listed (it changed)`);
      if (chunks.length === 1) return chunks[0];
      const out = new Uint8Array(n);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    },
  };
}

/** The listing entry of exactly `key` (size and ETag), or an error that says it is not there. */
export async function findObject(s3: S3Access, bucket: string, key: string, signal?: AbortSignal): Promise<ObjectRef & { lastModified: Date }> {
  // A listing from the key itself: the key, if it exists, sorts first among the keys it prefixes.
  const page = await s3.listPage(bucket, key, undefined, signal);
  const o = page.objects.find((x) => x.key === key);
  if (!o) throw new Error(`s3://${bucket}/${key}: no such object. Check the key (the bucket preview lists every object with its key).`);
  return o;
}
