/** Commands on a pipeline's bucket: preview it (page by page), preview one object, run the import. */
import * as vscode from 'vscode';
import { ProgressType } from 'vscode-languageclient/node';
import {
  Commands, Requests,
  type ContentPreview, type ImportReport, type ImportRunOptions, type PreviewBucketParams, type PreviewBucketResult, type PreviewEntry, type PreviewObjectParams,
} from '../../../server/src/protocol';
import { count, executeServerCommand, pipelineUri, s3Settings, whenRunning, type CommandContext } from '../context';

export interface BucketPreview {
  document: vscode.TextDocument;
  result: PreviewBucketResult;
}

export async function previewBucket(ctx: CommandContext, given?: unknown, filter?: { prefix?: string; glob?: string }): Promise<BucketPreview | undefined> {
  const uri = await pipelineUri(given);
  if (!uri) return undefined;
  await whenRunning(ctx.client);
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `${vscode.l10n.t('Pipewright preview of {0} — listing…', vscode.workspace.asRelativePath(uri))}\n\n` });
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  // Pages are appended in order, one edit at a time.
  let queue = Promise.resolve();
  const append = (text: string) => {
    queue = queue.then(async () => {
      await editor.edit((b) => b.insert(doc.lineAt(doc.lineCount - 1).range.end, text));
    });
    return queue;
  };
  const token = `pipewright-preview-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const sub = ctx.client.onProgress(new ProgressType<PreviewBucketResult>(), token, (page) => void append(page.entries.map(previewLine).join('')));
  try {
    const result = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pipewright: listing the bucket'), cancellable: true }, (_p, cancel) =>
      ctx.client.sendRequest(Requests.previewBucket, { uri: uri.toString(), ...s3Settings(), ...filter, partialResultToken: token } satisfies PreviewBucketParams, cancel),
    )) as PreviewBucketResult;
    const t = result.totals;
    const lines = [`\n${vscode.l10n.t('{0} listed; will import {1}.', count(t.listed, vscode.l10n.t('object'), vscode.l10n.t('objects')), t.toImport.objects)}`];
    for (const [k, v] of Object.entries(t.byVerdict)) if (v && k !== 'import' && k !== 'changed') lines.push(`  ${k}: ${v.objects}`);
    if (t.warning) lines.push(vscode.l10n.t('Warning: {0}', t.warning));
    await append(`${result.entries.map(previewLine).join('')}${lines.join('\n')}\n`);
    await ctx.history.record(uri, 'preview', true, vscode.l10n.t('{0} listed, {1} to import', t.listed, t.toImport.objects));
    return { document: doc, result };
  } finally {
    sub.dispose();
  }
}

function previewLine(e: PreviewEntry): string {
  return `${(e.verdict.imports ? '✓ ' : '· ') + e.verdict.kind.padEnd(18)} ${String(e.size).padStart(12)}  ${e.lastModified.slice(0, 19)}  ${e.key} — ${e.verdict.reason}\n`;
}

/** args: [pipeline, key?]; the key is asked for when not given (the Pipelines view gives it). */
export async function previewObject(ctx: CommandContext, given?: unknown, key?: unknown): Promise<ContentPreview | undefined> {
  const uri = await pipelineUri(given);
  if (!uri) return undefined;
  const objectKey = typeof key === 'string' ? key : ((given as { key?: string } | undefined)?.key ?? (await vscode.window.showInputBox({ title: vscode.l10n.t('Preview an object'), prompt: vscode.l10n.t('S3 key of the object (as the bucket preview lists it)'), ignoreFocusOut: true })));
  if (!objectKey) return undefined;
  await whenRunning(ctx.client);
  const c = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pipewright: reading {0}', objectKey), cancellable: true }, (_p, cancel) =>
    ctx.client.sendRequest(Requests.previewObject, { uri: uri.toString(), key: objectKey, ...s3Settings() } satisfies PreviewObjectParams, cancel),
  )) as ContentPreview;
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: contentMarkdown(c) }), { preview: false });
  return c;
}

export function contentMarkdown(c: ContentPreview): string {
  const lines = [`${c.key} (${c.format.toUpperCase()})`, '', `| line | ${c.columns.map((x) => `${x.name} (${x.type})`).join(' | ')} |`, `| ---: | ${c.columns.map(() => '---').join(' | ')} |`];
  for (const r of c.rows) lines.push(`| ${r.line} | ${r.cells.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`);
  if (c.mapping) {
    lines.push('', '| column | field | type | in the file | failing values |', '| --- | --- | --- | --- | ---: |');
    for (const m of c.mapping) lines.push(`| ${m.column} | ${m.field} | ${m.type} | ${m.found ? 'yes' : '**no**'} | ${m.failures} |`);
  }
  if (c.problems.length) lines.push('', ...c.problems.map((x) => `- line ${x.line}${x.column ? ` \`${x.column}\`` : ''}: ${x.message}`));
  return `${lines.join('\n')}\n`;
}

export async function importNow(ctx: CommandContext, given?: unknown, options?: ImportRunOptions): Promise<ImportReport | undefined> {
  const uri = await pipelineUri(given, ['stripe-import']);
  if (!uri) return undefined;
  let r: ImportReport | undefined;
  try {
    r = await ctx.secrets.run((secrets) => executeServerCommand(ctx.client, Commands.importNow, [uri.toString(), { ...s3Settings(), ...options, secrets } satisfies ImportRunOptions]) as Promise<ImportReport>);
  } catch (e) {
    await ctx.history.record(uri, 'import', false, e instanceof Error ? e.message : String(e));
    throw e;
  }
  if (!r) return undefined;
  const rel = vscode.workspace.asRelativePath(uri);
  ctx.output.info(`Import of ${rel}: ${r.listed} objects listed, ${r.objects.length} read, ${r.records} records, ${r.problems} problems${r.cancelled ? ' (stopped: run it again to resume)' : ''}.`);
  for (const o of r.objects) if (o.status !== 'imported') ctx.output.warn(`${o.status}: ${o.key} — ${o.reason ?? ''}`);
  for (const p of r.problemSamples) ctx.output.warn(`${p.object}:${p.line}${p.column ? ` ${p.column}` : ''}: ${p.message}`);
  const summary = vscode.l10n.t('{0} records from {1}, {2} problems', r.records, r.objects.length, r.problems) + (r.cancelled ? ` — ${vscode.l10n.t('stopped: run it again to resume')}` : '');
  await ctx.history.record(uri, 'import', !r.cancelled, summary);
  const text = vscode.l10n.t('Pipewright imported {0}.', summary);
  const details = vscode.l10n.t('Show Details');
  void (r.problems || r.cancelled ? vscode.window.showWarningMessage(text, details) : vscode.window.showInformationMessage(text, details)).then((c) => c && ctx.output.show());
  return r;
}
