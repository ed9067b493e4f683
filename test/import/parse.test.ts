/**
 * The streaming record readers: bytes in (CSV, TSV, JSON Lines, a JSON array), records and problems out, whatever
 * the chunking, with checkpoints that resume a read exactly where it stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRecordReader, formatOfKey } from '../../server/src/engine/import/parse';
import type { Checkpoint, FileFormat, ParsedRecord, ParseProblem } from '../../server/src/engine/import/types';
import { HighBytes } from '../../server/src/engine/import/parse/utf8';
import { prng } from '../helpers/random';

// ---------------------------------------------------------------------------------------------------------
// Helpers

type Input = string | Uint8Array;
/** A record or a problem, with the checkpoint read in its callback. */
type Event = { line: number; fields?: string[]; value?: unknown; problem?: string; fatal?: boolean; cp: Checkpoint };

interface ReadOptions {
  delimiter?: string;
  resume?: Checkpoint;
  maxRecordBytes?: number;
  /** Split points (byte offsets) of the pushes; default: one push. */
  cuts?: number[];
}

/** Bytes from strings (UTF-8) and byte arrays (raw, for invalid UTF-8). */
function bytes(...parts: Array<string | number[]>): Uint8Array {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
}

function read(format: FileFormat, input: Input, o: ReadOptions = {}): { events: Event[]; end: Checkpoint } {
  const data = typeof input === 'string' ? bytes(input) : input;
  const events: Event[] = [];
  const reader = createRecordReader(
    { format, delimiter: o.delimiter, resume: o.resume, maxRecordBytes: o.maxRecordBytes },
    (r: ParsedRecord) => void events.push({ ...r, cp: reader.checkpoint() }),
    (p: ParseProblem) => void events.push({ line: p.line, problem: p.message, ...(p.fatal ? { fatal: true } : {}), cp: reader.checkpoint() }),
  );
  let at = 0;
  for (const cut of [...(o.cuts ?? []), data.length]) {
    // A copy, overwritten after the push: the reader must not keep a view of the caller's memory.
    const chunk = Uint8Array.from(data.subarray(at, cut));
    reader.push(chunk);
    chunk.fill(0x21);
    at = cut;
  }
  reader.end();
  return { events, end: reader.checkpoint() };
}

/** Just the records' fields (CSV) or values (JSON), and the problems as "line: message". */
function outcome(events: Event[]): unknown[] {
  return events.map((e) => (e.problem !== undefined ? `${e.line}: ${e.problem}` : (e.fields ?? e.value)));
}

function lines(events: Event[]): number[] {
  return events.map((e) => e.line);
}

function csv(input: Input, o: ReadOptions = {}) {
  return read('csv', input, o).events;
}

// ---------------------------------------------------------------------------------------------------------
// formatOfKey

test('formatOfKey: the format by extension, case-insensitive; anything else (.csv.gz included) is none', () => {
  const cases: Array<[string, FileFormat | undefined]> = [
    ['exports/charges.csv', 'csv'],
    ['A/B.CSV', 'csv'],
    ['x.tsv', 'tsv'],
    ['x.Tab', 'tsv'],
    ['x.json', 'json'],
    ['x.jsonl', 'jsonl'],
    ['x.JSONLINE', 'jsonl'],
    ['x.ndjson', 'jsonl'],
    ['x.csv.gz', undefined],
    ['x.txt', undefined],
    ['README', undefined],
    ['dir.csv/file', undefined],
    ['folder/', undefined],
    ['x.csv ', undefined],
  ];
  for (const [key, format] of cases) assert.equal(formatOfKey(key), format, key);
});

test('a delimiter that is not one character (or is a quote or a newline) is refused', () => {
  for (const d of ['', ';;', '"', '\n', '\r']) assert.throws(() => createRecordReader({ format: 'csv', delimiter: d }, () => {}, () => {}), RangeError, JSON.stringify(d));
});

// ---------------------------------------------------------------------------------------------------------
// CSV / TSV

test('CSV: one record per line, the header too; the last line needs no newline', () => {
  const events = csv('id,name\n1,Mug\n2,Hat');
  assert.deepEqual(outcome(events), [['id', 'name'], ['1', 'Mug'], ['2', 'Hat']]);
  assert.deepEqual(lines(events), [1, 2, 3]);
});

