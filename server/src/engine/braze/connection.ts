/**
 * Braze's "Test credentials", step by step, as Braze runs it when a Currents connector or a dashboard-export
 * integration is saved: locate the bucket, list the folder, write a small object (with the SSE header when the
 * connector sets AES-256), read it back, and — for dashboard exports, whose policy grants it — delete it.
 * Then what Braze does not test but breaks it later: Object Lock on a Currents bucket, and a bucket policy that
 * refuses writes without the encryption header the connector does not send.
 *
 * Transport-free: the S3 calls, the clock and the sleeps are passed in (node/braze/connection.ts makes them with
 * the AWS SDK). The same steps are judged by the IAM evaluator (`judgeSteps`) when the calls cannot be made as
 * Braze (a role only Braze's AWS account may assume), and a test compares the two on the same policies.
 */
import type { AccessRequest } from '../iam/evaluate';
import type { Freshness } from './freshness';
import * as l10n from '../l10n';

export type BrazeKind = 'braze-currents' | 'braze-export';

export interface BrazeTarget {
  kind: BrazeKind;
  bucket: string;
  /** Folder without slashes ('' for none). Currents defaults to "currents". */
  folder: string;
  serverSideEncryption: boolean;
  auth: { method: 'access-key' } | { method: 'role-arn'; roleArn: string; externalId?: string };
}

export type StepId = 'assume-role' | 'get-bucket-location' | 'list-bucket' | 'put-object' | 'get-object' | 'delete-object';

export interface ConnectionStep {
  id: StepId;
  /** The IAM action the call needs. */
  action: string;
  /** The ARN the call is on. */
  resource: string;
  /** The condition keys the call carries (s3:prefix, s3:x-amz-server-side-encryption, sts:ExternalId). */
  context?: Record<string, string>;
  /** The object key, for object calls. */
  key?: string;
}

/** What one call answered. `denied`: AccessDenied; `badCredentials`: InvalidAccessKeyId, SignatureDoesNotMatch… */
export type CallOutcome =
  | { ok: true; detail?: string }
  | { ok: false; code: string; message: string; denied?: boolean; badCredentials?: boolean };

export interface StepResult {
  step: ConnectionStep;
  status: 'passed' | 'failed' | 'not-run';
  /** The call's answer or, for a judged step, the evaluator's explanation. */
  message: string;
  code?: string;
  attempts: number;
  /** What the user loses when this step fails, in Braze's terms. */
  breaks: string;
}

export interface BucketSettings {
  /** undefined: could not be read (the message says why). */
  objectLock?: boolean;
  objectLockMessage?: string;
  /** The bucket policy refuses PutObject without `x-amz-server-side-encryption` (undefined: no policy read). */
  requiresSse?: boolean;
  bucketPolicyMessage?: string;
}

export interface ConnectionReport {
  target: BrazeTarget;
  /** live: the calls were made with the connector's credentials; judged: the role's policies were evaluated. */
  mode: 'live' | 'judged';
  steps: StepResult[];
  /** The test object: where it is, and whether it was removed. */
  testObject?: { key: string; removed: boolean; message: string };
  settings?: BucketSettings;
  /** Findings on the bucket that make Braze fail later even though the credential check passes. */
  problems: string[];
  /** Worth acting on before Braze fails (an access key near its rotation age). */
  warnings?: string[];
  /** Access-key auth: how long the key will keep working. */
  credentials?: Freshness;
  ok: boolean;
  /** Milliseconds spent waiting for a new key or role to propagate. */
  waitedMs: number;
}

