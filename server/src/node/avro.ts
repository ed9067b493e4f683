/**
 * The `.avro` preview of any pipeline that names a bucket (Braze Currents above all, whose events arrive as Avro
 * files; any other kind's bucket may hold some too), shared by `pipewright preview --object` and the server's
 * `pipewright/previewObject`. The pipeline file gives the bucket, its region and the optional `access` (profile,
 * role to assume); the command's options override them, as for imports. The engine reads; this side connects and
 * supplies deflate (node:zlib).
 */
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import * as l10n from '../engine/l10n';
import { AvroReadError, previewAvroObject, type AvroCodecs, type AvroPreview } from '../engine/avro/container';
import { objectProp, stringOf } from '../engine/json';
import type { ParsedDocument } from '../engine/parse';
import { explainAwsError } from './aws/errors';
import { createS3Client, s3Access } from './aws/s3';
import { isLoopback, localCredentials, type ConnectOptions } from './import/connect';

export { AvroReadError } from '../engine/avro/container';

const inflate = promisify(inflateRaw);

/**
 * A decompressed block larger than this is damage or a bomb, not a Currents block (those are a few MB at most; Avro's
 * own writers flush blocks at 16 KB–1 MB): zlib stops inflating there instead of filling the memory.
 */
const MAX_BLOCK_BYTES = 128 * 1024 * 1024;

export const avroCodecs: AvroCodecs = {
  deflate: async (bytes) => {
    try {
      return new Uint8Array(await inflate(bytes, { maxOutputLength: MAX_BLOCK_BYTES }));
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(l10n.t('a block inflates to more than {0} MB, which no Avro writer produces (a damaged file or a decompression bomb)', MAX_BLOCK_BYTES / 1024 / 1024));
      throw e;
    }
  },
};

export interface AvroObjectOptions extends ConnectOptions {
  key: string;
  maxRows?: number;
  signal?: AbortSignal;
}

/** The pipeline's bucket, or an error that says the file names none. */
export function bucketOf(doc: ParsedDocument): string {
  const bucket = stringOf(objectProp(doc.root, 'bucket'));
  if (!bucket) throw new PipelineBucketError(l10n.t('{0} names no bucket: an object preview needs the pipeline\'s "bucket".', doc.path));
  return bucket;
}

/** The pipeline file cannot be previewed from (it names no bucket): a usage error, not a failure of S3. */
export class PipelineBucketError extends Error {
  override name = 'PipelineBucketError';
}

export async function previewAvroOfPipeline(doc: ParsedDocument, o: AvroObjectOptions): Promise<AvroPreview> {
  const bucket = bucketOf(doc);
  const access = objectProp(doc.root, 'access');
  const profile = o.profile || stringOf(objectProp(access, 'profile'));
  const roleArn = stringOf(objectProp(access, 'roleArn'));
  const endpoint = o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
  const client = createS3Client({
    region: o.region || stringOf(objectProp(doc.root, 'region')),
    endpoint: o.endpoint || undefined,
    profile,
    assumeRole: roleArn ? { roleArn, externalId: stringOf(objectProp(access, 'externalId')) } : undefined,
    credentials: endpoint && isLoopback(endpoint) && !profile ? localCredentials() : undefined,
  });
  try {
    return await previewAvroObject(s3Access(client), bucket, o.key, { maxRows: o.maxRows, codecs: avroCodecs, signal: o.signal });
  } catch (e) {
    // The file's own damage says what to do already; S3's errors get the endpoint, profile and permission named.
    if (e instanceof AvroReadError || /^s3:\/\//.test((e as Error)?.message ?? '')) throw e;
    throw new Error(explainAwsError(e, { operation: 's3:GetObject', bucket, key: o.key, region: o.region || stringOf(objectProp(doc.root, 'region')), endpoint, config: doc.path, profile }), { cause: e });
  } finally {
    client.destroy();
  }
}
