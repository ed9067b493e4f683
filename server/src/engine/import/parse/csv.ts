/**
 * CSV and TSV (RFC 4180, with the delimiter of the file): fields may be quoted with `"`, a quote inside is doubled,
 * quoted fields may hold delimiters and newlines, records end with \n or \r\n, empty lines are skipped.
 *
 * Speed: the byte string of a whole push (see utf8.ts) is scanned with indexOf for the next delimiter, newline and
 * quote, each search cached until the scan passes its result, so each byte is looked at by native code about once
 * per kind; a field is one slice, decoded as UTF-8 only when it holds a byte above 0x7f (`na`, cached the same way).
 * A record cut by the end of a push keeps only its current field as text (the fields before are kept parsed),
 * and new text that cannot complete it (no newline, or no closing quote) is only set aside, so a long record
 * costs linear time however the bytes are chunked.
 */
import type { Checkpoint, ParsedRecord, ParseProblem } from '../types';
import { countNewlines, found, HighBytes, invalidUtf8Message, NONE, STALE, TextReader, type Piece } from './utf8';

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** A record cut by the end of the text: what is known of it, the text kept starting at its current field. */
interface Pending {
  line: number;
  fields: string[];
  /** Newlines inside its quoted fields before the kept text. */
  extra: number;
  /** Its characters before the kept text. */
  chars: number;
  err: string | undefined;
  /** First invalid byte before the kept text, or -1. */
  badByte: number;
  /** The kept text starts inside an unquoted field (after text that followed a closing quote), so a quote there is data. */
  mid: boolean;
  /** The kept text is a quoted field whose closing quote has not been seen yet. */
  open: boolean;
  /** open: the last character seen is a quote that the next character may double. */
  pendingQ: boolean;
  /** Longer than the limit: a problem whatever comes, so its text and fields are no longer kept. */
  tooLong: boolean;
}

export class CsvReader extends TextReader {
  /** The delimiter as bytes (a byte string): one byte unless it is a non-ASCII character. */
  private readonly delim: string;
  private readonly delimCode: number;
  private pend: Pending | undefined;
  /** Where the next run starts in win.text: what comes before has been read. */
  private keep = 0;
  /** Text set aside because it cannot complete the pending record. */
  private deferred: Piece[] = [];
  private deferredChars = 0;

  constructor(delimiter: string, resume: Checkpoint | undefined, onRecord: (r: ParsedRecord) => void, onProblem: (p: ParseProblem) => void, limit: number) {
    super(resume, onRecord, onProblem, limit);
    this.delim = Buffer.from(delimiter, 'utf8').toString('latin1');
    this.delimCode = this.delim.charCodeAt(0);
  }

  protected feed(p: Piece): void {
    this.deferred.push(p);
    const pend = this.pend;
    if (pend && !pend.tooLong && (pend.open ? closeQuote(p.text, pend) < 0 : p.text.indexOf('\n') < 0)) {
      p.bytes = STALE;
      this.deferredChars += p.text.length;
      if (pend.chars + this.win.text.length - this.keep + this.deferredChars <= this.limit) return;
    }
    this.run(false);
  }

  protected finish(p: Piece | undefined): void {
    if (p) this.deferred.push(p);
    this.run(true);
  }

