/**
 * The Braze connection test with the AWS SDK: the connector's own credentials make Braze's calls (an access key's
 * id and secret, resolved from their references; or the role, assumed with its external id from the user's
 * credentials), and the user's own credentials clean up and read the bucket's Object Lock and policy, which
 * Braze's policy does not grant. Where the role cannot be assumed from here (its trust policy names only Braze's
 * account, as it should), the role's policies are read from IAM and each step is judged by the IAM evaluator.
 */
import {
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { parseTree } from 'jsonc-parser';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { policyModel } from '../../engine/iam/model';
import { evaluate } from '../../engine/iam/evaluate';
import { explainRefusals, judgeSteps, runConnectionTest, testObjectKey, type BucketSettings, type CallOutcome, type ConnectionCalls, type ConnectionReport, type ConnectionStep } from '../../engine/braze/connection';
import type { BrazePipeline } from '../../engine/braze/target';
import * as l10n from '../../engine/l10n';
import { createIamClient, regionOption } from '../aws/clients';
import { explainAwsError } from '../aws/errors';
import { fetchRolePolicies } from '../aws/iam-role';
import { createS3Client, s3Access, S3_FALLBACK_REGION } from '../aws/s3';
import { isLoopback, localCredentials, type ConnectOptions } from '../import/connect';
import { resolveSecret, SecretError } from '../secrets';

export interface BrazeTestOptions extends ConnectOptions {
  /** Values of `${secret:…}` references the caller holds (the editor's secret storage). */
  secrets?: Record<string, string>;
  /** Seconds a refusal of the first call is retried while IAM propagates a new key or role (default 60). */
  propagationWaitSeconds?: number;
  /** Access keys this old (days) or older are said to be due for rotation (default 90). */
  maxKeyAgeDays?: number;
  /** The shared credentials file to look the key up in (default: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials). */
  credentialsFile?: string;
  onProgress?: (message: string, percent: number) => void;
  token?: { readonly isCancellationRequested: boolean };
}

export const DEFAULT_PROPAGATION_WAIT_SECONDS = 60;

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'Forbidden', 'AllAccessDisabled']);
const BAD_CREDENTIALS = new Set(['InvalidAccessKeyId', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'InvalidToken', 'UnrecognizedClientException']);

