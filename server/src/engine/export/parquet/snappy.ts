/**
 * Snappy compression (the raw block format Parquet uses: a varint of the uncompressed length, then literal and
 * copy elements). A greedy matcher over a hash table of 4-byte sequences, 64 KiB fragments compressed
 * independently, with the reference implementation's skipping heuristic for incompressible input: the same
 * algorithm as Google's snappy, so its output size is comparable.
 */
import { ByteBuffer } from './bytes';

const FRAGMENT = 1 << 16;
const MAX_TABLE_BITS = 14;
const table = new Uint16Array(1 << MAX_TABLE_BITS);
/** No match is searched within the last bytes of a fragment (the reference's kInputMarginBytes). */
const MARGIN = 15;

/** Upper bound of the compressed size of `n` bytes. */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.ceil(n / 6);
}

/** Appends the Snappy compression of `src[start..end)` to `out`. */
export function snappyCompress(src: Uint8Array, start: number, end: number, out: ByteBuffer): void {
  out.ensure(maxCompressedLength(end - start));
  out.varint(end - start);
  let op = out.len;
  const dst = out.buf;
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let p = start; p < end; p += FRAGMENT) op = fragment(src, view, p, Math.min(end, p + FRAGMENT), dst, op);
  out.len = op;
}

function fragment(src: Uint8Array, view: DataView, start: number, end: number, dst: Uint8Array, op: number): number {
  const size = end - start;
  let nextEmit = start;
  if (size >= MARGIN) {
    let bits = 8;
    while (bits < MAX_TABLE_BITS && 1 << bits < size) bits++;
    const shift = 32 - bits;
    table.fill(0, 0, 1 << bits);
    const limit = end - MARGIN;
    let ip = start + 1;
    let nextHash = Math.imul(view.getInt32(ip, true), 0x1e35a7bd) >>> shift;
    outer: for (;;) {
      // Find a 4-byte match, skipping faster and faster through incompressible data.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const hash = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (nextIp > limit) break outer;
        nextHash = Math.imul(view.getInt32(nextIp, true), 0x1e35a7bd) >>> shift;
        candidate = start + table[hash];
        table[hash] = ip - start;
      } while (view.getInt32(ip, true) !== view.getInt32(candidate, true));

      op = literal(src, nextEmit, ip, dst, op);

      // Copies, for as long as the next bytes match again immediately.
      let again: boolean;
      do {
        const base = ip;
        let s = candidate + 4;
        ip += 4;
        while (ip + 4 <= end && view.getInt32(s, true) === view.getInt32(ip, true)) {
          s += 4;
          ip += 4;
        }
        while (ip < end && src[s] === src[ip]) {
          s++;
          ip++;
        }
        op = copy(base - candidate, ip - base, dst, op);
        nextEmit = ip;
        if (ip >= limit) break outer;
        table[Math.imul(view.getInt32(ip - 1, true), 0x1e35a7bd) >>> shift] = ip - 1 - start;
        const hash = Math.imul(view.getInt32(ip, true), 0x1e35a7bd) >>> shift;
        candidate = start + table[hash];
        table[hash] = ip - start;
        again = view.getInt32(ip, true) === view.getInt32(candidate, true);
      } while (again);
      ip++;
      nextHash = Math.imul(view.getInt32(ip, true), 0x1e35a7bd) >>> shift;
    }
  }
  if (nextEmit < end) op = literal(src, nextEmit, end, dst, op);
  return op;
}

function literal(src: Uint8Array, from: number, to: number, dst: Uint8Array, op: number): number {
  const n = to - from - 1;
  if (n < 60) dst[op++] = n << 2;
  else if (n < 0x100) {
    dst[op++] = 60 << 2;
    dst[op++] = n;
  } else if (n < 0x10000) {
    dst[op++] = 61 << 2;
    dst[op++] = n;
    dst[op++] = n >>> 8;
  } else {
    dst[op++] = 62 << 2;
    dst[op++] = n;
    dst[op++] = n >>> 8;
    dst[op++] = n >>> 16;
  }
  if (to - from <= 64) {
    for (let i = from; i < to; i++) dst[op++] = src[i];
    return op;
  }
  dst.set(src.subarray(from, to), op);
  return op + (to - from);
}

function copy(offset: number, len: number, dst: Uint8Array, op: number): number {
  while (len >= 68) {
    op = copyUpTo64(offset, 64, dst, op);
    len -= 64;
  }
  if (len > 64) {
    op = copyUpTo64(offset, 60, dst, op);
    len -= 60;
  }
  return copyUpTo64(offset, len, dst, op);
}

function copyUpTo64(offset: number, len: number, dst: Uint8Array, op: number): number {
  if (len < 12 && offset < 2048) {
    dst[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    dst[op++] = offset & 0xff;
  } else {
    dst[op++] = 2 | ((len - 1) << 2);
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;
  }
  return op;
}
