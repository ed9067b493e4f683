/**
 * A streaming Parquet writer specialised for the export's column types. Rows are buffered column by column for
 * one row group at most (typed arrays and UTF-8 bytes, encoded once); each full row group becomes column chunks
 * of DataPage v1 pages (Parquet format 1.0: the widest reader support), compressed with Snappy, handed to the
 * sink as bytes; `end()` writes the footer (Thrift compact protocol). Engine code: no file or network access.
 *
 * Usage: `const p = writer.write(row); if (p) await p;` — a write that completes a row group returns the
 * promise of the sink's backpressure (or nothing when the sink is synchronous); the next write must wait for it.
 */
import { ByteBuffer, LITTLE_ENDIAN } from './bytes';
import { BOOLEAN, ColumnBuffer, DOUBLE, INT64, STRING, type ChunkResult, type ColumnLimits, type PageSink } from './column';
import { Codec, ConvertedType, Encoding, Logical, PageType, Repetition, TimeUnit, Type } from './format';
import { snappyCompress } from './snappy';
import { CompactWriter, T_BINARY, T_I32, T_STRUCT } from './thrift';

export type ParquetColumnType = 'string' | 'int64' | 'timestamp' | 'boolean' | 'json' | 'double';

export interface ParquetColumn {
  name: string;
  /**
   * string, json → BYTE_ARRAY UTF8 (STRING); int64 → INT64; timestamp → INT64 TIMESTAMP(UTC, MILLIS), values in
   * milliseconds; boolean → BOOLEAN; double → DOUBLE. Every column is OPTIONAL.
   */
  type: ParquetColumnType;
}

export type ParquetValue = string | number | boolean | null;
export type ParquetRow = Record<string, ParquetValue | undefined>;
/** Receives the file's bytes in order; a returned promise holds the writer back until it settles. */
export type ParquetSink = (chunk: Uint8Array) => void | Promise<void>;

export interface ParquetWriterOptions {
  /** Rows per row group (default 100,000). */
  rowGroupRows?: number;
  /** A row group is also closed when its buffered values reach about this many bytes (default 48 MiB): wide rows keep memory bounded. */
  rowGroupBytes?: number;
  /** Page compression (default snappy). */
  compression?: 'snappy' | 'none';
  /** The footer's created_by (default `pipewright version 0.1.0`; keep the `<app> version <x>` form: parquet-mr needs it to trust string statistics). */
  createdBy?: string;
  /** Target uncompressed size of a data page's values (default 1 MiB). */
  pageBytes?: number;
  /** A string or int64 column is dictionary-encoded while its row group has at most this many distinct values (default 32,768; at most 65,536)… */
  maxDictionaryEntries?: number;
  /** …and its dictionary at most this many bytes (default 1 MiB). */
  maxDictionaryBytes?: number;
  /** String min/max statistics longer than this many bytes are left out (default 128). */
  statisticsMaxBytes?: number;
  /** Bytes are handed to the sink in chunks of about this size (default 1 MiB), and at the end of each row group. */
  chunkBytes?: number;
}

export interface ParquetWriteResult {
  rows: number;
  /** The file's size. */
  bytes: number;
  rowGroups: number;
}

interface ChunkMeta {
  result: ChunkResult;
  /** File offsets. */
  start: number;
  dictionaryOffset: number;
  dataOffset: number;
  uncompressed: number;
  compressed: number;
}

interface RowGroupMeta {
  rows: number;
  offset: number;
  chunks: ChunkMeta[];
}

const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31); // PAR1

export class ParquetStreamWriter implements PageSink {
  readonly page = new ByteBuffer(1 << 16);
  private readonly compressed = new ByteBuffer(1 << 16);
  private readonly out = new ByteBuffer(1 << 20);
  private cols: ColumnBuffer[];
  private readonly physical: number[];
  private readonly groupRows: number;
  private readonly groupBytes: number;
  private readonly chunkBytes: number;
  private readonly snappy: boolean;
  private readonly createdBy: string;
  /** Bytes per row that every buffered row costs whatever its values (definition level, fixed-width slot). */
  private readonly fixedRowBytes: number;
  private capacity: number;
  /** Rows buffered in the current row group, and the variable bytes (strings) they take. */
  private rows = 0;
  private varBytes = 0;
  private totalRows = 0;
  /** Bytes already handed to the sink: the file offset of `out`'s first byte. */
  private emitted = 0;
  private readonly groups: RowGroupMeta[] = [];
  private busy = false;
  private ended = false;
  private failure: unknown;
  // The column chunk being encoded.
  private chunkUncompressed = 0;
  private chunkCompressed = 0;
  private chunkDictionaryOffset = -1;
  private chunkDataOffset = -1;