test('CSV: \\r\\n ends a record like \\n, and is not part of the last field', () => {
  assert.deepEqual(outcome(csv('a,b\r\n1,2\r\n3,4')), [['a', 'b'], ['1', '2'], ['3', '4']]);
  assert.deepEqual(outcome(csv('a,b\r\n1,2\r\n')), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(outcome(csv('a,b\r')), [['a', 'b']], 'a \\r at the very end is a line end');
});

test('CSV: quoted fields hold delimiters, doubled quotes, \\n and \\r\\n; the next record starts on the right line', () => {
  const events = csv('id,text\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,"crlf\r\ninside"\r\n5,""\n6,""""\n7,x');
  assert.deepEqual(outcome(events), [['id', 'text'], ['1', 'a, b'], ['2', 'say "hi"'], ['3', 'two\nlines'], ['4', 'crlf\r\ninside'], ['5', ''], ['6', '"'], ['7', 'x']]);
  assert.deepEqual(lines(events), [1, 2, 3, 4, 6, 8, 9, 10]);
});

test('CSV: long fields, quoted with doubled quotes or not, in one push or in small ones', () => {
  const quoted = 'ab""é, \n'.repeat(40000);
  const plain = 'xyz'.repeat(100000);
  const text = `"${quoted}",${plain}\nnext,"${quoted}"`;
  const want = [
    [quoted.replaceAll('""', '"'), plain],
    ['next', quoted.replaceAll('""', '"')],
  ];
  assert.deepEqual(outcome(csv(text)), want);
  assert.deepEqual(outcome(csv(text, { cuts: cutsEvery(Buffer.byteLength(text), 4099) })), want);
  assert.deepEqual(lines(csv(text)), [1, 40002]);
});

test('CSV: a lone \\r is data, in quoted and unquoted fields alike', () => {
  assert.deepEqual(outcome(csv('"a\rb",c\rd\n')), [['a\rb', 'c\rd']]);
});

test('CSV: empty lines are skipped, not records, wherever they are; "" alone is a record with one empty field', () => {
  const events = csv('\n\r\na,b\n\n\r\n1,2\n""\n\n\n');
  assert.deepEqual(outcome(events), [['a', 'b'], ['1', '2'], ['']]);
  assert.deepEqual(lines(events), [3, 6, 7]);
  assert.deepEqual(outcome(csv('')), []);
  assert.deepEqual(outcome(csv('\n\n')), []);
});

test('CSV: empty fields, and a record with another number of fields than the header (the caller checks that)', () => {
  assert.deepEqual(outcome(csv('a,,b\n,\n,x,\n1\n1,2,3,4,5\n')), [['a', '', 'b'], ['', ''], ['', 'x', ''], ['1'], ['1', '2', '3', '4', '5']]);
});

test('TSV: tab-delimited with the same quoting rules; other delimiters by option', () => {
  assert.deepEqual(outcome(read('tsv', 'a\tb\n"x\ty"\t"q""q"\n').events), [['a', 'b'], ['x\ty', 'q"q']]);
  assert.deepEqual(outcome(csv('a;b,c\n"1;2";3\n', { delimiter: ';' })), [['a', 'b,c'], ['1;2', '3']]);
  assert.deepEqual(outcome(csv('a§b\n"1§2"§é§\n', { delimiter: '§' })), [['a', 'b'], ['1§2', 'é', '']]);
});

test('CSV: a quote inside an unquoted field is a problem for that record only', () => {
  const events = csv('a,b\n5" screen,x\nok,1\n');
  assert.deepEqual(outcome(events), [['a', 'b'], '2: a quote inside unquoted field 1 (quote the whole field and double the quotes inside)', ['ok', '1']]);
});

test('CSV: text after a closing quote is a problem; the reader goes on at the next newline outside quotes', () => {
  const events = csv('"ab"c,d\n"x" ,"multi\nline"\nok,1\n');
  assert.deepEqual(outcome(events), ['1: text after the closing quote of field 1', '2: text after the closing quote of field 1', ['ok', '1']]);
  assert.deepEqual(lines(events), [1, 2, 4]);
});

test('CSV: an unterminated quoted field is a problem on the line where its record starts', () => {
  const events = csv('a,b\n1,2\n3,"never\nclosed\n4,5\n');
  assert.deepEqual(outcome(events), [['a', 'b'], ['1', '2'], '3: unterminated quoted field']);
});

test('CSV: UTF-8 text comes out decoded; a BOM at the start is skipped, elsewhere it is data', () => {
  assert.deepEqual(outcome(csv('\ufeffid,name\n1,Café\n2,"日本, 語"\n3,🎉\n')), [['id', 'name'], ['1', 'Café'], ['2', '日本, 語'], ['3', '🎉']]);
  assert.deepEqual(outcome(csv('a,\ufeffb\n')), [['a', '\ufeffb']]);
  assert.deepEqual(outcome(csv('"é""è",ü\n')), [['é"è', 'ü']]);
});

test('CSV: a reader resumed past offset 0 does not skip a BOM: it is data there', () => {
  const data = bytes('a\n\ufeffb\n');
  const full = read('csv', data).events;
  assert.deepEqual(outcome(full), [['a'], ['\ufeffb']]);
  assert.deepEqual(read('csv', data.subarray(2), { resume: full[0].cp }).events, full.slice(1));
});

test('CSV: invalid UTF-8 makes its record a problem naming the byte; a real U+FFFD is fine', () => {
  const data = bytes('a,b\n1,', [0xff], 'x\n2,ok\n"3,', [0xe2, 0x82], '"\n4,', [0xc0, 0xaf], '\n5,', [0xed, 0xa0, 0x80], '\n6,\ufffd\n7,', [0xc3]);
  assert.deepEqual(outcome(csv(data)), [
    ['a', 'b'],
    '2: invalid UTF-8 (byte 0xff)',
    ['2', 'ok'],
    '4: invalid UTF-8 (byte 0xe2)',
    '5: invalid UTF-8 (byte 0xc0)',
    '6: invalid UTF-8 (byte 0xed)',
    ['6', '\ufffd'],
    '8: invalid UTF-8 (byte 0xc3)',
  ]);
});

test('CSV: checkpoints are byte offsets after each record (the BOM and multi-byte characters count), with line and count', () => {
  const { events, end } = read('csv', '\ufeffa,b\n\n"é\nx",2\nlast');
  assert.deepEqual(
    events.map((e) => e.cp),
    [
      { offset: 7, line: 2, records: 1 },
      { offset: 17, line: 5, records: 2 },
      { offset: 21, line: 5, records: 3 },
    ],
  );
  assert.deepEqual(end, { offset: 21, line: 5, records: 3 });
  assert.deepEqual(read('csv', '').end, { offset: 0, line: 1, records: 0 });
});

test('CSV: a record longer than the limit is a problem, and the reader goes on after it', () => {
  const long = 'x'.repeat(50);
  const events = csv(`a,b\n1,${long}\n"${long}\n${long}",2\n3,4\n`, { maxRecordBytes: 40 });
  assert.deepEqual(outcome(events), [['a', 'b'], '2: record longer than 40 bytes (is a quoted field not closed?)', '3: record longer than 40 bytes (is a quoted field not closed?)', ['3', '4']]);
  assert.deepEqual(lines(events), [1, 2, 3, 5]);
  assert.deepEqual(outcome(csv(`a,b\n1,"${long}\n${long}\n`, { maxRecordBytes: 40 })), [['a', 'b'], '2: unterminated quoted field']);
});

// ---------------------------------------------------------------------------------------------------------
// JSON Lines

test('JSONL: one value per line; blank lines skipped; \\r\\n accepted; the last line needs no newline', () => {
  const { events } = read('jsonl', '{"id":1,"name":"Café"}\n\n   \r\n{"id":2,"tags":["a","日本"]}\r\n\t\n{"id":3,"e":"🎉"}');
  assert.deepEqual(outcome(events), [{ id: 1, name: 'Café' }, { id: 2, tags: ['a', '日本'] }, { id: 3, e: '🎉' }]);
  assert.deepEqual(lines(events), [1, 4, 6]);
});

test('JSONL: a line that is not JSON is a problem with JSON.parse\'s reason; the next lines are read', () => {
  const { events } = read('jsonl', '{"id":1}\n{"id":2,}\n{"id":3}\n');
  assert.equal(events.length, 3);
  assert.deepEqual(events[0].value, { id: 1 });
  assert.equal(events[1].line, 2);
  assert.match(events[1].problem!, /^not valid JSON: .+/);
  assert.deepEqual(events[2].value, { id: 3 });
});

test('JSONL: values that are not objects come through for the caller to judge', () => {
  assert.deepEqual(outcome(read('jsonl', '[1,2]\n"x"\n3\nnull\n').events), [[1, 2], 'x', 3, null]);
});

test('JSONL: invalid UTF-8 makes its line a problem; a BOM is skipped', () => {
  const { events } = read('jsonl', bytes('\ufeff{"a":"x"}\n{"a":"', [0xfe], '"}\n{"a":"\ufffd"}\n'));
  assert.deepEqual(outcome(events), [{ a: 'x' }, '2: invalid UTF-8 (byte 0xfe)', { a: '\ufffd' }]);
});

test('JSONL: a line longer than the limit is a problem, and the next lines are read', () => {
  const { events } = read('jsonl', `{"a":1}\n{"a":"${'x'.repeat(100)}"}\n{"a":3}`, { maxRecordBytes: 50 });
  assert.deepEqual(outcome(events), [{ a: 1 }, '2: line longer than 50 bytes', { a: 3 }]);
});

// ---------------------------------------------------------------------------------------------------------
// JSON arrays

const PRETTY = `[
  {
    "id": "ch_1",
    "amount": 1200,
    "metadata": { "note": "a \\"quoted\\" ], { , text", "path": "C:\\\\dir\\\\" }
  },
  {"id": "ch_2", "tags": [1, [2, {"x": "]"}]], "name": "Café 日本 🎉", "u": "\\u00e9"},
  {"id": "ch_3"}
]
`;

test('JSON: the elements of the top-level array, each on the line where it starts', () => {
  const { events } = read('json', PRETTY);
  assert.deepEqual(
    outcome(events),
    (JSON.parse(PRETTY) as unknown[]).map((v) => v),
  );
  assert.deepEqual(lines(events), [2, 7, 8]);
  assert.deepEqual(outcome(read('json', '[{"a":1},{"b":[2]},3,"s",null]').events), [{ a: 1 }, { b: [2] }, 3, 's', null]);
});

test('JSON: an element that is not valid JSON is a problem, and the next element is read', () => {
  const { events } = read('json', '[\n{"a":1},\n{bad: 2},\n{"c":3}\n]');
  assert.equal(events.length, 3);
  assert.deepEqual([events[0].value, events[2].value], [{ a: 1 }, { c: 3 }]);
  assert.equal(events[1].line, 3);
  assert.match(events[1].problem!, /^not valid JSON: /);
});

test('JSON: a top-level value that is not an array is one fatal problem, and nothing more is read', () => {
  for (const text of ['{"a":1}\n[1]', '  "x"', '42', 'nope [']) {
    const { events } = read('json', text);
    assert.equal(events.length, 1, text);
    assert.equal(events[0].fatal, true);
    assert.match(events[0].problem!, /must hold a JSON array of objects.*JSON Lines/);
  }
  assert.equal(read('json', '\n\n  {').events[0].line, 3);
});

test('JSON: empty arrays and an empty file hold nothing; a BOM and leading whitespace are fine', () => {
  for (const text of ['[]', ' [ \n ] \n', '', '  \n']) assert.deepEqual(read('json', text).events, [], JSON.stringify(text));
  assert.deepEqual(outcome(read('json', '\ufeff \n[{"a":1}]').events), [{ a: 1 }]);
});

test('JSON: a missing ] is a problem; an element cut by the end of the file is one problem', () => {
  assert.deepEqual(outcome(read('json', '[{"a":1},\n{"b":2}\n').events), [{ a: 1 }, { b: 2 }, '3: the file ends before the closing ] of the array']);
  assert.deepEqual(outcome(read('json', '[{"a":1},\n{"b":"x').events), [{ a: 1 }, '2: the file ends inside an element: the array is not closed']);
  assert.deepEqual(outcome(read('json', '[').events), ['1: the file ends before the closing ] of the array']);
});

test('JSON: text after the closing ] is a problem; an empty element is one; a trailing comma is let through', () => {
  assert.deepEqual(outcome(read('json', '[1]\nx').events), [1, '2: text after the closing ] of the array']);
  assert.deepEqual(outcome(read('json', '[1,,2]').events), [1, '1: an empty element (a comma too many)', 2]);
  assert.deepEqual(outcome(read('json', '[1,2,]').events), [1, 2]);
});

test('JSON: invalid UTF-8 makes its element a problem; an element longer than the limit is one', () => {
  assert.deepEqual(outcome(read('json', bytes('[{"a":"', [0xff], '"},\n{"a":2}]')).events), ['1: invalid UTF-8 (byte 0xff)', { a: 2 }]);
  assert.deepEqual(outcome(read('json', `[{"a":"${'x'.repeat(100)}"},\n{"a":2}]`, { maxRecordBytes: 50 }).events), ['1: element longer than 50 bytes', { a: 2 }]);
});

test('JSON: a checkpoint is after its element, on the comma (or ]); a reader resumed there starts inside the array', () => {
  const text = '[{"a":1} ,\n {"b":2}\n]';
  const { events } = read('json', text);
  assert.deepEqual(
    events.map((e) => e.cp),
    [
      { offset: 9, line: 1, records: 1 },
      { offset: 20, line: 3, records: 2 },
    ],
  );
  const rest = read('json', Buffer.from(text).subarray(9), { resume: events[0].cp });
  assert.deepEqual(rest.events, events.slice(1));
});

// ---------------------------------------------------------------------------------------------------------
// Any chunking, any resume point: the property tests

/** Random files of each format, with every case the readers handle: quoting, newlines, multi-byte, bad bytes, errors. */
function randomFile(format: FileFormat, rand: () => number): Uint8Array {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const chance = (p: number) => rand() < p;
  const parts: Array<string | number[]> = [];
  if (chance(0.2)) parts.push('\ufeff');
  const nasty = ['é', '日本', '🎉', '\ufffd', '"', '""', ',', '\t', '\n', '\r\n', '\r', '\\', ']', '}', '{', '[', ' ', 'x', 'abc', '12'];
  const word = () => Array.from({ length: Math.floor(rand() * 4) }, () => pick(nasty)).join('');
  const badBytes = () => pick([[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x90, 0x80], [0x80]]);
  const eol = () => (chance(0.3) ? '\r\n' : '\n');
  const n = 1 + Math.floor(rand() * 10);
  if (format === 'csv' || format === 'tsv') {
    const d = format === 'csv' ? ',' : '\t';
    for (let r = 0; r < n; r++) {
      if (chance(0.1)) parts.push(eol());
      const k = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < k; f++) {
        if (f) parts.push(d);
        const w = word();
        if (chance(0.4)) parts.push(`"${w.replaceAll('"', '""')}"`);
        else parts.push(w.replace(/["\r\n,\t]/g, ''));
        if (chance(0.03)) parts.push('"'); // malformed
        if (chance(0.03)) parts.push(badBytes());
      }
      if (r < n - 1 || chance(0.5)) parts.push(eol());
    }
    if (chance(0.05)) parts.push('"open');
  } else if (format === 'jsonl') {
    for (let r = 0; r < n; r++) {
      if (chance(0.1)) parts.push(pick(['', '  ', '\t']) + eol());
      if (chance(0.1)) parts.push('{"broken":');
      else parts.push(JSON.stringify({ id: r, s: word(), t: [word(), { u: word() }] }));
      if (chance(0.05)) parts.push(badBytes());
      if (r < n - 1 || chance(0.5)) parts.push(eol());
    }
  } else {
    if (chance(0.05)) parts.push('{"not":"an array"}');
    else {
      parts.push(pick(['[', ' \n[', '[\r\n']));
      for (let r = 0; r < n; r++) {
        if (r) parts.push(pick([',', ',\n  ', ' ,', ',\r\n']));
        if (chance(0.08)) parts.push('{bad: 1}');
        else if (chance(0.05)) parts.push('');
        else parts.push(JSON.stringify({ id: r, s: word(), t: [word(), { u: word() }] }, null, chance(0.5) ? 2 : undefined));
        if (chance(0.05)) parts.push(badBytes());
      }
      if (!chance(0.1)) parts.push(pick([']', '\n]\n', ' ] ']));
      if (chance(0.05)) parts.push('junk');
    }
  }
  return bytes(...parts);
}

const SAMPLES: Array<[FileFormat, Input]> = [
  ['csv', 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,"crlf\r\ninside"\r\n\n5,""\n6,x'],
  ['csv', bytes('\ufeffa,b\r\n"é""🎉",日本\r\n\r\n', [0xff], ',x\n5" screen,y\n"ab"c,d\n"\ufffd"\n"open\n')],
  ['tsv', 'a\tb\n"x\ty"\t"q""q"\r\nz\t\n'],
  ['jsonl', bytes('\ufeff{"a":"Café"}\r\n\n  \n{"b":[1,"日本"]}\n{bad\n{"c":"', [0xe2, 0x82], '"}\n{"d":"🎉"}')],
  ['json', PRETTY],
  ['json', bytes('[{"a":"x\\\\"},{"b":"\\"]"},\n{bad},\n{"c":"', [0xf0, 0x90], '"},{"d":"🎉é"}\n')],
];

function cutsEvery(len: number, step: number): number[] {
  const cuts: number[] = [];
  for (let i = step; i < len; i += step) cuts.push(i);
  return cuts;
}

function randomCuts(len: number, rand: () => number): number[] {
  const cuts = new Set<number>();
  const k = Math.floor(rand() * Math.min(len, 12));
  for (let i = 0; i < k; i++) cuts.add(1 + Math.floor(rand() * (len - 1)));
  return [...cuts].sort((a, b) => a - b);
}

test('any chunking gives the same records, problems and checkpoints: every split point, and one byte at a time', () => {
  for (const [format, input] of SAMPLES) {
    const data = typeof input === 'string' ? bytes(input) : input;
    const whole = read(format, data);
    assert.ok(whole.events.length > 2, 'the sample has records');
    for (let cut = 1; cut < data.length; cut++) assert.deepEqual(read(format, data, { cuts: [cut] }), whole, `${format}: split at ${cut}`);
    assert.deepEqual(read(format, data, { cuts: cutsEvery(data.length, 1) }), whole, `${format}: one byte at a time`);
  }
});

test('any chunking gives the same records, problems and checkpoints: random files, random splits (seeded)', () => {
  const rand = prng(20260523);
  const formats: FileFormat[] = ['csv', 'tsv', 'jsonl', 'json'];
  for (let i = 0; i < 400; i++) {
    const format = formats[i % formats.length];
    const data = randomFile(format, rand);
    const whole = read(format, data);
    for (let j = 0; j < 25; j++) {
      const cuts = randomCuts(data.length, rand);
      assert.deepEqual(read(format, data, { cuts }), whole, `${format} file ${i}, cuts ${cuts.join(',')}: ${Buffer.from(data).toString('latin1')}`);
    }
    const limited = read(format, data, { maxRecordBytes: 20 });
    assert.deepEqual(read(format, data, { maxRecordBytes: 20, cuts: cutsEvery(data.length, 1 + (i % 7)) }), limited, `${format} file ${i} with a limit`);
  }
});

/** Resume from each checkpoint that a record or problem moved: the resumed reader gives exactly the rest. */
function assertResumes(format: FileFormat, data: Uint8Array, rand: () => number, label: string) {
  const whole = read(format, data);
  const starts: Array<{ cp: Checkpoint; rest: Event[] }> = [{ cp: { offset: 0, line: 1, records: 0 }, rest: whole.events }];
  whole.events.forEach((e, i) => {
    if (!e.fatal && e.cp.records > (i ? whole.events[i - 1].cp.records : 0)) starts.push({ cp: e.cp, rest: whole.events.slice(i + 1) });
  });
  for (const { cp, rest } of starts) {
    const tail = data.subarray(cp.offset);
    const resumed = read(format, tail, { resume: cp, cuts: randomCuts(tail.length, rand) });
    assert.deepEqual(resumed, { events: rest, end: whole.end }, `${label}: resumed at ${JSON.stringify(cp)}`);
  }
}

test('a reader resumed at any checkpoint yields exactly the rest of a full read, with the same lines and checkpoints', () => {
  const rand = prng(7);
  for (const [format, input] of SAMPLES) assertResumes(format, typeof input === 'string' ? bytes(input) : input, rand, format);
  const formats: FileFormat[] = ['csv', 'tsv', 'jsonl', 'json'];
  for (let i = 0; i < 200; i++) {
    const format = formats[i % formats.length];
    const data = randomFile(format, rand);
    assertResumes(format, data, rand, `${format} file ${i}: ${Buffer.from(data).toString('latin1')}`);
  }
});

test('records come out as soon as their bytes are in: a reader never waits for more than the separator after an element', () => {
  const rand = prng(3);
  const files: Array<[FileFormat, Uint8Array]> = SAMPLES.map(([f, i]) => [f, typeof i === 'string' ? bytes(i) : i]);
  const formats = ['csv', 'tsv', 'jsonl', 'json'] as const;
  for (let i = 0; i < 200; i++) files.push([formats[i % 4], randomFile(formats[i % 4], rand)]);
  for (const [format, data] of files) {
    const { events } = read(format, data);
    // CSV and JSONL: a record ended by a newline is out when the newline is in; JSON: an element when its , or ] is.
    // Not: a record that the end of the file ends, and problems about the file (they move no checkpoint).
    const atEnd = (e: Event, i: number) => e.problem === 'unterminated quoted field' || e.problem?.startsWith('the file ends') || e.cp.records === (events[i - 1]?.cp.records ?? 0);
    const dueAt = events.map((e, i) => (atEnd(e, i) ? Infinity : format === 'json' ? e.cp.offset + 1 : data[e.cp.offset - 1] === 0x0a ? e.cp.offset : Infinity));
    for (const cuts of [cutsEvery(data.length, 1), randomCuts(data.length, rand), randomCuts(data.length, rand)]) {
      let seen = 0;
      const reader = createRecordReader({ format }, () => void seen++, () => void seen++);
      let at = 0;
      for (const cut of [...cuts, data.length]) {
        reader.push(data.subarray(at, cut));
        at = cut;
        const due = dueAt.filter((d) => d <= at).length;
        assert.ok(seen >= due, `${format}: ${seen} events out after ${at} bytes, ${due} due: ${Buffer.from(data).toString('latin1')}`);
      }
    }
  }
});

test('memory stays bounded: a 24 MB JSON array, an unterminated quote, an endless line are not kept whole', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const MB = 1024 * 1024;
  const grows = (format: FileFormat, head: string, unit: string, maxRecordBytes?: number) => {
    let n = 0;
    const reader = createRecordReader({ format, maxRecordBytes }, () => void n++, () => void n++);
    const chunk = bytes(unit.repeat(Math.ceil(65536 / unit.length)));
    gc();
    const before = process.memoryUsage().heapUsed;
    reader.push(bytes(head));
    for (let sent = 0; sent < 24 * MB; sent += chunk.length) reader.push(chunk);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    reader.end();
    return { grown, n };
  };
  const array = grows('json', '[{"a":0}', ',\n  {"id":"ch_1","amount":1200,"note":"x, y ]"}');
  assert.ok(array.n > 100000 && array.grown < 4 * MB, `JSON array: ${array.n} records, heap grew ${array.grown} bytes`);
  const quote = grows('csv', 'a,b\n1,"never closed', 'line,with,commas\n', MB);
  assert.ok(quote.grown < 4 * MB, `unterminated quote: heap grew ${quote.grown} bytes`);
  const line = grows('jsonl', '{"a":"', 'xxxxxxxx', MB);
  assert.ok(line.grown < 4 * MB, `endless line: heap grew ${line.grown} bytes`);
  const element = grows('json', '[{"a":"', 'xxxxxxxx', MB);
  assert.ok(element.grown < 4 * MB, `endless element: heap grew ${element.grown} bytes`);
});

test('the scan for bytes to decode finds the next byte above 0x7f from any position, at any alignment', () => {
  const rand = prng(11);
  const backing = Buffer.alloc(200);
  for (let round = 0; round < 300; round++) {
    for (let i = 0; i < backing.length; i++) backing[i] = rand() < 0.03 ? 0x80 + Math.floor(rand() * 128) : Math.floor(rand() * 128);
    const at = Math.floor(rand() * 8);
    const bytes = backing.subarray(at, at + Math.floor(rand() * (backing.length - at)));
    const high = new HighBytes(bytes);
    for (let from = 0; from <= bytes.length; from++) {
      let want = from;
      while (want < bytes.length && bytes[want] < 0x80) want++;
      assert.equal(high.next(from, -1), want < bytes.length ? want : -1, `offset ${at}, length ${bytes.length}, from ${from}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Against plain references, on well-formed files

/** RFC 4180 the slow, obvious way: a character at a time over the decoded text. Well-formed input only. */
function referenceCsv(text: string, d: string): Array<{ line: number; fields: string[] }> {
  const out: Array<{ line: number; fields: string[] }> = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\n') {
      line++;
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      line++;
      i += 2;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let f = '';
      if (text[i] === '"') {
        for (i++; ; i++) {
          if (text[i] === '"' && text[i + 1] === '"') f += text[i++];
          else if (text[i] === '"') break;
          else {
            if (text[i] === '\n') line++;
            f += text[i];
          }
        }
        i++;
      } else while (i < text.length && text[i] !== d && text[i] !== '\n' && !text.startsWith('\r\n', i)) f += text[i++];
      fields.push(f);
      if (text[i] === d) i++;
      else break;
    }
    if (text.startsWith('\r\n', i)) i += 2;
    else if (text[i] === '\n') i++;
    line++;
    out.push({ line: start, fields });
  }
  return out;
}

test('well-formed random CSV, JSONL and JSON read as the plain references read them', () => {
  const rand = prng(99);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const nasty = ['é', '日本', '🎉', '\ufffd', '"', ',', '\t', '\n', '\r\n', '\r', '\\', ']', ' ', 'x', 'abc', '12', '\u2028'];
  const word = () => Array.from({ length: Math.floor(rand() * 5) }, () => pick(nasty)).join('');
  for (let i = 0; i < 200; i++) {
    const rows = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Array.from({ length: 1 + Math.floor(rand() * 4) }, word));
    const text = rows.map((r) => r.map((f) => (/^[^",\r\n]+$/.test(f) && rand() < 0.5 ? f : `"${f.replaceAll('"', '""')}"`)).join(',')).join(pick(['\n', '\r\n']));
    const got = csv(text, { cuts: randomCuts(Buffer.byteLength(text), rand) }).map((e) => ({ line: e.line, fields: e.fields }));
    assert.deepEqual(got, referenceCsv(text, ','), text);

    const values = rows.map((r) => ({ r, n: rand() * 1e6, o: { k: r[0] } }));
    const jsonl = values.map((v) => JSON.stringify(v)).join('\n');
    assert.deepEqual(outcome(read('jsonl', jsonl, { cuts: randomCuts(Buffer.byteLength(jsonl), rand) }).events), values);
    const json = JSON.stringify(values, null, i % 2 ? 2 : undefined);
    assert.deepEqual(outcome(read('json', json, { cuts: randomCuts(Buffer.byteLength(json), rand) }).events), JSON.parse(json));
  }
});

test('a large file in 64 KB chunks: every record read, the last checkpoint at the end of the file', () => {
  const row = (i: number) => `ch_${i},${i * 7},"Order ${i}, ""gift"" é",${1700000000 + i},true,"{""k"":""v${i}""}"\n`;
  const text = Array.from({ length: 20000 }, (_, i) => row(i)).join('');
  const data = bytes(text);
  let n = 0;
  let last: string[] = [];
  const reader = createRecordReader({ format: 'csv' }, (r) => {
    n++;
    last = r.fields!;
  }, (p) => assert.fail(p.message));
  for (let i = 0; i < data.length; i += 65536) reader.push(data.subarray(i, i + 65536));
  reader.end();
  assert.equal(n, 20000);
  assert.deepEqual(last, ['ch_19999', String(19999 * 7), 'Order 19999, "gift" é', String(1700019999), 'true', '{"k":"v19999"}']);
  assert.deepEqual(reader.checkpoint(), { offset: data.length, line: 20001, records: 20000 });
});
