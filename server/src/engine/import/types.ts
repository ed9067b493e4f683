/**
 * The contracts of the import engine: S3 as the engine sees it, and the streaming record readers.
 * Transport-free: the node side (server/src/node/aws/s3.ts) implements S3Access over @aws-sdk/client-s3;
 * tests may implement it over anything that keeps state.
 */

/** An object as ListObjectsV2 returns it. */
export interface S3Object {
  key: string;
  size: number;
  lastModified: Date;
  /** With its quotes stripped: `9b2cf535f27731c974343645a3985328` (multipart: `…-3`). */
  etag: string;
}

export interface ListPage {
  objects: S3Object[];
  /** Continuation token for the next page; undefined on the last page. */
  nextToken?: string;
  /** With a delimiter: the common prefixes ("folders") on this page, each ending with the delimiter. */
  folders?: string[];
}

export interface ReadOptions {
  /** Read only while the object still has this ETag (If-Match); a changed object fails with ObjectChangedError. */
  etag?: string;
  /** First byte to read (a Range request when > 0). */
  start?: number;
  /**
   * Stop before this byte (exclusive; a Range request with an end): a Parquet reader fetches the footer and single
   * column chunks of a multi-GB object without the server sending the rest. Past the object's end reads to the end.
   */
  end?: number;
  signal?: AbortSignal;
}

/** S3, as the preview and the import use it. */
export interface S3Access {
  /** One ListObjectsV2 page (up to 1,000 keys, in S3's key order) of `bucket` under `prefix`. */
  listPage(bucket: string, prefix: string, continuationToken: string | undefined, signal?: AbortSignal, delimiter?: string): Promise<ListPage>;
  /**
   * The object's bytes from `start`. A body that breaks mid-stream is resumed from the last byte received with a
   * Range request (and If-Match on the ETag), so the caller sees one unbroken stream or an error.
   */
  read(bucket: string, key: string, options?: ReadOptions): AsyncIterable<Uint8Array>;
}

/** The object changed (new ETag) while it was being read: the run must start that object again. */
export class ObjectChangedError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`s3://${bucket}/${key} changed while it was being read (its ETag is no longer the one listed): it is read again from the start on the next run.`);
    this.name = 'ObjectChangedError';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Record readers (server/src/engine/import/parse/)

export type FileFormat = 'csv' | 'tsv' | 'json' | 'jsonl';

export interface ParsedRecord {
  /** 1-based line of the file on which the record starts. */
  line: number;
  /** CSV/TSV: the fields as strings (the header row is a record like any other). */
  fields?: string[];
  /** JSON/JSONL: the parsed value (an object when the record is well-formed). */
  value?: unknown;
}

export interface ParseProblem {
  /** 1-based line on which the bad record starts. */
  line: number;
  /** What is wrong, for a person: "unterminated quoted field", "invalid UTF-8 (byte 0xff)", "not valid JSON: …". */
  message: string;
  /** True when the rest of the file cannot be read (a JSON file that is not an array): the reader stops. */
  fatal?: boolean;
}

/** Where a reader can carry on: right after the last complete record (emitted or reported as a problem). */
export interface Checkpoint {
  /** Absolute byte offset in the object. */
  offset: number;
  /** 1-based line at that offset. */
  line: number;
  /** Records and problems (non-fatal) seen before that offset, counting those before a resume point too. */
  records: number;
}

export interface RecordReaderOptions {
  format: FileFormat;
  /** CSV/TSV field delimiter (default "," for csv, "\t" for tsv). */
  delimiter?: string;
  /** Start at a checkpoint of an earlier reader of the same object (the bytes pushed begin at checkpoint.offset). */
  resume?: Checkpoint;
}

/** A byte-oriented streaming reader: push the object's bytes in any chunking; records come out in order. */
export interface RecordReader {
  push(bytes: Uint8Array): void;
  /** End of the object: a last record without a trailing newline is emitted; a half-read one is a problem. */
  end(): void;
  /** The latest point after a complete record; the reader's start (or resume point) before any. */
  checkpoint(): Checkpoint;
}