  constructor(
    readonly columns: readonly ParquetColumn[],
    options: ParquetWriterOptions = {},
    private readonly sink: ParquetSink,
  ) {
    if (!LITTLE_ENDIAN) throw new Error('the Parquet writer needs a little-endian platform');
    if (columns.length === 0) throw new Error('a Parquet file needs at least one column');
    const names = new Set<string>();
    for (const c of columns) {
      if (names.has(c.name)) throw new Error(`duplicate Parquet column ${JSON.stringify(c.name)}`);
      names.add(c.name);
    }
    this.groupRows = positive(options.rowGroupRows ?? 100_000, 'rowGroupRows');
    this.groupBytes = positive(options.rowGroupBytes ?? 48 << 20, 'rowGroupBytes');
    this.chunkBytes = positive(options.chunkBytes ?? 1 << 20, 'chunkBytes');
    this.snappy = (options.compression ?? 'snappy') === 'snappy';
    this.createdBy = options.createdBy ?? 'pipewright version 0.1.0';
    const limits: ColumnLimits = {
      maxDictEntries: Math.min(1 << 16, positive(options.maxDictionaryEntries ?? 32_768, 'maxDictionaryEntries')),
      maxDictBytes: positive(options.maxDictionaryBytes ?? 1 << 20, 'maxDictionaryBytes'),
      statsMaxBytes: options.statisticsMaxBytes ?? 128,
      pageBytes: positive(options.pageBytes ?? 1 << 20, 'pageBytes'),
    };
    this.capacity = Math.min(this.groupRows, 1 << 14);
    this.cols = columns.map((c) => new ColumnBuffer(c.name, kindOf(c.type), c.type !== 'json', limits, this.capacity));
    this.physical = columns.map((c) => physicalType(c.type));
    this.fixedRowBytes = this.cols.reduce((n, c) => n + 1 + (c.kind === STRING ? 2 : c.kind === INT64 ? 10 : c.kind === BOOLEAN ? 1 : 8), 0);
    this.out.bytes(MAGIC);
  }

  /** Bytes the writer holds allocated for buffered rows (column buffers; not the output being handed over). */
  get bufferedBytes(): number {
    let n = 0;
    for (const c of this.cols) n += c.allocated();
    return n;
  }

  /** Rows written so far (including the buffered ones). */
  get rowCount(): number {
    return this.totalRows + this.rows;
  }

