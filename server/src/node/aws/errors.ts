/**
 * One line for a person, for an error thrown by an S3 (or STS) call of the preview or the import: what happened,
 * and what to do about it.
 *
 *   explainAwsError(e, { operation: 's3:ListBucket', bucket: 'acme-data', region: 'us-east-1' })
 *   → AccessDenied on s3:ListBucket for arn:aws:s3:::acme-data — the credentials' policy does not allow it (run
 *     "pipewright iam check" or add s3:ListBucket on arn:aws:s3:::acme-data)
 *
 * Never includes a secret: no access key id, secret key or session token, no signed URL (X-Amz-Signature…), no
 * Authorization header — AWS messages do not normally carry them; anything that looks like one is redacted anyway.
 */
import { ObjectChangedError } from '../../engine/import/types';
import { AssumeRoleError } from './credentials';
import { redactSecrets } from './iam-role';
import { ReadInterruptedError } from './s3';

export interface AwsErrorContext {
  /** The IAM action the call needs: `s3:ListBucket`, `s3:GetObject`, `s3:PutObject`, `sts:AssumeRole`… */
  operation: 's3:ListBucket' | 's3:GetObject' | 's3:PutObject' | 's3:GetBucketLocation' | 'sts:AssumeRole' | (string & {});
  bucket: string;
  key?: string;
  /** The region configured for the call (the pipeline's or the command's), if any. */
  region?: string;
  /** The endpoint URL configured (--endpoint, the pipewright.s3.endpoint setting), if any: named in network errors. */
  endpoint?: string;
  /** Where the bucket name comes from, for "check the name in …" (default: the pipeline's "bucket"). */
  config?: string;
  /** The AWS profile named by the configuration (--profile, the setting, the pipeline), if any. */
  profile?: string;
}

const BUCKET_ACTIONS = new Set(['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads', 's3:ListBucketVersions']);
const ENDPOINT_SETTINGS = '--endpoint, the pipewright.s3.endpoint setting, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL';
const CREDENTIAL_SETTINGS =
  '--profile or the pipewright.aws.profile setting, AWS_PROFILE, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment';

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AllAccessDisabled', 'UnauthorizedAccess', 'Forbidden']);
const BAD_KEY = new Set(['InvalidAccessKeyId', 'InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidSecurity', 'AuthFailure', 'MissingAuthenticationToken', 'IncompleteSignature', 'InvalidToken']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'ServiceUnavailable']);
const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException', 'Redirect', 'TemporaryRedirect']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);
const NO_ANSWER = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'TimeoutError', 'RequestTimeout', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/;

interface ErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  Region?: unknown;
  Endpoint?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number; totalRetryDelay?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  host?: unknown;
}

export function explainAwsError(err: unknown, context: AwsErrorContext): string {
  // Text from the error (its message, codes, host names) is redacted where it is read (messageOf); text from the
  // context (bucket, key, region) is the user's own configuration, shown as is — except an endpoint's user:password.
  return explain(err, { ...context, endpoint: context.endpoint ? safeEndpoint(context.endpoint) : undefined });
}

/** The context, plus the resource named when it is not the bucket or object (the role of sts:AssumeRole). */
type Context = AwsErrorContext & { resource?: string };

