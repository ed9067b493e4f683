/**
 * The export's streaming Parquet writer: every file it writes is read back by two independent readers — DuckDB
 * (native) and hyparquet (pure JS) — which must return exactly the values written, for every column type and
 * edge value, several row groups, both compressions, dictionary and PLAIN pages (and the fallback between them),
 * split pages and an empty file; the footer carries the types, statistics and codec readers rely on; memory stays
 * bounded by one row group; backpressure and errors reach the caller.
 */
import { test, after } from 'node:test';
import { writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { snappyUncompress } from 'hyparquet';
import { ParquetStreamWriter, type ParquetColumn, type ParquetRow } from '../../server/src/engine/export/parquet';
import { ByteBuffer } from '../../server/src/engine/export/parquet/bytes';
import { snappyCompress } from '../../server/src/engine/export/parquet/snappy';
import { sampleData, sampleObjects, SAMPLE_TABLES } from '../../server/src/engine/export/sample';
import { columnsOf, flatten } from '../../server/src/engine/export/tables';
import { footer, normalized, query, readWithDuckDB, readWithHyparquet, removeTemp, sqlString, tempPath, writeRows } from './parquet-read';

after(removeTemp);

const MAX = Number.MAX_SAFE_INTEGER;
const EDGE_COLUMNS: ParquetColumn[] = [
  { name: 'id', type: 'string' },
  { name: 'text', type: 'string' },
  { name: 'runs', type: 'string' },
  { name: 'meta', type: 'json' },
  { name: 'amount', type: 'int64' },
  { name: 'month', type: 'int64' },
  { name: 'at', type: 'timestamp' },
  { name: 'flag', type: 'boolean' },
  { name: 'ratio', type: 'double' },
  { name: 'billing_details.address.city', type: 'string' },
  { name: 'none_s', type: 'string' },
  { name: 'none_j', type: 'json' },
  { name: 'none_i', type: 'int64' },
  { name: 'none_t', type: 'timestamp' },
  { name: 'none_b', type: 'boolean' },
  { name: 'none_d', type: 'double' },
];
const TEXTS = ['', 'Müller', '😀 emoji', '日本語テキスト', 'O\'Brien "quoted", comma', 'tab\tnew\nline', '\u0000nul', '\uFFFD', '\uE000 private', 'x'.repeat(300), null, 'plain ascii'];
const JSONS = ['{}', '[]', '{"order_id":"42","nested":{"a":[1,2,{"b":"ü"}]}}', null, '"just a string"', '{"emoji":"😀"}'];
const INTS = [0, -1, 1, MAX, -MAX, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32) - 1, 4095, 4096, 1_234_567_890_123, null, 250_000];
const TIMES = [0, -1, 1, -1_577_923_200_000 /* 1920 */, 1_793_491_200_000, 253_402_300_799_000 /* 9999-12-31 */, -62_135_596_800_000 /* 0001-01-01 */, null];
const BOOLS = [true, false, null, true];
const DOUBLES = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 1 / 3, null, 1e-300];
const CITIES = ['Berlin', 'Paris', 'Zürich', null];

/** Rows mixing every edge value (cycles of coprime lengths), null runs and patterns, unique ids. */
function edgeRows(n: number): ParquetRow[] {
  const rows: ParquetRow[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      id: `ch_${i.toString(36).padStart(8, '0')}`,
      text: TEXTS[i % TEXTS.length],
      // Long runs of nulls and of one value, then alternation: every branch of the RLE/bit-packing hybrid.
      runs: i % 100 < 30 ? null : i % 100 < 60 ? 'same' : i % 2 ? `v${i % 7}` : null,
      meta: JSONS[i % JSONS.length],
      amount: INTS[i % INTS.length],
      month: (i % 12) + 1,
      at: TIMES[i % TIMES.length],
      flag: BOOLS[i % BOOLS.length],
      ratio: DOUBLES[i % DOUBLES.length],
      'billing_details.address.city': CITIES[i % CITIES.length],
      // none_*: absent, hence null.
    });
  }
  return rows;
}

