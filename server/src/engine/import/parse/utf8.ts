/**
 * Bytes to text for the record readers: chunks are decoded in big slices (one native decode per push), cut at
 * the last complete UTF-8 sequence so that no character is split, and the few slices that are not valid UTF-8
 * are decoded on a slow path that remembers where each invalid sequence went, so that the reader can refuse
 * exactly the records that hold one. `Window` keeps the text a reader has not consumed yet and maps its
 * character indexes back to byte offsets of the object, for checkpoints.
 */
import { isUtf8 } from 'node:buffer';
import type { Checkpoint, ParsedRecord, ParseProblem, RecordReader } from '../types';

/** One invalid sequence, decoded as a single U+FFFD. */
export interface BadBytes {
  /** Index of its U+FFFD in the text. */
  at: number;
  /** Its first byte, for the message. */
  byte: number;
  /** How many bytes it spans (1-3): offsets must count those, not the 3 bytes of a real U+FFFD. */
  len: number;
}

/** The text of a run of bytes of the object. */
export interface Piece {
  text: string;
  /** Absolute byte offset of text[0] in the object. */
  offset: number;
  /** Bytes the text was decoded from. */
  bytes: number;
  bad: BadBytes[] | undefined;
}

export function invalidUtf8Message(byte: number): string {
  return `invalid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')})`;
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
    // The fast path: one native validity check (simdutf) and one native decode for the whole slice.
    if (isUtf8(buf)) return { text: buf.toString('utf8'), offset, bytes: buf.length, bad: undefined };
    return decodeInvalid(buf, offset);
  }
}

/** The end of the last complete sequence: a lead byte whose sequence needs more bytes than are left is kept. */
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

/**
 * The slow path: decode valid runs natively and put one U+FFFD for each maximal invalid subpart (as the WHATWG
 * decoder does), recording where it went. Only slices that fail isUtf8 come here.
 */
function decodeInvalid(buf: Buffer, offset: number): Piece {
  const parts: string[] = [];
  const bad: BadBytes[] = [];
  let chars = 0;
  let from = 0;
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
      if (b === 0xe0) lo = 0xa0;
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
    if (i > from) {
      const s = buf.toString('utf8', from, i);
      parts.push(s);
      chars += s.length;
    }
    parts.push('\ufffd');
    bad.push({ at: chars, byte: b, len: j });
    chars++;
    i += j;
    from = i;
  }
  if (from < n) parts.push(buf.toString('utf8', from, n));
  return { text: parts.join(''), offset, bytes: n, bad };
}

/**
 * The text a reader works on: what it kept of the previous text (a record cut by the end of a push) followed by
 * new pieces, with the invalid sequences in it and the byte offsets of its ends.
 */
export class Window {
  text = '';
  /** Absolute byte offset of text[0]. */
  start: number;
  /** Absolute byte offset just after the text. */
  end: number;
  /** Invalid sequences in text, by index. */
  bad: BadBytes[] = [];
  /** Every character is one byte (ASCII, no invalid sequence): the common case, where offsets cost nothing. */
  private simple = true;

  constructor(offset: number) {
    this.start = this.end = offset;
  }

  /** Drop the text before `from` and append the pieces. */
  refill(from: number, pieces: Piece[]): void {
    if (from > 0) {
      if (from >= this.text.length) {
        this.text = '';
        this.start = this.end;
      } else {
        this.start = this.byteAt(from);
        this.text = this.text.slice(from);
      }
      if (this.bad.length) this.bad = this.bad.filter((b) => b.at >= from).map((b) => ({ ...b, at: b.at - from }));
    }
    if (this.text.length === 0) {
      this.simple = true;
      if (pieces.length) this.start = this.end = pieces[0].offset;
    }
    if (pieces.length === 0) return;
    let len = this.text.length;
    for (const p of pieces) {
      if (p.bad) for (const b of p.bad) this.bad.push({ at: len + b.at, byte: b.byte, len: b.len });
      // Valid UTF-8 decodes to as many UTF-16 units as bytes only when it is all ASCII.
      if (p.bad || p.text.length !== p.bytes) this.simple = false;
      len += p.text.length;
      this.end += p.bytes;
    }
    this.text = pieces.length === 1 && this.text.length === 0 ? pieces[0].text : this.text + pieces.map((p) => p.text).join('');
  }

  /** The absolute byte offset of text[i]. */
  byteAt(i: number): number {
    if (this.simple) return this.start + i;
    const t = this.text;
    // Count from the nearer end: checkpoints are usually taken near the end of the text.
    if (i * 2 >= t.length) return this.end - Buffer.byteLength(t.slice(i), 'utf8') - this.correction(i, t.length);
    return this.start + Buffer.byteLength(t.slice(0, i), 'utf8') + this.correction(0, i);
  }

  /** Bytes to add for the invalid sequences in [from, to): each counts 3 bytes in byteLength, not its own length. */
  private correction(from: number, to: number): number {
    let c = 0;
    for (const b of this.bad) if (b.at >= from && b.at < to) c += b.len - 3;
    return c;
  }
}

/**
 * What the three readers share: bytes through the decoder, the window, and the checkpoint, which is kept as an
 * index into the window (cheap to set after every record) and turned into a byte offset only when asked for or
 * when the window drops the text it points into.
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
    /** Longest record kept in memory, in characters: a longer one is a problem (an unterminated quote, usually). */
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
    return { offset: this.cpIdx >= 0 ? this.win.byteAt(this.cpIdx) : this.cpByte, line: this.cpLine, records: this.cpRecords };
  }

  /** Drop win.text before `from` and append the pieces, first turning a checkpoint inside the text into bytes. */
  protected refill(from: number, pieces: Piece[]): void {
    if (this.cpIdx >= 0) {
      this.cpByte = this.win.byteAt(this.cpIdx);
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