function codeOf(e: unknown): string {
  const o = (e ?? {}) as { Code?: unknown; name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  for (const c of [o.Code, o.name, o.code]) if (typeof c === 'string' && c && c !== 'Error' && c !== 'Unknown') return c;
  // A 403 without an error body (HEAD, or a server that sends none) is a refusal all the same.
  return o.$metadata?.httpStatusCode === 403 ? 'AccessDenied' : 'Error';
}

/** The connector's access key, resolved; a missing `${secret:…}` is a SecretError naming it (the editor asks for it). */
export function connectorKey(p: BrazePipeline, secrets?: Record<string, string>): AwsCredentialIdentity {
  const resolve = (v: string, what: string) => (v.startsWith('${') ? resolveSecret(v, `${p.path}: auth.${what}`, process.env, secrets) : v);
  return { accessKeyId: resolve(p.accessKeyId!, 'accessKeyId'), secretAccessKey: resolve(p.secretAccessKey!, 'secretAccessKey') };
}

/** Resolves the secrets before anything runs, so that a missing one is asked for before the progress starts. */
export function checkBrazeSecrets(p: BrazePipeline, secrets?: Record<string, string>): void {
  if (p.target.auth.method === 'access-key') connectorKey(p, secrets);
}

export async function brazeConnectionTest(p: BrazePipeline, o: BrazeTestOptions = {}): Promise<ConnectionReport> {
  const t = p.target;
  const endpoint = o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
  const region = o.region || p.region;
  const own = endpoint && isLoopback(endpoint) && !o.profile ? localCredentials() : undefined;
  // The user's own S3 client: cleanup, Object Lock, bucket policy.
  const mine = createS3Client({ region, endpoint: o.endpoint || undefined, profile: o.profile, credentials: own, maxAttempts: 3 });
  let braze: S3Client | undefined;
  let brazeArn: string | undefined;
  const explain = (e: unknown, step: { action: string; key?: string }) =>
    explainAwsError(e, { operation: step.action, bucket: t.bucket, key: step.key, region, endpoint, config: p.path, profile: o.profile });
  const outcome = (e: unknown, step: { action: string; key?: string }): CallOutcome => {
    const code = codeOf(e);
    return { ok: false, code, message: explain(e, step), denied: DENIED.has(code), badCredentials: BAD_CREDENTIALS.has(code) };
  };
  const s3Of = (credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity) =>
    // No retries of our own for refusals (the engine retries the first one while IAM propagates); 3 for 5xx.
    createS3Client({ region, endpoint: o.endpoint || undefined, credentials: typeof credentials === 'function' ? credentials : async () => credentials, maxAttempts: 3 });

  const calls: ConnectionCalls = {
    async call(step: ConnectionStep): Promise<CallOutcome> {
      try {
        if (step.id === 'assume-role') {
          if (t.auth.method !== 'role-arn') return { ok: true };
          const sts = new STSClient({ region: regionOption({ region }, S3_FALLBACK_REGION), ...(o.endpoint ? { endpoint: o.endpoint } : {}), ...(o.profile ? { profile: o.profile } : {}), ...(own ? { credentials: own } : {}), maxAttempts: 3 });
          try {
            const r = await sts.send(new AssumeRoleCommand({ RoleArn: t.auth.roleArn, RoleSessionName: 'pipewright-braze-test', ExternalId: t.auth.externalId, DurationSeconds: 900 }));
            const c = r.Credentials!;
            braze = s3Of({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken });
            brazeArn = r.AssumedRoleUser?.Arn;
            return { ok: true, detail: l10n.t('assumed as {0}', r.AssumedRoleUser?.Arn ?? t.auth.roleArn) };
          } finally {
            sts.destroy();
          }
        }
        braze ??= s3Of(connectorKey(p, o.secrets));
        const Bucket = t.bucket;
        switch (step.id) {
          case 'get-bucket-location': {
            const r = await braze.send(new GetBucketLocationCommand({ Bucket }));
            return { ok: true, detail: l10n.t('bucket in {0}', r.LocationConstraint || 'us-east-1') };
          }
          case 'list-bucket': {
            const r = await braze.send(new ListObjectsV2Command({ Bucket, Prefix: step.context?.['s3:prefix'] || undefined, MaxKeys: 1 }));
            return { ok: true, detail: r.KeyCount ? l10n.t('listed (the folder holds objects)') : l10n.t('listed (the folder is empty or new: Braze creates it)') };
          }
          case 'put-object': {
            await braze.send(new PutObjectCommand({ Bucket, Key: step.key, Body: 'Pipewright connection test, made as Braze makes its credential check. Safe to delete.\n', ContentType: 'text/plain', ...(t.serverSideEncryption ? { ServerSideEncryption: 'AES256' } : {}) }));
            return { ok: true, detail: t.serverSideEncryption ? l10n.t('written with x-amz-server-side-encryption: AES256') : l10n.t('written') };
          }
          case 'get-object': {
            // Through the reader every read of S3 goes through: a body cut mid-stream resumes with a Range request
            // instead of failing a step whose permission is fine.
            let bytes = 0;
            for await (const chunk of s3Access(braze).read(Bucket, step.key!)) bytes += chunk.length;
            return { ok: true, detail: l10n.t('read back ({0} bytes)', bytes) };
          }
          case 'delete-object':
            await braze.send(new DeleteObjectCommand({ Bucket, Key: step.key }));
            return { ok: true, detail: l10n.t('deleted') };
        }
      } catch (e) {
        if (e instanceof SecretError) throw e;
        return outcome(e, step);
      }
    },
    async cleanup(key: string): Promise<CallOutcome> {
      try {
        await mine.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: key }));
        return { ok: true };
      } catch (e) {
        return outcome(e, { action: 's3:DeleteObject', key });
      }
    },
    bucketSettings: () => readBucketSettings(mine, t.bucket, testObjectKey(t, 0), brazeArn, (e, action) => explain(e, { action })),
  };

  // Sleeps in short slices so that Cancel (Ctrl-C, the notification's button) ends a propagation wait at once.
  const clock = {
    now: () => Date.now(),
    sleep: async (ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end && !o.token?.isCancellationRequested; ) await sleep(Math.min(200, end - Date.now()));
    },
  };
  try {
    const report = await runConnectionTest(t, calls, { clock, propagationWaitMs: 1000 * (o.propagationWaitSeconds ?? DEFAULT_PROPAGATION_WAIT_SECONDS), onProgress: o.onProgress, token: o.token });
    if (p.permissionPolicy) {
      let text: string | undefined;
      try {
        text = readFileSync(p.permissionPolicy, 'utf8');
      } catch {
        text = undefined; // a missing file is the config's own finding (file-not-found)
      }
      if (text !== undefined) {
        const model = policyModel(parseTree(text));
        explainRefusals(report, (request) => {
          const v = evaluate(model, request);
          return { allowed: v.decision === 'allow', explanation: v.explanation };
        }, basename(p.permissionPolicy));
      }
    }
    if (t.auth.method === 'access-key' && !o.token?.isCancellationRequested) {
      const { keyFreshness } = await import('./freshness');
      const fresh = await keyFreshness(connectorKey(p, o.secrets).accessKeyId, { endpoint: o.endpoint, profile: o.profile, credentialsFile: o.credentialsFile, maxKeyAgeDays: o.maxKeyAgeDays });
      report.credentials = fresh;
      report.problems.push(...fresh.problems);
      report.warnings = [...(report.warnings ?? []), ...fresh.warnings];
      if (fresh.problems.length) report.ok = false;
    }
    const assume = report.steps.find((s) => s.step.id === 'assume-role');
    // A role whose trust policy names Braze's account (as it must) cannot be assumed from here: judge it instead.
    if (assume?.status === 'failed' && assume.code && DENIED.has(assume.code) && t.auth.method === 'role-arn') {
      return await judgedReport(p, report, o);
    }
    return report;
  } finally {
    braze?.destroy();
    mine.destroy();
  }
}

