/**
 * Reads a live IAM role — its trust policy, the managed policies attached to it and its inline policies — for the
 * live role check (`pipewright iam check`), which compares them with what the pipeline needs.
 *
 * IAM hands policy documents back URL-encoded (RFC 3986: `%7B%22Version%22…`); `decodePolicyDocument` undoes that
 * and also accepts a document that arrives already decoded (moto does that for GetPolicyVersion).
 *
 * Errors: a missing role is a `RoleNotFoundError`; any other failed call is an `AwsCallError` naming the IAM action
 * and the resource, whose message (from `describeAwsError`) says what to check. No message contains a secret.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export interface RolePolicies {
  /** The role's name as IAM spells it (role names are case-insensitive). */
  roleName: string;
  roleArn: string;
  /** The trust policy (AssumeRolePolicyDocument), parsed. */
  trustPolicy: unknown;
  /** The trust policy as IAM stores it, URL-decoded. */
  trustPolicyText: string;
  /** Managed policies attached to the role, in IAM's order, each at its default version. */
  attached: Array<{ name: string; arn: string; text: string; document: unknown }>;
  /** Inline policies of the role, in IAM's order. */
  inline: Array<{ name: string; text: string; document: unknown }>;
}

export interface FetchRolePoliciesOptions {
  /** Cancels the calls in flight. */
  signal?: AbortSignal;
  /** The account the credentials belong to, when the caller knows it: used in the RoleNotFoundError message. */
  accountId?: string;
  /** @internal MaxItems of each List* page (IAM's default is 100); tests make it small to exercise paging. */
  pageSize?: number;
}

/** The role does not exist in the account the credentials belong to. */
export class RoleNotFoundError extends Error {
  override name = 'RoleNotFoundError';
  readonly roleName: string;
  /** The account looked in, when known. */
  readonly accountId: string | undefined;
  constructor(roleName: string, accountId?: string, options?: { cause?: unknown }) {
    super(
      `IAM role ${roleName} does not exist in ${accountId ? `account ${accountId}` : 'the account of the credentials in use'}: ` +
        'create it (pipewright iam generate writes its policies)',
      options,
    );
    this.roleName = roleName;
    this.accountId = accountId;
  }
}

/** An AWS call that failed; `message` is `describeAwsError(cause, "<operation> for <resource>")`. */
export class AwsCallError extends Error {
  override name = 'AwsCallError';
  /** The IAM action, such as `iam:GetPolicyVersion`. */
  readonly operation: string;
  /** What it was called on: an ARN, or `role <name>` before the role's ARN is known. */
  readonly resource: string;
  /** The AWS error code (`AccessDenied`…) or the network error code (`ECONNREFUSED`…), when there is one. */
  readonly code: string | undefined;
  constructor(operation: string, resource: string, cause: unknown, endpoint?: string) {
    super(describeAwsError(cause, `${operation} for ${resource}`, { endpoint }), { cause });
    this.operation = operation;
    this.resource = resource;
    this.code = errorCode(cause);
  }
}

const DEFAULT_PAGE_SIZE = 100;
/** GetPolicy + GetPolicyVersion calls in flight at once (IAM throttles bursts; a role has at most 20 managed policies). */
const CONCURRENCY = 4;

