/**
 * The Braze jobs over LSP: Test Braze Credentials (the connection test, with cancellable progress while IAM
 * propagates) and Check Currents Deliveries — the node-side functions the CLI runs, loaded on first use. What the
 * test learns about the bucket (Object Lock, a bucket policy demanding encryption) becomes findings on the config.
 */
import * as l10n from '../engine/l10n';
import { ResponseError, ErrorCodes, LSPErrorCodes, type CancellationToken } from 'vscode-languageserver/node';
import type { Project } from '../engine';
import { brazePipelineOf, type BrazePipeline } from '../engine/braze/target';
import type { BrazeDeliveriesOptions, BrazeTestOptions, BrazeTestReport, BrazeDeliveriesReport, MissingSecret } from '../protocol';
import type { JobProgress } from './imports';
import { uriToPath } from './uri';

export function brazeCommands(project: Project, startProgress: (title: string) => Promise<JobProgress>, revalidate: () => void) {
  const pipelineOf = (uri: unknown, what: string): BrazePipeline => {
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, `${what} takes the URI of a braze-currents or braze-export pipeline file.`);
    const doc = project.get(uriToPath(uri));
    if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `${uri} cannot be read.`);
    const p = brazePipelineOf(doc);
    if ('error' in p) throw new ResponseError(ErrorCodes.InvalidParams, p.error);
    return p;
  };
  const cancelOf = (token: CancellationToken, progress: JobProgress) => ({ get isCancellationRequested() { return token.isCancellationRequested || progress.cancelled; } });
  return {
    async brazeTest(uri: unknown, options: unknown, token: CancellationToken): Promise<BrazeTestReport> {
      const p = pipelineOf(uri, 'brazeTest');
      const o = (options ?? {}) as BrazeTestOptions;
      const m = await import('../node/braze/connection');
      const { SecretError } = await import('../node/secrets');
      // A missing secret is said before the progress starts: the client asks for it and runs the test again.
      try {
        m.checkBrazeSecrets(p, o.secrets);
      } catch (e) {
        if (e instanceof SecretError && e.secretName) {
          const data: MissingSecret = { missingSecret: { secret: e.secretName, kind: 'text', prompt: `AWS secret access key that Braze uses for ${p.name} (the IAM user's key, as entered in Braze)` } };
          throw new ResponseError(ErrorCodes.InvalidRequest, e.message, data);
        }
        throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
      }
      const progress = await startProgress(l10n.t('Pipewright: testing the Braze credentials of {0}', p.name));
      const cancel = cancelOf(token, progress);
      try {
        const report = await m.brazeConnectionTest(p, {
          endpoint: o.endpoint || undefined,
          profile: o.profile || undefined,
          region: o.region || undefined,
          secrets: o.secrets,
          propagationWaitSeconds: o.propagationWaitSeconds,
          maxKeyAgeDays: o.maxKeyAgeDays,
          token: cancel,
          onProgress: (message, percent) => progress.report(percent, message),
        });
        if (cancel.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, `The Braze credential test was cancelled.${report.testObject && !report.testObject.removed ? ` ${report.testObject.message}` : ''}`);
        if (report.settings) {
          project.setBucketFacts(p.target.bucket, { objectLock: report.settings.objectLock, requiresSse: report.settings.requiresSse });
          revalidate();
        }
        return { ...report, name: p.name };
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        throw new ResponseError(ErrorCodes.InternalError, (e as Error).message);
      } finally {
        progress.done();
      }
    },
    async brazeDeliveries(uri: unknown, options: unknown, token: CancellationToken): Promise<BrazeDeliveriesReport> {
      const p = pipelineOf(uri, 'brazeDeliveries');
      if (p.target.kind !== 'braze-currents') throw new ResponseError(ErrorCodes.InvalidParams, `${p.path} is a braze-export pipeline: deliveries are read from Currents folders.`);
      const o = (options ?? {}) as BrazeDeliveriesOptions;
      const { currentsDeliveries } = await import('../node/braze/deliveries');
      const progress = await startProgress(l10n.t('Pipewright: reading the Currents deliveries of {0}', p.name));
      const cancel = cancelOf(token, progress);
      try {
        const r = await currentsDeliveries(p, { endpoint: o.endpoint || undefined, profile: o.profile || undefined, region: o.region || undefined, from: o.from, to: o.to, duplicates: o.duplicates, token: cancel, onProgress: (message, percent) => progress.report(percent, message) });
        if (r.cancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'Reading the Currents deliveries was cancelled.');
        return { ...r, name: p.name };
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        throw new ResponseError(ErrorCodes.InternalError, (e as Error).message);
      } finally {
        progress.done();
      }
    },
  };
}
