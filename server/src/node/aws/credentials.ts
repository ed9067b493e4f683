/**
 * Credentials of an assumed IAM role: `sts:AssumeRole` (with the ExternalId when one is given), called with the
 * base credentials of the STS client handed in — the SDK's default chain for the profile in use, see clients.ts —
 * and called again shortly before the session credentials expire.
 *
 * The provider is what the SDK's `credentials` client option accepts (a function returning
 * `{ accessKeyId, secretAccessKey, sessionToken, expiration }`). It keeps the credentials it got until
 * `refreshMarginMs` before their expiration (default 5 minutes, like the SDK's own providers), and concurrent
 * callers share one AssumeRole call. A failure is an `AssumeRoleError` naming the role, with the STS error as its
 * `cause` (no secret in its message: the ExternalId is not a secret, but is not repeated either).
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AssumeRoleOptions {
  /** `arn:aws:iam::<account>:role/<name>`. */
  roleArn: string;
  /** The sts:ExternalId the role's trust policy requires, if any. */
  externalId?: string;
  /** RoleSessionName (default `pipewright-<time>`), shown in CloudTrail. */
  sessionName?: string;
  /** Lifetime of the session credentials (default: STS's, one hour). */
  durationSeconds?: number;
}

export interface AssumeRoleProviderOptions {
  /** Refresh this long before the credentials expire (default 5 minutes). */
  refreshMarginMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

export interface AssumeRoleCredentialProvider extends AwsCredentialIdentityProvider {
  readonly roleArn: string;
  /** AssumeRole calls made so far (successful or not). */
  readonly stats: { calls: number };
}

/** AssumeRole (or the base credentials it needs) failed. */
export class AssumeRoleError extends Error {
  override name = 'AssumeRoleError';
  constructor(
    readonly roleArn: string,
    cause: unknown,
  ) {
    super(`could not assume role ${roleArn}: ${describe(cause)}`, { cause });
  }
}

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

export function assumeRoleCredentials(
  sts: STSClient,
  role: AssumeRoleOptions,
  options: AssumeRoleProviderOptions = {},
): AssumeRoleCredentialProvider {
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const now = options.now ?? Date.now;
  const stats = { calls: 0 };
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;

  const fresh = (c: AwsCredentialIdentity | undefined): c is AwsCredentialIdentity =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now() > margin);

  const assume = async (): Promise<AwsCredentialIdentity> => {
    stats.calls++;
    let out;
    try {
      out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName || `pipewright-${now()}`,
          ...(role.externalId ? { ExternalId: role.externalId } : {}),
          ...(role.durationSeconds ? { DurationSeconds: role.durationSeconds } : {}),
        }),
      );
    } catch (e) {
      throw new AssumeRoleError(role.roleArn, e);
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new AssumeRoleError(role.roleArn, new Error('STS answered without credentials'));
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };

  const provider = (async () => {
    if (fresh(current)) return current;
    pending ??= assume().then(
      (c) => {
        current = c;
        pending = undefined;
        return c;
      },
      (e: unknown) => {
        pending = undefined;
        throw e;
      },
    );
    return pending;
  }) as AssumeRoleCredentialProvider;
  Object.defineProperties(provider, {
    roleArn: { value: role.roleArn, enumerable: true },
    stats: { value: stats, enumerable: true },
  });
  return provider;
}

function describe(cause: unknown): string {
  const o = (typeof cause === 'object' && cause !== null ? cause : {}) as { name?: string; Code?: string; code?: string; message?: string };
  const code = o.Code ?? (o.code && /^E[A-Z]+$/.test(o.code) ? o.code : undefined) ?? (o.name && o.name !== 'Error' ? o.name : undefined);
  return code ? `${code}` : 'STS call failed';
}
