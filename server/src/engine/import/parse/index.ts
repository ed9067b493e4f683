/**
 * The streaming record readers of the import engine: bytes in, in any chunking; records and problems out, in
 * order, identical however the bytes are cut; checkpoints to resume a read from a byte offset. The contract is in
 * ../types.ts. Engine code: no I/O here, the caller pushes the bytes.
 */
import type { FileFormat, ParsedRecord, ParseProblem, RecordReader, RecordReaderOptions } from '../types';
import { CsvReader } from './csv';
import { JsonArrayReader } from './json';
import { JsonLinesReader } from './jsonl';

/**
 * Longest record (CSV record, JSON Lines line, JSON array element) the readers keep, in bytes: a longer one is a
 * problem. Far above any real record; it stops an unterminated quote from making the rest of a 1 GB file one
 * record (beyond V8's longest string, and memory).
 */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface ReaderTuning {
  /** Tests: a smaller MAX_RECORD_BYTES. */
  maxRecordBytes?: number;
}

export function createRecordReader(
  options: RecordReaderOptions & ReaderTuning,
  onRecord: (r: ParsedRecord) => void,
  onProblem: (p: ParseProblem) => void,
): RecordReader {
  const limit = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  switch (options.format) {
    case 'csv':
    case 'tsv': {
      const delimiter = options.delimiter ?? (options.format === 'csv' ? ',' : '\t');
      if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
        throw new RangeError(`the field delimiter must be one character other than a quote or a newline, not ${JSON.stringify(delimiter)}`);
      }
      return new CsvReader(delimiter, options.resume, onRecord, onProblem, limit);
    }
    case 'json':
      return new JsonArrayReader(options.resume, onRecord, onProblem, limit);
    case 'jsonl':
      return new JsonLinesReader(options.resume, onRecord, onProblem, limit);
  }
}

const FORMATS: Record<string, FileFormat> = { csv: 'csv', tsv: 'tsv', tab: 'tsv', json: 'json', jsonl: 'jsonl', jsonline: 'jsonl', ndjson: 'jsonl' };

/** The format of an object by the extension of its key (case-insensitive); undefined for anything else, .csv.gz included. */
export function formatOfKey(key: string): FileFormat | undefined {
  const dot = key.lastIndexOf('.');
  if (dot < 0 || dot < key.lastIndexOf('/')) return undefined;
  return Object.hasOwn(FORMATS, key.slice(dot + 1).toLowerCase()) ? FORMATS[key.slice(dot + 1).toLowerCase()] : undefined;
}
