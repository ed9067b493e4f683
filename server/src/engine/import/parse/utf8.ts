/**
 * Bytes to text for the record readers.
 *
 * Each push becomes one "byte string": a latin1 decode (a native copy, ~8 GB/s), one character per byte. The
 * readers find delimiters, quotes, newlines and brackets in it with indexOf: those are ASCII, and no byte of a
 * multi-byte UTF-8 sequence is ASCII, so the structure is found exactly as in decoded text, and a character index
 * is a byte offset (checkpoints cost nothing). Only the values that hold bytes above 0x7f (`HighBytes`) are then
 * decoded as UTF-8, from the bytes: usually a few fields, where a full UTF-8 decode of a chunk with any non-ASCII
 * byte runs at ~400 MB/s, slower than the whole CSV reader.
 *
 * Validity: each push is cut at the end of its last complete UTF-8 sequence (the tail is carried to the next
 * push), then checked with isAscii / isUtf8 (simdutf, ~10 GB/s). Only a slice that fails is walked byte by byte
 * to find its invalid sequences, which the readers turn into a problem for the records that hold them.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { Checkpoint, ParsedRecord, ParseProblem, RecordReader } from '../types';

/** The first byte of an invalid UTF-8 sequence (a maximal invalid subpart, as the WHATWG decoder counts them). */
export interface BadByte {
  /** Its index in the text. */
  at: number;
  byte: number;
}

/** A run of bytes of the object, as a byte string. */
export interface Piece {
  text: string;
  /** The bytes themselves: a view of the caller's chunk, valid only during the push that made the piece (STALE after). */
  bytes: Buffer;
  /** Absolute byte offset of text[0] in the object. */
  offset: number;
  /** Every byte is below 0x80: nothing to decode. */
  ascii: boolean;
  bad: BadByte[] | undefined;
}

/** The bytes of a piece set aside past its push: the caller may reuse its chunk's memory. */
export const STALE = Buffer.alloc(0);

export function invalidUtf8Message(byte: number): string {
  return `invalid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')})`;
}

/** "Not found" for a cached search: beyond any index, and still a small integer for V8. */
export const NONE = 0x3fffffff;

/** indexOf's answer for a cached search. */
export function found(i: number): number {
  return i < 0 ? NONE : i;
}

export function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Finds the bytes above 0x7f (the values to decode as UTF-8) in a window's bytes, eight at a time through a
 * 32-bit view: ~3x faster than a regular expression over the byte string, and the readers ask often.
 */
export class HighBytes {
  private readonly words: Uint32Array;
  /** bytes[lead] is the first byte of words[0] (the view must be 4-byte aligned). */
  private readonly lead: number;

  constructor(private readonly bytes: Buffer) {
    const lead = (4 - (bytes.byteOffset & 3)) & 3;
    this.lead = Math.min(lead, bytes.length);
    this.words = lead < bytes.length ? new Uint32Array(bytes.buffer, bytes.byteOffset + lead, (bytes.length - lead) >>> 2) : new Uint32Array(0);
  }

  /** The index of the first byte above 0x7f at or after `from`, or `none`. */
  next(from: number, none: number): number {
    const b = this.bytes;
    const w = this.words;
    const len = b.length;
    let k = from <= this.lead ? 0 : (from - this.lead + 3) >>> 2;
    let i = from;
    for (const e = Math.min(len, this.lead + (k << 2)); i < e; i++) if (b[i] > 0x7f) return i;
    const n = w.length - 1;
    while (k < n && ((w[k] | w[k + 1]) & 0x80808080) === 0) k += 2;
    for (i = Math.max(from, this.lead + (k << 2)); i < len; i++) if (b[i] > 0x7f) return i;
    return none;
  }
}

const BOM = [0xef, 0xbb, 0xbf];

export class Utf8Decoder {
  /** Bytes of an incomplete sequence at the end of the last push (or a BOM prefix at the start). */
  private carry: Buffer | undefined;
  private bomPending: boolean;
  private offset: number;

  /** `start`: the absolute offset of the first byte pushed; a BOM is skipped only at 0 (not when resuming). */
  constructor(start: number) {
    this.offset = start;
    this.bomPending = start === 0;
  }

  push(chunk: Uint8Array): Piece | undefined {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) {
      buf = Buffer.concat([this.carry, buf]);
      this.carry = undefined;
    }
    if (this.bomPending) {
      // A BOM split across pushes: wait until three bytes decide it.
      if (buf.length < 3 && buf.every((b, i) => b === BOM[i])) {
        this.carry = Buffer.from(buf);
        return undefined;
      }
      this.bomPending = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
        this.offset += 3;
      }
    }
    const end = completeEnd(buf);
    // Copied: the caller may reuse its chunk's memory.
    if (end < buf.length) this.carry = Buffer.from(buf.subarray(end));
    return this.decode(buf.subarray(0, end));
  }

  /** End of the object: a sequence still incomplete is invalid. */
  end(): Piece | undefined {
    const rest = this.carry;
    this.carry = undefined;
    this.bomPending = false;
    return rest ? this.decode(rest) : undefined;
  }

  private decode(buf: Buffer): Piece | undefined {
    if (buf.length === 0) return undefined;
    const offset = this.offset;
    this.offset += buf.length;
    const text = buf.toString('latin1');
    if (isAscii(buf)) return { text, bytes: buf, offset, ascii: true, bad: undefined };
    return { text, bytes: buf, offset, ascii: false, bad: isUtf8(buf) ? undefined : invalidSequences(buf) };
  }
}

