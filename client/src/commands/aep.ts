/**
 * Adobe Experience Platform: the aep-stripe-flow commands. Each collects what the server cannot know (a resource
 * path, a confirmation), forwards to the server's command of the same name and shows the result: previews, runs and
 * conflicts as Markdown documents, deployment steps in the output channel.
 */
import * as vscode from 'vscode';
import { Commands, type AepCommandOptions, type AepDeployResult, type AepExploreResult, type AepPreviewResult, type AepRunsResult } from '../../../server/src/protocol';
import { executeServerCommand, pipelineUri, type CommandContext } from '../context';

const KIND = ['aep-stripe-flow'];
const RESOURCE_PATHS = ['charges', 'subscriptions', 'refunds', 'balance_transactions', 'customers', 'prices'];

async function showMarkdown(lines: string[]): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `${lines.join('\n')}\n` });
  await vscode.window.showTextDocument(doc, { preview: true });
}

const json = (v: unknown) => ['```json', JSON.stringify(v, null, 2), '```'];

/** The Flow Service and sandbox from the settings, when they replace the pipeline's; options given win. */
function platformSettings(options?: AepCommandOptions): AepCommandOptions {
  const settings = vscode.workspace.getConfiguration('pipewright');
  return { baseUrl: settings.get<string>('aep.baseUrl') || undefined, sandbox: settings.get<string>('aep.sandbox') || undefined, ...options };
}

