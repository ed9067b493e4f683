/** The export's Parquet writer: rows in, the bytes of a Parquet file out (see writer.ts). */
export { ParquetStreamWriter } from './writer';
export type { ParquetColumn, ParquetColumnType, ParquetRow, ParquetSink, ParquetValue, ParquetWriteResult, ParquetWriterOptions } from './writer';