/** The end of the last complete sequence: a lead byte whose sequence needs more bytes than are left is carried. */
function completeEnd(buf: Buffer): number {
  const n = buf.length;
  let i = n - 1;
  // At most 3 continuation bytes can follow a lead byte.
  while (i >= 0 && i > n - 4 && (buf[i] & 0xc0) === 0x80) i--;
  if (i < 0) return n;
  const b = buf[i];
  const need = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return need > n - i ? i : n;
}

/** The slow path, for a slice that fails isUtf8: where each invalid sequence starts. */
function invalidSequences(buf: Buffer): BadByte[] {
  const bad: BadByte[] = [];
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 3;
      if (b === 0xe0) lo = 0xa0; // no overlong forms
      else if (b === 0xed) hi = 0x9f; // no UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    }
    let j = 1;
    if (need) {
      for (; j < need && i + j < n; j++) {
        const c = buf[i + j];
        if (c < lo || c > hi) break;
        lo = 0x80;
        hi = 0xbf;
      }
      if (j === need) {
        i += need;
        continue;
      }
    }
    bad.push({ at: i, byte: b });
    i += j;
  }
  return bad;
}

/**
 * The text a reader works on: what it kept of the previous text (a record cut by the end of a push) followed by
 * new pieces, with the invalid sequences in it.
 */
export class Window {
  text = '';
  /**
   * The bytes of text (bytes[i] is text.charCodeAt(i)), for the values decoded or unescaped from bytes. Rebuilt
   * on every refill: a fresh piece alone is used as it is (a view of the caller's chunk, valid during the push);
   * otherwise the text is copied back to bytes, so nothing refers to a chunk after its push.
   */
  bytes: Buffer = Buffer.alloc(0);
  /** Absolute byte offset of text[0]. */
  start: number;
  /** Every byte of text is below 0x80. */
  ascii = true;
  /** Invalid sequences in text, by index. */
  bad: BadByte[] = [];

  constructor(offset: number) {
    this.start = offset;
  }

  /** Drop the text before `from` and append the pieces. */
  refill(from: number, pieces: Piece[]): void {
    if (from > 0) {
      this.start += from;
      this.text = this.text.slice(from);
      if (this.bad.length) this.bad = this.bad.filter((b) => b.at >= from).map((b) => ({ at: b.at - from, byte: b.byte }));
    }
    if (this.text.length === 0) {
      this.ascii = true;
      if (pieces.length) this.start = pieces[0].offset;
    }
    let len = this.text.length;
    for (const p of pieces) {
      if (p.bad) for (const b of p.bad) this.bad.push({ at: len + b.at, byte: b.byte });
      if (!p.ascii) this.ascii = false;
      len += p.text.length;
    }
    if (pieces.length === 1 && this.text.length === 0 && pieces[0].bytes.length === pieces[0].text.length) {
      this.text = pieces[0].text;
      this.bytes = pieces[0].bytes;
    } else {
      this.text += pieces.map((p) => p.text).join('');
      this.bytes = Buffer.from(this.text, 'latin1');
    }
  }
}

/**
 * What the three readers share: bytes through the decoder, the window, and the checkpoint (an index into the
 * window, set after every record; a byte offset once the window drops the text it points into).
 */
export abstract class TextReader implements RecordReader {
  protected readonly win: Window;
  private readonly decoder: Utf8Decoder;
  /** The line at the reader's position (the start of the next record, or of the one cut by the end of a push). */
  protected line: number;
  /** Records and problems so far, counting those before a resume point. */
  protected count: number;
  /** The checkpoint: an index into win.text, or -1 when it lies before the text (then cpByte holds it). */
  protected cpIdx = -1;
  protected cpByte: number;
  protected cpLine: number;
  protected cpRecords: number;
  private ended = false;

  constructor(
    resume: Checkpoint | undefined,
    protected readonly onRecord: (r: ParsedRecord) => void,
    protected readonly onProblem: (p: ParseProblem) => void,
    /** Longest record kept in memory, in bytes: a longer one is a problem (an unterminated quote, usually). */
    protected readonly limit: number,
  ) {
    const start = resume?.offset ?? 0;
    this.decoder = new Utf8Decoder(start);
    this.win = new Window(start);
    this.cpByte = start;
    this.line = this.cpLine = resume?.line ?? 1;
    this.count = this.cpRecords = resume?.records ?? 0;
  }

  push(bytes: Uint8Array): void {
    if (this.ended) throw new Error('RecordReader.push after end()');
    const p = this.decoder.push(bytes);
    if (p) this.feed(p);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.finish(this.decoder.end());
  }

  checkpoint(): Checkpoint {
    return { offset: this.cpIdx >= 0 ? this.win.start + this.cpIdx : this.cpByte, line: this.cpLine, records: this.cpRecords };
  }

  /** Drop win.text before `from` and append the pieces, first turning a checkpoint inside the text into bytes. */
  protected refill(from: number, pieces: Piece[]): void {
    if (this.cpIdx >= 0) {
      this.cpByte = this.win.start + this.cpIdx;
      this.cpIdx = -1;
    }
    this.win.refill(from, pieces);
  }

  /** A record (or a record's problem) ends at win.text[idx], where the line is `line`. */
  protected mark(idx: number, line: number): void {
    this.cpIdx = idx;
    this.cpLine = line;
    this.cpRecords = ++this.count;
  }

  /** New text. */
  protected abstract feed(p: Piece): void;
  /** The end of the object, with the last text if any. */
  protected abstract finish(p: Piece | undefined): void;
}
