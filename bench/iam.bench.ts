/**
 * Checking a 2,000-statement policy against what an integration needs, after a one-character edit.
 *
 * Two rows, one run:
 * - the check the language server runs on every edit (`checkPolicyForPipelines`: the policy model of the
 *   new version, every need of the stripe-export pipeline evaluated with its explanation, least privilege),
 *   against the issue's absolute target (≤ 50 ms median);
 * - the evaluation alone, Pipewright's `evaluate` against @cloud-copilot/iam-simulate's `runSimulation`
 *   answering the same requests on the same policy (the peer a user could script today). iam-simulate is
 *   AGPL: a devDependency used only by tests and benchmarks, never bundled.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { parseDocument } from '../server/src/engine';
import { propAt } from '../server/src/engine/json';
import { checkPolicyForPipelines } from '../server/src/engine/checks/iam-integration';
import { evaluate, policyModel } from '../server/src/engine/iam';
import { integrationNeeds } from '../server/src/engine/iam/requirements';
import type { Finding } from '../server/src/engine/diagnostics';
import { bigFixtures, smallPipeline, SMALL_POLICY, SMALL_TRUST } from './fixtures';
import { Project } from '../server/src/engine/project';
import { assert, sideBySide, stats, type Benchmark, type BenchResult } from './harness';
import { memoryFiles, oneCharEdits, WS } from './setup';

const WARMUP = 5;
const RUNS = 21;

const bench: Benchmark = {
  id: 'iam',
  title: 'IAM: a 2,000-statement policy against an integration’s needs',
  async run(ctx): Promise<BenchResult> {
    const { policy } = bigFixtures();
    // Two policies: the big fixture as generated (it grants none of the pipeline's needs, so every need is
    // explained by its closest statement), and the same with the pipeline's grants appended at the end (every
    // need allowed, so each is evaluated against all 2,000 statements for a Deny).
    const grants = JSON.parse(SMALL_POLICY) as { Statement: unknown[] };
    const metJson = JSON.parse(policy.text) as { Statement: unknown[] };
    metJson.Statement.push(...grants.Statement);
    const texts = { unmet: policy.text, met: JSON.stringify(metJson, null, 2) + '\n' };
    const files = new Map<string, string>([
      [`${WS}/unmet.policy.json`, texts.unmet],
      [`${WS}/met.policy.json`, texts.met],
      [`${WS}/unmet.pipeline.json`, smallPipeline('unmet.policy.json', 'acme.trust.json')],
      [`${WS}/met.pipeline.json`, smallPipeline('met.policy.json', 'acme.trust.json')],
      [`${WS}/acme.trust.json`, SMALL_TRUST],
    ]);
    const project = new Project(memoryFiles(files));
    for (const p of files.keys()) project.addKnown(p);
    const pipeline = project.get(`${WS}/met.pipeline.json`);
    assert(pipeline, 'the bench workspace has no met.pipeline.json');
    const needs = integrationNeeds(pipeline);
    assert(needs, 'met.pipeline.json yields no integration needs');

    const variantsOf = (text: string): [string, string] => {
      const root = parseDocument('x.policy.json', text).root;
      const sid = propAt(propAt(root, ['Statement'])?.children?.[1000], ['Sid']);
      assert(sid?.type === 'string', 'big.policy.json: statement 1,000 has no Sid');
      return oneCharEdits(text, sid.offset, sid.length, ['X', 'Y']);
    };
    // The check as the server runs it on an edit.
    const check = (name: string, text: string): Finding[] => {
      const doc = project.setOpen(`${WS}/${name}.policy.json`, text);
      const out: Finding[] = [];
      checkPolicyForPipelines(doc, project, out);
      return out;
    };
    const cases = (['met', 'unmet'] as const).map((name) => {
      const variants = variantsOf(texts[name]);
      const baseline = check(name, variants[0]);
      const missing = baseline.filter((f) => f.code === 'iam-missing-permission').length;
      const unneeded = baseline.filter((f) => f.code === 'iam-unneeded-grant').length;
      assert(name === 'met' ? missing === 0 : missing === needs.needs.length, `${name}.policy.json: ${missing} missing permissions`);
      ctx.log(`iam: ${name}: ${needs.needs.length} needs, ${baseline.length} findings (${missing} missing, ${unneeded} least privilege)`);
      return { name, variants, findings: baseline.length, missing, unneeded };
    });
    const root = parseDocument('met.policy.json', texts.met).root;

    // Evaluation alone: the same requests, answered by each evaluator on an already parsed policy.
    const json = metJson as unknown;
    const requests = needs.needs.map((n) => ({ action: n.action, resource: n.resource, context: n.context }));
    const oursDecide = (model: ReturnType<typeof policyModel>) => requests.map((r) => evaluate(model, r).decision);
    const model = policyModel(root);
    const theirsDecide = async () => {
      const out: string[] = [];
      for (const r of requests) {
        const sim = await runSimulation(
          {
            identityPolicies: [{ name: 'big', policy: json }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            request: {
              principal: 'arn:aws:iam::123456789012:role/stripe-data-pipeline',
              action: r.action,
              resource: { resource: r.resource, accountId: '123456789012' },
              contextVariables: Object.fromEntries(Object.entries(r.context ?? {}).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v])),
            },
          },
          {},
        );
        out.push(sim.resultType === 'single' ? sim.result.analysis.identityAnalysis?.result ?? 'error' : sim.resultType);
      }
      return out;
    };
    const ourDecisions = oursDecide(model);
    const theirDecisions = await theirsDecide();
    const map: Record<string, string> = { Allowed: 'allow', ExplicitlyDenied: 'explicit-deny', ImplicitlyDenied: 'implicit-deny' };
    assert(
      ourDecisions.every((d, i) => map[theirDecisions[i]] === d),
      `the evaluators disagree on the bench requests: ours ${ourDecisions.join(',')} / iam-simulate ${theirDecisions.join(',')}`,
    );

    ctx.log(`iam: ${WARMUP} warm-ups + ${RUNS} runs each`);
    let sink = 0;
    const checkRun = await sideBySide({
      warmup: WARMUP,
      runs: RUNS,
      input: (i) => i,
      contenders: cases.map((c) => ({ name: c.name, fn: (i: number) => void (sink += check(c.name, c.variants[i % 2]).length) })),
    });
    const evalRun = await sideBySide({
      warmup: WARMUP,
      runs: RUNS,
      input: () => undefined,
      contenders: [
        { name: 'ours', fn: () => void (sink += oursDecide(model).length) },
        { name: 'theirs', fn: async () => void (sink += (await theirsDecide()).length) },
      ],
    });
    assert(sink > 0, 'nothing was computed');
    const checked = cases.map((c) => ({ ...c, s: stats(checkRun.samples[c.name]) }));
    const o = stats(evalRun.samples.ours);
    const t = stats(evalRun.samples.theirs);
    const n = requests.length;
    return {
      id: bench.id,
      title: bench.title,
      method:
        `The 2,000-statement policy of the diagnostics benchmark (${Math.round(policy.text.length / 1024)} KB), referenced by a stripe-export pipeline whose needs are ${n} requests (the bucket's region, the penny-test file, the Parquet files), in two variants: **needs met** — the pipeline's two grants appended as statements 2,001–2,002, so every need is allowed and checked against all statements for a Deny; **needs unmet** — as generated, so every need is refused and explained by its closest statement. ` +
        `**Check after an edit**: one character of \`Statement[1000].Sid\` changes (two variants, alternating), then \`Project.setOpen\` + \`checkPolicyForPipelines\` — the policy model of the new version, every need evaluated with its explanation, and least privilege (${checked.map((c) => `${c.name}: ${c.findings} findings, ${c.missing} missing permissions, ${c.unneeded} least-privilege`).join('; ')}). ` +
        `**Evaluation alone**: the same ${n} requests on the parsed policy, Pipewright \`evaluate\` against @cloud-copilot/iam-simulate \`runSimulation\` (identity policy only; both give the same decisions, asserted before timing). Median of ${RUNS} runs after ${WARMUP} warm-ups; contenders alternate.`,
      tables: [
        {
          columns: [
            { key: 'what', header: 'Work', unit: 'text' },
            { key: 'pw', header: 'Pipewright median', unit: 'ms' },
            { key: 'pwP95', header: 'Pipewright p95', unit: 'ms' },
            { key: 'peer', header: 'iam-simulate median', unit: 'ms' },
            { key: 'ratio', header: 'Ratio Pipewright / iam-simulate', unit: 'ratio' },
            { key: 'target', header: 'Pipewright median, target', unit: 'ms', target: { op: '≤', limit: 50 } },
          ],
          rows: [
            ...checked.map((c) => ({ what: `Check after an edit, needs ${c.name === 'met' ? 'met' : 'unmet'} (model + ${n} needs explained + least privilege)`, pw: c.s.median, pwP95: c.s.p95, peer: undefined, ratio: undefined, target: c.s.median })),
            { what: `Evaluation alone, needs met (${n} requests, decisions)`, pw: o.median, pwP95: o.p95, peer: t.median, ratio: o.median / t.median, target: undefined },
          ],
        },
      ],
      notes: [],
    };
  },
};

export default bench;
