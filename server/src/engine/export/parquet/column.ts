/**
 * One column's values of the row group being buffered, and their encoding into pages. One class for every
 * column type (a `kind` number picks the path), so that the writer's per-value calls stay monomorphic.
 *
 * Storage: definition levels, one byte per row; non-null values densely — numbers in a Float64Array,
 * booleans one byte each, strings either UTF-8 encoded once into a PLAIN buffer (4-byte length + bytes, exactly
 * the page format) or, while the column's dictionary stays small, as dictionary ids (Uint16Array: at most 65,536 entries) over a
 * dictionary kept as PLAIN bytes plus a Map from string to id. INT64 columns keep their values and, while the
 * dictionary stays small, their ids too (small non-negative values find their id in an array, others in a Map):
 * at the end of the row group the smaller encoding wins.
 */
import { ByteBuffer, bitWidth, compareUtf8, encodeDefinitionLevels, encodeHybrid, grownCapacity } from './bytes';
import { Encoding } from './format';

export const STRING = 0;
export const INT64 = 1;
export const DOUBLE = 2;
export const BOOLEAN = 3;

export interface ColumnLimits {
  /** A string column's dictionary stops (the column is written PLAIN) past this many distinct values… */
  maxDictEntries: number;
  /** …or this many bytes. */
  maxDictBytes: number;
  /** String min/max statistics longer than this are left out. */
  statsMaxBytes: number;
  /** Target uncompressed size of a data page's values. */
  pageBytes: number;
}

/** Where the encoded pages go (the writer: compression, page headers, offsets). */
export interface PageSink {
  /** The page being built; the column writes its content, then calls `dictionaryPage` or `dataPage`. */
  readonly page: ByteBuffer;
  dictionaryPage(entries: number): void;
  dataPage(rows: number, encoding: number): void;
}

export interface ChunkResult {
  /** Dictionary-encoded (a dictionary page, then PLAIN_DICTIONARY data pages) or PLAIN. */
  dictionary: boolean;
  dataPages: number;
  nullCount: number;
  min: Uint8Array | undefined;
  max: Uint8Array | undefined;
}

const TWO_32 = 4294967296;
/** INT64 values 0 ≤ v < SMALL_INTS find their dictionary id in an array rather than a Map. */
const SMALL_INTS = 4096;
let int32Scratch = new Int32Array(1024);

export class ColumnBuffer {
  defs: Uint8Array;
  /** Nulls and non-null values in the rows buffered so far. */
  nulls = 0;
  count = 0;
  nums: Float64Array;
  bools: Uint8Array;
  ids: Uint16Array;
  min = Infinity;
  max = -Infinity;
  trues = 0;

  // Strings.
  /** Dictionary mode for the current row group. */
  dict: boolean;
  /** The dictionary overflowed once: later row groups start PLAIN. */
  private preferPlain = false;
  readonly plain = new ByteBuffer(0);
  private dictBytes = new ByteBuffer(0);
  private map = new Map<string, number>();
  // INT64 dictionary.
  private numMap = new Map<number, number>();
  /** id + 1 of the small values (0: not in the dictionary). */
  private smallIds: Int32Array;
  private dictNums = new Float64Array(0);
  private numEntries = 0;
  /** End offset in `dictBytes` of each dictionary entry. */
  private entryEnd = new Int32Array(0);
  /** Bytes the values would take as PLAIN (to decide whether the dictionary pays). */
  private plainSize = 0;
  private minStr: string | null = null;
  private lastString: string | null = null;
  private lastId = 0;
  private maxStr: string | null = null;

  constructor(
    readonly name: string,
    readonly kind: number,
    /** min/max statistics (not for JSON columns, whose values are long and never filtered on). */
    readonly stats: boolean,
    private readonly limits: ColumnLimits,
    capacity: number,
  ) {
    this.defs = new Uint8Array(capacity);
    this.nums = new Float64Array(kind === INT64 || kind === DOUBLE ? capacity : 0);
    this.bools = new Uint8Array(kind === BOOLEAN ? capacity : 0);
    this.ids = new Uint16Array(kind === STRING || kind === INT64 ? capacity : 0);
    this.smallIds = new Int32Array(kind === INT64 ? SMALL_INTS : 0);
    this.dict = kind === STRING || kind === INT64;
  }

  /** Room for `capacity` rows. */
  grow(capacity: number): void {
    this.defs = growTo(this.defs, capacity);
    if (this.nums.length) this.nums = growTo(this.nums, capacity);
    if (this.bools.length) this.bools = growTo(this.bools, capacity);
    if (this.ids.length && !this.preferPlain) this.ids = growTo(this.ids, capacity);
  }