function explain(err: unknown, ctx: Context): string {
  if (err instanceof ObjectChangedError) return err.message;
  if (err instanceof AssumeRoleError) return explainAssumeRole(err, ctx);
  if (err instanceof ReadInterruptedError) {
    return (
      `the connection broke ${err.resumes + 1} times in a row while reading s3://${err.bucket}/${err.key} ` +
      `(at byte ${err.bytesRead}; last: ${describeCode(err.cause)}) — check the network (VPN, proxy, firewall) and run again`
    );
  }
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorShape;
  const rawCode = errorCode(e);
  const code = rawCode && redact(rawCode);
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const message = messageOf(e);
  const resource = resourceOf(ctx);
  const on = `${ctx.operation} for ${resource}`;
  const where = ctx.config ?? `the pipeline's "bucket"`;

  if (code === 'AbortError' || code === 'ABORT_ERR') return `${on}: cancelled`;

  // Wrong region: a 301 redirect, a signature for the wrong region, or the region header of the answer.
  const bucketRegion = regionOfBucket(e);
  if ((code && WRONG_REGION.has(code)) || status === 301 || (bucketRegion && ctx.region && bucketRegion !== ctx.region && (status === 400 || status === 403))) {
    if (bucketRegion) {
      const configured = ctx.region ? `the config says ${ctx.region}` : 'no region is configured (us-east-1 is used)';
      if (bucketRegion !== ctx.region || !ctx.region) {
        return `bucket "${ctx.bucket}" is in ${bucketRegion}, ${configured}: set "region": "${bucketRegion}"`;
      }
    }
    return (
      `bucket "${ctx.bucket}" is not in ${ctx.region ?? 'the region in use'} (S3 answered ${code ?? status}): set "region" to the bucket's ` +
      `region (aws s3api get-bucket-location --bucket ${ctx.bucket} tells it)`
    );
  }

  if (code === 'NoSuchBucket') return `bucket "${ctx.bucket}" does not exist (check the name in ${where}${ctx.endpoint ? ` and the endpoint ${ctx.endpoint}` : ''})`;
  if (code === 'NoSuchKey' || (status === 404 && ctx.key && ctx.operation === 's3:GetObject')) {
    return `s3://${ctx.bucket}/${ctx.key ?? ''} does not exist (any more): it may have been deleted or renamed since it was listed`;
  }
  if (code === 'InvalidBucketName') return `"${ctx.bucket}" is not a valid S3 bucket name (check the name in ${where})`;

  if (code === 'RequestTimeTooSkewed' || (code === 'RequestExpired' && /skew|clock/i.test(message))) {
    return `${code} on ${on}: this machine's clock is too far from AWS's time — set the system clock (NTP) and run again`;
  }
  if ((code && ACCESS_DENIED.has(code)) || (status === 403 && !(code && (BAD_KEY.has(code) || EXPIRED.has(code) || code === 'SignatureDoesNotMatch')))) {
    const kms = /kms/i.test(message) ? ` — the object is encrypted with a KMS key: also allow kms:Decrypt on that key` : '';
    return (
      `AccessDenied on ${on} — the credentials' policy does not allow it (run "pipewright iam check" or add ${ctx.operation} ` +
      `on ${resource})${kms}`
    );
  }
  if (code && BAD_KEY.has(code)) {
    return (
      `${code} on ${on}: the access key in use is not known to ${ctx.endpoint ? `the server at ${ctx.endpoint}` : 'AWS'} — check which ` +
      `credentials are picked up (${CREDENTIAL_SETTINGS}) and that the key is still active`
    );
  }
  if (code === 'SignatureDoesNotMatch') {
    return (
      `SignatureDoesNotMatch on ${on}: the secret access key does not belong to the access key id in use, or this machine's clock is ` +
      `off — check the credentials (${CREDENTIAL_SETTINGS}) and the system time`
    );
  }
  if ((code && EXPIRED.has(code)) || /token (has|is) expired|expired token|sso session .* expired/i.test(message)) {
    return (
      `${code && EXPIRED.has(code) ? code : 'ExpiredToken'} on ${on}: the session credentials have expired — for an SSO profile run ` +
      `"aws sso login --profile ${ctx.profile ?? '<profile>'}"; otherwise get new credentials (${CREDENTIAL_SETTINGS})`
    );
  }
  if (code === 'CredentialsProviderError' || code === 'TokenProviderError' || /could not load credentials|unable to load credentials/i.test(message)) {
    if (ctx.profile) {
      return (
        `no AWS credentials for ${on} from profile "${ctx.profile}": check that it is in ~/.aws/config or ~/.aws/credentials ` +
        `(AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE) — for an SSO profile run "aws sso login --profile ${ctx.profile}" — or set ` +
        `another profile (--profile or the pipewright.aws.profile setting)`
      );
    }
    return `no AWS credentials for ${on}: set ${CREDENTIAL_SETTINGS}; for an SSO profile run "aws sso login --profile <profile>"`;
  }

  // S3 kept failing: the retry strategy used all its attempts (or the error is not retryable at all).
  const service = ctx.operation.startsWith('sts:') ? 'STS' : 'S3';
  const attempts = e.$metadata?.attempts;
  const tries = attempts && attempts > 1 ? ` ${attempts} times in a row` : '';
  if ((code && THROTTLED.has(code)) || status === 429 || status === 503) {
    return (
      `${service} kept answering ${status ?? 503} ${code ?? 'SlowDown'} to ${on}${tries}: it is throttling ${service === 'S3' ? 'requests to this bucket' : 'these calls'} — run again ` +
      `later, or with fewer parallel reads`
    );
  }
  if (status !== undefined && status >= 500) {
    return (
      `${service} kept answering ${status} ${code ?? 'error'} to ${on}${tries}: a problem on ${ctx.endpoint ? `the server at ${ctx.endpoint}` : `${service}'s side`} — ` +
      `run again later`
    );
  }

  // Network.
  const endpointSettings = ctx.operation.startsWith('sts:')
    ? '--endpoint, the pipewright.s3.endpoint setting, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL'
    : ENDPOINT_SETTINGS;
  const found = networkTarget(e);
  const target = ctx.endpoint ?? (found && redact(found)) ?? 'the S3 endpoint';
  if (code && UNREACHABLE.has(code)) {
    const why =
      code === 'ECONNREFUSED'
        ? 'nothing accepts connections there (if it is an S3-compatible server such as MinIO, LocalStack or moto, is it running on that port?)'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'that host name does not resolve (check its spelling, DNS, VPN)'
          : 'no route to it (check the network, VPN)';
    return `could not connect to ${target} for ${on} (${code}): ${why}; check the endpoint setting (${endpointSettings}; none: AWS itself)`;
  }
  if (code && NO_ANSWER.has(code)) {
    return `no answer from ${target} for ${on}${tries} (${code}): check the network (VPN, proxy, firewall) and the endpoint setting (${endpointSettings}), then run again`;
  }
  if ((code && TLS.test(code)) || /certificate/i.test(message)) {
    return `TLS failed with ${target} for ${on} (${code ?? 'certificate'}): its certificate is not trusted — check the endpoint setting (${endpointSettings}), or NODE_EXTRA_CA_CERTS for a corporate proxy`;
  }

  // An HTTP answer that is not an S3 error (a web server, not S3).
  if (status !== undefined && e.Code === undefined && (message === 'Unknown' || message === '' || /deseriali[sz]|unexpected|expected/i.test(message))) {
    return `${target} answered HTTP ${status} to ${on}, which is not an S3 answer — check the endpoint setting (${endpointSettings}; none: AWS itself)`;
  }
  return `${code ?? 'Error'} on ${on}: ${message || 'no details'}`;
}

