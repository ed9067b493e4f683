/**
 * The bucket and object previews of a stripe-export pipeline over LSP (the `pipewright/previewBucket` and
 * `pipewright/previewObject` requests, which imports.ts hands over for such pipelines): runs stream out as partial
 * results while the bucket is listed; a Parquet file comes back as a ParquetPreview, decrypted when the request
 * carries the private key (`privateKey`, which the client keeps in its secret storage; it is never logged).
 * The same node-side functions as `pipewright preview` (node/export/preview.ts).
 */
import { ErrorCodes, LSPErrorCodes, ProgressType, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import type { Project } from '../engine';
import type { DeliveryObject, DeliveryRun } from '../engine/delivery/runs';
import type { PreviewBucketParams, PreviewBucketResult, PreviewObjectParams, PreviewObjectResult } from '../protocol';
import type { JobProgress } from './imports';
import { uriToPath } from './uri';

const load = () => Promise.all([import('../node/export/preview'), import('../node/export/pipeline'), import('../node/export/jobs')]).then(([preview, pipeline, jobs]) => ({ ...preview, ...pipeline, ...jobs }));

/** Whether `uri` names a stripe-export pipeline (whose previews are these). */
export function isExportPipeline(project: Project, uri: unknown): boolean {
  if (typeof uri !== 'string') return false;
  try {
    return project.get(uriToPath(uri))?.subKind === 'stripe-export';
  } catch {
    return false;
  }
}

export function deliveryRequests(connection: Connection, project: Project) {
  const pipelineOf = async (uri: string) => {
    const m = await load();
    try {
      return { m, p: m.loadExportPipeline(uriToPath(uri), project) };
    } catch (e) {
      throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
    }
  };
  const connect = (o: PreviewBucketParams | PreviewObjectParams) => ({ endpoint: o.endpoint || undefined, profile: o.profile || undefined, region: o.region || undefined });

  return {
    async previewBucket(params: PreviewBucketParams, token: CancellationToken, progress: JobProgress): Promise<PreviewBucketResult> {
      const { m, p } = await pipelineOf(params.uri);
      if (params.glob || params.since || params.full || params.shard) {
        throw new ResponseError(ErrorCodes.InvalidParams, 'glob, since, full and shard are for stripe-import pipelines; a stripe-export pipeline is previewed run by run.');
      }
      const partialToken = params.partialResultToken;
      const cancel = { get isCancellationRequested() { return token.isCancellationRequested || progress.cancelled; } };
      const runs: DeliveryRun[] = [];
      const objects: DeliveryObject[] = [];
      let last = 0;
      try {
        const deliveries = await m.previewDeliveryBucket(p, { ...connect(params), prefix: params.prefix }, (page) => {
          if (partialToken !== undefined) {
            if (page.runs.length || page.objects.length) {
              connection.sendProgress(new ProgressType<PreviewBucketResult>(), partialToken, { entries: [], totals: importTotals(page.totals.listed, false), pipelineKind: 'stripe-export', runs: page.runs, objects: page.objects, deliveries: page.totals });
            }
          } else {
            runs.push(...page.runs);
            objects.push(...page.objects);
          }
          if (Date.now() - last >= 100) {
            last = Date.now();
            progress.report(undefined, `${page.totals.listed.toLocaleString('en-US')} objects listed, ${page.totals.runs} runs`);
          }
        }, cancel);
        if (!deliveries.complete && cancel.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The bucket preview was cancelled.');
        return { entries: [], totals: importTotals(deliveries.listed, deliveries.complete), pipelineKind: 'stripe-export', runs, objects, deliveries };
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        throw new ResponseError(ErrorCodes.InternalError, m.jobError(e, p, connect(params), 's3:ListBucket'));
      }
    },

    async previewObject(params: PreviewObjectParams, token: CancellationToken): Promise<PreviewObjectResult> {
      const { m, p } = await pipelineOf(params.uri);
      const abort = new AbortController();
      const stop = token.onCancellationRequested(() => abort.abort());
      try {
        // The key comes as `privateKey`, or as the secret the client keeps for the account (as for the penny test).
        const privateArmored = params.privateKey || params.secrets?.[`pgp-private-key:${p.account}`] || undefined;
        return await m.previewDeliveryObject(p, { ...connect(params), key: params.key, privateArmored, maxRows: params.rows, columns: params.columns, signal: abort.signal });
      } catch (e) {
        if (abort.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The object preview was cancelled.');
        const name = (e as Error)?.name;
        // A damaged, tampered or wrongly keyed file is the request's answer, not a server fault: its message says what to do.
        if (name === 'ParquetReadError' || name === 'PgpDecryptError') throw new ResponseError(ErrorCodes.InvalidRequest, (e as Error).message);
        throw new ResponseError(ErrorCodes.InternalError, m.jobError(e, p, connect(params), 's3:GetObject'));
      } finally {
        stop.dispose();
      }
    },
  };
}

/** The import-side totals a PreviewBucketResult must carry: no import verdicts for an export's bucket. */
function importTotals(listed: number, complete: boolean): PreviewBucketResult['totals'] {
  return { listed, shown: listed, byVerdict: {}, toImport: { objects: 0, bytes: 0 }, complete };
}
