/**
 * The stdio transport's framing, made to survive a broken client. vscode-jsonrpc's reader stops at the first
 * bad header: it drops the rest of the chunk, reads the next message's bytes as headers, and a Content-Length
 * of 99999999999 makes it buffer everything that follows, for ever. The server then looks alive but answers
 * nothing. This filter sits between stdin and that reader: it passes on only well-formed frames, each with one
 * JSON-RPC message in it, and after garbage it finds the next `Content-Length:` header and goes on from there.
 * A body that is not JSON is answered with JSON-RPC's Parse error, one that is not a request, notification or
 * response with Invalid Request (both with id null, as JSON-RPC 2.0 says), instead of being silently dropped.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Larger than any config file an editor would send (a 10 MB policy is tested), small enough to hold in memory. */
export const MAX_BODY_BYTES = 128 * 1024 * 1024;
/** A header block is a few dozen bytes: past this without its blank line, the bytes are not a header. */
const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /content-length:/i;

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  error: { code: number; message: string };
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

/** What vscode-jsonrpc dispatches: a request or notification (a method), or a response (an id with result or error). */
function invalidReason(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'a JSON-RPC message is one JSON object (batches are not part of LSP)';
  const o = m as Record<string, unknown>;
  const idOk = o.id === undefined || typeof o.id === 'string' || typeof o.id === 'number' || (o.id === null && !('method' in o));
  if (!idOk) return 'the id must be a string or a number';
  if (typeof o.method === 'string') return undefined;
  if ('method' in o) return 'the method must be a string';
  if (o.id !== undefined && ('result' in o || 'error' in o)) return undefined;
  return 'a message needs a method (request or notification) or an id with a result or an error (response)';
}

/**
 * A Transform from raw stdin bytes to well-formed frames. `reply` receives the error response for a bad body;
 * `log` a line about each stretch of garbage skipped (the server's log, so a broken client can be debugged).
 */
export class FrameRepair extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Body length of the frame being read, once its header was accepted. */
  private bodyLength = -1;

  constructor(private readonly reply: (e: JsonRpcErrorResponse) => void, private readonly log: (line: string) => void = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    try {
      this.drain();
    } catch (e) {
      // Framing must never throw into the stream (that would end the connection): forget the buffer instead.
      this.log(`dropped ${this.size} unreadable bytes: ${(e as Error).message}`);
      this.chunks = [];
      this.size = 0;
      this.bodyLength = -1;
    }
    done();
  }

  private buffered(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): Buffer {
    const all = this.buffered();
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    return head;
  }

  /** Skip to the next `Content-Length:` after the first byte (or keep only a tail that may begin one). */
  private resync(why: string): void {
    const all = this.buffered();
    const text = all.toString('latin1');
    const next = text.slice(1).search(CONTENT_LENGTH);
    // Always at least one byte, so the loop moves on; without a next header keep a tail that may begin one.
    const skip = next >= 0 ? next + 1 : Math.max(1, all.length - 'content-length:'.length);
    this.log(`skipped ${skip} bytes that are not a JSON-RPC frame (${why})`);
    this.consume(skip);
  }

  private drain(): void {
    for (;;) {
      if (this.bodyLength < 0) {
        if (this.size === 0) return;
        const all = this.buffered();
        const end = all.indexOf(HEADER_END);
        if (end < 0) {
          if (all.length > MAX_HEADER_BYTES) this.resync('no end of header');
          else if (all.length > 0 && all.toString('latin1').search(CONTENT_LENGTH) > 0) this.resync('bytes before the header');
          if (this.size === all.length) return; // nothing skipped: wait for more bytes
          continue;
        }
        const length = this.contentLength(all.subarray(0, end).toString('latin1'));
        if (typeof length === 'string') {
          this.resync(length);
          continue;
        }
        this.consume(end + HEADER_END.length);
        this.bodyLength = length;
      }
      if (this.size < this.bodyLength) return;
      const body = this.consume(this.bodyLength);
      this.bodyLength = -1;
      this.forward(body);
    }
  }

  /** The Content-Length of a header block, or why the block is not a header. */
  private contentLength(block: string): number | string {
    let length: number | string = 'no Content-Length header';
    for (const line of block.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) return `header line without a name: ${JSON.stringify(line.slice(0, 40))}`;
      if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
      const value = line.slice(colon + 1).trim();
      if (!/^\d{1,12}$/.test(value)) return `Content-Length is not a number: ${JSON.stringify(value.slice(0, 40))}`;
      length = Number(value);
      if (length > MAX_BODY_BYTES) return `Content-Length ${value} is over the ${MAX_BODY_BYTES}-byte limit`;
    }
    return length;
  }

  private forward(body: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (e) {
      this.log(`a ${body.length}-byte body is not JSON: ${(e as Error).message}`);
      this.reply({ jsonrpc: '2.0', id: null, error: { code: PARSE_ERROR, message: `Parse error: the message body is not JSON (${(e as Error).message}).` } });
      return;
    }
    const why = invalidReason(message);
    if (why) {
      const id = (message as { id?: unknown } | null)?.id;
      const usable = typeof id === 'string' || typeof id === 'number' ? id : null;
      this.reply({ jsonrpc: '2.0', id: usable, error: { code: INVALID_REQUEST, message: `Invalid Request: ${why}.` } });
      return;
    }
    this.push(Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'));
    this.push(body);
  }
}