  private run(final: boolean): void {
    this.refill(this.keep, this.deferred);
    this.deferred = [];
    this.deferredChars = 0;
    const text = this.win.text;
    const bytes = this.win.bytes;
    const len = text.length;
    this.keep = len; // unless a record is cut
    const delim = this.delim;
    const D = this.delimCode;
    const dl = delim.length;
    const limit = this.limit;
    const bad = this.win.bad;
    let bi = 0;
    let nb = bad.length ? bad[0].at : NONE;
    // Cached searches: the next delimiter, newline and quote at or after the position they were searched from.
    let nd = -1;
    let nn = -1;
    let nq = -1;
    // And the next byte above 0x7f: a field before it needs no UTF-8 decoding.
    let na = this.win.ascii ? NONE : -1;
    const high = this.win.ascii ? undefined : new HighBytes(bytes);
    let pos = 0;
    let line = this.line;
    let pend = this.pend;
    this.pend = undefined;

    for (;;) {
      let fields: string[];
      let recStart = pos;
      let extra = 0;
      let err: string | undefined;
      let badByte = -1;
      let chars = 0;
      let mid = false;
      let tooLong = false;
      let unterminated = false;
      if (pend) {
        ({ line, fields, extra, err, badByte, chars, mid, tooLong } = pend);
        if (pend.open && tooLong) {
          // Only the closing quote matters now; the newlines skipped still count for the lines after.
          const r = closeQuote(text, pend);
          extra += countNewlines(text, 0, r < 0 ? len : r);
          if (r < 0 && !final) {
            this.pend = { ...pend, extra };
            break;
          }
          unterminated = r < 0;
          pos = r < 0 ? len : r;
          mid = true;
        }
        pend = undefined;
      } else {
        if (pos >= len) break;
        const c = text.charCodeAt(pos);
        if (c === LF || (c === CR && text.charCodeAt(pos + 1) === LF)) {
          pos += c === LF ? 1 : 2; // an empty line
          line++;
          continue;
        }
        if (c === CR && pos + 1 >= len) {
          if (!final) {
            this.keep = pos; // an empty line if "\n" comes next
            break;
          }
          pos++; // a lone "\r" ends the file
          continue;
        }
        fields = [];
        recStart = pos;
      }

      let endNl = 0;
      let cut = -1;
      let open = false;
      let pendingQ = false;
      if (!unterminated)
        for (;;) {
          if (!mid && text.charCodeAt(pos) === QUOTE) {
            let q = text.indexOf('"', pos + 1);
            let v: string | undefined;
            if (q >= 0 && text.charCodeAt(q + 1) === QUOTE) {
              // Doubled quotes: unescape in one pass (-1: the text ends first; -2: it ends on a lone quote).
              q = unescapeQuoted(bytes, pos + 1, final);
              v = unescaped;
            }
            // Cut unless what follows the closing quote, which decides, is in the text.
            if (!final && (q < 0 || q + 1 >= len || (q + 2 >= len && text.charCodeAt(q + 1) === CR))) {
              cut = pos;
              open = q < 0 || q + 1 >= len;
              pendingQ = q === -2 || q + 1 >= len;
              break;
            }
            if (q < 0) {
              unterminated = true;
              extra += countNewlines(text, pos, len);
              pos = len;
              break;
            }
            if (v === undefined) {
              if (na < pos) na = high!.next(pos, NONE);
              v = na < q ? bytes.toString('utf8', pos + 1, q) : text.slice(pos + 1, q);
            }
            if (nn < pos) nn = found(text.indexOf('\n', pos));
            while (nn < q) {
              extra++;
              nn = found(text.indexOf('\n', nn + 1));
            }
            fields.push(v);
            pos = q + 1;
            const c = text.charCodeAt(pos);
            if (c === D && (dl === 1 || text.startsWith(delim, pos))) {
              pos += dl;
              continue;
            }
            if (c === LF || (c === CR && text.charCodeAt(pos + 1) === LF)) {
              pos += c === LF ? 1 : 2;
              endNl = 1;
              break;
            }
            if (pos >= len || (c === CR && pos + 1 >= len)) {
              pos = len; // the end of the file ends the record
              break;
            }
            // Text after the closing quote: the record is malformed; read on to the end of this field.
            err ??= `text after the closing quote of field ${fields.length}`;
            mid = true;
            continue;
          }

          let wasMid = mid;
          mid = false;
          if (nn < pos) nn = found(text.indexOf('\n', pos));
          // A run of unquoted fields: the common case, in a tight loop.
          for (;;) {
            if (nd < pos) nd = found(text.indexOf(delim, pos));
            if (nd >= nn) break;
            if (nq < pos) nq = found(text.indexOf('"', pos));
            if (nq < nd) err ??= strayQuote(fields.length + 1);
            if (na < pos) na = high!.next(pos, NONE);
            fields.push(na < nd ? bytes.toString('utf8', pos, nd) : text.slice(pos, nd));
            pos = nd + dl;
            wasMid = false;
            if (text.charCodeAt(pos) === QUOTE) break;
          }
          if (nd < nn) continue;
          let end = nn;
          if (nn === NONE) {
            if (!final) {
              cut = pos;
              mid = wasMid;
              break;
            }
            end = len;
          }
          if (nq < pos) nq = found(text.indexOf('"', pos));
          if (nq < end) err ??= strayQuote(fields.length + 1);
          const e = end > pos && text.charCodeAt(end - 1) === CR ? end - 1 : end;
          if (na < pos) na = high!.next(pos, NONE);
          fields.push(na < e ? bytes.toString('utf8', pos, e) : text.slice(pos, e));
          endNl = end < len ? 1 : 0;
          pos = end + endNl;
          break;
        }

      // Invalid UTF-8 in the record (or in the part of it read so far).
      const to = cut >= 0 ? cut : pos;
      if (nb < to) {
        if (badByte < 0) badByte = bad[bi].byte;
        while (bi < bad.length && bad[bi].at < to) bi++;
        nb = bi < bad.length ? bad[bi].at : NONE;
      }

      if (cut >= 0) {
        chars += cut - recStart;
        const pending: Pending = { line, fields, extra, chars, err, badByte, mid, open, pendingQ, tooLong };
        if (tooLong || chars + len - cut > limit) {
          // Too long to be a record: keep reading it to find where it ends, but no longer keep it.
          pending.tooLong = true;
          pending.fields = [];
          pending.extra += countNewlines(text, cut, len);
          if (!open && cut < len) pending.mid = true;
          this.keep = len;
        } else this.keep = cut;
        this.pend = pending;
        break;
      }

      const recLine = line;
      line += extra + endNl;
      // One problem per record, the most telling first.
      let message = err;
      if (unterminated) message = 'unterminated quoted field';
      else if (tooLong || chars + pos - recStart > limit) message = `record longer than ${limit} bytes (is a quoted field not closed?)`;
      else if (badByte >= 0) message = invalidUtf8Message(badByte);
      this.mark(pos, line);
      if (message === undefined) this.onRecord({ line: recLine, fields });
      else this.onProblem({ line: recLine, message });
    }
    this.line = line;
  }
}