  /**
   * Buffers one row (a column absent from the row is null). When the row completes a row group, the group is
   * encoded and handed to the sink; if the sink returns a promise, so does `write`: await it before writing on.
   */
  write(row: ParquetRow): void | Promise<void> {
    if (this.busy || this.ended || this.failure !== undefined) this.unavailable();
    if (this.rows === this.capacity) this.grow();
    const r = this.rows;
    const cols = this.cols;
    let bytes = 0;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k];
      const v = row[c.name];
      if (v === null || v === undefined) {
        c.defs[r] = 0;
        c.nulls++;
        continue;
      }
      switch (c.kind) {
        case STRING:
          bytes += c.addString(typeof v === 'string' ? v : String(v));
          break;
        case INT64:
          if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.badValue(c, v, 'a safe integer');
          c.addInt64(v as number);
          break;
        case DOUBLE:
          if (typeof v !== 'number') this.badValue(c, v, 'a number');
          c.addDouble(v as number);
          break;
        default:
          if (typeof v !== 'boolean') this.badValue(c, v, 'a boolean');
          c.addBoolean(v as boolean);
      }
      c.defs[r] = 1;
    }
    this.rows = r + 1;
    this.varBytes += bytes;
    if (this.rows >= this.groupRows || this.varBytes + this.rows * this.fixedRowBytes >= this.groupBytes) return this.flush();
  }

  /** Writes the last row group and the footer; resolves when the sink has taken every byte. */
  async end(): Promise<ParquetWriteResult> {
    if (this.busy || this.ended || this.failure !== undefined) this.unavailable();
    if (this.rows > 0) await this.flush();
    this.ended = true;
    this.footer();
    await this.emit();
    this.cols = [];
    return { rows: this.totalRows, bytes: this.emitted, rowGroups: this.groups.length };
  }

  private unavailable(): never {
    if (this.failure !== undefined) throw this.failure;
    if (this.ended) throw new Error('the Parquet writer has ended');
    throw new Error('write() called before the promise of the previous write() settled');
  }

  private badValue(c: ColumnBuffer, v: unknown, expected: string): never {
    // The columns before c already hold this row's values: the writer cannot go on (flatten() never gets here).
    const error = new TypeError(`Parquet column ${JSON.stringify(c.name)}: ${typeof v} ${String(v).slice(0, 40)} is not ${expected}`);
    this.failure = error;
    throw error;
  }

  private grow(): void {
    this.capacity = Math.min(this.groupRows, this.capacity * 2);
    for (const c of this.cols) c.grow(this.capacity);
  }

  /** Encodes the buffered rows as a row group, column after column, handing bytes to the sink on the way. */
  private flush(): void | Promise<void> {
    this.busy = true;
    const group: RowGroupMeta = { rows: this.rows, offset: this.emitted + this.out.len, chunks: [] };
    return this.settle(this.encodeFrom(0, group));
  }

  private encodeFrom(k: number, group: RowGroupMeta): void | Promise<void> {
    for (; k < this.cols.length; k++) {
      this.encodeChunk(k, group);
      if (this.out.len >= this.chunkBytes) {
        const pending = this.emit();
        if (pending) {
          const next = k + 1;
          return pending.then(() => this.encodeFrom(next, group));
        }
      }
    }
    this.groups.push(group);
    this.totalRows += group.rows;
    this.rows = 0;
    this.varBytes = 0;
    return this.emit();
  }

  private settle(p: void | Promise<void>): void | Promise<void> {
    if (!p) {
      this.busy = false;
      return;
    }
    return p.then(
      () => {
        this.busy = false;
      },
      (error: unknown) => {
        this.failure = error;
        throw error;
      },
    );
  }

  private emit(): void | Promise<void> {
    if (this.out.len === 0) return;
    const chunk = this.out.take();
    this.emitted += chunk.length;
    try {
      return this.sink(chunk);
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  private encodeChunk(k: number, group: RowGroupMeta): void {
    this.chunkUncompressed = 0;
    this.chunkCompressed = 0;
    this.chunkDictionaryOffset = -1;
    this.chunkDataOffset = -1;
    const start = this.emitted + this.out.len;
    const result = this.cols[k].encode(group.rows, this);
    group.chunks.push({
      result,
      start,
      dictionaryOffset: this.chunkDictionaryOffset,
      dataOffset: this.chunkDataOffset,
      uncompressed: this.chunkUncompressed,
      compressed: this.chunkCompressed,
    });
  }

  /** PageSink: the dictionary page of the column chunk being encoded (its content is in `page`). */
  dictionaryPage(entries: number): void {
    this.chunkDictionaryOffset = this.emitted + this.out.len;
    this.writePage(PageType.DICTIONARY_PAGE, entries, Encoding.PLAIN_DICTIONARY);
  }

  /** PageSink: a data page (v1) of `rows` rows, its values in `encoding`. */
  dataPage(rows: number, encoding: number): void {
    if (this.chunkDataOffset < 0) this.chunkDataOffset = this.emitted + this.out.len;
    this.writePage(PageType.DATA_PAGE, rows, encoding);
  }

  private writePage(type: number, count: number, encoding: number): void {
    const page = this.page;
    let body = page.buf;
    let size = page.len;
    if (this.snappy) {
      this.compressed.len = 0;
      snappyCompress(page.buf, 0, page.len, this.compressed);
      body = this.compressed.buf;
      size = this.compressed.len;
    }
    const out = this.out;
    const at = out.len;
    const t = new CompactWriter(out).i32(1, type).i32(2, page.len).i32(3, size);
    if (type === PageType.DICTIONARY_PAGE) t.struct(7).i32(1, count).i32(2, encoding).end();
    else t.struct(5).i32(1, count).i32(2, encoding).i32(3, Encoding.RLE).i32(4, Encoding.RLE).end();
    t.end();
    const header = out.len - at;
    out.bytes(body, 0, size);
    this.chunkUncompressed += header + page.len;
    this.chunkCompressed += header + size;
  }

  /** FileMetaData, its length and the closing magic. */
  private footer(): void {
    const out = this.out;
    const at = out.len;
    const t = new CompactWriter(out);
    const columns = this.columns;
    t.i32(1, 1);
    t.list(2, T_STRUCT, columns.length + 1);
    t.element().string(4, 'schema').i32(5, columns.length).end();
    for (let k = 0; k < columns.length; k++) {
      const type = columns[k].type;
      t.element().i32(1, this.physical[k]).i32(3, Repetition.OPTIONAL).string(4, columns[k].name);
      if (type === 'string' || type === 'json') t.i32(6, ConvertedType.UTF8).struct(10).struct(Logical.STRING).end().end();
      else if (type === 'timestamp') {
        t.i32(6, ConvertedType.TIMESTAMP_MILLIS);
        t.struct(10).struct(Logical.TIMESTAMP).bool(1, true).struct(2).struct(TimeUnit.MILLIS).end().end().end().end();
      }
      t.end();
    }
    t.i64(3, this.totalRows);
    t.list(4, T_STRUCT, this.groups.length);
    this.groups.forEach((g, ordinal) => {
      let uncompressed = 0;
      let compressed = 0;
      t.element().list(1, T_STRUCT, g.chunks.length);
      g.chunks.forEach((c, k) => {
        uncompressed += c.uncompressed;
        compressed += c.compressed;
        t.element().i64(2, c.start).struct(3);
        this.columnMetaData(t, k, g.rows, c); // ends the ColumnMetaData struct
        t.end();
      });
      t.i64(2, uncompressed).i64(3, g.rows).i64(5, g.offset).i64(6, compressed).i16(7, ordinal).end();
    });
    t.string(6, this.createdBy);
    t.list(7, T_STRUCT, columns.length);
    for (let k = 0; k < columns.length; k++) t.element().struct(1).end().end(); // TypeDefinedOrder
    t.end();
    out.u32(out.len - at);
    out.bytes(MAGIC);
  }

  private columnMetaData(t: CompactWriter, k: number, rows: number, c: ChunkMeta): void {
    const { result } = c;
    const valueEncoding = result.dictionary ? Encoding.PLAIN_DICTIONARY : Encoding.PLAIN;
    const physical = this.physical[k];
    t.i32(1, physical);
    if (result.dictionary) t.list(2, T_I32, 2).listI32(Encoding.PLAIN_DICTIONARY).listI32(Encoding.RLE);
    else t.list(2, T_I32, 2).listI32(Encoding.PLAIN).listI32(Encoding.RLE);
    t.list(3, T_BINARY, 1).listString(this.columns[k].name);
    t.i32(4, this.snappy ? Codec.SNAPPY : Codec.UNCOMPRESSED);
    t.i64(5, rows).i64(6, c.uncompressed).i64(7, c.compressed).i64(9, c.dataOffset);
    if (c.dictionaryOffset >= 0) t.i64(11, c.dictionaryOffset);
    t.struct(12);
    // The deprecated min/max (signed comparison) too for numbers and booleans, for older readers.
    const legacy = physical !== Type.BYTE_ARRAY;
    if (legacy && result.max) t.binary(1, result.max);
    if (legacy && result.min) t.binary(2, result.min);
    t.i64(3, result.nullCount);
    if (result.max) t.binary(5, result.max);
    if (result.min) t.binary(6, result.min);
    t.end();
    t.list(13, T_STRUCT, result.dictionary ? 2 : 1);
    if (result.dictionary) t.element().i32(1, PageType.DICTIONARY_PAGE).i32(2, Encoding.PLAIN_DICTIONARY).i32(3, 1).end();
    t.element().i32(1, PageType.DATA_PAGE).i32(2, valueEncoding).i32(3, result.dataPages).end();
    t.end();
  }
}

function kindOf(type: ParquetColumnType): number {
  switch (type) {
    case 'string':
    case 'json':
      return STRING;
    case 'int64':
    case 'timestamp':
      return INT64;
    case 'double':
      return DOUBLE;
    case 'boolean':
      return BOOLEAN;
    default:
      throw new Error(`unknown Parquet column type ${JSON.stringify(type)}`);
  }
}

function physicalType(type: ParquetColumnType): number {
  switch (type) {
    case 'string':
    case 'json':
      return Type.BYTE_ARRAY;
    case 'int64':
    case 'timestamp':
      return Type.INT64;
    case 'double':
      return Type.DOUBLE;
    default:
      return Type.BOOLEAN;
  }
}

function positive(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer`);
  return n;
}