/** Object Lock and the bucket policy's encryption demand, read with the user's own credentials. */
async function readBucketSettings(s3: S3Client, bucket: string, key: string, principal: string | undefined, explain: (e: unknown, action: string) => string): Promise<BucketSettings> {
  const out: BucketSettings = {};
  try {
    const r = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    out.objectLock = r.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (e) {
    if (codeOf(e) === 'ObjectLockConfigurationNotFoundError') out.objectLock = false;
    else out.objectLockMessage = l10n.t('Object Lock not checked: {0}', explain(e, 's3:GetBucketObjectLockConfiguration'));
  }
  try {
    const r = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    const model = policyModel(parseTree(r.Policy ?? '{}'));
    const request = (sse: boolean) => ({ action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/${key}`, principal: principal ?? 'arn:aws:iam::000000000000:user/braze', context: sse ? { 's3:x-amz-server-side-encryption': 'AES256' } : {} });
    out.requiresSse = evaluate(model, request(false)).decision === 'explicit-deny' && evaluate(model, request(true)).decision !== 'explicit-deny';
  } catch (e) {
    if (codeOf(e) === 'NoSuchBucketPolicy') out.requiresSse = false;
    else out.bucketPolicyMessage = l10n.t('Bucket policy not checked: {0}', explain(e, 's3:GetBucketPolicy'));
  }
  return out;
}

/** The role's trust and permission policies, read from IAM with the user's credentials, judged step by step. */
async function judgedReport(p: BrazePipeline, live: ConnectionReport, o: BrazeTestOptions): Promise<ConnectionReport> {
  const t = p.target;
  if (t.auth.method !== 'role-arn') return live;
  const roleName = t.auth.roleArn.split('/').pop()!;
  let fetched;
  try {
    fetched = await fetchRolePolicies(createIamClient({ profile: o.profile, endpoint: o.endpoint }), roleName);
  } catch (e) {
    const assume = live.steps.find((s) => s.step.id === 'assume-role')!;
    assume.message = `${assume.message} ${l10n.t('Its policies could not be read from IAM either: {0}', (e as Error).message)}`;
    return live;
  }
  const trust = policyModel(parseTree(fetched.trustPolicyText));
  const principal = `arn:aws:iam::${p.brazeAccountId ?? '000000000000'}:root`;
  const trustVerdict = evaluate(trust, { action: 'sts:AssumeRole', resource: fetched.roleArn, principal, context: t.auth.externalId ? { 'sts:ExternalId': t.auth.externalId } : {} });
  const models = [...fetched.attached, ...fetched.inline].map((x) => policyModel(parseTree(x.text)));
  const assumeStep = live.steps.find((s) => s.step.id === 'assume-role')!;
  const steps = [
    {
      ...assumeStep,
      status: trustVerdict.decision === 'allow' ? ('passed' as const) : ('failed' as const),
      message: trustVerdict.decision === 'allow'
        ? l10n.t('only Braze’s account may assume the role, so Pipewright judged its policies instead of calling S3 as Braze: the trust policy lets Braze ({0}) assume it: {1}', principal, trustVerdict.explanation)
        : l10n.t('the trust policy does not let Braze ({0}) assume the role: {1}', principal, trustVerdict.explanation),
    },
    ...judgeSteps(t, (request) => {
      const v = evaluate(models, request);
      return { allowed: v.decision === 'allow', explanation: v.explanation };
    }),
  ];
  const ok = steps.every((s) => s.status === 'passed') && live.problems.length === 0;
  return { ...live, mode: 'judged', steps, testObject: undefined, ok };
}
