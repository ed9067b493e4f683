/**
 * The live role check's verdicts: the role's real policies (fetched by the caller) judged with the same
 * evaluator and the same integration needs as the offline checks. Transport-free: documents come in as text.
 */
import { parseDocument, type ParsedDocument } from '../parse';
import { objectProp, stringOf } from '../json';
import { policyModel } from './model';
import { evaluate } from './evaluate';
import { integrationNeeds, trustExpectations } from './requirements';

export interface RoleDocuments {
  roleName: string;
  roleArn: string;
  trustPolicyText: string;
  policies: Array<{ name: string; text: string }>;
}

export interface LiveGap {
  action: string;
  resource: string;
  /** The evaluator's explanation against the role's policies. */
  explanation: string;
  breaks: string;
}

export interface LiveReport {
  roleArn: string;
  checked: number;
  gaps: LiveGap[];
  /** Trust problems: the assuming account or external id refused. */
  trust: string[];
}

/** The IAM role a pipeline's integration assumes, or why there is none to check. */
export function roleNameOf(pipeline: ParsedDocument): { roleName: string } | { error: string } {
  const root = pipeline.root;
  if (pipeline.kind !== 'pipeline') return { error: 'not a pipeline config (*.pipeline.json)' };
  if (pipeline.subKind === 'stripe-export' || pipeline.subKind === 'stripe-import') {
    const name = stringOf(objectProp(root, 'roleName'));
    return name ? { roleName: name } : { error: 'the pipeline names no "roleName": add the role Stripe assumes' };
  }
  if (pipeline.subKind === 'braze-currents' || pipeline.subKind === 'braze-export') {
    const auth = objectProp(root, 'auth');
    const arn = stringOf(objectProp(auth, 'roleArn'));
    if (stringOf(objectProp(auth, 'method')) !== 'role-arn' || !arn) return { error: 'this Braze pipeline authenticates with an access key: there is no role to check' };
    return { roleName: arn.slice(arn.lastIndexOf('/') + 1) };
  }
  return { error: 'an Adobe Experience Platform flow uses no role of yours' };
}

export function judgeRole(pipeline: ParsedDocument, role: RoleDocuments): LiveReport {
  const n = integrationNeeds(pipeline);
  const models = role.policies.map((p, i) => policyModel(parseDocument(`/live/${i}.policy.json`, p.text).root));
  const gaps: LiveGap[] = [];
  for (const need of n?.needs ?? []) {
    const v = evaluate(models, { action: need.action, resource: need.resource, context: need.context });
    if (v.decision !== 'allow') gaps.push({ action: need.action, resource: need.resource, explanation: v.explanation, breaks: need.breaks });
  }
  const trust: string[] = [];
  const t = trustExpectations(pipeline);
  if (t?.account) {
    const trustModel = policyModel(parseDocument('/live/role.trust.json', role.trustPolicyText).root);
    const v = evaluate(trustModel, { action: 'sts:AssumeRole', resource: role.roleArn, principal: `arn:aws:iam::${t.account}:root`, context: t.externalId ? { 'sts:ExternalId': t.externalId } : undefined });
    if (v.decision !== 'allow') trust.push(`${t.who}’s account ${t.account}${t.externalId ? ` with external id ${t.externalId}` : ''} cannot assume ${role.roleArn}: ${v.explanation}`);
  }
  return { roleArn: role.roleArn, checked: n?.needs.length ?? 0, gaps, trust };
}