async function assertReadBack(columns: ParquetColumn[], rows: ParquetRow[], written: { file: string; bytes: Uint8Array }, what: string) {
  const expected = normalized(columns, rows);
  const byDuck = await readWithDuckDB(written.file, columns);
  assert.equal(byDuck.length, expected.length, `${what}: DuckDB row count`);
  for (let i = 0; i < expected.length; i++) assert.deepStrictEqual(byDuck[i], expected[i], `${what}: DuckDB row ${i}`);
  const byHyparquet = await readWithHyparquet(written.bytes, columns);
  assert.equal(byHyparquet.length, expected.length, `${what}: hyparquet row count`);
  for (let i = 0; i < expected.length; i++) assert.deepStrictEqual(byHyparquet[i], expected[i], `${what}: hyparquet row ${i}`);
}

test('every column type and edge value reads back exactly, in DuckDB and hyparquet, snappy and uncompressed, across row groups', async () => {
  const rows = edgeRows(1000);
  for (const compression of ['snappy', 'none'] as const) {
    const written = await writeRows(EDGE_COLUMNS, rows, { rowGroupRows: 300, compression });
    assert.deepEqual(written.result, { rows: 1000, bytes: written.bytes.length, rowGroups: 4 });
    await assertReadBack(EDGE_COLUMNS, rows, written, compression);
    const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata(${sqlString(written.file)})`);
    assert.deepEqual(codecs.map((r) => r.compression), [compression === 'snappy' ? 'SNAPPY' : 'UNCOMPRESSED']);
  }
});

test('the footer declares what readers rely on: types, UTC millisecond timestamps, UTF8 strings, OPTIONAL columns, created_by', async () => {
  const written = await writeRows(EDGE_COLUMNS, edgeRows(50));
  const types = await query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(written.file)})`);
  const sqlType = { string: 'VARCHAR', json: 'VARCHAR', int64: 'BIGINT', timestamp: 'TIMESTAMP WITH TIME ZONE', boolean: 'BOOLEAN', double: 'DOUBLE' };
  assert.deepEqual(types.map((r) => [r.column_name, r.column_type]), EDGE_COLUMNS.map((c) => [c.name, sqlType[c.type]]));

  const schema = await query(`SELECT name, type, converted_type, logical_type, repetition_type FROM parquet_schema(${sqlString(written.file)})`);
  const leaves = schema.slice(1);
  assert.equal(leaves.length, EDGE_COLUMNS.length);
  for (const [k, c] of EDGE_COLUMNS.entries()) {
    const s = leaves[k];
    assert.equal(s.name, c.name);
    assert.equal(s.repetition_type, 'OPTIONAL', c.name);
    if (c.type === 'string' || c.type === 'json') {
      assert.equal(s.type, 'BYTE_ARRAY');
      assert.equal(s.converted_type, 'UTF8');
      assert.match(String(s.logical_type), /StringType/);
    } else if (c.type === 'timestamp') {
      assert.equal(s.type, 'INT64');
      assert.equal(s.converted_type, 'TIMESTAMP_MILLIS');
      assert.match(String(s.logical_type), /isAdjustedToUTC=1/);
      assert.match(String(s.logical_type), /MILLIS=MilliSeconds\(\)/);
    } else assert.equal(s.type, { int64: 'INT64', boolean: 'BOOLEAN', double: 'DOUBLE' }[c.type]);
  }

  const [file] = await query(`SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata(${sqlString(written.file)})`);
  assert.deepEqual({ ...file, num_rows: Number(file.num_rows), num_row_groups: Number(file.num_row_groups), format_version: Number(file.format_version) },
    { created_by: 'pipewright version 0.1.0', num_rows: 50, num_row_groups: 1, format_version: 1 });
  const meta = footer(written.bytes);
  assert.equal(meta.schema[0].num_children, EDGE_COLUMNS.length);
  assert.equal(meta.row_groups[0].columns[0].meta_data?.path_in_schema.join(), 'id');
});