function explainAssumeRole(err: AssumeRoleError, ctx: Context): string {
  const cause = err.cause;
  const e = (typeof cause === 'object' && cause !== null ? cause : {}) as ErrorShape;
  const code = errorCode(e);
  const role = err.roleArn;
  if (code && ACCESS_DENIED.has(code)) {
    return (
      `AccessDenied on sts:AssumeRole for ${role} — the role's trust policy does not let the credentials in use assume it, or the ` +
      `ExternalId does not match (check "roleArn" and "externalId" in the pipeline, and the trust policy: "pipewright iam check")`
    );
  }
  if (code === 'NoSuchEntity' || /not found|does not exist/i.test(messageOf(e))) {
    return `role ${role} does not exist or cannot be assumed (check "roleArn" in the pipeline)`;
  }
  // Base credentials, network, expiry…: explain the cause as a call to sts:AssumeRole.
  const inner = explain(cause, { ...ctx, operation: 'sts:AssumeRole', resource: role });
  return `could not assume role ${role} (for ${ctx.operation} on s3://${ctx.bucket}${ctx.key ? `/${ctx.key}` : ''}): ${inner}`;
}

function resourceOf(ctx: Context): string {
  if (ctx.resource) return ctx.resource;
  const partition = !ctx.region ? 'aws' : ctx.region.startsWith('cn-') ? 'aws-cn' : ctx.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  if (BUCKET_ACTIONS.has(ctx.operation)) return `arn:${partition}:s3:::${ctx.bucket}`;
  return `arn:${partition}:s3:::${ctx.bucket}/${ctx.key ?? '*'}`;
}

/** The region the bucket is in, as the error tells it (header, Region element, message, redirect endpoint). */
function regionOfBucket(e: ErrorShape): string | undefined {
  const headers = e.$response?.headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'x-amz-bucket-region' && value) return value;
  }
  if (typeof e.Region === 'string' && e.Region) return e.Region;
  const message = messageOf(e);
  const expecting = /expecting '([a-z0-9-]+)'/.exec(message);
  if (expecting) return expecting[1];
  if (typeof e.Endpoint === 'string') {
    const m = /\bs3[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/.exec(e.Endpoint);
    if (m) return m[1];
  }
  return undefined;
}

/** The AWS error code (`Code`), a Node system error code (`code`, here or in a cause), or the error's class name. */
function errorCode(e: ErrorShape, depth = 0): string | undefined {
  if (typeof e.Code === 'string' && e.Code) return e.Code;
  if (typeof e.code === 'string' && e.code) return e.code;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error' && e.name !== 'S3ServiceException') return e.name;
  if (depth < 5 && typeof e.cause === 'object' && e.cause !== null) return errorCode(e.cause as ErrorShape, depth + 1);
  return undefined;
}

function describeCode(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? errorCode(e as ErrorShape) : undefined;
  return (code && redact(code)) || messageOf(e as ErrorShape) || 'unknown';
}

function messageOf(e: ErrorShape | undefined): string {
  return typeof e?.message === 'string' ? redact(e.message.trim()) : '';
}

/** `host:port` named by a Node network error (`connect ECONNREFUSED 127.0.0.1:4566`), if any. */
function networkTarget(e: ErrorShape, depth = 0): string | undefined {
  const host = typeof e.address === 'string' ? e.address : typeof e.hostname === 'string' ? e.hostname : typeof e.host === 'string' ? e.host : undefined;
  if (host) return typeof e.port === 'number' || typeof e.port === 'string' ? `${host}:${e.port}` : host;
  if (depth < 5 && typeof e.cause === 'object' && e.cause !== null) return networkTarget(e.cause as ErrorShape, depth + 1);
  return undefined;
}

/** The endpoint URL without user:password and without a query string. */
function safeEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return redact(endpoint.replace(/\/\/[^/@]*@/, '//'));
  }
}

/** redactSecrets (access key ids, long base64 runs) plus signed-URL parameters and Authorization header parts. */
function redact(text: string): string {
  return redactSecrets(
    text
      .replace(/(X-Amz-(?:Signature|Credential|Security-Token))=[^&\s"']+/gi, '$1=<redacted>')
      .replace(/(?<![-\w])(Credential|Signature|SignedHeaders)=(?!<redacted>)[^,\s"'&]+/g, '$1=<redacted>')
      .replace(/\b(Authorization:\s*)[^\n]+/gi, '$1<redacted>'),
  );
}
