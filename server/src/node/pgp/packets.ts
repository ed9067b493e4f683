/**
 * Reading OpenPGP packet framing from a byte stream (RFC 4880 §4.2, RFC 9580 §4.2): headers of the old and the new
 * format, and bodies of definite, partial or indeterminate length, pulled on demand so memory stays bounded.
 */

/** A pull reader over chunks of bytes: what a parser needs, nothing copied unless it asks for a contiguous run. */
export class ByteReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private done = false;
  /** Every chunk taken from the source while recording, to replay the input from its start. */
  private recorded: Buffer[] | undefined;
  /** A pull from the source in flight. */
  private pulling: Promise<void> | undefined;
  /** Set by replay(): the source belongs to the replay now. */
  private detached = false;
  /** The source's own end was seen (not the end a detached reader reports). */
  private sourceDone = false;

  private readonly it: AsyncIterator<Buffer>;

  constructor(source: AsyncIterator<Buffer> | AsyncIterable<Buffer>, record = false) {
    this.it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source;
    if (record) this.recorded = [];
  }

  /** Whether at least `n` bytes are there (reading more from the source as needed). */
  async need(n: number): Promise<boolean> {
    while (this.size < n && !this.done) {
      // Handed over to a replay: to whatever still reads from here (a decompressor's read-ahead), the input ends.
      if (this.detached) {
        this.done = true;
        break;
      }
      await (this.pulling ??= this.pullOne());
    }
    return this.size >= n;
  }

  /** One chunk from the source, recorded before the promise settles (so a replay waiting on it has it). */
  private async pullOne(): Promise<void> {
    try {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        this.sourceDone = true;
      } else if (r.value.length) {
        this.recorded?.push(r.value);
        this.chunks.push(r.value);
        this.size += r.value.length;
      }
    } finally {
      this.pulling = undefined;
    }
  }

  async atEnd(): Promise<boolean> {
    return !(await this.need(1));
  }

  /** The next `n` bytes, which `need(n)` has made sure are there, as one buffer. */
  take(n: number): Buffer {
    if (n > this.size) throw new Error(`internal: take(${n}) with ${this.size} bytes buffered`);
    return this.chunks[0].length >= n ? this.takeFirst(n) : Buffer.concat(this.takeRuns(n));
  }

  /** Up to `max` bytes as they lie (at least one unless at the end): for bodies, with no copy. */
  async takeSome(max: number): Promise<Buffer | undefined> {
    if (!(await this.need(1))) return undefined;
    return this.takeFirst(Math.min(max, this.chunks[0].length));
  }

  /** What is buffered, then the rest of the source: to hand the remaining bytes on as a stream. */
  async *rest(): AsyncGenerator<Buffer> {
    while (this.chunks.length) yield this.takeFirst(this.chunks[0].length);
    for (let c = await this.takeSome(Infinity); c; c = await this.takeSome(Infinity)) yield c;
  }

  /**
   * The input replayed whole: what was recorded (recording must have been on from the start), then the rest of the
   * source. This reader gives nothing more after it: a read still in flight is waited for and lands in the replay.
   */
  async replay(): Promise<AsyncIterable<Buffer>> {
    this.detached = true;
    while (this.pulling) await this.pulling.catch(() => undefined);
    const recorded = this.recorded ?? [];
    this.recorded = undefined;
    const it = this.it;
    const done = this.sourceDone;
    return {
      async *[Symbol.asyncIterator]() {
        yield* recorded;
        if (done) return;
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
      },
    };
  }

  stopRecording(): void {
    this.recorded = undefined;
  }

  private takeFirst(n: number): Buffer {
    const head = this.chunks[0];
    const out = n === head.length ? head : head.subarray(0, n);
    if (n === head.length) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.size -= n;
    return out;
  }

  private takeRuns(n: number): Buffer[] {
    const runs: Buffer[] = [];
    while (n > 0) {
      const run = this.takeFirst(Math.min(n, this.chunks[0].length));
      runs.push(run);
      n -= run.length;
    }
    return runs;
  }
}

export interface PacketHeader {
  tag: number;
  /** The body's length, or of its first part when `partial`; absent when indeterminate (old format, to the end). */
  length?: number;
  partial: boolean;
  /** The header's own bytes (to hand a whole packet on). */
  bytes: Buffer;
}

/** Thrown for framing that breaks off or cannot be a packet. */
export class FramingError extends Error {
  override name = 'FramingError';
}

/** The next packet's header, or undefined at the end of the input. */
export async function readHeader(r: ByteReader): Promise<PacketHeader | undefined> {
  if (!(await r.need(1))) return undefined;
  const first = r.take(1);
  const ctb = first[0];
  if (!(ctb & 0x80)) throw new FramingError(`not a packet header (0x${ctb.toString(16)})`);
  if (ctb & 0x40) {
    const len = await newLength(r);
    return { tag: ctb & 0x3f, length: len.length, partial: len.partial, bytes: Buffer.concat([first, len.bytes]) };
  }
  const type = ctb & 3;
  const tag = (ctb >> 2) & 0xf;
  if (type === 3) return { tag, partial: false, bytes: first };
  const n = [1, 2, 4][type];
  if (!(await r.need(n))) throw new FramingError('the input ends inside a packet header');
  const b = r.take(n);
  return { tag, length: n === 1 ? b[0] : n === 2 ? b.readUInt16BE(0) : b.readUInt32BE(0), partial: false, bytes: Buffer.concat([first, b]) };
}

/** New-format length octets: definite (1, 2 or 5 octets) or a partial part of 2^k octets. */
async function newLength(r: ByteReader): Promise<{ length: number; partial: boolean; bytes: Buffer }> {
  if (!(await r.need(1))) throw new FramingError('the input ends inside a packet header');
  const o = r.take(1);
  const v = o[0];
  if (v < 192) return { length: v, partial: false, bytes: o };
  if (v < 224) {
    if (!(await r.need(1))) throw new FramingError('the input ends inside a packet header');
    const o2 = r.take(1);
    return { length: ((v - 192) << 8) + o2[0] + 192, partial: false, bytes: Buffer.concat([o, o2]) };
  }
  if (v < 255) return { length: 1 << (v & 0x1f), partial: true, bytes: o };
  if (!(await r.need(4))) throw new FramingError('the input ends inside a packet header');
  const o4 = r.take(4);
  return { length: o4.readUInt32BE(0), partial: false, bytes: Buffer.concat([o, o4]) };
}

/** A packet's body, part after part, as it arrives; a body cut short by the end of the input is a FramingError. */
export async function* packetBody(r: ByteReader, h: PacketHeader): AsyncGenerator<Buffer> {
  if (h.length === undefined) {
    for (let c = await r.takeSome(Infinity); c; c = await r.takeSome(Infinity)) yield c;
    return;
  }
  let left = h.length;
  let partial = h.partial;
  for (;;) {
    while (left > 0) {
      const c = await r.takeSome(left);
      if (!c) throw new FramingError(`the input ends ${left} octets before the end of a packet (tag ${h.tag})`);
      left -= c.length;
      yield c;
    }
    if (!partial) return;
    const next = await newLength(r);
    left = next.length;
    partial = next.partial;
  }
}
