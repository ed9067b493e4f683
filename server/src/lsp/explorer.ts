/**
 * What the editor's Pipelines view asks: a pipeline's facts (name, kind, bucket, prefix, problem counts), one page
 * of its bucket at one folder level (with the next import's verdict for stripe-import pipelines), and the download
 * of one object. Big buckets stay usable because a page is one ListObjectsV2 call with a delimiter, and the filter
 * narrows what a page shows without listing more.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { ResponseError, ErrorCodes, LSPErrorCodes, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import { validate, type Project } from '../engine';
import { objectProp, stringOf } from '../engine/json';
import type { ParsedDocument } from '../engine/parse';
import { Requests, type BucketObject, type DocumentInfoParams, type DownloadObjectParams, type ListBucketParams, type ListBucketResult, type PipelineInfo } from '../protocol';
import { uriToPath } from './uri';

const node = () =>
  Promise.all([import('../node/aws/s3'), import('../node/import/connect'), import('../node/aws/errors'), import('../engine/import/select'), import('../node/import/pipeline'), import('../engine/import/run')]).then(
    ([s3, connect, errors, select, pipeline, run]) => ({ ...s3, ...connect, ...errors, ...select, ...pipeline, ...run }),
  );

/** The folder of the bucket each kind reads or writes. */
function prefixOf(doc: ParsedDocument): string {
  const root = doc.root;
  switch (doc.subKind) {
    case 'stripe-import':
      return stringOf(objectProp(root, 'folder')) ?? '';
    case 'stripe-export':
      return stringOf(objectProp(root, 'prefix')) ?? '';
    case 'braze-currents':
    case 'braze-export': {
      const f = stringOf(objectProp(root, 'folderPath')) ?? (doc.subKind === 'braze-currents' ? 'currents' : '');
      return f && !f.endsWith('/') ? `${f}/` : f;
    }
    default:
      return '';
  }
}

export function registerExplorerRequests(connection: Connection, project: Project, docOf: (uri: string) => ParsedDocument | undefined): void {
  const pipelineDoc = (uri: unknown): ParsedDocument => {
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'The request takes the URI of a pipeline file.');
    const doc = docOf(uri);
    if (!doc || doc.kind !== 'pipeline') throw new ResponseError(ErrorCodes.InvalidParams, `${uriToPath(uri)} is not a pipeline file that can be read.`);
    return doc;
  };

  connection.onRequest(Requests.pipelineInfo, (p: DocumentInfoParams): PipelineInfo => {
    const doc = pipelineDoc(p?.uri);
    const findings = validate(doc, project);
    const str = (name: string) => stringOf(objectProp(doc.root, name));
    return {
      uri: p.uri,
      name: str('name') ?? uriToPath(p.uri).split('/').pop()!,
      kind: doc.subKind,
      bucket: str('bucket'),
      region: str('region'),
      prefix: prefixOf(doc),
      account: str('account'),
      secrets: [...new Set([...doc.text.matchAll(/\$\{secret:([^}\s]+)\}/g)].map((m) => m[1]))],
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
    };
  });

  const connect = async (doc: ParsedDocument, o: ListBucketParams | DownloadObjectParams) => {
    const m = await node();
    const bucket = stringOf(objectProp(doc.root, 'bucket'));
    if (!bucket) throw new ResponseError(ErrorCodes.InvalidParams, `${doc.path} names no bucket.`);
    const endpoint = o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
    const client = m.createS3Client({
      region: o.region || stringOf(objectProp(doc.root, 'region')),
      endpoint: o.endpoint || undefined,
      profile: o.profile || undefined,
      credentials: endpoint && m.isLoopback(endpoint) && !o.profile ? m.localCredentials() : undefined,
    });
    const context = (operation: string, key?: string) => ({ operation, bucket, key, region: o.region || stringOf(objectProp(doc.root, 'region')), endpoint, config: doc.path, profile: o.profile }) as Parameters<typeof m.explainAwsError>[1];
    return { m, bucket, client, s3: m.s3Access(client), context };
  };

  connection.onRequest(Requests.listBucket, async (p: ListBucketParams, token: CancellationToken): Promise<ListBucketResult> => {
    const doc = pipelineDoc(p?.uri);
    const { m, bucket, client, s3, context } = await connect(doc, p);
    const prefix = p.prefix ?? prefixOf(doc);
    const abort = new AbortController();
    const stop = token.onCancellationRequested(() => abort.abort());
    try {
      const page = await s3.listPage(bucket, prefix, p.continuationToken || undefined, abort.signal, '/');
      let select: Parameters<typeof m.decide>[1] | undefined;
      if (doc.subKind === 'stripe-import') {
        try {
          const ip = m.loadImportPipeline(doc.path, project);
          select = { folder: ip.folder, formats: ip.formats, now: new Date(), state: await m.readSyncState(ip, m.stateIdOf(ip.name, undefined)) };
        } catch {
          // A pipeline with errors still lists; it shows no verdicts until it is fixed.
        }
      }
      const needle = p.filter?.toLowerCase();
      const keep = (k: string) => !needle || k.slice(prefix.length).toLowerCase().includes(needle);
      const objects: BucketObject[] = page.objects.filter((o) => keep(o.key) && o.key !== prefix).map((o) => {
        const v = select ? m.decide(o, select) : undefined;
        return { key: o.key, size: o.size, lastModified: o.lastModified.toISOString(), ...(v ? { verdict: { kind: v.kind, imports: v.imports, reason: v.reason } } : {}) };
      });
      return { bucket, prefix, folders: (page.folders ?? []).filter(keep), objects, nextToken: page.nextToken };
    } catch (e) {
      if (abort.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The listing was cancelled.');
      throw new ResponseError(ErrorCodes.InternalError, m.explainAwsError(e, context('s3:ListBucket')));
    } finally {
      stop.dispose();
      client.destroy();
    }
  });

  connection.onRequest(Requests.downloadObject, async (p: DownloadObjectParams, token: CancellationToken): Promise<number> => {
    const doc = pipelineDoc(p?.uri);
    if (typeof p.key !== 'string' || typeof p.to !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'downloadObject needs a key and a file to write.');
    const { m, bucket, client, s3, context } = await connect(doc, p);
    const abort = new AbortController();
    const stop = token.onCancellationRequested(() => abort.abort());
    // Written beside the target and renamed at the end: a stopped download leaves no file that looks complete.
    const partial = `${p.to}.pipewright-partial`;
    const out = createWriteStream(partial);
    let bytes = 0;
    try {
      for await (const chunk of s3.read(bucket, p.key, { signal: abort.signal })) {
        bytes += chunk.length;
        if (!out.write(chunk)) await once(out, 'drain');
      }
      await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
      renameSync(partial, p.to);
      return bytes;
    } catch (e) {
      out.destroy();
      rmSync(partial, { force: true });
      if (abort.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The download was cancelled.');
      throw new ResponseError(ErrorCodes.InternalError, m.explainAwsError(e, context('s3:GetObject', p.key)));
    } finally {
      stop.dispose();
      client.destroy();
    }
  });
}
