/** Braze: test a connector's credentials as Braze does, and read a Currents folder's deliveries. */
import * as vscode from 'vscode';
import { Commands, type BrazeDeliveriesOptions, type BrazeDeliveriesReport, type BrazeTestOptions, type BrazeTestReport } from '../../../server/src/protocol';
import { executeServerCommand, pipelineUri, s3Settings, type CommandContext } from '../context';

const MARK = { passed: '✔', failed: '✖', 'not-run': '–' } as const;

/** "Test Braze Credentials": args [pipeline?]. Each step goes to the output channel; the verdict to a notification. */
export async function brazeTest(ctx: CommandContext, given?: unknown): Promise<BrazeTestReport | undefined> {
  const uri = await pipelineUri(given, ['braze-currents', 'braze-export']);
  if (!uri) return undefined;
  const settings = vscode.workspace.getConfiguration('pipewright');
  const wait = settings.get<number>('braze.propagationWaitSeconds');
  const maxKeyAgeDays = settings.get<number>('braze.maxKeyAgeDays');
  let r: BrazeTestReport;
  try {
    r = (await ctx.secrets.run((secrets) => executeServerCommand(ctx.client, Commands.brazeTest, [uri.toString(), { ...s3Settings(), propagationWaitSeconds: wait, maxKeyAgeDays, secrets } satisfies BrazeTestOptions]))) as BrazeTestReport;
  } catch (e) {
    await ctx.history.record(uri, 'braze test', false, e instanceof Error ? e.message : String(e));
    throw e;
  }
  ctx.output.info(`Braze credential check of ${r.name} (s3://${r.target.bucket}/${r.target.folder}, ${r.mode === 'live' ? 'made with the connector\'s credentials' : 'judged from the role\'s policies'}):`);
  for (const s of r.steps) {
    ctx.output.info(`  ${MARK[s.status]} ${s.step.action}: ${s.message}`);
    if (s.status === 'failed') ctx.output.info(`      → ${s.breaks}`);
  }
  if (r.testObject) ctx.output.info(`  test object ${r.testObject.key}: ${r.testObject.message}`);
  const c = r.credentials?.facts;
  if (c) ctx.output.info(`  access key ${c.keyId}: ${[c.user, c.status, c.created && `created ${c.created.slice(0, 10)}`, c.lastUsed && `last used ${c.lastUsed.slice(0, 10)}`].filter(Boolean).join(', ') || c.unread || ''}`);
  for (const p of r.problems) ctx.output.warn(p);
  for (const w of r.warnings ?? []) ctx.output.warn(w);
  if (r.ok && r.warnings?.length) void vscode.window.showWarningMessage(r.warnings[0]);
  const failed = r.steps.filter((s) => s.status === 'failed');
  await ctx.history.record(uri, 'braze test', r.ok, r.ok ? vscode.l10n.t('credential check passed') : vscode.l10n.t('{0} step(s) refused, {1} bucket problem(s)', failed.length, r.problems.length));
  const details = vscode.l10n.t('Show Details');
  if (r.ok) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Braze’s credential check will pass for {0}: every step was allowed.', r.name), details).then((c) => c && ctx.output.show());
  } else {
    const first = failed[0] ? `${failed[0].step.action}: ${failed[0].breaks}` : r.problems[0];
    void vscode.window.showWarningMessage(vscode.l10n.t('Braze’s credential check would fail for {0}: {1}', r.name, first ?? ''), details).then((c) => c && ctx.output.show());
  }
  return r;
}

/** "Check Currents Deliveries": args [pipeline?, options?]. The report opens as a Markdown document. */
export async function brazeDeliveries(ctx: CommandContext, given?: unknown, options?: BrazeDeliveriesOptions): Promise<BrazeDeliveriesReport | undefined> {
  const uri = await pipelineUri(given, ['braze-currents']);
  if (!uri) return undefined;
  const r = (await executeServerCommand(ctx.client, Commands.brazeDeliveries, [uri.toString(), { ...s3Settings(), ...options } satisfies BrazeDeliveriesOptions])) as BrazeDeliveriesReport;
  const lines = [`# ${r.name}: s3://${r.bucket}/${r.folder ? `${r.folder}/` : ''}`, '', vscode.l10n.t('{0} Currents file(s), {1} event type(s).', r.files, r.eventTypes.length), ''];
  lines.push('| event type | files | first hour | last hour | hours without files |', '| --- | ---: | --- | --- | --- |');
  for (const g of r.eventTypes) lines.push(`| ${g.eventType} | ${g.files} | ${g.first} | ${g.last} | ${g.gaps.length ? g.gaps.join(', ') : '—'} |`);
  lines.push('');
  for (const m of r.gapMessages) lines.push(`- ⚠ ${m}`);
  if (r.duplicates) {
    lines.push('', r.duplicates.length ? vscode.l10n.t('{0} event id(s) delivered more than once among {1} events (Currents delivers at least once: de-duplicate on "id"):', r.duplicateCount ?? 0, r.eventsRead ?? 0) : vscode.l10n.t('No event id delivered twice among {0} events.', r.eventsRead ?? 0));
    for (const d of r.duplicates.slice(0, 200)) lines.push(`- \`${d.id}\`: ${d.copies.map((c) => `${c.key} (row ${c.row})`).join(', ')}`);
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `${lines.join('\n')}\n` });
  await vscode.window.showTextDocument(doc, { preview: true });
  await ctx.history.record(uri, 'currents deliveries', !r.gapMessages.length && !r.duplicates?.length, vscode.l10n.t('{0} files, {1} event types', r.files, r.eventTypes.length));
  return r;
}