/** "Preview AEP Mapping": args [pipeline?]. The mapped XDM records and every failing record, before anything is deployed. */
export async function aepPreview(ctx: CommandContext, given?: unknown): Promise<AepPreviewResult | undefined> {
  const uri = await pipelineUri(given, KIND);
  if (!uri) return undefined;
  const r = (await executeServerCommand(ctx.client, Commands.aepPreview, [uri.toString(), {}])) as AepPreviewResult;
  const lines = [`# ${r.name}: ${r.mappingSet}`, '', vscode.l10n.t('{0} record(s) from {1}: {2} mapped, {3} failed.', r.records, r.input, r.mapped, r.failed), ''];
  for (const n of r.notes) lines.push(`- ⚠ ${n}`);
  if (r.reasons.length) lines.push('', `## ${vscode.l10n.t('Why records fail')}`, '', ...r.reasons.map((x) => `- ${x.reason}: ${x.count}`));
  if (r.failures.length) lines.push('', `## ${vscode.l10n.t('Failed records')}`, '', ...r.failures.slice(0, 50).map((f) => `- #${f.record}${f.id ? ` \`${f.id}\`` : ''}: ${f.errors.join('; ')}`));
  lines.push('', `## ${vscode.l10n.t('XDM records as they would land in the dataset')}`, '', ...json(r.samples));
  await showMarkdown(lines);
  await ctx.history.record(uri, 'aep preview', r.failed === 0, vscode.l10n.t('{0} mapped, {1} failed', r.mapped, r.failed));
  return r;
}

async function deployLike(ctx: CommandContext, command: 'deploy' | 'update' | 'delete', given?: unknown, options?: AepCommandOptions): Promise<AepDeployResult | undefined> {
  const uri = await pipelineUri(given, KIND);
  if (!uri) return undefined;
  if (command === 'delete' && !options?.dryRun && given === undefined) {
    const yes = vscode.l10n.t('Delete');
    const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the flow, mapping set and connections of this pipeline from Experience Platform?'), { modal: true }, yes);
    if (answer !== yes) return undefined;
  }
  const id = command === 'delete' ? Commands.aepDelete : Commands.aepDeploy;
  const r = (await ctx.secrets.run((secrets) => executeServerCommand(ctx.client, id, [uri.toString(), { ...platformSettings(options), updateOnly: command === 'update', secrets } satisfies AepCommandOptions]))) as AepDeployResult;
  ctx.output.info(`${r.name} (${command}${r.dryRun ? ', dry run' : ''}):`);
  for (const c of r.curl ?? []) ctx.output.info(c);
  for (const s of r.steps) ctx.output.info(`  ${s.file} (${s.kind}): ${s.action}${s.id ? ` ${s.id}` : ''}${s.message ? ` — ${s.message}` : ''}`);
  const conflicts = r.steps.filter((s) => s.action === 'conflict');
  if (conflicts.length) {
    const lines = [`# ${vscode.l10n.t('Changed in Experience Platform: nothing was overwritten')}`, ''];
    for (const c of conflicts) lines.push(`## ${c.file}`, '', c.message ?? '', '', `### ${vscode.l10n.t('Ours (the file)')}`, ...json(c.ours), '', `### ${vscode.l10n.t('Theirs (Platform now)')}`, ...json(c.theirs), '');
    await showMarkdown(lines);
  }
  await ctx.history.record(uri, `aep ${command}`, r.ok, r.steps.map((s) => `${s.file}: ${s.action}`).join(', '));
  const first = r.steps.find((s) => s.action === 'refused' || s.action === 'skipped');
  if (r.ok) void vscode.window.showInformationMessage(vscode.l10n.t('{0}: {1} step(s) done.', r.name, r.steps.length));
  else if (!conflicts.length) void vscode.window.showWarningMessage(`${r.name}: ${first ? `${first.file}: ${first.message ?? first.action}` : ''}`);
  return r;
}

export const aepDeploy = (ctx: CommandContext, given?: unknown, options?: AepCommandOptions) => deployLike(ctx, 'deploy', given, options);
export const aepUpdate = (ctx: CommandContext, given?: unknown, options?: AepCommandOptions) => deployLike(ctx, 'update', given, options);
export const aepDelete = (ctx: CommandContext, given?: unknown, options?: AepCommandOptions) => deployLike(ctx, 'delete', given, options);

/** "Show AEP Flow Runs": args [pipeline?]. Runs with record counts, status and errors, newest first. */
export async function aepRuns(ctx: CommandContext, given?: unknown, options?: AepCommandOptions): Promise<AepRunsResult | undefined> {
  const uri = await pipelineUri(given, KIND);
  if (!uri) return undefined;
  const r = (await ctx.secrets.run((secrets) => executeServerCommand(ctx.client, Commands.aepRuns, [uri.toString(), { ...platformSettings(options), secrets } satisfies AepCommandOptions]))) as AepRunsResult;
  const lines = [`# ${r.name}: ${r.flowId}`, '', '| run | started | status | in | out | failed |', '| --- | --- | --- | ---: | ---: | ---: |'];
  for (const x of r.runs) lines.push(`| ${x.id} | ${x.createdAt ?? '—'} | ${x.status} | ${x.input ?? '?'} | ${x.output ?? '?'} | ${x.failed ?? '?'} |`);
  for (const x of r.runs) for (const e of x.errors) lines.push(`- ${x.id}: ${e.code ? `${e.code}: ` : ''}${e.message}`);
  await showMarkdown(lines);
  return r;
}

/** "Explore a Stripe Resource Path": args [pipeline?, resourcePath?]. Writes <resourcePath>.explore.json next to the pipeline. */
export async function aepExplore(ctx: CommandContext, given?: unknown, resourcePath?: unknown, options?: AepCommandOptions): Promise<AepExploreResult | undefined> {
  const uri = await pipelineUri(given, KIND);
  if (!uri) return undefined;
  const path = typeof resourcePath === 'string' ? resourcePath : (await vscode.window.showQuickPick(RESOURCE_PATHS, { title: vscode.l10n.t('Stripe resource path to explore') }));
  if (!path) return undefined;
  const r = (await ctx.secrets.run((secrets) => executeServerCommand(ctx.client, Commands.aepExplore, [uri.toString(), path, { ...platformSettings(options), secrets } satisfies AepCommandOptions]))) as AepExploreResult;
  if (r.file) void vscode.window.showInformationMessage(vscode.l10n.t('{0}: {1} field(s) written to {2}.', r.resourcePath, r.fields, vscode.workspace.asRelativePath(r.file)));
  return r;
}
