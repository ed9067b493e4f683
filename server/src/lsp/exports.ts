/**
 * The export jobs over LSP: Export Now (cancellable work-done progress), penny send and penny verify — the same
 * node-side jobs the CLI runs (node/export/jobs.ts), loaded on first use.
 */
import * as l10n from '../engine/l10n';
import { ResponseError, ErrorCodes, type CancellationToken } from 'vscode-languageserver/node';
import type { Project } from '../engine';
import type { ExportReport } from '../engine/export/run';
import type { ExportRunOptions, GeneratedPgpKey, MissingSecret, PennySent, PennyVerified, PennyVerifyOptions, S3ConnectOptions } from '../protocol';
import type { JobProgress } from './imports';
import { uriToPath } from './uri';

const load = () => Promise.all([import('../node/export/jobs'), import('../node/export/pipeline'), import('../node/export/sources')]).then(([jobs, pipeline, sources]) => ({ ...jobs, ...pipeline, NotStartedError: sources.NotStartedError }));

export function exportCommands(project: Project, startProgress: (title: string) => Promise<JobProgress>) {
  const pipelineOf = async (uri: unknown, what: string) => {
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, `${what} takes the URI of a stripe-export pipeline file.`);
    const m = await load();
    try {
      return { m, p: m.loadExportPipeline(uriToPath(uri), project) };
    } catch (e) {
      throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
    }
  };
  const connect = (o: S3ConnectOptions | undefined): S3ConnectOptions => ({ endpoint: o?.endpoint || undefined, profile: o?.profile || undefined, region: o?.region || undefined });
  return {
    async exportNow(uri: unknown, options: unknown, token: CancellationToken): Promise<ExportReport> {
      const { m, p } = await pipelineOf(uri, 'exportNow');
      const o = (options ?? {}) as ExportRunOptions;
      const missing = (e: unknown) => {
        // The client takes the key from its secret storage (or asks for it) and runs the export again with it.
        const data: MissingSecret = { missingSecret: { secret: (e as { missingSecret: string }).missingSecret, kind: 'text', prompt: `Stripe API key for the export of ${p.name}: a restricted key (rk_test_…) with read access to ${p.tables.join(', ')}` } };
        return new ResponseError(ErrorCodes.InvalidRequest, (e as Error).message, data);
      };
      // A missing secret is said before the progress starts: the retry with the secret shows the only notification.
      try {
        m.checkExportSecrets(p, { ...connect(o), sourceDir: o.sourceDir, secrets: o.secrets });
      } catch (e) {
        if (e instanceof m.NotStartedError && e.missingSecret) throw missing(e);
        throw new ResponseError(ErrorCodes.InvalidParams, `${(e as Error).message} Nothing was uploaded.`);
      }
      const progress = await startProgress(l10n.t('Pipewright: exporting {0}', p.name));
      const cancel = { get isCancellationRequested() { return token.isCancellationRequested || progress.cancelled; } };
      let last = 0;
      try {
        return await m.exportJob(p, {
          ...connect(o),
          sourceDir: o.sourceDir,
          secrets: o.secrets,
          token: cancel,
          progress: (x) => {
            if (Date.now() - last < 100) return;
            last = Date.now();
            progress.report(Math.round((100 * x.tablesDone) / Math.max(1, x.tables)), `${x.table}: ${x.rows.toLocaleString('en-US')} rows`);
          },
        });
      } catch (e) {
        if (e instanceof m.NotStartedError && e.missingSecret) throw missing(e);
        const tail = e instanceof m.NotStartedError ? ' Nothing was uploaded.' : ' The run was not completed: no _SUCCESS was written and its uploads were aborted.';
        throw new ResponseError(ErrorCodes.InternalError, `${m.jobError(e, p, connect(o), 's3:PutObject')}${tail}`);
      } finally {
        progress.done();
      }
    },
    async generatePgpKey(account: unknown): Promise<GeneratedPgpKey> {
      if (typeof account !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'generatePgpKey takes the Stripe account id (acct_…) or organisation id (org_…).');
      const { generateStripeKeyPair } = await import('../node/pgp/keys');
      try {
        return await generateStripeKeyPair(account);
      } catch (e) {
        throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
      }
    },
    async pennySend(uri: unknown, options: unknown): Promise<PennySent> {
      const { m, p } = await pipelineOf(uri, 'pennySend');
      try {
        return await m.pennySend(p, connect(options as S3ConnectOptions));
      } catch (e) {
        throw new ResponseError(ErrorCodes.InternalError, m.jobError(e, p, connect(options as S3ConnectOptions), 's3:PutObject'));
      }
    },
    async pennyVerify(uri: unknown, options: unknown): Promise<PennyVerified> {
      const { m, p } = await pipelineOf(uri, 'pennyVerify');
      const o = (options ?? {}) as PennyVerifyOptions;
      try {
        const secret = `pgp-private-key:${p.account}`;
        const r = await m.pennyVerify(p, { ...connect(o), privateArmored: o.privateKey ?? o.secrets?.[secret] });
        return { key: r.key, account: r.account, code: r.code, created: r.created, text: r.text };
      } catch (e) {
        if (e instanceof m.NeedsPrivateKey) {
          const data: MissingSecret = { missingSecret: { secret: `pgp-private-key:${p.account}`, kind: 'pgp-private-key', prompt: `Private PGP key of ${p.account}, to decrypt the penny-test file of ${p.name}` } };
          throw new ResponseError(ErrorCodes.InvalidRequest, e.message, data);
        }
        throw new ResponseError(ErrorCodes.InvalidRequest, m.jobError(e, p, connect(o), 's3:ListBucket'));
      }
    },
  };
}
