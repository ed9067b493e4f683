/**
 * The least-privilege permission policy (and, where the config says who assumes the role, the trust
 * policy) for a pipeline: exactly the requests integrationNeeds() lists, grouped by resource, nothing more.
 */
import type { ParsedDocument } from '../parse';
import { integrationNeeds, trustExpectations } from './requirements';

export interface GeneratedPolicies {
  permission: { Version: string; Statement: Array<Record<string, unknown>> };
  /** Undefined when the integration supplies its own trust policy (Stripe's onboarding shows it). */
  trust?: { Version: string; Statement: Array<Record<string, unknown>> };
  /** Why no trust policy was generated, when none was. */
  trustNote?: string;
}

/** The resource pattern a need is granted on: the bucket itself, or every key under the integration's prefix. */
function grantResource(resource: string, bucketArn: string, objectPrefix: string): string {
  if (!resource.startsWith(`${bucketArn}/`)) return resource;
  const key = resource.slice(bucketArn.length + 1);
  // Keys under penny_test/<account>/ are granted on that folder, others on the integration's prefix.
  const penny = /^(penny_test\/[^/]+\/)/.exec(key);
  return `${bucketArn}/${penny ? penny[1] : objectPrefix}*`;
}

/**
 * `doc` is the pipeline; `sharing` are the other pipelines that use the same permission policy file
 * (two Currents connectors with their own folders and one role): the policy must serve them all.
 */
export function generatePolicies(doc: ParsedDocument, sharing: ParsedDocument[] = []): GeneratedPolicies | undefined {
  const n = integrationNeeds(doc);
  if (!n) return undefined;
  const all = [n, ...sharing.map(integrationNeeds).filter((x): x is NonNullable<typeof x> => !!x)];
  // Group actions by (resource, condition), keeping the order of first use.
  const groups = new Map<string, { resource: string; actions: string[]; condition?: Record<string, unknown> }>();
  for (const need of all.flatMap((x) => x.needs.map((need) => ({ ...need, scope: x.scope })))) {
    const resource = grantResource(need.resource, need.scope.bucketArn, need.scope.objectPrefix);
    let condition: Record<string, unknown> | undefined;
    const prefix = need.context?.['s3:prefix'];
    if (need.action === 's3:ListBucket' && typeof prefix === 'string' && prefix) condition = { StringLike: { 's3:prefix': [`${prefix}*`] } };
    const key = `${resource}|${JSON.stringify(condition ?? null)}`;
    const g = groups.get(key) ?? { resource, actions: [], condition };
    if (!g.actions.includes(need.action)) g.actions.push(need.action);
    groups.set(key, g);
  }
  // Two object grants where one prefix covers the other (bucket/* and bucket/penny_test/…/*) merge into the wider one.
  const list = [...groups.values()];
  for (const g of list) {
    const wider = list.find((o) => o !== g && !o.condition && !g.condition && o.resource.endsWith('*') && g.resource.startsWith(o.resource.slice(0, -1)) && o.resource !== g.resource);
    if (wider) {
      for (const a of g.actions) if (!wider.actions.includes(a)) wider.actions.push(a);
      g.actions = [];
    }
  }
  const used = new Set<string>();
  const unique = (sid: string) => {
    let s = sid;
    for (let k = 2; used.has(s); k++) s = `${sid}${k}`;
    used.add(s);
    return s;
  };
  const statements = list
    .filter((g) => g.actions.length)
    .map((g) => ({
      Sid: unique(sidFor(g.resource, n.scope.bucketArn)),
      Effect: 'Allow',
      Action: g.actions.length === 1 ? g.actions[0] : g.actions,
      Resource: g.resource,
      ...(g.condition ? { Condition: g.condition } : {}),
    }));
  const out: GeneratedPolicies = { permission: { Version: '2012-10-17', Statement: statements } };
  const t = trustExpectations(doc);
  if (t?.account && t.externalId) {
    // One statement per (account, external id) among the pipelines sharing the role.
    const principals = new Map<string, { account: string; externalId: string }>();
    for (const d of [doc, ...sharing]) {
      const e = trustExpectations(d);
      if (e?.account && e.externalId) principals.set(`${e.account}|${e.externalId}`, { account: e.account, externalId: e.externalId });
    }
    out.trust = {
      Version: '2012-10-17',
      Statement: [...principals.values()].map((p, i) => ({
        Sid: `${t.who}AssumeRole${i ? i + 1 : ''}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${p.account}:root` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': p.externalId } },
      })),
    };
  } else if (t?.principal) {
    out.trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: `${t.who}AssumeRole`,
          Effect: 'Allow',
          Principal: { AWS: t.principal },
          Action: 'sts:AssumeRole',
          ...(t.externalId ? { Condition: { StringEquals: { 'sts:ExternalId': t.externalId } } } : {}),
        },
      ],
    };
  } else {
    out.trustNote =
      doc.subKind === 'stripe-export' || doc.subKind === 'stripe-import'
        ? 'Stripe shows the trust policy to paste in its onboarding (principal and external id are Stripe’s): copy its principal into "stripePrincipal" (and its external id into "stripeExternalId") to have it generated and checked.'
        : 'This pipeline authenticates with an access key: there is no role to trust.';
  }
  return out;
}

function sidFor(resource: string, bucketArn: string): string {
  if (resource === bucketArn) return 'Bucket';
  if (resource.includes('/penny_test/')) return 'PennyTest';
  if (resource.startsWith(`${bucketArn}/`)) return 'Objects';
  if (resource.startsWith('arn:aws:kms:')) return 'KmsKey';
  return 'Grant';
}