  /** Bytes allocated for the buffered row group. */
  allocated(): number {
    return this.defs.byteLength + this.nums.byteLength + this.bools.byteLength + this.ids.byteLength +
      this.plain.buf.length + this.dictBytes.buf.length + this.entryEnd.byteLength + this.smallIds.byteLength + this.dictNums.byteLength;
  }

  /** Adds a string value; returns the bytes it added to the buffers (beyond the fixed per-row ones). */
  addString(s: string): number {
    if (!this.dict) return this.addPlain(s);
    // The previous value again (runs are common: status, currency…) costs a comparison, not a hash.
    if (s === this.lastString) {
      const id = this.lastId;
      this.ids[this.count++] = id;
      this.plainSize += this.entryEnd[id] - (id === 0 ? 0 : this.entryEnd[id - 1]);
      return 0;
    }
    let id = this.map.get(s);
    if (id === undefined) {
      id = this.map.size;
      if (id >= this.limits.maxDictEntries || this.dictBytes.len + s.length * 3 > this.limits.maxDictBytes) {
        // The dictionary (counted as its bytes + 16 per entry) becomes PLAIN bytes.
        const before = this.dictBytes.len + 16 * id;
        this.toPlain(true);
        return this.plain.len - before + this.addPlain(s);
      }
      this.map.set(s, id);
      appendUtf8(this.dictBytes, s);
      if (id >= this.entryEnd.length) this.entryEnd = growTo(this.entryEnd, Math.max(64, id * 2));
      this.entryEnd[id] = this.dictBytes.len;
      const bytes = this.dictBytes.len - (id === 0 ? 0 : this.entryEnd[id - 1]);
      this.ids[this.count++] = id;
      this.plainSize += bytes;
      this.lastString = s;
      this.lastId = id;
      return bytes + 16;
    }
    this.lastString = s;
    this.lastId = id;
    this.ids[this.count++] = id;
    this.plainSize += this.entryEnd[id] - (id === 0 ? 0 : this.entryEnd[id - 1]);
    return 0;
  }

  private addPlain(s: string): number {
    const pb = this.plain;
    const before = pb.len;
    const ascii = appendUtf8(pb, s);
    this.count++;
    if (this.stats) {
      const min = this.minStr;
      if (min === null) this.minStr = this.maxStr = s;
      else if (ascii) {
        // One ASCII side: UTF-16 order is UTF-8 byte order.
        if (s < min) this.minStr = s;
        else if (s > this.maxStr!) this.maxStr = s;
      } else if (compareUtf8(s, min) < 0) this.minStr = s;
      else if (compareUtf8(s, this.maxStr!) > 0) this.maxStr = s;
    }
    return pb.len - before;
  }

  /** `v` is a safe integer. */
  addInt64(v: number): void {
    const i = this.count++;
    this.nums[i] = v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (!this.dict) return;
    let id: number | undefined;
    if (v >= 0 && v < SMALL_INTS) id = this.smallIds[v] - 1;
    else id = this.numMap.get(v) ?? -1;
    if (id < 0) {
      id = this.numEntries;
      if (id >= this.limits.maxDictEntries) {
        this.dropNumberDictionary(true);
        return;
      }
      this.numEntries++;
      if (id >= this.dictNums.length) this.dictNums = growTo(this.dictNums, Math.max(64, id * 2));
      this.dictNums[id] = v;
      if (v >= 0 && v < SMALL_INTS) this.smallIds[v] = id + 1;
      else this.numMap.set(v, id);
    }
    this.ids[i] = id;
  }

  private dropNumberDictionary(overflow: boolean): void {
    for (let id = 0; id < this.numEntries; id++) {
      const v = this.dictNums[id];
      if (v >= 0 && v < SMALL_INTS) this.smallIds[v] = 0;
    }
    this.numEntries = 0;
    if (this.numMap.size) this.numMap = new Map();
    this.dict = false;
    if (overflow) this.forgetDictionary();
  }