test('column statistics: null counts everywhere, min/max in the order readers compare (UTF-8 bytes, signed numbers), none for JSON', async () => {
  const columns: ParquetColumn[] = [
    { name: 's', type: 'string' }, { name: 'j', type: 'json' }, { name: 'i', type: 'int64' }, { name: 't', type: 'timestamp' },
    { name: 'b', type: 'boolean' }, { name: 'd', type: 'double' }, { name: 'dict', type: 'string' },
  ];
  // U+FFFD sorts before an emoji in UTF-8 (and code points) but after it in UTF-16 code units.
  const rows: ParquetRow[] = [
    { s: '\uFFFD', j: '{"z":1}', i: -MAX, t: -1000, b: true, d: -0, dict: 'b' },
    { s: 'Müller', j: null, i: 7, t: null, b: true, d: NaN, dict: 'a' },
    { s: '😀', j: '[]', i: null, t: 5000, b: null, d: 2.5, dict: '😀' },
    { s: null, j: null, i: MAX, t: 0, b: true, d: null, dict: '\uFFFD' },
    ...Array.from({ length: 96 }, () => ({ s: 'Zed', dict: 'b' })),
  ];
  const written = await writeRows(columns, rows);
  const stats = await query(`SELECT path_in_schema p, stats_min_value mn, stats_max_value mx, stats_null_count nn, encodings FROM parquet_metadata(${sqlString(written.file)}) ORDER BY column_id`);
  const by = Object.fromEntries(stats.map((r) => [r.p as string, r]));
  assert.deepEqual([by.s.mn, by.s.mx, Number(by.s.nn)], ['Müller', '😀', 1]);
  assert.deepEqual([by.dict.mn, by.dict.mx, by.dict.encodings], ['a', '😀', 'PLAIN_DICTIONARY, RLE']);
  assert.deepEqual([by.j.mn, by.j.mx, Number(by.j.nn)], [null, null, 98], 'JSON columns: null count only');
  assert.deepEqual([by.i.mn, by.i.mx, Number(by.i.nn)], [String(-MAX), String(MAX), 97]);
  assert.deepEqual([Number(by.t.nn)], [97]);
  assert.deepEqual([by.b.mn, by.b.mx, Number(by.b.nn)], ['true', 'true', 97]);
  assert.deepEqual([by.d.mn, by.d.mx, Number(by.d.nn)], ['-0.0', '2.5', 97], 'NaN left out; -0 as the minimum');
  // The statistics are right enough for DuckDB to prune with them.
  const [count] = await query(`SELECT count(*) n FROM read_parquet(${sqlString(written.file)}) WHERE i = ${MAX} AND s IS NULL`);
  assert.equal(Number(count.n), 1);
  const hy = footer(written.bytes).row_groups[0].columns;
  assert.equal(hy[2].meta_data?.statistics?.min_value, BigInt(-MAX));
  assert.equal(hy[3].meta_data?.statistics?.null_count, 97n);
});

