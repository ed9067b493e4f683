/** Commands on config files: lint the workspace, encode sourceParams, generate the IAM policies, check the live role. */
import * as vscode from 'vscode';
import { Commands, LANGUAGE_ID, type GeneratedPolicies, type LintSummary, type RoleCheckOptions, type RoleCheckReport } from '../../../server/src/protocol';
import { count, executeServerCommand, pipelineUri, type CommandContext } from '../context';

/** Resource paths offered by the Stripe source in Adobe Experience Platform, for the quick pick. */
const STRIPE_RESOURCE_PATHS: readonly { path: string; description: string }[] = [
  { path: 'charges', description: 'Payments made to the account' },
  { path: 'subscriptions', description: 'Recurring billing for customers' },
  { path: 'refunds', description: 'Refunds of previously created charges' },
  { path: 'balance_transactions', description: 'Every movement of funds in the balance' },
  { path: 'customers', description: 'Customers' },
  { path: 'prices', description: 'Unit cost, currency and billing cycle of products' },
];

export async function lintWorkspace(ctx: CommandContext): Promise<LintSummary> {
  // The server shows the progress (a cancellable notification).
  const summary = (await executeServerCommand(ctx.client, Commands.lintWorkspace)) as LintSummary;
  const { files, errors, warnings, infos } = summary;
  void vscode.window.showInformationMessage(vscode.l10n.t('Pipewright checked {0}: {1}, {2}, {3}.', count(files, vscode.l10n.t('file'), vscode.l10n.t('files')), count(errors, vscode.l10n.t('error'), vscode.l10n.t('errors')), count(warnings, vscode.l10n.t('warning'), vscode.l10n.t('warnings')), count(infos, vscode.l10n.t('info'), vscode.l10n.t('infos'))));
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  return summary;
}

export async function encodeSourceParams(ctx: CommandContext, resourcePath?: unknown): Promise<string | undefined> {
  let path = typeof resourcePath === 'string' ? resourcePath : undefined;
  if (!path) {
    const picked = await vscode.window.showQuickPick(
      STRIPE_RESOURCE_PATHS.map((r) => ({ label: r.path, description: r.description })),
      { title: vscode.l10n.t('Encode sourceParams'), placeHolder: vscode.l10n.t('Stripe resource path to encode as {"resourcePath": …}') },
    );
    path = picked?.label;
  }
  if (!path) return undefined;
  const encoded = (await executeServerCommand(ctx.client, Commands.encodeSourceParams, [path])) as string;
  await vscode.env.clipboard.writeText(encoded);
  void vscode.window.showInformationMessage(vscode.l10n.t('sourceParams for "{0}" copied to the clipboard: {1}', path, encoded));
  return encoded;
}

export async function generateIamPolicies(ctx: CommandContext, given?: unknown): Promise<GeneratedPolicies | undefined> {
  const uri = await pipelineUri(given);
  if (!uri) return undefined;
  const result = (await executeServerCommand(ctx.client, Commands.generateIamPolicies, [uri.toString()])) as GeneratedPolicies;
  if (!result.applied) {
    // The server could not create the files itself: show them as new documents to save.
    for (const f of result.files) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: f.text }), { preview: false });
  } else if (result.files[0]) {
    await vscode.window.showTextDocument(vscode.Uri.parse(result.files[0].uri), { preview: false });
  }
  const written = result.files.map((f) => vscode.workspace.asRelativePath(vscode.Uri.parse(f.uri))).join(', ');
  void vscode.window.showInformationMessage(vscode.l10n.t('Pipewright generated {0}.', written) + (result.note ? ` ${result.note}` : ''));
  return result;
}

export async function checkIamRole(ctx: CommandContext, given?: unknown): Promise<RoleCheckReport | undefined> {
  const uri = await pipelineUri(given);
  if (!uri) return undefined;
  const settings = vscode.workspace.getConfiguration('pipewright');
  const options: RoleCheckOptions = { profile: settings.get<string>('aws.profile') || undefined, endpoint: settings.get<string>('iam.endpoint') || undefined };
  const report = (await executeServerCommand(ctx.client, Commands.checkIamRole, [uri.toString(), options])) as RoleCheckReport;
  ctx.output.info(`IAM role check of ${report.roleArn}: ${report.attached} attached and ${report.inline} inline policies, ${report.checked} requests checked.`);
  for (const g of report.gaps) ctx.output.warn(`refused: ${g.action} on ${g.resource} — ${g.explanation} ${g.breaks}.`);
  for (const t of report.trust) ctx.output.warn(`trust: ${t}`);
  const problems = report.gaps.length + report.trust.length;
  if (problems) {
    const details = vscode.l10n.t('Show Details');
    void vscode.window.showWarningMessage(vscode.l10n.t('{0}: {1} request(s) the integration would be refused.', report.roleArn, problems), details).then((c) => c && ctx.output.show());
  } else {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} allows every request the integration makes.', report.roleArn));
  }
  return report;
}

const NEW_PIPELINE_SNIPPETS: readonly { kind: string; snippet: string; detail: string }[] = [
  { kind: 'stripe-export', snippet: 'Pipewright: Stripe Data Pipeline export', detail: 'Stripe Data Pipeline → Amazon S3: Parquet per table every 3 hours' },
  { kind: 'stripe-import', snippet: 'Pipewright: Stripe S3 connector import', detail: 'Amazon S3 → Stripe: CSV/TSV/JSON/JSONL files through a data template' },
  { kind: 'aep-stripe-flow', snippet: 'Pipewright: Adobe Experience Platform Stripe flow', detail: 'Stripe → Adobe Experience Platform through the Flow Service API' },
  { kind: 'braze-currents', snippet: 'Pipewright: Braze Currents to S3', detail: 'Braze Currents event stream → Amazon S3' },
  { kind: 'braze-export', snippet: 'Pipewright: Braze dashboard export to S3', detail: 'Braze dashboard exports → Amazon S3' },
];

/** "Create a Pipeline": args [kind?, file name?]; writes `<name>.pipeline.json` in the first folder with the kind's snippet. */
export async function newPipeline(_ctx: CommandContext, kind?: unknown, name?: unknown): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) throw new Error(vscode.l10n.t('Open a folder first: the pipeline file is created in it.'));
  const chosen = NEW_PIPELINE_SNIPPETS.find((s) => s.kind === kind) ?? (await vscode.window.showQuickPick(NEW_PIPELINE_SNIPPETS.map((s) => ({ label: s.kind, detail: s.detail, s })), { title: vscode.l10n.t('Create a pipeline') }))?.s;
  if (!chosen) return undefined;
  const file = typeof name === 'string' ? name : await vscode.window.showInputBox({ title: vscode.l10n.t('File name'), value: `${chosen.kind}.pipeline.json`, validateInput: (v) => (/\.pipeline\.jsonc?$/.test(v) ? undefined : vscode.l10n.t('The name must end with .pipeline.json')) });
  if (!file) return undefined;
  const uri = vscode.Uri.joinPath(folder, file);
  await vscode.workspace.fs.writeFile(uri, new Uint8Array());
  const editor = await vscode.window.showTextDocument(uri);
  await vscode.commands.executeCommand('editor.action.insertSnippet', { langId: LANGUAGE_ID, name: chosen.snippet });
  await editor.document.save();
  return uri;
}
