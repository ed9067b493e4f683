/**
 * The S3 access of a preview or import run: the pipeline's region and optional "access" (profile, role to
 * assume), overridden by the command's options (CLI flags, editor settings).
 */
import type { S3Access } from '../../engine/import/types';
import { createS3Client, s3Access } from '../aws/s3';
import type { ImportPipeline } from './pipeline';

export interface ConnectOptions {
  endpoint?: string;
  profile?: string;
  region?: string;
}

export function s3For(p: ImportPipeline, o: ConnectOptions = {}): S3Access {
  const client = createS3Client({
    region: o.region || p.region,
    endpoint: o.endpoint || undefined,
    profile: o.profile || p.access.profile,
    assumeRole: p.access.roleArn ? { roleArn: p.access.roleArn, externalId: p.access.externalId } : undefined,
  });
  return s3Access(client);
}
