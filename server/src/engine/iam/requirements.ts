/**
 * What each integration does with the bucket, as (action, resource, context) requests, and what breaks
 * when one is refused — taken from the integration guides (seeds 000, 001, 003). Requests name a
 * representative object key, so that a policy restricted to a folder is judged on the keys the
 * integration really writes or reads.
 */
import type { Node } from 'jsonc-parser';
import { objectProp, stringOf, boolOf } from '../json';
import type { ParsedDocument } from '../parse';
import * as l10n from '../l10n';

export interface Need {
  action: string;
  resource: string;
  context?: Record<string, string | string[] | boolean>;
  /** What the user loses when this is refused, in the integration's words (in the user's language). */
  breaks: string;
}

export interface IntegrationNeeds {
  /** Who uses the permissions, for messages ("Stripe", "Braze Currents"), in the user's language. */
  who: string;
  bucket: string;
  needs: Need[];
  /** Actions the integration may use that are not worth a least-privilege warning when granted on its bucket. */
  tolerated: string[];
  /** Buckets and key prefixes the integration works in (least privilege: anything else is never needed). */
  scope: { bucketArn: string; objectPrefix: string };
}

const bucketArn = (b: string) => `arn:aws:s3:::${b}`;

/** The needs of the pipeline in `doc`, or undefined when it names no bucket (or is not a pipeline). */
export function integrationNeeds(doc: ParsedDocument): IntegrationNeeds | undefined {
  const root = doc.root;
  const bucket = stringOf(objectProp(root, 'bucket'));
  if (doc.kind !== 'pipeline' || !bucket) return undefined;
  const b = bucketArn(bucket);
  switch (doc.subKind) {
    case 'stripe-export': {
      const account = stringOf(objectProp(root, 'account')) ?? 'acct_…';
      const prefix = stringOf(objectProp(root, 'prefix')) ?? '';
      const sse = stringOf(objectProp(root, 'serverSideEncryption'));
      const put = (key: string, breaks: string): Need => ({ action: 's3:PutObject', resource: `${b}/${key}`, context: sse && sse !== 'none' ? { 's3:x-amz-server-side-encryption': sse } : undefined, breaks });
      const needs: Need[] = [
        { action: 's3:GetBucketLocation', resource: b, breaks: l10n.t('Stripe cannot confirm the bucket’s region, so the connection is refused') },
        put(`penny_test/${account}/account_${account}.validation.csv`, l10n.t('Stripe cannot write the penny-test file, so the onboarding cannot be confirmed')),
        put(`${prefix}charges/part-00000.parquet`, l10n.t('Stripe cannot deliver the Parquet files of each table')),
      ];
      const kms = stringOf(objectProp(root, 'kmsKeyArn'));
      if (sse === 'aws:kms' && kms) needs.push({ action: 'kms:GenerateDataKey', resource: kms, breaks: l10n.t('S3 cannot encrypt Stripe’s objects with your KMS key, so every delivery fails') });
      return { who: 'Stripe Data Pipeline', bucket, needs, tolerated: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:GetBucketLocation', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'], scope: { bucketArn: b, objectPrefix: '' } };
    }
    case 'stripe-import': {
      const folder = stringOf(objectProp(root, 'folder')) ?? '';
      return {
        who: l10n.t('Stripe’s S3 connector'),
        bucket,
        needs: [
          { action: 's3:ListBucket', resource: b, context: { 's3:prefix': folder }, breaks: folder ? l10n.t('Stripe cannot list the files to import in {0}', folder) : l10n.t('Stripe cannot list the files to import') },
          { action: 's3:GetObject', resource: `${b}/${folder}products.csv`, breaks: l10n.t('Stripe cannot read the files it lists, so nothing is imported') },
        ],
        tolerated: ['s3:ListBucket', 's3:GetObject', 's3:GetBucketLocation', 's3:GetObjectVersion'],
        scope: { bucketArn: b, objectPrefix: folder },
      };
    }
    case 'braze-currents':
    case 'braze-export': {
      const currents = doc.subKind === 'braze-currents';
      const folder = currents ? (stringOf(objectProp(root, 'folderPath')) ?? 'currents').replace(/^\/+|\/+$/g, '') : '';
      const key = currents ? `${folder}/dataexport.prod-01.S3.integration.5f76be8c/event_type=users.messages.email.Send/date=2026-11-23-09/1.avro` : 'exports/segment-export.csv';
      const sse = boolOf(objectProp(root, 'serverSideEncryption')) ? { 's3:x-amz-server-side-encryption': 'AES256' } : undefined;
      const who = currents ? 'Braze Currents' : l10n.t('Braze dashboard export');
      const needs: Need[] = [
        // Braze's guide grants ListBucket on the whole bucket (no prefix condition): its credential check may list from the root.
        { action: 's3:ListBucket', resource: b, breaks: l10n.t('{0} fails its credential check and the integration is not created', who) },
        { action: 's3:GetBucketLocation', resource: b, breaks: l10n.t('{0} fails its credential check and the integration is not created', who) },
        { action: 's3:PutObject', resource: `${b}/${key}`, context: sse, breaks: currents ? l10n.t('Braze cannot write events: after 48 hours of failures they are dropped for good') : l10n.t('Braze cannot save exports to the bucket') },
        { action: 's3:GetObject', resource: `${b}/${key}`, breaks: l10n.t('Braze’s backend cannot handle errors (Braze requires s3:GetObject)') },
      ];
      if (!currents) needs.push({ action: 's3:DeleteObject', resource: `${b}/${key}`, breaks: l10n.t('Braze dashboard export requires s3:DeleteObject and fails its credential check without it') });
      return { who, bucket, needs, tolerated: needs.map((n) => n.action), scope: { bucketArn: b, objectPrefix: currents ? `${folder}/` : '' } };
    }
    default:
      return undefined;
  }
}

/** The external id and principal account a pipeline's trust policy must name, where the config says. */
export interface TrustExpectations {
  /** the AWS account that assumes the role (Braze's) */
  account?: string;
  accountNode?: Node;
  /** the exact principal ARN that assumes the role (Stripe's, from its onboarding snippet) */
  principal?: string;
  externalId?: string;
  externalIdNode?: Node;
  who: string;
}

export function trustExpectations(doc: ParsedDocument): TrustExpectations | undefined {
  if (doc.kind !== 'pipeline') return undefined;
  if (doc.subKind === 'braze-currents' || doc.subKind === 'braze-export') {
    const auth = objectProp(doc.root, 'auth');
    if (stringOf(objectProp(auth, 'method')) !== 'role-arn') return undefined;
    const accountNode = objectProp(auth, 'brazeAccountId');
    const externalIdNode = objectProp(auth, 'externalId');
    return { account: stringOf(accountNode), accountNode, externalId: stringOf(externalIdNode), externalIdNode, who: 'Braze' };
  }
  // Stripe's trust policy comes from its onboarding screen: only when the config copies its principal (and
  // external id) are they imposed; otherwise the generic checks apply (no public principal, an external id).
  if (doc.subKind === 'stripe-export') {
    const principal = stringOf(objectProp(doc.root, 'stripePrincipal'));
    if (!principal) return undefined;
    const externalIdNode = objectProp(doc.root, 'stripeExternalId');
    return { principal, externalId: stringOf(externalIdNode), externalIdNode, who: 'Stripe' };
  }
  return undefined;
}