test('dictionary: low-cardinality strings and int64s get dictionary pages; unique values stay PLAIN; an overflowing dictionary falls back to PLAIN mid-row-group', async () => {
  const columns: ParquetColumn[] = [
    { name: 'currency', type: 'string' }, { name: 'id', type: 'string' }, { name: 'month', type: 'int64' }, { name: 'amount', type: 'int64' },
    { name: 'wide', type: 'string' }, { name: 'overflow', type: 'string' }, { name: 'overflow_i', type: 'int64' }, { name: 'big', type: 'string' },
  ];
  const rows: ParquetRow[] = Array.from({ length: 20_000 }, (_, i) => ({
    currency: ['usd', 'eur', 'gbp'][i % 3],
    id: `ch_${i}`,
    month: i % 7 === 0 ? null : (i * 7) % 12 + 1,
    amount: i * 1_000_003 - 5e9,
    // 3,000 distinct values: ids of 12 bits, in bit-packed groups.
    wide: `customer-${(i * 7919) % 3000}`,
    // 40 distinct values for 1,000 rows, then unique ones: the 64-entry limit below is reached mid-group.
    overflow: i % 5000 < 1000 ? `few-${i % 40}` : `many-${i}`,
    overflow_i: i % 5000 < 1000 ? i % 40 : 1e12 + i,
    // Long values: the dictionary byte limit is reached first.
    big: i < 2000 ? `${'y'.repeat(2000)}${i % 60}` : null,
  }));
  const written = await writeRows(columns, rows, { rowGroupRows: 5000, maxDictionaryEntries: 4096, maxDictionaryBytes: 64 * 1024 });
  await assertReadBack(columns, rows, written, 'dictionary');
  const meta = await query(`SELECT row_group_id g, path_in_schema p, encodings e FROM parquet_metadata(${sqlString(written.file)})`);
  const enc = (p: string, g = 0) => meta.find((r) => r.p === p && Number(r.g) === g)?.e;
  assert.equal(enc('currency'), 'PLAIN_DICTIONARY, RLE');
  assert.equal(enc('month'), 'PLAIN_DICTIONARY, RLE');
  assert.equal(enc('wide'), 'PLAIN_DICTIONARY, RLE');
  assert.equal(enc('id'), 'PLAIN, RLE', 'unique values: a dictionary would not pay');
  assert.equal(enc('amount'), 'PLAIN, RLE');
  assert.equal(enc('big'), 'PLAIN, RLE', 'past the dictionary byte limit');
  assert.equal(enc('overflow'), 'PLAIN_DICTIONARY, RLE', '5,000 rows of which 4,000 unique: under the entry limit here');

  const small = await writeRows(columns, rows, { rowGroupRows: 5000, maxDictionaryEntries: 64 });
  await assertReadBack(columns, rows, small, 'dictionary overflow');
  const meta2 = await query(`SELECT path_in_schema p, encodings e FROM parquet_metadata(${sqlString(small.file)}) WHERE row_group_id = 0`);
  const enc2 = Object.fromEntries(meta2.map((r) => [r.p, r.e]));
  assert.equal(enc2.overflow, 'PLAIN, RLE');
  assert.equal(enc2.overflow_i, 'PLAIN, RLE');
  assert.equal(enc2.currency, 'PLAIN_DICTIONARY, RLE');
});

test('pages: a column chunk larger than the page size is split into several data pages', async () => {
  const columns: ParquetColumn[] = [{ name: 's', type: 'string' }, { name: 'i', type: 'int64' }, { name: 'c', type: 'string' }, { name: 'b', type: 'boolean' }];
  const rows: ParquetRow[] = Array.from({ length: 3000 }, (_, i) => ({ s: i % 11 ? `value number ${i}` : null, i: i % 13 ? i * 3 : null, c: `k${i % 5}`, b: i % 3 === 0 }));
  const written = await writeRows(columns, rows, { pageBytes: 1000, rowGroupRows: 2000 });
  await assertReadBack(columns, rows, written, 'small pages');
  const pages = footer(written.bytes).row_groups[0].columns.map((c) => c.meta_data?.encoding_stats?.find((e) => e.page_type === 'DATA_PAGE')?.count);
  for (const n of pages) assert.ok(Number(n) > 1, `several data pages per chunk: ${pages}`);
});

