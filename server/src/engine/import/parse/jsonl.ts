/**
 * JSON Lines: one JSON value per line, blank lines skipped, \r\n accepted (JSON.parse takes the \r as whitespace).
 * The byte string of a push (utf8.ts) is cut at newlines with indexOf, a line with bytes above 0x7f is decoded,
 * and each line goes to JSON.parse: the cost is JSON.parse's.
 */
import { HighBytes, invalidUtf8Message, STALE, TextReader, type Piece } from './utf8';

const CR = 13;
const SPACE = 32;
const TAB = 9;

export class JsonLinesReader extends TextReader {
  /** Where the next run starts in win.text (a line cut by the end of the text). */
  private keep = 0;
  private deferred: Piece[] = [];
  private deferredChars = 0;
  /** The current line is longer than the limit: its text is dropped up to its newline, then reported. */
  private skipping = false;

  protected feed(p: Piece): void {
    this.deferred.push(p);
    // A line cut by the end of the text needs a newline to end: text without one is only set aside.
    if (this.keep < this.win.text.length || this.skipping) {
      if (p.text.indexOf('\n') < 0) {
        p.bytes = STALE;
        this.deferredChars += p.text.length;
        if (this.skipping ? this.deferredChars <= this.limit : this.win.text.length - this.keep + this.deferredChars <= this.limit) return;
      }
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
    const len = text.length;
    this.keep = len; // unless a line is cut
    const limit = this.limit;
    const bad = this.win.bad;
    let bi = 0;
    let nb = bad.length ? bad[0].at : len;
    // The next byte above 0x7f: a line before it needs no UTF-8 decoding.
    let na = this.win.ascii ? len : -1;
    const high = this.win.ascii ? undefined : new HighBytes(this.win.bytes);
    let line = this.line;
    let pos = 0;
    while (pos < len || (this.skipping && final)) {
      let end = text.indexOf('\n', pos);
      if (end < 0) {
        if (!final) {
          // Cut: keep the line's text unless it is already too long.
          if (this.skipping || len - pos > limit) {
            this.skipping = true;
            this.keep = len;
          } else this.keep = pos;
          break;
        }
        end = len;
      }
      const next = end < len ? end + 1 : len;
      const recLine = line;
      if (end < len) line++;
      if (nb < next) {
        // bad[bi] is the first invalid sequence of this line: every line before moved bi past its own.
        const byte = bad[bi].byte;
        while (bi < bad.length && bad[bi].at < next) bi++;
        nb = bi < bad.length ? bad[bi].at : len;
        if (!this.skipping && end - pos <= limit) {
          this.mark(next, line);
          this.onProblem({ line: recLine, message: invalidUtf8Message(byte) });
          pos = next;
          continue;
        }
      }
      if (this.skipping || end - pos > limit) {
        this.skipping = false;
        this.mark(next, line);
        this.onProblem({ line: recLine, message: `line longer than ${limit} bytes` });
        pos = next;
        continue;
      }
      const c = text.charCodeAt(pos);
      if ((c === SPACE || c === TAB || c === CR || end === pos) && isBlank(text, pos, end)) {
        pos = next;
        continue;
      }
      let value: unknown;
      try {
        if (na < pos) na = high!.next(pos, len);
        value = JSON.parse(na < end ? this.win.bytes.toString('utf8', pos, end) : text.slice(pos, end));
      } catch (e) {
        this.mark(next, line);
        this.onProblem({ line: recLine, message: `not valid JSON: ${(e as Error).message}` });
        pos = next;
        continue;
      }
      this.mark(next, line);
      this.onRecord({ line: recLine, value });
      pos = next;
    }
    this.line = line;
  }
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}