  addDouble(v: number): void {
    this.nums[this.count++] = v;
    // NaN fails both tests: it never becomes min or max, as the format wants.
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  addBoolean(v: boolean): void {
    this.bools[this.count++] = v ? 1 : 0;
    if (v) this.trues++;
  }

  /** The dictionary-encoded values so far → PLAIN bytes; the column continues PLAIN. */
  private toPlain(overflow: boolean): void {
    const pb = this.plain;
    pb.len = 0;
    pb.ensure(this.plainSize);
    const src = this.dictBytes.buf;
    const dst = pb.buf;
    const ends = this.entryEnd;
    let p = 0;
    for (let i = 0; i < this.count; i++) {
      const id = this.ids[i];
      const start = id === 0 ? 0 : ends[id - 1];
      const end = ends[id];
      if (end - start <= 32) for (let k = start; k < end; k++) dst[p++] = src[k];
      else p += src.copy(dst, p, start, end);
    }
    pb.len = p;
    if (this.stats) this.dictionaryMinMax();
    this.dict = false;
    this.map = new Map();
    this.dictBytes.len = 0;
    if (overflow) this.forgetDictionary();
  }

  /** The dictionary overflowed: later row groups start PLAIN, and the dictionary's buffers go. */
  private forgetDictionary(): void {
    this.preferPlain = true;
    this.dictBytes = new ByteBuffer(0);
    this.entryEnd = new Int32Array(0);
    this.ids = new Uint16Array(0);
    this.smallIds = new Int32Array(0);
    this.dictNums = new Float64Array(0);
  }

  private dictionaryMinMax(): void {
    let min: string | null = null;
    let max: string | null = null;
    for (const s of this.map.keys()) {
      if (min === null || compareUtf8(s, min) < 0) min = s;
      if (max === null || compareUtf8(s, max) > 0) max = s;
    }
    this.minStr = min;
    this.maxStr = max;
  }

  /** Encodes the `rows` buffered rows as a column chunk's pages into `sink`, then forgets them. */
  encode(rows: number, sink: PageSink): ChunkResult {
    const { pageBytes } = this.limits;
    const page = sink.page;
    let dictionary = false;
    let width = 0;
    if (this.kind === STRING && this.dict) {
      const entries = this.map.size;
      width = bitWidth(entries - 1);
      const dictSize = this.dictBytes.len + Math.ceil((this.count * width) / 8);
      if (this.count === 0 || dictSize >= this.plainSize) this.toPlain(false);
      else {
        dictionary = true;
        if (this.stats) this.dictionaryMinMax();
        page.len = 0;
        page.bytes(this.dictBytes.buf, 0, this.dictBytes.len);
        sink.dictionaryPage(entries);
      }
    } else if (this.kind === INT64 && this.dict) {
      const entries = this.numEntries;
      width = bitWidth(entries - 1);
      if (this.count === 0 || entries * 8 + Math.ceil((this.count * width) / 8) >= this.count * 8) this.dropNumberDictionary(false);
      else {
        dictionary = true;
        page.len = 0;
        putInt64(this.dictNums, 0, entries, page);
        sink.dictionaryPage(entries);
      }
    }

    let dataPages = 0;
    let r0 = 0;
    let v0 = 0;
    let bp = 0; // byte offset in the PLAIN string buffer
    const defs = this.defs;
    const plainBuf = this.plain.buf;
    const fixedRows = Math.max(8, Math.floor(pageBytes / 8));
    while (r0 < rows) {
      let r1: number;
      let nv = 0;
      let bytes = 0;
      if (this.kind === STRING && !dictionary) {
        let r = r0;
        while (r < rows && bytes < pageBytes) {
          if (defs[r] === 1) {
            const at = bp + bytes;
            bytes += 4 + (plainBuf[at] | (plainBuf[at + 1] << 8) | (plainBuf[at + 2] << 16) | (plainBuf[at + 3] << 24));
            nv++;
          }
          r++;
        }
        r1 = r;
      } else {
        r1 = Math.min(rows, r0 + fixedRows);
        if (this.nulls === 0) nv = r1 - r0;
        else for (let r = r0; r < r1; r++) nv += defs[r];
      }

      page.len = 0;
      encodeDefinitionLevels(defs, r0, r1, r1 - r0 - nv, page);
      let encoding: number = Encoding.PLAIN;
      switch (this.kind) {
        case STRING:
          if (dictionary) {
            encoding = Encoding.PLAIN_DICTIONARY;
            page.u8(width);
            encodeHybrid(this.ids, v0, v0 + nv, width, 8, page);
          } else {
            page.bytes(plainBuf, bp, bp + bytes);
            bp += bytes;
          }
          break;
        case INT64:
          if (dictionary) {
            encoding = Encoding.PLAIN_DICTIONARY;
            page.u8(width);
            encodeHybrid(this.ids, v0, v0 + nv, width, 8, page);
          } else putInt64(this.nums, v0, nv, page);
          break;
        case DOUBLE:
          page.bytes(new Uint8Array(this.nums.buffer, this.nums.byteOffset + v0 * 8, nv * 8));
          break;
        case BOOLEAN:
          putBooleans(this.bools, v0, nv, page);
          break;
      }
      sink.dataPage(r1 - r0, encoding);
      dataPages++;
      v0 += nv;
      r0 = r1;
    }

    const result: ChunkResult = { dictionary, dataPages, nullCount: this.nulls, ...this.minMax() };
    this.reset();
    return result;
  }

  private minMax(): { min: Uint8Array | undefined; max: Uint8Array | undefined } {
    if (this.count === 0 || !this.stats) return { min: undefined, max: undefined };
    switch (this.kind) {
      case STRING: {
        const limit = this.limits.statsMaxBytes;
        const min = Buffer.from(this.minStr ?? '', 'utf8');
        const max = Buffer.from(this.maxStr ?? '', 'utf8');
        return { min: min.length <= limit ? min : undefined, max: max.length <= limit ? max : undefined };
      }
      case INT64:
        return { min: int64Bytes(this.min), max: int64Bytes(this.max) };
      case DOUBLE:
        if (this.min > this.max) return { min: undefined, max: undefined }; // only NaN
        // ±0: the format wants min -0 and max +0.
        return { min: doubleBytes(this.min === 0 ? -0 : this.min), max: doubleBytes(this.max === 0 ? 0 : this.max) };
      default:
        return { min: Uint8Array.of(this.trues === this.count ? 1 : 0), max: Uint8Array.of(this.trues > 0 ? 1 : 0) };
    }
  }

  private reset(): void {
    this.nulls = 0;
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.trues = 0;
    this.plain.len = 0;
    this.plainSize = 0;
    this.minStr = this.maxStr = null;
    if (this.kind === STRING) {
      this.lastString = null;
      if (this.map.size) this.map = new Map();
      this.dictBytes.len = 0;
    } else if (this.kind === INT64 && this.dict) this.dropNumberDictionary(false);
    this.dict = (this.kind === STRING || this.kind === INT64) && !this.preferPlain;
  }
}

/**
 * Appends `s` as a PLAIN BYTE_ARRAY (4-byte little-endian length, UTF-8 bytes); returns whether it was ASCII.
 * Short ASCII strings are copied by a loop (cheaper than a native call); the rest by Buffer's UTF-8 writer.
 */
export function appendUtf8(out: ByteBuffer, s: string): boolean {
  const n = s.length;
  out.ensure(4 + n * 3);
  const b = out.buf;
  const at = out.len;
  let p = at + 4;
  let ascii = true;
  if (n <= 48) {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      b[p++] = c;
    }
    if (!ascii) p = at + 4 + b.write(s, at + 4);
  } else {
    p = at + 4 + b.write(s, at + 4);
    ascii = p - at - 4 === n;
  }
  const len = p - at - 4;
  b[at] = len;
  b[at + 1] = len >>> 8;
  b[at + 2] = len >>> 16;
  b[at + 3] = len >>> 24;
  out.len = p;
  return ascii;
}