export async function fetchRolePolicies(
  iam: IAMClient,
  roleName: string,
  options: FetchRolePoliciesOptions = {},
): Promise<RolePolicies> {
  const { signal } = options;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const endpoint = await configuredEndpoint(iam);
  const call = async <T>(operation: string, resource: string, run: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    try {
      return await run();
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e; // cancelled by the caller: not an AWS problem
      throw new AwsCallError(operation, resource, e, endpoint);
    }
  };
  const send = { abortSignal: signal };

  // The role and its trust policy.
  let role;
  signal?.throwIfAborted();
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: roleName }), send)).Role;
  } catch (e) {
    if (signal?.aborted) throw signal.reason ?? e;
    if (isNoSuchEntity(e)) {
      throw new RoleNotFoundError(roleName, options.accountId ?? (await callerAccount(iam, signal)), { cause: e });
    }
    throw new AwsCallError('iam:GetRole', `role ${roleName}`, e, endpoint);
  }
  if (!role?.Arn || !role.RoleName) {
    throw new AwsCallError('iam:GetRole', `role ${roleName}`, new Error(`the answer has no role in it: is ${endpoint ?? 'the endpoint'} an AWS IAM endpoint?`), endpoint);
  }
  const roleArn = role.Arn;
  const canonicalName = role.RoleName;
  const trust = parsePolicy(role.AssumeRolePolicyDocument, `the trust policy of ${roleArn}`);

  // Managed policies: list every page, then read each one's default version.
  const attachedRefs: Array<{ name: string; arn: string }> = [];
  for (let marker: string | undefined, page = 0; ; page++) {
    const out = await call('iam:ListAttachedRolePolicies', roleArn, () =>
      iam.send(
        new ListAttachedRolePoliciesCommand({ RoleName: canonicalName, MaxItems: pageSize, Marker: marker }),
        send,
      ),
    );
    for (const p of out.AttachedPolicies ?? []) {
      if (p.PolicyArn) attachedRefs.push({ name: p.PolicyName ?? p.PolicyArn.replace(/^.*\//, ''), arn: p.PolicyArn });
    }
    marker = nextMarker(out, marker, page, 'iam:ListAttachedRolePolicies', roleArn, endpoint);
    if (marker === undefined) break;
  }
  const attached = await mapLimit(attachedRefs, CONCURRENCY, async ({ name, arn }) => {
    const policy = await call('iam:GetPolicy', arn, () => iam.send(new GetPolicyCommand({ PolicyArn: arn }), send));
    const versionId = policy.Policy?.DefaultVersionId;
    if (!versionId) {
      throw new AwsCallError('iam:GetPolicy', arn, new Error('the answer names no default version'), endpoint);
    }
    const version = await call('iam:GetPolicyVersion', `${arn} version ${versionId}`, () =>
      iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }), send),
    );
    const parsed = parsePolicy(version.PolicyVersion?.Document, `${arn} (version ${versionId})`);
    return { name, arn, ...parsed };
  });

  // Inline policies: list every page, then read each.
  const inlineNames: string[] = [];
  for (let marker: string | undefined, page = 0; ; page++) {
    const out = await call('iam:ListRolePolicies', roleArn, () =>
      iam.send(new ListRolePoliciesCommand({ RoleName: canonicalName, MaxItems: pageSize, Marker: marker }), send),
    );
    inlineNames.push(...(out.PolicyNames ?? []));
    marker = nextMarker(out, marker, page, 'iam:ListRolePolicies', roleArn, endpoint);
    if (marker === undefined) break;
  }
  const inline = await mapLimit(inlineNames, CONCURRENCY, async (name) => {
    const out = await call('iam:GetRolePolicy', `${roleArn} inline policy ${name}`, () =>
      iam.send(new GetRolePolicyCommand({ RoleName: canonicalName, PolicyName: name }), send),
    );
    return { name, ...parsePolicy(out.PolicyDocument, `inline policy ${name} of ${roleArn}`) };
  });

  return {
    roleName: canonicalName,
    roleArn,
    trustPolicy: trust.document,
    trustPolicyText: trust.text,
    attached,
    inline,
  };
}

/** The marker of the next page, or undefined after the last one; guards against a server that never stops. */
function nextMarker(
  out: { IsTruncated?: boolean; Marker?: string },
  previous: string | undefined,
  page: number,
  operation: string,
  resource: string,
  endpoint: string | undefined,
): string | undefined {
  if (!out.IsTruncated) return undefined;
  if (!out.Marker || out.Marker === previous || page >= 1_000) {
    throw new AwsCallError(operation, resource, new Error('the listing says it is truncated but gives no new Marker'), endpoint);
  }
  return out.Marker;
}

/**
 * A policy document as IAM returns it: URL-encoded JSON (RFC 3986). A document that already starts with `{` is
 * taken as is — decoding it again would corrupt a literal `%` (`"100%25"` → `"100%"`) or throw on a lone `%`.
 */