export interface ConnectionCalls {
  call(step: ConnectionStep): Promise<CallOutcome>;
  /** Deletes the test object with the user's own credentials (Currents' policy grants Braze no DeleteObject). */
  cleanup?(key: string): Promise<CallOutcome>;
  /** Object Lock and bucket policy, read with the user's own credentials (Braze's policy grants neither). */
  bucketSettings?(): Promise<BucketSettings>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface ConnectionOptions {
  clock: Clock;
  /**
   * How long a refusal of the first call (AccessDenied, InvalidAccessKeyId) is retried: IAM takes a while to know a
   * new key or role, and Braze says "S3 credentials are invalid" meanwhile. 0: no retry.
   */
  propagationWaitMs: number;
  onProgress?: (message: string, percent: number) => void;
  token?: { readonly isCancellationRequested: boolean };
  /** The test object's name; the default carries the time so two tests never meet. */
  testKey?: string;
}

export function testObjectKey(target: BrazeTarget, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${target.folder ? `${target.folder}/` : ''}pipewright-connection-test-${stamp}.txt`;
}

/** The calls Braze makes, in its order. */
export function connectionSteps(target: BrazeTarget, testKey: string): ConnectionStep[] {
  const bucketArn = `arn:aws:s3:::${target.bucket}`;
  const steps: ConnectionStep[] = [];
  if (target.auth.method === 'role-arn') {
    steps.push({ id: 'assume-role', action: 'sts:AssumeRole', resource: target.auth.roleArn, context: target.auth.externalId ? { 'sts:ExternalId': target.auth.externalId } : undefined });
  }
  steps.push({ id: 'get-bucket-location', action: 's3:GetBucketLocation', resource: bucketArn });
  steps.push({ id: 'list-bucket', action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': target.folder ? `${target.folder}/` : '' } });
  const sse = target.serverSideEncryption ? { 's3:x-amz-server-side-encryption': 'AES256' } : undefined;
  steps.push({ id: 'put-object', action: 's3:PutObject', resource: `${bucketArn}/${testKey}`, key: testKey, context: sse });
  steps.push({ id: 'get-object', action: 's3:GetObject', resource: `${bucketArn}/${testKey}`, key: testKey });
  if (target.kind === 'braze-export') steps.push({ id: 'delete-object', action: 's3:DeleteObject', resource: `${bucketArn}/${testKey}`, key: testKey });
  return steps;
}

function breaksOf(step: ConnectionStep, kind: BrazeKind): string {
  const who = kind === 'braze-currents' ? 'Braze Currents' : l10n.t('Braze dashboard export');
  switch (step.id) {
    case 'assume-role': return l10n.t('Braze cannot assume the role: it answers "S3 credentials are invalid"');
    case 'put-object': return kind === 'braze-currents' ? l10n.t('Braze cannot write events: after 48 hours of failures they are dropped for good') : l10n.t('Braze cannot save exports to the bucket');
    case 'get-object': return l10n.t('Braze’s backend cannot handle errors (Braze requires s3:GetObject)');
    case 'delete-object': return l10n.t('Braze dashboard export requires s3:DeleteObject and fails its credential check without it');
    default: return l10n.t('{0} fails its credential check and the integration is not created', who);
  }
}

/** Runs the steps with the connector's credentials; the first refused call is retried while IAM propagates. */
export async function runConnectionTest(target: BrazeTarget, calls: ConnectionCalls, options: ConnectionOptions): Promise<ConnectionReport> {
  const { clock } = options;
  const key = options.testKey ?? testObjectKey(target, clock.now());
  const steps = connectionSteps(target, key);
  const results: StepResult[] = [];
  let waitedMs = 0;
  let failed = false;
  let wrote = false;
  let deleted = false;
  for (const [i, step] of steps.entries()) {
    if (options.token?.isCancellationRequested) break;
    const breaks = breaksOf(step, target.kind);
    // After a failure only the calls that do not depend on it still run: nothing to read or delete when the
    // write failed, but a refused list does not stop the write (Braze reports each).
    if ((step.id === 'get-object' || step.id === 'delete-object') && !wrote) {
      results.push({ step, status: 'not-run', message: l10n.t('not run: the test object was not written'), attempts: 0, breaks });
      continue;
    }
    if (failed && step.id !== 'put-object' && step.id !== 'list-bucket' && step.id !== 'get-bucket-location') {
      results.push({ step, status: 'not-run', message: l10n.t('not run: an earlier step failed'), attempts: 0, breaks });
      continue;
    }
    if (results.some((r) => r.step.id === 'assume-role' && r.status !== 'passed')) {
      results.push({ step, status: 'not-run', message: l10n.t('not run: the role could not be assumed'), attempts: 0, breaks });
      continue;
    }
    options.onProgress?.(l10n.t('{0} ({1} of {2})', step.action, i + 1, steps.length), Math.round((100 * i) / steps.length));
    const first = i === 0;
    const started = clock.now();
    let attempts = 0;
    let outcome: CallOutcome;
    for (let delay = 1000; ; delay = Math.min(delay * 2, 15_000)) {
      attempts++;
      outcome = await calls.call(step);
      if (outcome.ok || !first || !(outcome.denied || outcome.badCredentials)) break;
      const left = started + options.propagationWaitMs - clock.now();
      if (left <= 0 || options.token?.isCancellationRequested) break;
      const wait = Math.min(delay, left);
      options.onProgress?.(l10n.t('{0} refused ({1}): a new key or role can take a while to reach every AWS server, trying again for {2} s more', step.action, outcome.code, Math.ceil(left / 1000)), 0);
      await clock.sleep(wait);
      waitedMs += wait;
    }
    if (outcome.ok) {
      results.push({ step, status: 'passed', message: outcome.detail ?? l10n.t('allowed'), attempts, breaks });
      if (step.id === 'put-object') wrote = true;
      if (step.id === 'delete-object') deleted = true;
    } else {
      failed = true;
      const hint = first && (outcome.denied || outcome.badCredentials) && options.propagationWaitMs > 0 ? l10n.t(' (still refused after {0} s: not a propagation delay)', Math.round((clock.now() - started) / 1000)) : '';
      results.push({ step, status: 'failed', code: outcome.code, message: `${outcome.message}${hint}`, attempts, breaks });
    }
  }

  let testObject: ConnectionReport['testObject'];
  if (wrote) {
    if (deleted) testObject = { key, removed: true, message: l10n.t('removed by the DeleteObject step') };
    else {
      const removal = calls.cleanup ? await calls.cleanup(key) : undefined;
      testObject = removal?.ok
        ? { key, removed: true, message: l10n.t('removed with your own AWS credentials (the connector’s policy grants no s3:DeleteObject, as Braze’s guide has it)') }
        : { key, removed: false, message: l10n.t('left in the bucket: the connector’s policy grants no s3:DeleteObject (as Braze’s guide has it) and your own credentials could not delete it either ({0}); delete s3://{1}/{2} yourself', removal && !removal.ok ? removal.code : l10n.t('none given'), target.bucket, key) };
    }
  }

  const settings = calls.bucketSettings && !options.token?.isCancellationRequested ? await calls.bucketSettings() : undefined;
  const problems = bucketProblems(target, settings);
  const ok = !options.token?.isCancellationRequested && results.every((r) => r.status === 'passed') && problems.length === 0;
  return { target, mode: 'live', steps: results, testObject, settings, problems, ok, waitedMs };
}

/** What Braze's guide says breaks the integration in the bucket's own settings. */
export function bucketProblems(target: BrazeTarget, settings: BucketSettings | undefined): string[] {
  const out: string[] = [];
  if (settings?.objectLock && target.kind === 'braze-currents') out.push(objectLockMessage(target.bucket));
  if (settings?.requiresSse && !target.serverSideEncryption) out.push(sseMessage(target.bucket));
  return out;
}

export function objectLockMessage(bucket: string): string {
  return l10n.t('Bucket "{0}" has Object Lock enabled, and Braze Currents does not support buckets with Object Lock: use a bucket without it for Currents (Object Lock cannot be turned off once enabled).', bucket);
}

export function sseMessage(bucket: string): string {
  return l10n.t('The bucket policy of "{0}" refuses writes without the x-amz-server-side-encryption header, which Braze sends only with AES-256 encryption on: set "serverSideEncryption": true (and turn it on in Braze).', bucket);
}

/** The same steps judged by a policy evaluator instead of made: `allow` says whether a request is allowed and why. */
export function judgeSteps(target: BrazeTarget, judge: (request: AccessRequest) => { allowed: boolean; explanation: string }, testKey = testObjectKey(target, 0)): StepResult[] {
  return connectionSteps(target, testKey)
    .filter((s) => s.id !== 'assume-role')
    .map((step) => {
      const v = judge({ action: step.action, resource: step.resource, context: step.context });
      return { step, status: v.allowed ? 'passed' : 'failed', message: v.explanation, attempts: 0, breaks: breaksOf(step, target.kind), ...(v.allowed ? {} : { code: 'AccessDenied' }) };
    });
}

/**
 * The IAM reason for each refused call, from the permission policy file the pipeline names: what in it refuses the
 * request, or — when the file allows it — that the policy attached in AWS is not this file.
 */
export function explainRefusals(report: ConnectionReport, judge: (request: AccessRequest) => { allowed: boolean; explanation: string }, file: string): void {
  if (report.mode !== 'live') return;
  for (const s of report.steps) {
    if (s.status !== 'failed' || s.step.id === 'assume-role' || !/AccessDenied|Forbidden/.test(s.code ?? '')) continue;
    const v = judge({ action: s.step.action, resource: s.step.resource, context: s.step.context });
    s.message = v.allowed
      ? l10n.t('{0} — {1} allows it, so the policy attached in AWS is not this file: attach it (pipewright iam check compares them).', s.message, file)
      : l10n.t('{0} — {1}: {2}', s.message, file, v.explanation);
  }
}
