/**
 * Completion latency at a deep position: Pipewright's `complete()` on a freshly parsed document (an edit
 * precedes every completion, so the parse is part of the latency) against vscode-json-languageservice's
 * `parseJSONDocument` + `doComplete` on the same text and position.
 */
import { complete, parseDocument } from '../server/src/engine';
import { propAt } from '../server/src/engine/json';
import { bigFixtures, type Fixture } from './fixtures';
import { formatValue } from './report';
import { assert, sideBySide, stats, type Benchmark, type BenchResult, type Row } from './harness';
import { JSON_LS_VERSION, jsonLanguageService, oneCharEdits, pipewrightWorkspace, textDocument } from './setup';

const WARMUP = 5;
const RUNS = 41;
const PW = 'Pipewright';
const PW_FULL = 'Pipewright, full parse';
const LS = 'JSON-LS';

interface Scenario {
  fixture: Fixture;
  where: string;
  /** Two texts, differing by one character before `offset`, alternated so every completion follows an edit. */
  texts: [string, string];
  offset: number;
  /** A label Pipewright must offer there. */
  expect: string;
}

const bench: Benchmark = {
  id: 'completion',
  title: 'Completion at a deep position',
  async run(ctx): Promise<BenchResult> {
    const { policy, mappingSet } = bigFixtures();
    const { project, path } = pipewrightWorkspace();
    const { ls, uri } = jsonLanguageService();

    const scenarios: Scenario[] = [policyScenario(policy, path(policy)), mappingScenario(mappingSet, path(mappingSet))];
    const rows: Row[] = [];
    const gcNotes: string[] = [];
    const onlyRows: Row[] = [];
    for (const s of scenarios) {
      const f = s.fixture;
      // As the language server does it: the next version of the open document, then complete.
      const pipewright = (text: string) => complete(project.setOpen(path(f), text), s.offset, project);
      const pipewrightFull = (text: string) => complete(parseDocument(path(f), text), s.offset, project);
      const jsonLs = async (text: string) => {
        const td = textDocument(uri(f), text);
        return ls.doComplete(td, td.positionAt(s.offset), ls.parseJSONDocument(td));
      };

      const pwItems = pipewright(s.texts[0]);
      assert(pwItems.some((c) => c.label === s.expect), `${f.name}: Pipewright does not offer ${s.expect} at ${s.where} (got ${pwItems.length} items: ${pwItems.slice(0, 5).map((c) => c.label).join(', ')})`);
      const lsItems = (await jsonLs(s.texts[0]))?.items ?? [];

      ctx.log(`completion: ${f.name} at ${s.where.replace(/`/g, '')}, ${WARMUP} warm-ups + ${RUNS} runs each`);
      const { samples, gc } = await sideBySide({
        warmup: WARMUP,
        runs: RUNS,
        input: (i) => s.texts[i % 2],
        contenders: [
          { name: PW, fn: (text: string) => pipewright(text) },
          { name: PW_FULL, fn: (text: string) => pipewrightFull(text) },
          { name: LS, fn: (text: string) => jsonLs(text) },
        ],
      });
      const pw = stats(samples[PW]);
      const pwFull = stats(samples[PW_FULL]);
      const js = stats(samples[LS]);

      // The same completions on documents both already hold parsed: what the parse costs, and what is left.
      const parsedPw = s.texts.map((t) => parseDocument(path(f), t));
      const parsedLs = s.texts.map((t) => {
        const td = textDocument(uri(f), t);
        return { td, jd: ls.parseJSONDocument(td) };
      });
      const only = await sideBySide({
        warmup: WARMUP,
        runs: RUNS,
        input: (i) => i % 2,
        contenders: [
          { name: PW, fn: (k: number) => complete(parsedPw[k], s.offset, project) },
          { name: LS, fn: (k: number) => ls.doComplete(parsedLs[k].td, parsedLs[k].td.positionAt(s.offset), parsedLs[k].jd) },
        ],
      });
      const pwOnly = stats(only.samples[PW]);
      const lsOnly = stats(only.samples[LS]);
      onlyRows.push({ position: `\`${f.name}\`: ${s.where}`, pw: pwOnly.median, pwP95: pwOnly.p95, ls: lsOnly.median, lsP95: lsOnly.p95, ratio: pwOnly.median / lsOnly.median });
      gcNotes.push(`\`${f.name}\`: Pipewright ${formatValue(stats(gc[PW]).median, 'ms')}, JSON-LS ${formatValue(stats(gc[LS]).median, 'ms')}`);
      rows.push({
        position: `\`${f.name}\`: ${s.where}`,
        pwItems: pwItems.length,
        pw: pw.median,
        pwP95: pw.p95,
        fullP95: pwFull.p95,
        lsItems: lsItems.length,
        ls: js.median,
        lsP95: js.p95,
        ratio: pw.median / js.median,
      });
    }

    return {
      id: bench.id,
      title: bench.title,
      method:
        `An edit precedes every completion: the texts alternate between two variants one character apart, before the cursor. ` +
        `**Pipewright**: what the language server does — \`Project.setOpen\` (the next version of the open document: a keystroke inside a string updates the previous parse) + \`complete(doc, offset, project)\`; **full parse**: \`parseDocument\` of every version + \`complete\`. **JSON-LS**: vscode-json-languageservice ${JSON_LS_VERSION} \`TextDocument.create\` + \`parseJSONDocument\` + \`await doComplete\`, same schemas as Pipewright. ` +
        `Median and p95 of ${RUNS} runs after ${WARMUP} warm-ups, contenders alternating; ratio = Pipewright median / JSON-LS median. ` +
        `The item counts show how much each one offers there: Pipewright completes IAM actions from its catalog, the JSON language service only what the schema enumerates.`,
      tables: [
        {
          columns: [
            { key: 'position', header: 'Position', unit: 'text' },
            { key: 'pwItems', header: 'Pipewright items', unit: 'count' },
            { key: 'pw', header: 'Pipewright median', unit: 'ms' },
            { key: 'pwP95', header: 'Pipewright p95', unit: 'ms', target: { op: '≤', limit: 10 } },
            { key: 'fullP95', header: 'Pipewright p95, full parse (reference)', unit: 'ms' },
            { key: 'lsItems', header: 'JSON-LS items', unit: 'count' },
            { key: 'ls', header: 'JSON-LS median', unit: 'ms' },
            { key: 'lsP95', header: 'JSON-LS p95', unit: 'ms' },
            { key: 'ratio', header: 'Ratio Pipewright / JSON-LS', unit: 'ratio' },
          ],
          rows,
        },
        {
          title: 'Without the parse: completion on a document already parsed (for where the time goes; no target)',
          columns: [
            { key: 'position', header: 'Position', unit: 'text' },
            { key: 'pw', header: 'Pipewright `complete()` median', unit: 'ms' },
            { key: 'pwP95', header: 'Pipewright p95', unit: 'ms' },
            { key: 'ls', header: 'JSON-LS `doComplete` median', unit: 'ms' },
            { key: 'lsP95', header: 'JSON-LS p95', unit: 'ms' },
            { key: 'ratio', header: 'Ratio Pipewright / JSON-LS', unit: 'ratio' },
          ],
          rows: onlyRows,
        },
      ],
      notes: [`Garbage collection inside the timed calls (median per call): ${gcNotes.join('; ')}.`],
    };
  },
};

