/** Commands on a pipeline's bucket: preview it (page by page), preview one object, run the import. */
import * as vscode from 'vscode';
import { ProgressType } from 'vscode-languageclient/node';
import {
  Commands, Requests,
  type BrazeDeliveriesReport, type BucketObject, type DocumentInfoParams, type DocumentInfoResult, type ImportReport, type ImportRunOptions, type PipelineInfo, type PreviewBucketParams, type PreviewBucketResult, type PreviewEntry, type PreviewObjectParams, type PreviewObjectResult,
} from '../../../server/src/protocol';
import { count, executeServerCommand, pipelineUri, s3Settings, whenRunning, type CommandContext } from '../context';
import { isParquet, showObjectPreview } from '../views/object-preview';
import { brazeDeliveries } from './braze';

export interface BucketPreview {
  document: vscode.TextDocument;
  result: PreviewBucketResult;
}

export async function previewBucket(ctx: CommandContext, given?: unknown, filter?: { prefix?: string; glob?: string }): Promise<BucketPreview | BrazeDeliveriesReport | undefined> {
  const uri = await pipelineUri(given);
  if (!uri) return undefined;
  await whenRunning(ctx.client);
  // A Currents folder is shown as Braze lays it out: by event type and hour.
  const info = (await ctx.client.sendRequest(Requests.documentInfo, { uri: uri.toString() } satisfies DocumentInfoParams)) as DocumentInfoResult;
  if (info.subKind === 'braze-currents') return brazeDeliveries(ctx, uri, { duplicates: false });
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
  const sub = ctx.client.onProgress(new ProgressType<PreviewBucketResult>(), token, (page) => void append(pageLines(page)));
  try {
    // The server shows the listing's progress (a cancellable notification).
    const result = (await ctx.client.sendRequest(Requests.previewBucket, { uri: uri.toString(), ...s3Settings(), ...filter, partialResultToken: token } satisfies PreviewBucketParams)) as PreviewBucketResult;
    const t = result.totals;
    const d = result.deliveries;
    const lines: string[] = [];
    if (d) {
      lines.push(`\n${vscode.l10n.t('{0} listed; {1} runs: {2} complete, {3} incomplete.', count(d.listed, vscode.l10n.t('object'), vscode.l10n.t('objects')), d.runs, (d.byVerdict.complete ?? 0) + (d.byVerdict.encrypted ?? 0), d.byVerdict.incomplete ?? 0)}`);
      if (d.latestComplete) lines.push(vscode.l10n.t('Latest complete run: {0}', d.latestComplete));
    } else {
      lines.push(`\n${vscode.l10n.t('{0} listed; will import {1}.', count(t.listed, vscode.l10n.t('object'), vscode.l10n.t('objects')), t.toImport.objects)}`);
      for (const [k, v] of Object.entries(t.byVerdict)) if (v && k !== 'import' && k !== 'changed') lines.push(`  ${k}: ${v.objects}`);
    }
    if (t.warning) lines.push(vscode.l10n.t('Warning: {0}', t.warning));
    await append(`${pageLines(result)}${lines.join('\n')}\n`);
    await ctx.history.record(uri, 'preview', true, d ? vscode.l10n.t('{0} runs, {1} incomplete', d.runs, d.byVerdict.incomplete ?? 0) : vscode.l10n.t('{0} listed, {1} to import', t.listed, t.toImport.objects));
    return { document: doc, result };
  } finally {
    sub.dispose();
  }
}

function pageLines(page: PreviewBucketResult): string {
  const runs = (page.runs ?? []).map((r) => `${r.complete ? '✓ ' : '✗ '}${r.verdict.padEnd(11)} ${r.dir}  ${r.tables.length} tables, ${r.parts} parts, ${r.bytes.toLocaleString()} B — ${r.reason}\n`);
  const objects = (page.objects ?? []).map((o) => `· ${o.kind.padEnd(11)} ${o.key} — ${o.reason}\n`);
  return runs.join('') + objects.join('') + page.entries.map(previewLine).join('');
}

function previewLine(e: PreviewEntry): string {
  return `${(e.verdict.imports ? '✓ ' : '· ') + e.verdict.kind.padEnd(18)} ${String(e.size).padStart(12)}  ${e.lastModified.slice(0, 19)}  ${e.key} — ${e.verdict.reason}\n`;
}

/**
 * args: [pipeline or Pipelines-view object, key?]; the key is asked for when not given. The preview opens as a table;
 * an encrypted Parquet delivery is decrypted with the account's private key from secret storage, or on request.
 */
export async function previewObject(ctx: CommandContext, given?: unknown, key?: unknown): Promise<PreviewObjectResult | undefined> {
  const uri = await pipelineUri(given);
  if (!uri) return undefined;
  const node = given as { object?: BucketObject } | undefined;
  const objectKey = typeof key === 'string' ? key : (node?.object?.key ?? (await vscode.window.showInputBox({ title: vscode.l10n.t('Preview an object'), prompt: vscode.l10n.t('S3 key of the object (as the bucket preview lists it)'), ignoreFocusOut: true })));
  if (!objectKey) return undefined;
  await whenRunning(ctx.client);
  const request = (secrets?: Record<string, string>) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pipewright: reading {0}', objectKey), cancellable: true }, (_p, cancel) =>
      ctx.client.sendRequest(Requests.previewObject, { uri: uri.toString(), key: objectKey, ...s3Settings(), secrets } satisfies PreviewObjectParams, cancel),
    ) as Promise<PreviewObjectResult>;
  // The pipeline's own secrets that the store holds go with the request (an import into Stripe shows each row's
  // plan only with its key); nothing is asked for here: a preview without them still shows the rows.
  const info = (await ctx.client.sendRequest(Requests.pipelineInfo, { uri: uri.toString() })) as PipelineInfo;
  const known: Record<string, string> = {};
  for (const name of info.secrets ?? []) {
    const value = await ctx.secrets.get(name);
    if (value) known[name] = value;
  }
  let preview = await request(Object.keys(known).length ? known : undefined);
  if (isParquet(preview) && preview.encryption && !preview.encryption.decrypted) {
    const secret = `pgp-private-key:${info.account}`;
    const stored = info.account ? await ctx.secrets.get(secret) : undefined;
    if (stored) {
      preview = await request({ [secret]: stored });
    } else if (info.account) {
      const choose = vscode.l10n.t('Choose Key File…');
      void vscode.window.showInformationMessage(preview.encryption.message, choose).then(async (c) => {
        if (!c) return;
        const value = await ctx.secrets.ask({ secret, kind: 'pgp-private-key', prompt: vscode.l10n.t('Private PGP key of {0}', info.account!) });
        if (value) showObjectPreview(objectKey, await request({ [secret]: value }), node?.object?.verdict);
      });
    }
  }
  showObjectPreview(objectKey, preview, node?.object?.verdict);
  return preview;
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
