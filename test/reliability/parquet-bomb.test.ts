/**
 * A decompression bomb inside a Parquet page. A data page header states its uncompressed size and a reader allocates
 * that much before it inflates; a file can announce gigabytes from a few bytes. The preview refuses such a page with a
 * clear error naming the file, before allocating, while a page that Snappy really inflates ~21-fold still reads.
 *
 * The files are made byte by byte here (hyparquet-writer's Thrift and Snappy encoders), because no writer produces a
 * lying page header: magic, one Snappy data page of one REQUIRED INT32 column, and a footer that describes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { MAX_PAGE_BYTES, ParquetReadError, previewParquet, type RangeSource } from '../../server/src/engine/delivery/parquet';

const WHERE = 's3://acme-exports/stripe/livemode/20261123T0300/charges/part-00000.parquet';

/** A Parquet file whose only page holds `compressed` and announces `announced` bytes once inflated. */
function parquetFile(rows: number, compressed: Uint8Array, announced: number): Uint8Array {
  const w = new ByteWriter();
  w.appendBytes(new TextEncoder().encode('PAR1'));
  const pageOffset = w.offset;
  writePageHeader(w, {
    type: 'DATA_PAGE',
    uncompressed_page_size: announced,
    compressed_page_size: compressed.length,
    data_page_header: { num_values: rows, encoding: 'PLAIN', definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
  });
  w.appendBytes(compressed);
  const chunkBytes = BigInt(w.offset - pageOffset);
  writeMetadata(w, {
    version: 1,
    schema: [{ name: 'root', num_children: 1 }, { name: 'amount', type: 'INT32', repetition_type: 'REQUIRED' }],
    num_rows: BigInt(rows),
    row_groups: [{
      columns: [{
        file_offset: BigInt(pageOffset),
        meta_data: { type: 'INT32', encodings: ['PLAIN'], path_in_schema: ['amount'], codec: 'SNAPPY', num_values: BigInt(rows), total_uncompressed_size: BigInt(announced), total_compressed_size: chunkBytes, data_page_offset: BigInt(pageOffset) },
      }],
      total_byte_size: BigInt(announced),
      num_rows: BigInt(rows),
    }],
    created_by: 'pipewright tests (hand-made page)',
    metadata_length: 0, // read only: the writer computes it
  });
  w.appendBytes(new TextEncoder().encode('PAR1'));
  return new Uint8Array(w.getBuffer());
}

/** PLAIN INT32 values, little-endian. */
function int32s(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return out;
}

function source(bytes: Uint8Array): RangeSource {
  return { byteLength: bytes.length, read: async (start, end) => bytes.subarray(start, end) };
}

test('a page that announces 2 GiB from 20 bytes is refused before anything is allocated, with the file named', async () => {
  const file = parquetFile(10, snappyCompress(int32s([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), 2 ** 31 - 1);
  const before = process.memoryUsage().arrayBuffers;
  await assert.rejects(previewParquet(source(file), WHERE), (e: Error) => {
    assert.ok(e instanceof ParquetReadError, e.message);
    assert.match(e.message, /^s3:\/\/acme-exports\/stripe\/livemode\/20261123T0300\/charges\/part-00000\.parquet is not a readable Parquet file/);
    assert.match(e.message, /announces 2,147,483,647 bytes uncompressed/);
    assert.match(e.message, /decompression bomb/);
    return true;
  });
  // Nothing near the announced size was ever held (hyparquet alone would have allocated it first).
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
});

test('a page announcing more than Snappy can produce from its bytes is refused, even under the size limit', async () => {
  const values = Array.from({ length: 1000 }, (_, i) => i * 7919);
  const compressed = snappyCompress(int32s(values));
  // 40 MB from a few kilobytes: under the 256 MiB page limit, far past Snappy's 21.3 : 1.
  await assert.rejects(previewParquet(source(parquetFile(1000, compressed, 40_000_000)), WHERE), /announces 40,000,000 bytes uncompressed from [\d,]+ compressed, more than Snappy can produce/);
});

test('a page larger than the limit is refused even when its compressed bytes could hold that much', async () => {
  const announced = MAX_PAGE_BYTES + 4;
  // Enough bytes for the ratio (announced / 21); their content is never decoded.
  const body = new Uint8Array(Math.ceil(announced / 21));
  await assert.rejects(previewParquet(source(parquetFile(announced / 4, body, announced)), WHERE), /announces 268,435,460 bytes uncompressed, more than the 256 MiB a page may inflate to/);
});

test('a genuine Snappy page that inflates 20-fold reads, its values intact', async () => {
  // 400,000 equal values: 1.6 MB that Snappy stores in about 75 KB.
  const rows = 400_000;
  const values = new Array<number>(rows).fill(4200);
  values[rows - 1] = 99;
  const compressed = snappyCompress(int32s(values));
  assert.ok(int32s(values).length / compressed.length > 15, `ratio ${int32s(values).length / compressed.length}`);
  const content = await previewParquet(source(parquetFile(rows, compressed, rows * 4)), WHERE, { maxRows: rows });
  assert.equal(content.file.rows, rows);
  assert.deepEqual(content.file.compression, ['SNAPPY']);
  assert.equal(content.rows.length, rows);
  assert.deepEqual(content.rows[0], [4200]);
  assert.deepEqual(content.rows[rows - 1], [99]);
});
