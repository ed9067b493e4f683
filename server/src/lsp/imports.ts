/**
 * The import jobs over LSP: bucket preview (a custom request whose listing pages stream as partial results),
 * content preview of one object, and "Import Now" (a command with cancellable work-done progress). The work is
 * the engine's and the node side's, exactly what the CLI runs.
 */
import * as l10n from '../engine/l10n';
import { ResponseError, ErrorCodes, LSPErrorCodes, ProgressType, WorkDoneProgress, type CancellationToken, type Connection, type WorkDoneProgressReporter } from 'vscode-languageserver/node';
import type { Project } from '../engine';
import { avroKind } from '../engine/avro/container';
import { parquetKind, previewParquetObject } from '../engine/delivery/object';
import type { Destination } from '../engine/import/destination';
import { previewBucket, previewObject, type PreviewEntry } from '../engine/import/preview';
import { runImport, stateIdOf, type ImportReport } from '../engine/import/run';
import { parseShard, type Shard } from '../engine/import/select';
import type { ImportPipeline } from '../node/import/pipeline';
import { Requests, type ImportRunOptions, type MissingSecret, type PreviewBucketParams, type PreviewBucketResult, type PreviewObjectParams, type PreviewObjectResult } from '../protocol';
import { previewAvroRequest } from './avro';
import { deliveryRequests, isExportPipeline } from './deliveries';
import { uriToPath } from './uri';

/**
 * The AWS SDK's S3 client and SQLite (WebAssembly) load on the first import job, not at server start:
 * start-up to first diagnostics is measured and should not pay for them.
 */
const node = () =>
  Promise.all([import('../node/import/pipeline'), import('../node/import/connect'), import('../node/aws/errors'), import('../node/import/stripe')]).then(([pipeline, connect, errors, stripe]) => ({
    ...pipeline,
    ...connect,
    ...errors,
    planRecords: stripe.planRecords,
  }));

export interface JobProgress {
  report(percent: number | undefined, message: string): void;
  readonly cancelled: boolean;
  done(): void;
}

/** Throttled to one report per 100 ms, like every other job. */
function throttled(p: JobProgress): (percent: number | undefined, message: string) => void {
  let last = 0;
  return (percent, message) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    p.report(percent, message);
  };
}