/** Inside the first `Action` item of statement ~1,900 that is an array of s3 actions, right after `"s3:`. */
function policyScenario(f: Fixture, path: string): Scenario {
  const statements = propAt(parseDocument(path, f.text).root, ['Statement'])?.children ?? [];
  for (let i = 1899; i < statements.length; i++) {
    const first = propAt(statements[i], ['Action'])?.children?.[0];
    if (first?.type !== 'string' || !String(first.value).startsWith('s3:')) continue;
    const offset = first.offset + '"s3:'.length;
    assert(f.text.slice(first.offset, offset) === '"s3:', 'policy: the action string does not start with "s3:');
    const sid = propAt(statements[1000], ['Sid'])!;
    return { fixture: f, where: `\`Statement[${i}].Action[0]\`, after \`"s3:\``, texts: oneCharEdits(f.text, sid.offset, sid.length, ['X', 'Y']), offset, expect: 's3:GetObject' };
  }
  throw new Error('policy: no statement from 1,900 on has an array of s3 actions');
}

/**
 * A property-key position in a mapping near the end: its `"identity": false` was deleted and a new key
 * started (`""`, as the editor's auto-closing quote leaves it), the cursor between the quotes.
 */
function mappingScenario(f: Fixture, path: string): Scenario {
  const items = propAt(parseDocument(path, f.text).root, ['mappings'])?.children ?? [];
  const i = items.length - 5;
  const prop = items[i]?.children?.find((p) => p.children?.[0].value === 'identity');
  assert(prop, `mapping set: mappings[${i}] has no identity property`);
  const text = f.text.slice(0, prop.offset) + '""' + f.text.slice(prop.offset + prop.length);
  const offset = prop.offset + 1;
  const first = propAt(items[0], ['destinationXdmPath'])!;
  return { fixture: f, where: `new key in \`mappings[${i}]\` (its \`identity\` deleted)`, texts: oneCharEdits(text, first.offset, first.length, ['X', 'Y']), offset, expect: 'identity' };
}

export default bench;
