/**
 * Diagnostics after a one-character edit: full re-parse and re-validation of a big file, Pipewright
 * (`parseDocument` + `validate` through a Project over an in-memory workspace) against
 * vscode-json-languageservice (`parseJSONDocument` + `doValidation` with the same JSON Schema).
 */
import { parseDocument, validate } from '../server/src/engine';
import { propAt } from '../server/src/engine/json';
import { bigFixtures, type Fixture } from './fixtures';
import { formatValue } from './report';
import { assert, kb, sideBySide, stats, type Benchmark, type BenchResult, type Row } from './harness';
import { JSON_LS_VERSION, jsonLanguageService, oneCharEdits, pipewrightWorkspace, textDocument } from './setup';

const WARMUP = 5;
const RUNS = 21;
const PW = 'Pipewright';
const PW_FULL = 'Pipewright, full parse';
const LS = 'JSON-LS';

const bench: Benchmark = {
  id: 'diagnostics',
  title: 'Diagnostics after a one-character edit',
  async run(ctx): Promise<BenchResult> {
    const { policy, mappingSet } = bigFixtures();
    const { project, path } = pipewrightWorkspace();
    const { ls, uri } = jsonLanguageService();

    // What the language server does with an edit: the next version of the open document (a keystroke
    // inside a string updates the previous parse), then validate.
    // Pipewright also judges the policy against the needs of the stripe-export pipeline that uses it (the IAM
    // checks): those findings are extra work JSON-LS does not do, so only schema and syntax findings count as "problems".
    const schemaOnly = (fs: ReturnType<typeof validate>) => fs.filter((x) => x.code.startsWith('schema-') || x.code.startsWith('json-'));
    const pipewrightProblems = (f: Fixture, text: string) => schemaOnly(validate(project.setOpen(path(f), text), project));
    // The same with a full parse of every version, for comparison.
    const pipewrightFull = (f: Fixture, text: string) => schemaOnly(validate(parseDocument(path(f), text), project));
    const jsonLsProblems = async (f: Fixture, text: string) => {
      const td = textDocument(uri(f), text);
      return ls.doValidation(td, ls.parseJSONDocument(td));
    };

    /** Where each fixture is edited: a string value in the middle of the file. */
    const editTarget = (f: Fixture): { node: { offset: number; length: number }; where: string; replacements: [string, string] } => {
      const root = parseDocument(path(f), f.text).root;
      if (f === policy) {
        const i = 1000;
        const node = propAt(propAt(root, ['Statement'])?.children?.[i], ['Sid']);
        assert(node?.type === 'string', 'big.policy.json: statement 1,000 has no Sid');
        return { node, where: `last character of \`Statement[${i}].Sid\``, replacements: ['X', 'Y'] };
      }
      const items = propAt(root, ['mappings'])?.children ?? [];
      const i = Math.floor(items.length / 2);
      const node = propAt(items[i], ['destinationXdmPath']);
      assert(node?.type === 'string', 'big.aep.json: the middle mapping has no destinationXdmPath');
      return { node, where: `last character of \`mappings[${i}].destinationXdmPath\``, replacements: ['X', 'Y'] };
    };

    const rows: Row[] = [];
    const gcNotes: string[] = [];
    const iamNotes: string[] = [];
    for (const f of [policy, mappingSet]) {
      const target = editTarget(f);
      const variants = oneCharEdits(f.text, target.node.offset, target.node.length, target.replacements);

      // Both must validate the same thing: zero problems in the fixture and in both edited variants.
      for (const [label, text] of [['unedited', f.text], ['edit A', variants[0]], ['edit B', variants[1]]] as const) {
        const pw = pipewrightProblems(f, text);
        const js = await jsonLsProblems(f, text);
        assert(
          pw.length === 0 && js.length === 0,
          `${f.name} (${label}) must have zero problems for both validators, so that they validate the same thing.\n` +
            `  Pipewright (${pw.length}): ${pw.slice(0, 5).map((p) => `${p.code} @${p.start}: ${p.message}`).join(' | ')}\n` +
            `  JSON-LS (${js.length}): ${js.slice(0, 5).map((d) => `L${d.range.start.line + 1}: ${d.message}`).join(' | ')}`,
        );
      }

      const iamFindings = validate(parseDocument(path(f), f.text), project).length;
      if (iamFindings) iamNotes.push(`\`${f.name}\`: ${iamFindings} IAM findings computed on every run (integration needs, least privilege)`);
      ctx.log(`diagnostics: ${f.name} (${kb(f.text).toFixed(0)} KB), ${WARMUP} warm-ups + ${RUNS} runs each`);
      let sink = 0;
      const { samples, gc } = await sideBySide({
        warmup: WARMUP,
        runs: RUNS,
        // Alternate the two variants: every iteration sees a text different from the previous one.
        input: (i) => variants[i % 2],
        contenders: [
          { name: PW, fn: (text: string) => void (sink += pipewrightProblems(f, text).length) },
          { name: PW_FULL, fn: (text: string) => void (sink += pipewrightFull(f, text).length) },
          { name: LS, fn: async (text: string) => void (sink += (await jsonLsProblems(f, text)).length) },
        ],
      });
      assert(sink === 0, `${f.name}: a validator found problems in an edited variant during the timed runs`);
      const pw = stats(samples[PW]);
      const js = stats(samples[LS]);
      const full = stats(samples[PW_FULL]);
      gcNotes.push(`\`${f.name}\`: Pipewright ${formatValue(stats(gc[PW]).median, 'ms')}, JSON-LS ${formatValue(stats(gc[LS]).median, 'ms')}`);
      rows.push({
        file: `\`${f.name}\` — ${f.description}, ${kb(f.text).toFixed(0)} KB`,
        edit: target.where,
        pw: pw.median,
        pwP95: pw.p95,
        ls: js.median,
        lsP95: js.p95,
        ratio: pw.median / js.median,
        full: full.median,
        ratioFull: full.median / js.median,
      });
    }

    return {
      id: bench.id,
      title: bench.title,
      method:
        `For each file, one character inside a string value is replaced, alternating between two variants so the text changes every iteration; ` +
        `each iteration then parses and validates the new text with each contender, in alternating order. ` +
        `**Pipewright**: what the language server does — \`Project.setOpen\` (the next version of the open document: a keystroke inside a string updates the previous parse, anything else is parsed in full) + \`validate\` of the whole document, through a \`Project\` whose FileAccess is an in-memory map (the workspace also holds a stripe-export pipeline that references the policy). ` +
        `**Pipewright, full parse**: the same with \`parseDocument\` of every version. ` +
        `**JSON-LS**: vscode-json-languageservice ${JSON_LS_VERSION} \`TextDocument.create\` + \`parseJSONDocument\` + \`await doValidation\`, configured with the same JSON Schema Pipewright applies (\`schemas/policy.schema.json\`, \`schemas/aep-mapping-set.schema.json\`). ` +
        `Both find zero problems in the unedited and the edited texts (asserted before timing). Median of ${RUNS} runs after ${WARMUP} warm-ups; ratio = Pipewright median / JSON-LS median.`,
      tables: [
        {
          columns: [
            { key: 'file', header: 'File', unit: 'text' },
            { key: 'edit', header: 'Edit', unit: 'text' },
            { key: 'pw', header: 'Pipewright median', unit: 'ms' },
            { key: 'pwP95', header: 'Pipewright p95', unit: 'ms' },
            { key: 'ls', header: 'JSON-LS median', unit: 'ms' },
            { key: 'lsP95', header: 'JSON-LS p95', unit: 'ms' },
            { key: 'ratio', header: 'Ratio Pipewright / JSON-LS', unit: 'ratio', target: { op: '≤', limit: 0.5 } },
            { key: 'full', header: 'Pipewright, full parse, median', unit: 'ms' },
            { key: 'ratioFull', header: 'Ratio full parse / JSON-LS (reference)', unit: 'ratio' },
          ],
          rows,
        },
      ],
      notes: [`Garbage collection inside the timed calls (median per call): ${gcNotes.join('; ')}.`, ...(iamNotes.length ? [`Pipewright's timing includes the IAM checks against the pipeline that uses the policy: ${[...new Set(iamNotes)].join("; ")}.`] : [])],
    };
  },
};

export default bench;