export function registerImportRequests(connection: Connection, project: Project, startProgress: (title: string, workDone?: WorkDoneProgressReporter) => Promise<JobProgress>): { importNow(uri: unknown, options: unknown, token: CancellationToken): Promise<ImportReport> } {
  const pipelineOf = async (uri: unknown, what: string): Promise<ImportPipeline> => {
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, `${what} takes the URI of a stripe-import pipeline file.`);
    const { loadImportPipeline } = await node();
    try {
      return loadImportPipeline(uriToPath(uri), project);
    } catch (e) {
      throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
    }
  };
  const shardOf = (s: unknown): Shard | undefined => {
    if (s === undefined || s === '') return undefined;
    const shard = typeof s === 'string' ? parseShard(s) : undefined;
    if (!shard) throw new ResponseError(ErrorCodes.InvalidParams, `shard must be I/N with 1 ≤ I ≤ N (got ${JSON.stringify(s)})`);
    return shard;
  };
  const dateOf = (s: unknown): Date | undefined => {
    if (s === undefined || s === '') return undefined;
    const t = typeof s === 'string' ? Date.parse(s) : NaN;
    if (Number.isNaN(t)) throw new ResponseError(ErrorCodes.InvalidParams, `since must be an ISO 8601 date (got ${JSON.stringify(s)})`);
    return new Date(t);
  };

  const deliveries = deliveryRequests(connection, project);

  // A custom request gets (params, token) only: the partial-result and work-done tokens it carries are honoured here.
  connection.onRequest(Requests.previewBucket, async (params: PreviewBucketParams, token: CancellationToken): Promise<PreviewBucketResult> => {
    const partialToken = params?.partialResultToken;
    const partial = partialToken !== undefined ? { report: (v: PreviewBucketResult) => void connection.sendProgress(new ProgressType<PreviewBucketResult>(), partialToken, v) } : undefined;
    const workDone = params?.workDoneToken !== undefined ? clientWorkDone(connection, params.workDoneToken) : undefined;
    if (isExportPipeline(project, params?.uri)) {
      const progress = await startProgress(l10n.t('Pipewright: listing the deliveries'), workDone);
      try {
        return await deliveries.previewBucket(params, token, progress);
      } finally {
        progress.done();
      }
    }
    const p = await pipelineOf(params?.uri, 'previewBucket');
    const { s3For, explainAwsError, errorContext, readSyncState } = await node();
    const shard = shardOf(params.shard);
    const since = dateOf(params.since);
    const progress = await startProgress(l10n.t('Pipewright: listing the bucket'), workDone);
    const cancel = { get isCancellationRequested() { return token.isCancellationRequested || progress.cancelled; } };
    const report = throttled(progress);
    const all: PreviewEntry[] = [];
    try {
      const s3 = s3For(p, params);
      const state = await readSyncState(p, stateIdOf(p.name, shard));
      const totals = await previewBucket(s3, p.bucket, { folder: p.folder, formats: p.formats, now: new Date(), state, since, full: params.full, shard }, { prefix: params.prefix, glob: params.glob }, (entries, t) => {
        if (partial) partial.report({ entries, totals: t });
        else all.push(...entries);
        report(undefined, `${t.listed.toLocaleString('en-US')} objects listed, ${t.toImport.objects.toLocaleString('en-US')} to import`);
      }, cancel);
      if (!totals.complete && cancel.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The bucket preview was cancelled.');
      return { entries: partial ? [] : all, totals };
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      throw new ResponseError(ErrorCodes.InternalError, explainAwsError(e, errorContext(p, params, 's3:ListBucket')));
    } finally {
      progress.done();
    }
  });

  connection.onRequest(Requests.previewObject, async (params: PreviewObjectParams, token: CancellationToken): Promise<PreviewObjectResult> => {
    if (typeof params?.key !== 'string' || !params.key) throw new ResponseError(ErrorCodes.InvalidParams, 'previewObject needs the key of an object.');
    // Avro (Braze Currents' format) for every pipeline kind with a bucket, before the kind decides the rest.
    if (avroKind(params.key)) return previewAvroRequest(project, params, token);
    if (isExportPipeline(project, params.uri)) return deliveries.previewObject(params, token);
    const p = await pipelineOf(params?.uri, 'previewObject');
    const { s3For, explainAwsError, errorContext, openDestination, planRecords } = await node();
    const abort = new AbortController();
    const stop = token.onCancellationRequested(() => abort.abort());
    try {
      const s3 = s3For(p, params);
      if (parquetKind(params.key)) {
        // Not a format the connector imports, but worth reading: the same Parquet preview as for exports.
        const { fileDecryptor } = await import('../node/export/preview');
        const decrypt = params.privateKey ? fileDecryptor(s3, p.bucket, params.privateKey) : undefined;
        return await previewParquetObject(s3, p.bucket, params.key, { maxRows: params.rows, columns: params.columns, decrypt, signal: abort.signal });
      }
      // With a Stripe destination whose key the request carries (or the environment has), each row shows what the
      // import would do with it; without the key the preview is the same, without the plan.
      let planner: Destination | undefined;
      if (p.destination.type === 'stripe') {
        try {
          planner = openDestination(p, { readOnly: true, secrets: params.secrets });
        } catch {
          planner = undefined;
        }
      }
      try {
        return await previewObject(s3, p.bucket, params.key, p.template, { maxRows: params.rows, signal: abort.signal, plan: planner && ((records) => planRecords(planner!, records)) });
      } finally {
        await planner?.close();
      }
    } catch (e) {
      if (abort.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The object preview was cancelled.');
      throw new ResponseError(ErrorCodes.InternalError, explainAwsError(e, errorContext(p, params, 's3:GetObject', params.key)));
    } finally {
      stop.dispose();
    }
  });

  return {
    async importNow(uri, options, token) {
      const p = await pipelineOf(uri, 'importNow');
      const { s3For, explainAwsError, errorContext, openDestination } = await node();
      const o = (options ?? {}) as ImportRunOptions;
      const shard = shardOf(o.shard);
      const since = dateOf(o.since);
      let destination;
      // Looked at by the Stripe destination between requests, once the progress (and its Cancel) exists.
      let progress: JobProgress | undefined;
      const cancel = { get isCancellationRequested() { return token.isCancellationRequested || !!progress?.cancelled; } };
      try {
        destination = openDestination(p, { readOnly: o.dryRun, secrets: o.secrets, token: cancel });
      } catch (e) {
        const secret = (e as { secretName?: string }).secretName;
        // The client takes the Stripe key from its secret storage (or asks for it) and runs the import again with it.
        const data: MissingSecret | undefined = secret ? { missingSecret: { secret, kind: 'text', prompt: l10n.t('Stripe API key for the import of {0}: a restricted key (rk_test_…) with write access to {1}', p.name, p.template.object) } } : undefined;
        throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message, data);
      }
      progress = await startProgress(l10n.t('Pipewright: importing {0}', p.name));
      const report = throttled(progress);
      try {
        return await runImport({ bucket: p.bucket, folder: p.folder, formats: p.formats }, p.template, stateIdOf(p.name, shard), {
          s3: s3For(p, o),
          destination,
          token: cancel,
          progress: (x) =>
            x.phase === 'listing'
              ? report(undefined, `listing: ${x.listed.toLocaleString('en-US')} objects`)
              : report(x.bytesTotal ? Math.round((100 * x.bytesDone) / x.bytesTotal) : undefined, `${x.objectsDone}/${x.selected} files, ${x.records.toLocaleString('en-US')} records${x.current ? ` — ${x.current.slice(x.current.lastIndexOf('/') + 1)}` : ''}`),
        }, { since, full: o.full, shard, dryRun: o.dryRun, batchSize: p.destination.type === 'stripe' ? 100 : undefined });
      } catch (e) {
        const why = (e as Error).name === 'StripeDestinationError' ? (e as Error).message : explainAwsError(e, errorContext(p, o, 's3:GetObject'));
        throw new ResponseError(ErrorCodes.InternalError, `${why} What was committed is kept: run the import again to resume.`);
      } finally {
        await destination.close().catch(() => undefined);
        progress.done();
      }
    },
  };
}

/** Work-done progress on a token the client chose (sent with the request). */
function clientWorkDone(connection: Connection, token: string | number): WorkDoneProgressReporter {
  const send = (value: unknown) => void connection.sendProgress(WorkDoneProgress.type, token, value as never);
  return {
    begin: (title: string, percentage?: number, message?: string, cancellable?: boolean) => send({ kind: 'begin', title, percentage, message, cancellable }),
    report: (a: number | string, b?: string) => send(typeof a === 'number' ? { kind: 'report', percentage: a, message: b } : { kind: 'report', message: a }),
    done: () => send({ kind: 'end' }),
  } as WorkDoneProgressReporter;
}

