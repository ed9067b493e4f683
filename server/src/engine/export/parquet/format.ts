/** Parquet's enum values (parquet.thrift) that the writer uses. */

export const Type = { BOOLEAN: 0, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
export const ConvertedType = { UTF8: 0, TIMESTAMP_MILLIS: 9 } as const;
export const Repetition = { OPTIONAL: 1 } as const;
export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3 } as const;
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1 } as const;
export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;

/** LogicalType union field ids. */
export const Logical = { STRING: 1, TIMESTAMP: 8 } as const;
/** TimeUnit union field ids. */
export const TimeUnit = { MILLIS: 1 } as const;
