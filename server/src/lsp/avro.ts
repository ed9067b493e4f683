/**
 * `pipewright/previewObject` for a `.avro` key, whatever the pipeline's kind: Braze Currents delivers its events as
 * Avro files, and a stripe-import or stripe-export bucket may hold some too. The pipeline file gives the bucket; the
 * node side (node/avro.ts) connects and the engine reads only the first blocks. Loaded on the first such request.
 */
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import * as l10n from '../engine/l10n';
import type { Project } from '../engine';
import type { AvroPreview } from '../engine/avro/container';
import type { PreviewObjectParams } from '../protocol';
import { uriToPath } from './uri';

export async function previewAvroRequest(project: Project, params: PreviewObjectParams, token: CancellationToken): Promise<AvroPreview> {
  let doc;
  try {
    doc = typeof params.uri === 'string' ? project.get(uriToPath(params.uri)) : undefined;
  } catch {
    doc = undefined;
  }
  if (!doc || doc.kind !== 'pipeline') throw new ResponseError(ErrorCodes.InvalidParams, l10n.t('{0} is not a pipeline file: an object preview takes the URI of one.', String(params.uri)));
  const { previewAvroOfPipeline, AvroReadError, PipelineBucketError } = await import('../node/avro');
  const abort = new AbortController();
  const stop = token.onCancellationRequested(() => abort.abort());
  try {
    return await previewAvroOfPipeline(doc, { key: params.key, maxRows: params.rows, endpoint: params.endpoint || undefined, profile: params.profile || undefined, region: params.region || undefined, signal: abort.signal });
  } catch (e) {
    if (abort.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The object preview was cancelled.');
    // A damaged file is the request's answer, not a server fault: its message names the object and what to do.
    if (e instanceof AvroReadError) throw new ResponseError(ErrorCodes.InvalidRequest, e.message);
    if (e instanceof PipelineBucketError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
    throw new ResponseError(ErrorCodes.InternalError, (e as Error)?.message ?? String(e));
  } finally {
    stop.dispose();
  }
}