export function decodePolicyDocument(raw: string): string {
  if (raw.trimStart().startsWith('{')) return raw;
  return decodeURIComponent(raw);
}

function parsePolicy(raw: string | undefined, what: string): { text: string; document: unknown } {
  if (raw === undefined) throw new Error(`IAM returned no document for ${what}`);
  let text: string;
  try {
    text = decodePolicyDocument(raw);
  } catch {
    throw new Error(`IAM returned ${what} in a form that is neither JSON nor URL-encoded JSON`);
  }
  try {
    return { text, document: JSON.parse(text) };
  } catch (e) {
    throw new Error(`IAM returned ${what} that is not valid JSON: ${(e as Error).message}`);
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The endpoint URL the client was configured with, if it is not AWS's own (for error messages). */
async function configuredEndpoint(client: IAMClient): Promise<string | undefined> {
  try {
    const config = client.config as { isCustomEndpoint?: boolean; endpoint?: () => Promise<unknown> };
    if (!config.isCustomEndpoint || !config.endpoint) return undefined;
    const e = (await config.endpoint()) as { protocol?: string; hostname?: string; port?: number; path?: string };
    if (!e?.hostname) return undefined;
    const path = e.path && e.path !== '/' ? e.path : '';
    return `${e.protocol ?? 'https:'}//${e.hostname}${e.port ? `:${e.port}` : ''}${path}`;
  } catch {
    return undefined;
  }
}

/**
 * Best effort: the account of the credentials in use (sts:GetCallerIdentity, needs no permission), for the
 * RoleNotFoundError message. Uses the IAM client's credentials, region and — for an emulator such as moto or
 * LocalStack, where every service answers on one URL — its custom endpoint. Gives up after 5 s or on any error.
 */
async function callerAccount(iam: IAMClient, signal?: AbortSignal): Promise<string | undefined> {
  const config = iam.config as IAMClient['config'] & { isCustomEndpoint?: boolean; endpoint?: unknown };
  const sts = new STSClient({
    region: config.region,
    credentials: config.credentials,
    ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint as never } : {}),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
  });
  try {
    const timeout = AbortSignal.timeout(5_000);
    const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    return (await sts.send(new GetCallerIdentityCommand({}), { abortSignal })).Account;
  } catch {
    return undefined;
  } finally {
    sts.destroy();
  }
}

function isNoSuchEntity(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'NoSuchEntity' || code === 'NoSuchEntityException';
}

// ---------------------------------------------------------------------------------------------------------------
// Error descriptions

/** The AWS error code (`Code`), a Node system error code (`code`), or the error's class name. */
function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { Code?: unknown; code?: unknown; name?: unknown };
  if (typeof o.Code === 'string' && o.Code) return o.Code;
  if (typeof o.code === 'string' && o.code) return o.code;
  if (typeof o.name === 'string' && o.name && o.name !== 'Error') return o.name;
  return undefined;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}

/**
 * Removes anything that looks like a credential from text shown to the user: access key ids, and long base64 runs
 * (secret keys are 40 characters, session tokens hundreds). AWS error messages do not normally contain them; this
 * makes sure an unusual one (or an emulator's) cannot leak them into a terminal or a log.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, '<access key id>')
    .replace(/[A-Za-z0-9+/=]{40,}/g, '<redacted>');
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess']);
const BAD_KEY = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'AuthFailure',
  'InvalidSecurity',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired', 'InvalidToken']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'TimeoutError',
  'RequestTimeout',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/;

const ENDPOINT_SETTINGS =
  'the endpoint setting (--endpoint, AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, endpoint_url in the AWS profile; unset them all to use AWS itself)';

/**
 * One line telling the user what went wrong and what to do, for an error thrown by an AWS SDK call.
 * `what` is the call and its target, e.g. `iam:GetRole for arn:aws:iam::123456789012:role/stripe-data-pipeline-s3-role`.
 * `context.endpoint`: the endpoint URL in use, named in network errors (else the host and port the error names).
 * Never includes credentials.
 */