test('an empty file (0 rows) has the schema and no row group', async () => {
  const written = await writeRows(EDGE_COLUMNS, []);
  assert.deepEqual(written.result, { rows: 0, bytes: written.bytes.length, rowGroups: 0 });
  assert.deepEqual([...written.bytes.subarray(0, 4)], [...Buffer.from('PAR1')]);
  const [n] = await query(`SELECT count(*) n FROM read_parquet(${sqlString(written.file)})`);
  assert.equal(Number(n.n), 0);
  const types = await query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(written.file)})`);
  assert.equal(types.length, EDGE_COLUMNS.length);
  assert.deepEqual(await readWithHyparquet(written.bytes, EDGE_COLUMNS), []);
});

test('the sample data: all six tables, flattened and written, read back equal to the flattened rows', async () => {
  const data = sampleData({ charges: 2000 });
  for (const table of SAMPLE_TABLES) {
    const columns = columnsOf(table);
    const rows = data[table].map((o) => flatten(table, o));
    assert.ok(rows.length > 0, table);
    const written = await writeRows(columns, rows, { rowGroupRows: 700 });
    await assertReadBack(columns, rows, written, table);
  }
});

test('backpressure: a write that completes a row group returns the sink\'s promise; writing before it settles is refused; bytes arrive in order', async () => {
  const columns: ParquetColumn[] = [{ name: 'id', type: 'string' }, { name: 'n', type: 'int64' }];
  const chunks: Uint8Array[] = [];
  let pending = 0;
  const writer = new ParquetStreamWriter(columns, { rowGroupRows: 10, chunkBytes: 64 }, async (chunk) => {
    pending++;
    await new Promise((r) => setTimeout(r, 2));
    chunks.push(chunk);
    pending--;
  });
  const rows = Array.from({ length: 35 }, (_, i) => ({ id: `row ${i}`, n: i }));
  let promises = 0;
  for (const row of rows) {
    const p = writer.write(row);
    if (p) {
      promises++;
      assert.throws(() => writer.write(row), /before the promise of the previous write\(\) settled/);
      await p;
      assert.equal(pending, 0, 'the promise settles after the sink took the bytes');
    }
  }
  assert.equal(promises, 3, 'one per full row group');
  const result = await writer.end();
  assert.equal(result.rowGroups, 4);
  assert.ok(chunks.length > 4, 'several chunks per row group with a small chunk size');
  const bytes = Buffer.concat(chunks);
  assert.equal(result.bytes, bytes.length);
  assert.deepEqual(await readWithHyparquet(bytes, columns), rows);
  assert.throws(() => writer.write(rows[0]), /has ended/);
});

test('a failing sink fails the write that reached it and every call after', async () => {
  let calls = 0;
  const writer = new ParquetStreamWriter([{ name: 'n', type: 'int64' }], { rowGroupRows: 5 }, async () => {
    if (++calls === 2) throw new Error('upload failed');
  });
  for (let i = 0; i < 5; i++) await writer.write({ n: i });
  for (let i = 0; i < 4; i++) assert.equal(writer.write({ n: i }), undefined);
  await assert.rejects(async () => writer.write({ n: 9 }), /upload failed/);
  assert.throws(() => writer.write({ n: 1 }), /upload failed/);
  await assert.rejects(writer.end(), /upload failed/);
});

test('values of the wrong type are refused with the column name', async () => {
  const columns: ParquetColumn[] = [{ name: 'n', type: 'int64' }, { name: 'b', type: 'boolean' }, { name: 'd', type: 'double' }, { name: 's', type: 'string' }];
  const cases: Array<[ParquetRow, RegExp]> = [
    [{ n: 1.5 }, /"n".*safe integer/], [{ n: 2 ** 53 }, /"n".*safe integer/], [{ n: '12' as unknown as number }, /"n".*safe integer/],
    [{ b: 1 as unknown as boolean }, /"b".*boolean/], [{ d: 'x' as unknown as number }, /"d".*number/],
  ];
  for (const [row, message] of cases) {
    const writer = new ParquetStreamWriter(columns, {}, () => undefined);
    assert.throws(() => writer.write(row), message);
    assert.throws(() => writer.write({}), message, 'the writer stays failed');
  }
  // Numbers and booleans in a string column are written as text.
  const written = await writeRows(columns, [{ s: 12 as unknown as string }, { s: true as unknown as string }]);
  assert.deepEqual((await readWithDuckDB(written.file, columns)).map((r) => r.s), ['12', 'true']);
  assert.throws(() => new ParquetStreamWriter([{ name: 'a', type: 'string' }, { name: 'a', type: 'int64' }], {}, () => undefined), /duplicate/);
});

test('Snappy: the compressor\'s output decompresses to its input (empty, tiny, incompressible, repetitive, long matches, several 64 KiB fragments)', () => {
  let seed = 1;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
  const inputs: Uint8Array[] = [
    new Uint8Array(0), Uint8Array.of(7), new Uint8Array(14).fill(3), new Uint8Array(15).fill(3), new Uint8Array(16).map((_, i) => i),
    Uint8Array.from({ length: 100_000 }, random),
    new Uint8Array(300_000).fill(0x61),
    Uint8Array.from({ length: 200_000 }, (_, i) => (i % 1000 < 500 ? i % 251 : random())),
    Buffer.from('ch_3MmlLrLkdIwHu7ix0snN0B15,'.repeat(5000) + 'Ünïcödé '.repeat(3000)),
    Uint8Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24),
  ];
  for (const input of inputs) {
    const out = new ByteBuffer(16);
    out.u8(0xee); // compresses after existing bytes
    snappyCompress(input, 0, input.length, out);
    const decoded = new Uint8Array(input.length);
    snappyUncompress(out.buf.subarray(1, out.len), decoded);
    assert.ok(Buffer.from(decoded).equals(Buffer.from(input)), `round trip of ${input.length} bytes`);
  }
  const repetitive = new Uint8Array(300_000).fill(0x61);
  const out = new ByteBuffer();
  snappyCompress(repetitive, 0, repetitive.length, out);
  assert.ok(out.len < 20_000, `repetitive input compresses: ${out.len} bytes`);
});

test('memory: 1,000,000 flattened sample charges in 100k-row groups keep the writer\'s buffers at one row group', async (t) => {
  const columns = columnsOf('charges');
  let bytes = 0;
  let chunks = 0;
  const writer = new ParquetStreamWriter(columns, { rowGroupRows: 100_000 }, (chunk) => {
    bytes += chunk.length;
    chunks++;
  });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let bufferedPeak = 0;
  let n = 0;
  for (const [table, obj] of sampleObjects({ charges: 1_000_000 })) {
    if (table !== 'charges') continue;
    const p = writer.write(flatten('charges', obj));
    if (p) await p;
    if (++n % 10_000 === 0) {
      bufferedPeak = Math.max(bufferedPeak, writer.bufferedBytes);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
  }
  const result = await writer.end();
  assert.equal(result.rows, 1_000_000);
  assert.equal(result.rowGroups, 10);
  assert.equal(result.bytes, bytes);
  const MB = 1024 * 1024;
  t.diagnostic(`file ${(bytes / MB).toFixed(1)} MiB in ${chunks} chunks; writer buffers peak ${(bufferedPeak / MB).toFixed(1)} MiB; RSS growth ${((rssPeak - rssBefore) / MB).toFixed(0)} MiB (sample generator included)`);
  assert.ok(bufferedPeak < 64 * MB, `writer buffers ${bufferedPeak} bytes`);
});

test('a row group is also closed by its size: wide rows never buffer more than about rowGroupBytes', async () => {
  const columns: ParquetColumn[] = [{ name: 'id', type: 'string' }, { name: 'data', type: 'json' }];
  const blob = JSON.stringify({ text: 'z'.repeat(20_000) });
  const chunks: Uint8Array[] = [];
  const writer = new ParquetStreamWriter(columns, { rowGroupBytes: 4 * 1024 * 1024 }, (c) => {
    chunks.push(c);
  });
  let peak = 0;
  for (let i = 0; i < 2000; i++) {
    const p = writer.write({ id: `obj_${i}`, data: blob.replace('zz', String(i)) });
    if (p) await p;
    peak = Math.max(peak, writer.bufferedBytes);
  }
  const result = await writer.end();
  assert.ok(result.rowGroups >= 10, `${result.rowGroups} row groups of ~200 rows`);
  assert.ok(peak < 12 * 1024 * 1024, `buffers peak ${peak} bytes`);
  const file = tempPath('wide');
  writeFileSync(file, Buffer.concat(chunks));
  const [n] = await query(`SELECT count(*) n, count(DISTINCT data) d, max(length(data)) len FROM read_parquet(${sqlString(file)})`);
  assert.deepEqual([Number(n.n), Number(n.d), Number(n.len)], [2000, 2000, blob.length + 2]);
});
