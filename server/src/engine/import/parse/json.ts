/**
 * A JSON array of objects, streamed: a small scanner follows strings, escapes and nesting depth to find where each
 * element ends (the first `,` or `]` outside strings at depth 0), and JSON.parse reads the element. Only the
 * element being read is kept: memory is bounded by the largest element, never the file. Each push is scanned on
 * its own; an element cut by the end of a push is kept as a list of parts, joined once when it ends.
 */
import type { Checkpoint, ParsedRecord, ParseProblem } from '../types';
import { found, HighBytes, invalidUtf8Message, NONE, TextReader, type Piece } from './utf8';

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const COMMA = 44;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

const enum At {
  /** Before the array: whitespace, then `[`. */
  Start,
  /** After `[`: an element or `]`. */
  First,
  /** After `,`: an element (or `]`: a trailing comma is let through). */
  Next,
  /** Inside an element. */
  Element,
  /** After an element (where a checkpoint resumes): `,` or `]`. */
  Separator,
  /** After `]`: only whitespace. */
  Done,
  /** Nothing more is read. */
  Stop,
}

export const NOT_AN_ARRAY = 'the file must hold a JSON array of objects ([{…}, {…}]), or use JSON Lines (one object per line, .jsonl)';

export class JsonArrayReader extends TextReader {
  private at: At;
  // The element being scanned.
  private depth = 0;
  private inString = false;
  /** The previous text ended on a backslash inside a string: the first character of the next is escaped. */
  private escaped = false;
  private parts: string[] = [];
  private partChars = 0;
  /** A part holds a byte above 0x7f: the element must be decoded as UTF-8. */
  private partsHigh = false;
  private elemLine = 0;
  private elemBad = -1;
  private tooLong = false;

  constructor(resume: Checkpoint | undefined, onRecord: (r: ParsedRecord) => void, onProblem: (p: ParseProblem) => void, limit: number) {
    super(resume, onRecord, onProblem, limit);
    // A checkpoint is taken right after an element; one at offset 0 is the start of the file.
    this.at = resume && resume.offset > 0 ? At.Separator : At.Start;
  }

  protected feed(p: Piece): void {
    if (this.at !== At.Stop) this.run(p);
  }

  protected finish(p: Piece | undefined): void {
    if (p && this.at !== At.Stop) this.run(p);
    const line = this.line;
    if (this.at === At.Element) {
      const end = this.win.text.length;
      if (this.inString || this.depth > 0) {
        this.at = At.Stop;
        this.mark(end, line);
        this.onProblem({ line: this.elemLine, message: 'the file ends inside an element: the array is not closed' });
        return;
      }
      // A complete last element (its text is in `parts`), then the `]` is missing.
      this.endElement('', 0, 0, NONE, false, line, end);
    }
    if (this.at === At.First || this.at === At.Next || this.at === At.Separator) {
      this.onProblem({ line, message: 'the file ends before the closing ] of the array' });
    }
    this.at = At.Stop;
  }

  /**
   * The element [start, end) of text (after the parts kept from earlier texts) ends; `nb`: its first invalid
   * sequence; `high`: it holds a byte above 0x7f.
   */
  private endElement(text: string, start: number, end: number, nb: number, high: boolean, sepLine: number, sepIdx = end): void {
    const bad = this.elemBad >= 0 ? this.elemBad : nb < end ? this.win.bad.find((b) => b.at >= start)!.byte : -1;
    const chars = this.partChars + end - start;
    const empty = chars === 0;
    let body = '';
    if (!(this.tooLong || chars > this.limit || bad >= 0 || empty)) {
      if (!this.parts.length) body = high ? this.win.bytes.toString('utf8', start, end) : text.slice(start, end);
      else {
        body = this.parts.join('') + text.slice(start, end);
        if (high || this.partsHigh) body = Buffer.from(body, 'latin1').toString('utf8');
      }
    }
    const line = this.elemLine;
    const tooLong = this.tooLong || chars > this.limit;
    this.parts = [];
    this.partChars = 0;
    this.partsHigh = false;
    this.elemBad = -1;
    this.tooLong = false;
    this.at = At.Separator;
    this.mark(sepIdx, sepLine);
    if (tooLong) return this.onProblem({ line, message: `element longer than ${this.limit} bytes` });
    if (bad >= 0) return this.onProblem({ line, message: invalidUtf8Message(bad) });
    if (empty) return this.onProblem({ line, message: 'an empty element (a comma too many)' });
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (e) {
      return this.onProblem({ line, message: `not valid JSON: ${(e as Error).message}` });
    }
    this.onRecord({ line, value });
  }

