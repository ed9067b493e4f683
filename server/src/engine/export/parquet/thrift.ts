/**
 * The part of Thrift's compact protocol that Parquet metadata needs, for writing only: structs of i16/i32/i64,
 * booleans, binary/string fields, lists and nested structs. Field ids are written as deltas, as the protocol wants.
 */
import { ByteBuffer } from './bytes';

export const T_TRUE = 1;
export const T_FALSE = 2;
export const T_I16 = 4;
export const T_I32 = 5;
export const T_I64 = 6;
export const T_BINARY = 8;
export const T_LIST = 9;
export const T_STRUCT = 12;

const utf8 = new TextEncoder();

export class CompactWriter {
  private last = 0;
  private readonly stack: number[] = [];

  constructor(readonly out: ByteBuffer) {}

  private header(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.u8((delta << 4) | type);
    else {
      this.out.u8(type);
      this.out.varint(zigzag32(id));
    }
    this.last = id;
  }

  i16(id: number, v: number): this {
    this.header(id, T_I16);
    this.out.varint(zigzag32(v));
    return this;
  }

  i32(id: number, v: number): this {
    this.header(id, T_I32);
    this.out.varint(zigzag32(v));
    return this;
  }

  i64(id: number, v: number): this {
    this.header(id, T_I64);
    this.out.varint(v >= 0 ? v * 2 : -v * 2 - 1);
    return this;
  }

  bool(id: number, v: boolean): this {
    this.header(id, v ? T_TRUE : T_FALSE);
    return this;
  }

  binary(id: number, v: Uint8Array): this {
    this.header(id, T_BINARY);
    this.out.varint(v.length);
    this.out.bytes(v);
    return this;
  }

  string(id: number, v: string): this {
    return this.binary(id, utf8.encode(v));
  }

  /** A struct field: write its fields, then `end()`. */
  struct(id: number): this {
    this.header(id, T_STRUCT);
    this.stack.push(this.last);
    this.last = 0;
    return this;
  }

  end(): this {
    this.out.u8(0);
    this.last = this.stack.pop() ?? 0;
    return this;
  }

  /** A list field's header; then write `size` elements (`element()`…`end()` for structs, `listI32`/`listString` values). */
  list(id: number, elementType: number, size: number): this {
    this.header(id, T_LIST);
    if (size < 15) this.out.u8((size << 4) | elementType);
    else {
      this.out.u8(0xf0 | elementType);
      this.out.varint(size);
    }
    return this;
  }

  /** Starts a struct element of a list. */
  element(): this {
    this.stack.push(this.last);
    this.last = 0;
    return this;
  }

  listI32(v: number): this {
    this.out.varint(zigzag32(v));
    return this;
  }

  listString(v: string): this {
    const b = utf8.encode(v);
    this.out.varint(b.length);
    this.out.bytes(b);
    return this;
  }
}

function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}
