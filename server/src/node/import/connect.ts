/**
 * The S3 access of a preview or import run: the pipeline's region and optional "access" (profile, role to
 * assume), overridden by the command's options (CLI flags, editor settings).
 *
 * An endpoint on this machine (the embedded `pipewright s3 serve`, MinIO or LocalStack on localhost) works without
 * AWS credentials: when the standard chain finds none, requests are signed with a fixed local identity, which such
 * servers accept. Any other endpoint, and AWS itself, still needs real credentials and says so when they are missing.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { S3Access } from '../../engine/import/types';
import type { AwsErrorContext } from '../aws/errors';
import { createS3Client, s3Access } from '../aws/s3';
import type { ImportPipeline } from './pipeline';

export interface ConnectOptions {
  endpoint?: string;
  profile?: string;
  region?: string;
}

export function s3For(p: ImportPipeline, o: ConnectOptions = {}): S3Access {
  const endpoint = o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
  const profile = o.profile || p.access.profile;
  const client = createS3Client({
    region: o.region || p.region,
    endpoint: o.endpoint || undefined,
    profile,
    assumeRole: p.access.roleArn ? { roleArn: p.access.roleArn, externalId: p.access.externalId } : undefined,
    credentials: endpoint && isLoopback(endpoint) && !profile ? localCredentials() : undefined,
  });
  return s3Access(client);
}

/** What explainAwsError needs to name the endpoint, the config and the profile in its advice. */
export function errorContext(p: ImportPipeline, o: ConnectOptions, operation: string, key?: string): AwsErrorContext {
  return {
    operation,
    bucket: p.bucket,
    key,
    region: o.region || p.region,
    endpoint: o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined,
    config: p.path,
    profile: o.profile || p.access.profile,
  } as AwsErrorContext;
}

export function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** The standard chain, falling back to a fixed local identity when it finds nothing (for endpoints on this machine). */
export function localCredentials(chain: AwsCredentialIdentityProvider = defaultProvider()): AwsCredentialIdentityProvider {
  return async (props) => {
    try {
      return await chain(props);
    } catch {
      return { accessKeyId: 'pipewright-local', secretAccessKey: 'pipewright-local' };
    }
  };
}