  private run(piece: Piece): void {
    // Each text is read on its own: what an element cut by its end needs is in `parts`.
    this.refill(this.win.text.length, [piece]);
    const text = this.win.text;
    const len = text.length;
    const bad = this.win.bad;
    let bi = 0;
    let nb = bad.length ? bad[0].at : NONE;
    // The next byte above 0x7f: an element before it needs no UTF-8 decoding.
    let na = this.win.ascii ? NONE : -1;
    const high = this.win.ascii ? undefined : new HighBytes(this.win.bytes);
    // Lines are counted only up to where one is needed: `nl` is the next newline not counted yet.
    let line = this.line;
    let nl = found(text.indexOf('\n'));
    const lineAt = (i: number): number => {
      while (nl < i) {
        line++;
        nl = found(text.indexOf('\n', nl + 1));
      }
      return line;
    };
    let pos = 0;
    let start = 0;
    /** Cached search: the next backslash at or after where it was searched from. */
    let nbs = -1;
    while (pos < len) {
      const at = this.at;
      if (at === At.Element) {
        // The scanner: strings skipped with indexOf, the rest a character at a time.
        let p = pos;
        let depth = this.depth;
        let inString = this.inString;
        if (this.escaped) {
          this.escaped = false;
          p++;
        }
        let end = -1;
        scan: while (p < len) {
          if (inString) {
            // The next quote ends the string unless a backslash escapes it: escapes are walked only when the
            // string has a backslash before that quote (the cached search `nbs` says so).
            const q = text.indexOf('"', p);
            const to = q < 0 ? len : q;
            if (nbs < p) nbs = found(text.indexOf('\\', p));
            if (nbs < to) {
              let e = nbs;
              while (e < to) {
                p = e + 2;
                e = found(text.indexOf('\\', p));
              }
              nbs = e;
              if (p > to) {
                if (q < 0) break; // the text ends on a backslash: p = len + 1
                continue; // an escaped quote: look for the next one
              }
            }
            if (q < 0) {
              p = len;
              break;
            }
            inString = false;
            p = q + 1;
          }
          for (; p < len; p++) {
            const c = text.charCodeAt(p);
            if (c === QUOTE) {
              inString = true;
              p++;
              continue scan;
            }
            if (c === LBRACE || c === LBRACKET) depth++;
            else if (c === RBRACE || c === RBRACKET) {
              if (depth > 0) depth--;
              else if (c === RBRACKET) {
                end = p;
                break scan;
              }
            } else if (c === COMMA && depth === 0) {
              end = p;
              break scan;
            }
          }
        }
        this.depth = depth;
        this.inString = inString;
        if (end < 0) {
          // Cut by the end of the text: keep what was read, unless it is too long to be kept.
          if (p > len) this.escaped = true;
          if (this.elemBad < 0 && nb < len) this.elemBad = bad.find((b) => b.at >= start)!.byte;
          if (na < start) na = high!.next(start, NONE);
          if (na < len) this.partsHigh = true;
          this.partChars += len - start;
          if (this.tooLong || this.partChars > this.limit) {
            this.tooLong = true;
            this.parts = [];
          } else this.parts.push(start === 0 ? text : text.slice(start));
          pos = len;
          break;
        }
        if (na < start) na = high!.next(start, NONE);
        this.endElement(text, start, end, nb >= start ? nb : NONE, na < end, lineAt(end));
        while (bi < bad.length && bad[bi].at < end) bi++;
        nb = bi < bad.length ? bad[bi].at : NONE;
        pos = end;
        continue;
      }
      const c = text.charCodeAt(pos);
      if (c === SPACE || c === LF || c === CR || c === TAB) {
        pos++;
        continue;
      }
      if (at === At.Start) {
        if (c === LBRACKET) {
          this.at = At.First;
          pos++;
          continue;
        }
        this.stop(lineAt(pos), NOT_AN_ARRAY);
        return;
      }
      if (at === At.Separator) {
        if (c === COMMA) this.at = At.Next;
        else if (c === RBRACKET) this.at = At.Done;
        else return this.stop(lineAt(pos), 'expected , or ] after an element (is the checkpoint from another version of the file?)');
        pos++;
        continue;
      }
      if (at === At.Done) {
        this.onProblem({ line: lineAt(pos), message: 'text after the closing ] of the array' });
        this.at = At.Stop;
        return;
      }
      if (c === RBRACKET && at === At.First) {
        this.at = At.Done;
        pos++;
        continue;
      }
      if (c === RBRACKET && at === At.Next) {
        this.at = At.Done; // [1, 2,]: a trailing comma, harmless
        pos++;
        continue;
      }
      // An element starts.
      this.at = At.Element;
      this.depth = 0;
      this.inString = false;
      this.elemLine = lineAt(pos);
      start = pos;
    }
    lineAt(len);
    this.line = line;
  }

  private stop(line: number, message: string): void {
    this.at = At.Stop;
    this.onProblem({ line, message, fatal: true });
  }
}
