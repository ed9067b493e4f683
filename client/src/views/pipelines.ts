/**
 * The "Pipelines" view (Explorer): each pipeline of the workspace with its kind, problem count and last run, and
 * below it its bucket, one folder level at a time, loaded a page (1,000 keys) at a time with a "Load more" row and a
 * filter per pipeline. The server lists (Requests.listBucket); this view only keeps the pages it was given.
 */
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import { Requests, type BucketObject, type ListBucketParams, type ListBucketResult, type PipelineInfo } from '../../../server/src/protocol';
import { ClientCommands } from '../command-ids';
import { count, messageOf, s3Settings, whenRunning, type CommandContext } from '../context';

type Node =
  | { type: 'pipeline'; uri: vscode.Uri; info?: PipelineInfo; error?: string }
  | { type: 'folder'; pipeline: PipelineRef; prefix: string }
  | { type: 'object'; pipeline: PipelineRef; object: BucketObject; bucket: string }
  | { type: 'more'; pipeline: PipelineRef; prefix: string }
  | { type: 'message'; text: string; tooltip?: string };
type PipelineRef = { uri: vscode.Uri; info?: PipelineInfo };

/** The pages listed so far under one folder of one pipeline's bucket. */
interface Listing {
  result: ListBucketResult;
  error?: string;
}

const KIND_ICONS: Record<string, string> = {
  'stripe-export': 'cloud-upload',
  'stripe-import': 'cloud-download',
  'aep-stripe-flow': 'symbol-event',
  'braze-currents': 'pulse',
  'braze-export': 'export',
};

