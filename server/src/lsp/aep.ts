/**
 * AEP features over LSP: go to definition across an aep-stripe-flow pipeline's files, and the AEP commands
 * (explore, preview, deploy, update, delete, runs), which call the same node functions as `pipewright aep`.
 */
import { CodeActionKind, ErrorCodes, ResponseError, type CancellationToken, type CodeAction as LspCodeAction, type Connection } from 'vscode-languageserver/node';
import * as l10n from '../engine/l10n';
import type { AepCommandOptions, AepDeployResult, AepExploreResult, AepPreviewOptions, AepPreviewResult, AepRunsResult, MissingSecret } from '../protocol';
import type { AepPipeline } from '../node/aep/pipeline';
import type { JobProgress } from './imports';
import { uriToPath } from './uri';
import { dirname } from 'node:path';
import type { ParsedDocument, Project } from '../engine';
import { aepDefinition } from '../engine/aep/definition';
import { pathToUri } from './uri';
import { range, toTextEdit } from './convert';
import { sourceParamsActions } from '../engine/aep/actions';

export function registerAepFeatures(connection: Connection, project: Project, parsed: (uri: string) => ParsedDocument | undefined): void {
  connection.onDefinition((p) => {
    try {
      const doc = parsed(p.textDocument.uri);
      if (!doc) return [];
      return aepDefinition(doc, doc.lines.offsetAt(p.position), project).map((d) => {
        const lines = project.get(d.path)?.lines ?? doc.lines;
        return { uri: pathToUri(d.path), range: range(lines, d.start, d.end) };
      });
    } catch (e) {
      connection.console.error(`definition failed: ${(e as Error)?.stack ?? e}`);
      return [];
    }
  });
}

/** The refactors of AEP bodies (sourceParams ↔ resourcePath) as LSP code actions. */
export function aepCodeActions(doc: ParsedDocument, uri: string, start: number, end: number): LspCodeAction[] {
  return sourceParamsActions(doc, start, end).map((a) => ({ title: a.title, kind: CodeActionKind.RefactorRewrite, edit: { changes: { [uri]: a.edits.map((e) => toTextEdit(doc.lines, e)) } } }));
}

/** The AEP commands: the node functions `pipewright aep` runs, loaded on first use, with progress and MissingSecret. */
export function aepCommands(project: Project, startProgress: (title: string) => Promise<JobProgress>, changed: (paths: string[]) => void) {
  const load = async (uri: unknown, what: string) => {
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, `${what} takes the URI of an aep-stripe-flow pipeline file.`);
    const m = await import('../node/aep/pipeline');
    try {
      return { p: m.readAepPipeline(uriToPath(uri), project, dirname(uriToPath(uri))), m };
    } catch (e) {
      throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
    }
  };
  /** The platform and every secret the bodies name, before any progress: a missing one is asked for first. */
  const connect = async (p: AepPipeline, m: typeof import('../node/aep/pipeline'), o: AepCommandOptions, bodies: boolean) => {
    const { SecretError } = await import('../node/secrets');
    const { checkBodySecrets } = await import('../node/aep/deploy');
    const { FlowServiceClient } = await import('../node/aep/client');
    try {
      const platform = m.platformOf(p, { baseUrl: o.baseUrl || undefined, sandbox: o.sandbox || undefined, secrets: o.secrets });
      if (bodies && !o.dryRun) checkBodySecrets(p, { secrets: o.secrets });
      const curl: string[] = [];
      return { client: new FlowServiceClient(platform, o.dryRun ? { onDryRun: (c) => curl.push(c) } : {}), curl };
    } catch (e) {
      if (e instanceof SecretError && e.secretName) {
        const data: MissingSecret = { missingSecret: { secret: e.secretName, kind: 'text', prompt: e.secretName === m.tokenSecretName(p) ? l10n.t('Adobe access token for {0} (Authorization: Bearer …)', p.name) : l10n.t('Secret {0} sent in a Flow Service body of {1}', e.secretName, p.name) } };
        throw new ResponseError(ErrorCodes.InvalidRequest, e.message, data);
      }
      throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
    }
  };
  const failure = (e: unknown) => (e instanceof ResponseError ? e : new ResponseError(ErrorCodes.InternalError, (e as Error).message));
  const cancelOf = (token: CancellationToken, progress: JobProgress) => ({ get isCancellationRequested() { return token.isCancellationRequested || progress.cancelled; } });
  return {
    async aepPreview(uri: unknown, options: unknown): Promise<AepPreviewResult> {
      const { p } = await load(uri, 'aepPreview');
      const o = (options ?? {}) as AepPreviewOptions;
      const { previewAep } = await import('../node/aep/preview');
      try {
        return await previewAep(p, project, { input: o.input, charges: o.charges, out: o.out, parquet: o.parquet, keep: 20 });
      } catch (e) {
        throw failure(e);
      }
    },
    async aepDeploy(uri: unknown, options: unknown, token: CancellationToken, remove = false): Promise<AepDeployResult> {
      const { p, m } = await load(uri, remove ? 'aepDelete' : 'aepDeploy');
      const o = (options ?? {}) as AepCommandOptions;
      const { client, curl } = await connect(p, m, o, !remove);
      const progress = await startProgress(remove ? l10n.t('Pipewright: deleting {0} from Experience Platform', p.name) : l10n.t('Pipewright: deploying {0} to Experience Platform', p.name));
      try {
        const { deployAep, deleteAep } = await import('../node/aep/deploy');
        const opts = { updateOnly: o.updateOnly, overwrite: o.overwrite, secrets: o.secrets, token: cancelOf(token, progress), onProgress: (message: string, percent: number) => progress.report(percent, message) };
        const r = remove ? await deleteAep(p, client, opts) : await deployAep(p, client, opts);
        changed([...p.bodies.map((b) => b.path), p.model.statePath]);
        return { ...r, ...(o.dryRun ? { curl } : {}) };
      } catch (e) {
        throw failure(e);
      } finally {
        progress.done();
      }
    },
    async aepRuns(uri: unknown, options: unknown, token: CancellationToken): Promise<AepRunsResult> {
      const { p, m } = await load(uri, 'aepRuns');
      const o = (options ?? {}) as AepCommandOptions;
      const { client } = await connect(p, m, o, false);
      const progress = await startProgress(l10n.t('Pipewright: reading the runs of {0}', p.name));
      try {
        const { flowRuns } = await import('../node/aep/monitor');
        return await flowRuns(p, client, { limit: o.limit, token: cancelOf(token, progress) });
      } catch (e) {
        throw failure(e);
      } finally {
        progress.done();
      }
    },
    async aepExplore(uri: unknown, resourcePath: unknown, options: unknown): Promise<AepExploreResult> {
      const { p, m } = await load(uri, 'aepExplore');
      if (typeof resourcePath !== 'string' || !resourcePath) throw new ResponseError(ErrorCodes.InvalidParams, 'aepExplore takes a resource path such as "charges" after the pipeline URI.');
      const o = (options ?? {}) as AepCommandOptions;
      const { client, curl } = await connect(p, m, o, false);
      try {
        const { exploreAep } = await import('../node/aep/monitor');
        const r = await exploreAep(p, resourcePath, client);
        if (r.file) changed([r.file]);
        return { ...r, ...(o.dryRun ? { curl } : {}) };
      } catch (e) {
        throw failure(e);
      }
    },
  };
}
