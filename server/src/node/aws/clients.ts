/**
 * AWS SDK clients for Pipewright's live checks, configured the way the AWS CLI would be.
 *
 * Credentials: the SDK's own default chain (no extra package): environment variables (AWS_ACCESS_KEY_ID…),
 * then the shared files ~/.aws/credentials and ~/.aws/config (the `profile` below, else AWS_PROFILE, else
 * `default`: static keys, SSO, assume-role, credential_process, web identity), then container / EC2 instance
 * roles. `profile` is the client option of @aws-sdk 3.x: the SDK hands the client config (including `profile`)
 * to its default credential provider, so it selects both the credentials and the profile's settings.
 *
 * Endpoint, in the SDK's order (checked in @smithy/core's endpoints module of the pinned 3.1169.0):
 *   1. `endpoint` given here (explicit, always wins);
 *   2. AWS_ENDPOINT_URL_IAM, then AWS_ENDPOINT_URL (environment; the suffix is the client's serviceId, "IAM");
 *   3. `endpoint_url` in the profile's `services` section or the profile itself (read for AWS_PROFILE/`default`);
 *   4. AWS itself (https://iam.amazonaws.com for the aws partition).
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns 2 and 3 off. We do not re-implement any of this.
 *
 * Region: IAM is a global service; the region only chooses the partition (aws, aws-cn, aws-us-gov) and the
 * signing region. `region` given here, else the SDK's (AWS_REGION, the profile's `region`), else us-east-1 — so a
 * user with credentials but no region configured can still read IAM.
 */
import { IAMClient } from '@aws-sdk/client-iam';

export interface AwsClientOptions {
  /** AWS region code; empty or undefined: AWS_REGION, the profile's region, else us-east-1. */
  region?: string;
  /** URL of an AWS-compatible endpoint (LocalStack, moto…); empty or undefined: see the order above. */
  endpoint?: string;
  /** Named profile from ~/.aws/config and ~/.aws/credentials; empty or undefined: AWS_PROFILE, else `default`. */
  profile?: string;
  /** Attempts per call, retries included (SDK default 3). */
  maxAttempts?: number;
  /** Milliseconds to wait for a TCP connection before giving up (default 5 s: a wrong endpoint fails fast). */
  connectionTimeoutMs?: number;
  /** Milliseconds of socket inactivity before a request is abandoned (default 30 s). */
  requestTimeoutMs?: number;
}

/** The region IAM calls use when none is configured anywhere. */
export const IAM_FALLBACK_REGION = 'us-east-1';

export function createIamClient(options: AwsClientOptions = {}): IAMClient {
  const profile = options.profile || undefined;
  return new IAMClient({
    region: regionOption(options, IAM_FALLBACK_REGION),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(profile ? { profile } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    // As for S3 (s3.ts): in the pinned SDK `requestTimeout` alone only logs a warning, so an IAM endpoint that
    // accepts the connection and never answers would hang the role check; these make it fail and be retried.
    requestHandler: { ...requestHandlerOptions(options), throwOnRequestTimeout: true, socketTimeout: options.requestTimeoutMs ?? 30_000 },
  });
}

/**
 * The `region` client option shared by Pipewright's clients: `options.region`, else a provider that asks the SDK's
 * own chain (AWS_REGION, the profile's `region`) and falls back to `fallback`. The SDK calls a region provider for
 * every request: the answer is looked up once per client (the provider returned here) and kept.
 */
export function regionOption(options: AwsClientOptions, fallback: string): string | (() => Promise<string>) {
  if (options.region) return options.region;
  const profile = options.profile || undefined;
  let found: Promise<string> | undefined;
  return () => (found ??= sdkRegionOr(profile, fallback));
}

/** The `requestHandler` client option: connection timeout 5 s (a wrong endpoint fails fast), socket idle 30 s. */
export function requestHandlerOptions(options: AwsClientOptions): { connectionTimeout: number; requestTimeout: number } {
  return {
    connectionTimeout: options.connectionTimeoutMs ?? 5_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
  };
}

/** The region the SDK's own chain finds (AWS_REGION, the profile's `region`), or `fallback` when it finds none. */
export async function sdkRegionOr(profile: string | undefined, fallback: string): Promise<string> {
  // A client given no region resolves it through the SDK's loader; asking it avoids depending on @smithy internals.
  const probe = new IAMClient(profile ? { profile } : {});
  try {
    return (await probe.config.region()) || fallback;
  } catch {
    return fallback; // "Region is missing"
  } finally {
    probe.destroy();
  }
}