export class PipelinesProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly listings = new Map<string, Listing>();
  readonly filters = new Map<string, string>();

  constructor(private readonly ctx: CommandContext) {}

  /** Lists everything again (the Refresh button). */
  refresh(): void {
    this.listings.clear();
    this.changed.fire(undefined);
  }

  /** Draws again from the pages held (pipeline facts are asked again; listings are not). */
  redraw(): void {
    this.changed.fire(undefined);
  }

  /** Forgets the pages of one pipeline (its filter changed). */
  forget(pipeline: vscode.Uri): void {
    for (const k of [...this.listings.keys()]) if (k.startsWith(`${pipeline.toString()}\n`)) this.listings.delete(k);
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) return this.pipelines();
    if (node.type === 'pipeline') {
      if (!node.info?.bucket) return node.info?.kind === 'aep-stripe-flow' ? [{ type: 'message', text: vscode.l10n.t('Adobe Experience Platform flow: no S3 bucket') }] : [];
      return this.listingNodes({ uri: node.uri, info: node.info }, node.info.prefix ?? '');
    }
    if (node.type === 'folder') return this.listingNodes(node.pipeline, node.prefix);
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'pipeline': {
        const info = node.info;
        const item = new vscode.TreeItem(info?.name ?? vscode.workspace.asRelativePath(node.uri), info?.bucket ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `pipeline:${node.uri.toString()}`;
        item.iconPath = new vscode.ThemeIcon(KIND_ICONS[info?.kind ?? ''] ?? 'file-code');
        const last = this.ctx.history.last(node.uri);
        const problems = info ? (info.errors ? `$(error) ${info.errors}` : '') + (info.warnings ? ` $(warning) ${info.warnings}` : '') : '';
        const filter = this.filters.get(node.uri.toString());
        item.description = [info?.kind, problems.trim() ? `${info!.errors} ✗ ${info!.warnings} ⚠` : undefined, last ? `${last.ok ? '✓' : '✗'} ${last.job}` : undefined, filter ? `🔍 ${filter}` : undefined].filter(Boolean).join(' · ');
        const md = new vscode.MarkdownString(undefined, true);
        md.appendMarkdown(`**${info?.name ?? ''}** — \`${info?.kind ?? vscode.l10n.t('not a pipeline yet')}\`\n\n`);
        md.appendMarkdown(`${vscode.workspace.asRelativePath(node.uri)}\n\n`);
        if (info?.bucket) md.appendMarkdown(`s3://${info.bucket}/${info.prefix ?? ''}${info.region ? ` (${info.region})` : ''}\n\n`);
        if (info) md.appendMarkdown(`${problems || vscode.l10n.t('No problems')}\n\n`);
        if (last) md.appendMarkdown(vscode.l10n.t('Last run: {0} {1} at {2} — {3}', last.job, last.ok ? vscode.l10n.t('done') : vscode.l10n.t('failed'), last.at.replace('T', ' ').slice(0, 19), last.summary));
        if (node.error) md.appendMarkdown(`\n\n${node.error}`);
        item.tooltip = md;
        item.resourceUri = node.uri;
        item.contextValue = `pipewright.pipeline.${info?.kind ?? 'unknown'}${info?.bucket ? '.bucket' : ''}`;
        item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [node.uri] };
        return item;
      }
      case 'folder': {
        const name = node.prefix.slice(node.prefix.lastIndexOf('/', node.prefix.length - 2) + 1);
        const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `folder:${node.pipeline.uri.toString()}:${node.prefix}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'pipewright.folder';
        item.tooltip = `s3://${node.pipeline.info?.bucket}/${node.prefix}`;
        return item;
      }
      case 'object': {
        const o = node.object;
        const item = new vscode.TreeItem(o.key.slice(o.key.lastIndexOf('/') + 1), vscode.TreeItemCollapsibleState.None);
        item.id = `object:${node.pipeline.uri.toString()}:${o.key}`;
        item.iconPath = new vscode.ThemeIcon(o.verdict ? (o.verdict.imports ? 'pass' : 'circle-slash') : 'file');
        item.description = [humanSize(o.size), o.lastModified.slice(0, 16).replace('T', ' '), o.verdict?.kind].filter(Boolean).join(' · ');
        item.tooltip = new vscode.MarkdownString(`s3://${node.bucket}/${o.key}\n\n${humanSize(o.size)} · ${o.lastModified}${o.verdict ? `\n\n**${o.verdict.kind}** — ${o.verdict.reason}` : ''}`);
        item.contextValue = 'pipewright.object';
        item.command = { command: ClientCommands.previewObject, title: vscode.l10n.t('Preview'), arguments: [node] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(vscode.l10n.t('Load more…'), vscode.TreeItemCollapsibleState.None);
        item.id = `more:${node.pipeline.uri.toString()}:${node.prefix}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: ClientCommands.loadMore, title: vscode.l10n.t('Load more'), arguments: [node] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('info');
        item.tooltip = node.tooltip ?? node.text;
        return item;
      }
    }
  }

  private async pipelines(): Promise<Node[]> {
    const nodes = await workspacePipelines(this.ctx);
    void setKindsContext(nodes);
    return nodes;
  }

  private key(pipeline: PipelineRef, prefix: string): string {
    return `${pipeline.uri.toString()}\n${prefix}`;
  }

  /** Lists the first page of a folder, or the next page after the ones held. */
  async load(pipeline: PipelineRef, prefix: string, more = false): Promise<Listing> {
    const key = this.key(pipeline, prefix);
    const held = this.listings.get(key);
    if (held && !more) return held;
    const params: ListBucketParams = { uri: pipeline.uri.toString(), prefix, continuationToken: more ? held?.result.nextToken : undefined, filter: this.filters.get(pipeline.uri.toString()), ...s3Settings() };
    let listing: Listing;
    try {
      await whenRunning(this.ctx.client);
      const page = (await this.ctx.client.sendRequest(Requests.listBucket, params)) as ListBucketResult;
      listing = held && more
        ? { result: { ...page, folders: [...held.result.folders, ...page.folders], objects: [...held.result.objects, ...page.objects] } }
        : { result: page };
    } catch (e) {
      listing = { result: { bucket: pipeline.info?.bucket ?? '', prefix, folders: [], objects: [] }, error: messageOf(e) };
    }
    this.listings.set(key, listing);
    return listing;
  }

  private async listingNodes(pipeline: PipelineRef, prefix: string): Promise<Node[]> {
    const { result, error } = await this.load(pipeline, prefix);
    if (error) return [{ type: 'message', text: vscode.l10n.t('Cannot list the bucket: {0}', error.split('\n')[0]), tooltip: error }];
    const nodes: Node[] = [
      ...result.folders.map((f): Node => ({ type: 'folder', pipeline, prefix: f })),
      ...result.objects.map((o): Node => ({ type: 'object', pipeline, object: o, bucket: result.bucket })),
    ];
    if (result.nextToken) nodes.push({ type: 'more', pipeline, prefix });
    if (!nodes.length) nodes.push({ type: 'message', text: this.filters.get(pipeline.uri.toString()) ? vscode.l10n.t('Nothing matches the filter') : vscode.l10n.t('Empty') });
    return nodes;
  }
}

/** Every pipeline file of the workspace with what the server knows of it. */
async function workspacePipelines(ctx: CommandContext): Promise<Array<Extract<Node, { type: 'pipeline' }>>> {
  const files = await vscode.workspace.findFiles('**/*.pipeline.{json,jsonc}', '**/node_modules/**', 500);
  files.sort((a, b) => a.path.localeCompare(b.path));
  await whenRunning(ctx.client);
  return Promise.all(files.map(async (uri) => {
    try {
      const info = (await ctx.client.sendRequest(Requests.pipelineInfo, { uri: uri.toString() })) as PipelineInfo;
      return { type: 'pipeline' as const, uri, info };
    } catch (e) {
      return { type: 'pipeline' as const, uri, error: messageOf(e) };
    }
  }));
}

/**
 * The kinds of pipeline in the workspace, as the context key `pipewright.kinds`: the palette shows a command only
 * where it applies (Import Now with a stripe-import pipeline, Export Now and the penny test with a stripe-export one).
 */
function setKindsContext(nodes: Array<Extract<Node, { type: 'pipeline' }>>): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', 'pipewright.kinds', [...new Set(nodes.flatMap((n) => (n.info?.kind ? [n.info.kind] : [])))]);
}

function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function registerPipelinesView(ctx: CommandContext): PipelinesProvider {
  const provider = new PipelinesProvider(ctx);
  const view = vscode.window.createTreeView('pipewright.pipelines', { treeDataProvider: provider, showCollapseAll: true });
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.pipeline.{json,jsonc}');
  let timer: NodeJS.Timeout | undefined;
  // The palette's context even while the view is closed: once the server runs, and when pipeline files change.
  const kinds = () => void workspacePipelines(ctx).then(setKindsContext, () => undefined);
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      provider.redraw();
      kinds();
    }, 300);
  };
  ctx.extension.subscriptions.push(ctx.client.onDidChangeState((e) => e.newState === State.Running && kinds()));
  if (ctx.client.state === State.Running) kinds();
  const objectArg = (n: unknown) => (n as Node | undefined)?.type === 'object' ? (n as Extract<Node, { type: 'object' }>) : undefined;
  ctx.extension.subscriptions.push(
    view,
    watcher,
    watcher.onDidCreate(soon),
    watcher.onDidDelete(soon),
    watcher.onDidChange(soon),
    ctx.history.onDidChange(() => provider.redraw()),
    vscode.commands.registerCommand(ClientCommands.refreshPipelines, () => provider.refresh()),
    vscode.commands.registerCommand(ClientCommands.loadMore, async (n: Extract<Node, { type: 'more' }>) => {
      await provider.load(n.pipeline, n.prefix, true);
      provider.redraw();
    }),
    vscode.commands.registerCommand(ClientCommands.filterBucket, async (n?: Node, text?: string) => {
      const uri = n?.type === 'pipeline' ? n.uri : undefined;
      if (!uri) return;
      const value = typeof text === 'string' ? text : await vscode.window.showInputBox({ title: vscode.l10n.t('Filter the bucket'), prompt: vscode.l10n.t('Show only folders and objects whose name contains this text (empty: all)'), value: provider.filters.get(uri.toString()) ?? '' });
      if (value === undefined) return;
      if (value) provider.filters.set(uri.toString(), value);
      else provider.filters.delete(uri.toString());
      provider.forget(uri);
    }),
    vscode.commands.registerCommand(ClientCommands.copyS3Uri, async (n?: Node) => {
      const o = objectArg(n);
      if (!o) return undefined;
      const s3uri = `s3://${o.bucket}/${o.object.key}`;
      await vscode.env.clipboard.writeText(s3uri);
      return s3uri;
    }),
    vscode.commands.registerCommand(ClientCommands.downloadObject, async (n?: Node, to?: vscode.Uri) => {
      const o = objectArg(n);
      if (!o) return undefined;
      const target = to ?? (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/'), o.object.key.slice(o.object.key.lastIndexOf('/') + 1)) }));
      if (!target) return undefined;
      try {
        const bytes = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pipewright: downloading {0}', o.object.key), cancellable: true }, (_p, cancel) =>
          ctx.client.sendRequest(Requests.downloadObject, { uri: o.pipeline.uri.toString(), key: o.object.key, to: target.fsPath, ...s3Settings() }, cancel),
        )) as number;
        if (!to) void vscode.window.showInformationMessage(vscode.l10n.t('{0} written ({1}).', vscode.workspace.asRelativePath(target), count(bytes, 'byte')));
        return target;
      } catch (e) {
        void vscode.window.showErrorMessage(`Pipewright: ${messageOf(e)}`);
        return undefined;
      }
    }),
  );
  // Problem counts follow the diagnostics.
  ctx.extension.subscriptions.push(vscode.languages.onDidChangeDiagnostics((e) => {
    if (e.uris.some((u) => /\.pipeline\.jsonc?$/.test(u.path))) soon();
  }));
  return provider;
}
