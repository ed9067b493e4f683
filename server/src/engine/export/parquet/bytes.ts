/**
 * Byte-level building blocks of the Parquet writer: a growable byte buffer, the RLE/bit-packing hybrid encoding
 * (definition levels and dictionary ids) and UTF-8 helpers. No per-value allocation: callers write into buffers that
 * grow geometrically and are reused from one row group to the next.
 */

/** Parquet is little-endian; typed-array views are copied as they are, which needs a little-endian platform. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Buffers grow by half their size, and at most by this much, so that their spare capacity stays bounded. */
const MAX_GROWTH = 16 << 20;

export function grownCapacity(current: number, needed: number): number {
  let cap = Math.max(current, 64);
  while (cap < needed) cap += Math.min(cap >>> 1, MAX_GROWTH);
  return cap;
}

/** A growable byte buffer. `buf` is a Node Buffer (for its native UTF-8 writer); `len` the bytes written. */
export class ByteBuffer {
  buf: Buffer;
  len = 0;

  constructor(capacity = 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const needed = this.len + n;
    if (needed > this.buf.length) {
      const next = Buffer.allocUnsafe(grownCapacity(this.buf.length, needed));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.len;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.len = p + 4;
  }

  /** Unsigned LEB128 varint of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.len;
    while (v >= 0x80) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[p++] = v;
    this.len = p;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    if (n < 32) {
      const b = this.buf;
      let p = this.len;
      for (let i = start; i < end; i++) b[p++] = src[i];
    } else {
      this.buf.set(src.subarray(start, end), this.len);
    }
    this.len += n;
  }

  /** A copy of the written bytes (the buffer itself is reused). */
  take(): Uint8Array {
    const out = new Uint8Array(this.len);
    out.set(this.buf.subarray(0, this.len));
    this.len = 0;
    return out;
  }
}

/** Bits needed for values 0..max (at least 1: some readers mishandle bit width 0). */
export function bitWidth(max: number): number {
  return max <= 1 ? 1 : 32 - Math.clz32(max);
}

/**
 * The RLE/bit-packing hybrid encoding of `values[start..end)` with `width` bits per value (width ≤ 16): runs of
 * at least `minRun` equal values become RLE runs, the rest bit-packed groups of 8 (the last group padded with 0).
 */
export function encodeHybrid(values: Uint8Array | Uint16Array, start: number, end: number, width: number, minRun: number, out: ByteBuffer): void {
  const valueBytes = (width + 7) >>> 3;
  let i = start;
  while (i < end) {
    const v = values[i];
    let j = i + 1;
    while (j < end && values[j] === v) j++;
    if (j - i >= minRun) {
      out.varint((j - i) * 2);
      out.ensure(valueBytes);
      for (let k = 0; k < valueBytes; k++) out.buf[out.len++] = (v >>> (8 * k)) & 0xff;
      i = j;
      continue;
    }
    // Bit-packed groups of 8 until a long run starts at a group boundary (or the end), at most 63 groups per
    // run (a one-byte header, as parquet-mr and Arrow write them).
    const from = i;
    let groups = 0;
    for (;;) {
      i += 8;
      groups++;
      if (i >= end || groups === 63) break;
      const w = values[i];
      let k = i + 1;
      const stop = Math.min(end, i + minRun);
      while (k < stop && values[k] === w) k++;
      if (k - i >= minRun) break;
    }
    out.varint(groups * 2 + 1);
    out.ensure(groups * width);
    const b = out.buf;
    let p = out.len;
    let acc = 0;
    let bits = 0;
    const last = from + groups * 8;
    for (let k = from; k < last; k++) {
      acc |= (k < end ? values[k] : 0) << bits;
      bits += width;
      while (bits >= 8) {
        b[p++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    out.len = p;
    if (i > end) i = end;
  }
}

/**
 * Definition levels (0 null, 1 value) of rows [start..end) with their 4-byte length prefix, as a DataPage v1
 * wants them. `nulls` of those rows are known: no nulls and all nulls are one RLE run without a scan.
 */
export function encodeDefinitionLevels(defs: Uint8Array, start: number, end: number, nulls: number, out: ByteBuffer): void {
  const at = out.len;
  out.u32(0);
  const n = end - start;
  if (n > 0 && (nulls === 0 || nulls === n)) {
    out.varint(n * 2);
    out.u8(nulls === 0 ? 1 : 0);
  } else if (n > 0) {
    encodeHybrid(defs, start, end, 1, 16, out);
  }
  const size = out.len - at - 4;
  const b = out.buf;
  b[at] = size;
  b[at + 1] = size >>> 8;
  b[at + 2] = size >>> 16;
  b[at + 3] = size >>> 24;
}

/**
 * Compares two strings in the order of their UTF-8 bytes (= code point order), which Parquet statistics use.
 * JavaScript's `<` compares UTF-16 code units, which differs only for a surrogate pair against U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800..DFFF) encode code points above U+FFFF: move them above U+E000..U+FFFF.
    if (x >= 0xd800) x = x < 0xe000 ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** True when every character is ASCII. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