function putInt64(nums: Float64Array, from: number, n: number, out: ByteBuffer): void {
  if (int32Scratch.length < n * 2) int32Scratch = new Int32Array(grownCapacity(int32Scratch.length, n * 2));
  const w = int32Scratch;
  for (let k = 0; k < n; k++) {
    const v = nums[from + k];
    const hi = Math.floor(v / TWO_32);
    w[2 * k] = (v - hi * TWO_32) | 0;
    w[2 * k + 1] = hi;
  }
  out.bytes(new Uint8Array(w.buffer, 0, n * 8));
}

function putBooleans(bools: Uint8Array, from: number, n: number, out: ByteBuffer): void {
  out.ensure((n + 7) >>> 3);
  const b = out.buf;
  let p = out.len;
  let acc = 0;
  let bit = 0;
  for (let k = from; k < from + n; k++) {
    acc |= bools[k] << bit;
    if (++bit === 8) {
      b[p++] = acc;
      acc = 0;
      bit = 0;
    }
  }
  if (bit > 0) b[p++] = acc;
  out.len = p;
}

function int64Bytes(v: number): Uint8Array {
  const out = new Uint8Array(8);
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  const view = new DataView(out.buffer);
  view.setUint32(0, lo, true);
  view.setInt32(4, hi, true);
  return out;
}

function doubleBytes(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v, true);
  return out;
}

function growTo<T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a);
  return next;
}