/** The value unescapeQuoted read. */
let unescaped = '';

let scratch = Buffer.allocUnsafe(1 << 16);

/** A buffer of at least n bytes: one shared (runs do not overlap), or beyond 1 MB a one-off, not kept alive. */
function scratchBuffer(n: number): Buffer {
  if (n <= scratch.length) return scratch;
  const b = Buffer.allocUnsafe(Math.max(n, scratch.length * 2));
  if (b.length <= 1 << 20) scratch = b;
  return b;
}

/**
 * Read a quoted field with doubled quotes, its content starting at `from`, in one pass over the bytes that copies
 * them to a buffer (one quote of each pair) and decodes them once: the index of the closing quote, the value in
 * `unescaped`; -1 when the bytes end first, -2 when they end on a quote that the next push may double.
 */
function unescapeQuoted(bytes: Buffer, from: number, final: boolean): number {
  const len = bytes.length;
  let b = scratchBuffer(0);
  let w = 0;
  let high = 0;
  for (let i = from; i < len; i++) {
    if (w === b.length) {
      const bigger = scratchBuffer(w * 2);
      b.copy(bigger, 0, 0, w);
      b = bigger;
    }
    const c = bytes[i];
    if (c === QUOTE) {
      if (i + 1 >= len && !final) return -2;
      if (bytes[i + 1] !== QUOTE) {
        unescaped = b.toString(high & 0x80 ? 'utf8' : 'latin1', 0, w);
        return i;
      }
      i++;
    }
    b[w++] = c;
    high |= c;
  }
  return -1;
}

function strayQuote(field: number): string {
  return `a quote inside unquoted field ${field} (quote the whole field and double the quotes inside)`;
}

/**
 * Scan new text of an open quoted field for its closing quote: the index just after it, or -1 (pend.pendingQ
 * then tells whether the text ended on a quote that the next character may double).
 */
function closeQuote(t: string, pend: Pending): number {
  let i = 0;
  if (pend.pendingQ) {
    if (t.length === 0) return -1;
    pend.pendingQ = false;
    if (t.charCodeAt(0) !== QUOTE) return 0;
    i = 1;
  }
  for (;;) {
    const q = t.indexOf('"', i);
    if (q < 0) return -1;
    if (q + 1 >= t.length) {
      pend.pendingQ = true;
      return -1;
    }
    if (t.charCodeAt(q + 1) !== QUOTE) return q + 1;
    i = q + 2;
  }
}