export function describeAwsError(e: unknown, what: string, context: { endpoint?: string } = {}): string {
  if (e instanceof RoleNotFoundError || e instanceof AwsCallError) return e.message;
  const code = errorCode(e);
  const message = redactSecrets(errorMessage(e)).trim();
  const aws = message ? ` (AWS said: ${message})` : '';

  if (code && ACCESS_DENIED.has(code)) {
    return `AccessDenied on ${what}: the credentials in use lack it — allow that action for the identity AWS names, or use credentials (a profile) that have it${aws}`;
  }
  if (code && BAD_KEY.has(code)) {
    return (
      `${code} on ${what}: AWS does not recognise the access key in use — check which credentials are picked up ` +
      '(AWS_ACCESS_KEY_ID / AWS_PROFILE, the pipewright.aws.profile setting or --profile), that the key is still active, ' +
      `and that it belongs to this partition; against an emulator, check ${ENDPOINT_SETTINGS}`
    );
  }
  if (code === 'SignatureDoesNotMatch') {
    return `SignatureDoesNotMatch on ${what}: the secret access key does not match the access key id, or this machine's clock is off — check the credentials of the profile in use and the system time`;
  }
  if (code && EXPIRED.has(code)) {
    return `${code} on ${what}: the session credentials have expired — get new ones (aws sso login --profile <profile>, or assume the role again) and retry`;
  }
  if (code === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return (
      `no AWS credentials for ${what}: configure some — a profile (aws configure / aws sso login, then --profile or the ` +
      'pipewright.aws.profile setting) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
    );
  }
  if (/region is missing/i.test(message)) {
    return `no AWS region for ${what}: set one (--region, the pipewright.aws.region setting, AWS_REGION or region in the profile)`;
  }
  if (code && THROTTLED.has(code)) {
    return `${code} on ${what}: AWS is throttling these calls — wait a moment and retry`;
  }
  if (code === 'NoSuchEntity' || code === 'NoSuchEntityException') {
    return `${what}: not found (NoSuchEntity)${aws}`;
  }
  if (code === 'AbortError' || code === 'ABORT_ERR') {
    return `${what}: cancelled`;
  }

  const target = context.endpoint ?? networkTarget(e) ?? 'the AWS endpoint';
  if (code && NETWORK.has(code)) {
    const why =
      code === 'ECONNREFUSED'
        ? 'nothing accepts connections there (if it is an emulator such as LocalStack or moto, is it running on that port?)'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'its host name does not resolve (check the spelling, DNS, VPN)'
          : 'no answer in time (check the network, a proxy or firewall, a VPN)';
    return `could not reach ${target} for ${what} (${code}): ${why}; check ${ENDPOINT_SETTINGS}`;
  }
  if ((code && TLS.test(code)) || /certificate/i.test(message)) {
    return `TLS failed with ${target} for ${what} (${code ?? message}): the endpoint's certificate is not trusted — check ${ENDPOINT_SETTINGS}, or NODE_EXTRA_CA_CERTS for a corporate proxy`;
  }

  // An HTTP answer the SDK could not read as an AWS error (no `Code`; the SDK names it after the status: NotFound,
  // Unknown…, message "Unknown"): the endpoint is a web server, not AWS.
  const status = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const awsCode = (e as { Code?: unknown } | undefined)?.Code;
  if (status !== undefined && awsCode === undefined && (message === 'Unknown' || message === '' || /deserializ|unexpected|expected/i.test(message))) {
    return `${target} answered HTTP ${status} to ${what}, which is not an AWS IAM answer — check ${ENDPOINT_SETTINGS}`;
  }
  return `${code ?? 'Error'} on ${what}: ${message || 'no details'}`;
}

/** `host:port` named by a Node network error (`connect ECONNREFUSED 127.0.0.1:4566`), if any. */
function networkTarget(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { address?: unknown; port?: unknown; hostname?: unknown; host?: unknown };
  const host = typeof o.address === 'string' ? o.address : typeof o.hostname === 'string' ? o.hostname : typeof o.host === 'string' ? o.host : undefined;
  if (!host) return undefined;
  return typeof o.port === 'number' || typeof o.port === 'string' ? `${host}:${o.port}` : host;
}
