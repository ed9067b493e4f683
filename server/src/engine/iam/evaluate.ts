/**
 * Evaluate a request against policies as AWS does within one policy type (identity-based policies, or one
 * resource-based / trust policy): an explicit Deny wins, then any Allow, else the request is implicitly denied.
 *
 * A statement applies when its Action/NotAction covers the action (case-insensitive, `*` and `?`), its
 * Resource/NotResource covers the resource ARN (case-sensitive; policy variables resolved from the context),
 * its Principal/NotPrincipal covers the caller (statements with a principal — trust and resource policies —
 * need no Resource), and all its conditions hold (see conditions.ts). A statement with neither or both of
 * Action and NotAction (likewise Resource/NotResource, Principal/NotPrincipal) applies to nothing, and one
 * whose Effect is not exactly "Allow" or "Deny" has no effect.
 */
import { accountOf, parseArn } from './arn';
import {
  compilePattern,
  firstFailingClause,
  matchTokens,
  normalizeContext,
  patternMatches,
  type ConditionContext,
  type NormalizedContext,
  type VariableOptions,
} from './conditions';
import { policyOfStatement, type ConditionClause, type PolicyModel, type PolicyStatement, type PrincipalSpec, type ValueList } from './model';
import * as l10n from '../l10n';

export interface AccessRequest {
  /** `s3:PutObject` */
  action: string;
  /** The resource ARN, or `*` for actions that take no resource (s3:ListAllMyBuckets, sts:GetCallerIdentity). */
  resource: string;
  /**
   * Condition context; keys case-insensitive (aws:SecureTransport, s3:prefix, sts:ExternalId,
   * s3:x-amz-server-side-encryption, aws:PrincipalArn …). An array is a multivalued key (aws:TagKeys), which
   * only ForAllValues:/ForAnyValue: operators can test; undefined or an empty array is a missing key.
   */
  context?: Record<string, string | string[] | number | boolean | undefined>;
  /** for trust policies: the calling principal ARN, e.g. arn:aws:iam::123456789012:root */
  principal?: string;
}

export interface Verdict {
  decision: 'allow' | 'explicit-deny' | 'implicit-deny';
  /** the statement that decided (the Deny, or the first Allow that matched) */
  statement?: PolicyStatement;
  /** one sentence a user can read: which statement and why, or why nothing matched */
  explanation: string;
}

/** How far a statement got before it stopped matching; higher is closer to a match. */
const enum Stage {
  Malformed = 0,
  Action = 1,
  Resource = 2,
  Principal = 3,
  Condition = 4,
  /** Everything matched. */
  Matched = 5,
}

interface Match {
  stage: Stage;
  /** Why it matched (Matched) or why it did not (other stages), as a clause for a sentence. */
  reason: string;
}

export function statementMatches(st: PolicyStatement, request: AccessRequest): boolean {
  return matchStatement(st, request, normalizeContext(request.context), false).stage === Stage.Matched;
}

export function evaluate(policies: PolicyModel | PolicyModel[], request: AccessRequest): Verdict {
  const list = Array.isArray(policies) ? policies : [policies];
  const ctx = normalizeContext(request.context);
  // First pass decides without building sentences (most statements of a big policy do not match, and
  // their reasons would be thrown away); only the deciding or closest statement is explained afterwards.
  let allow: { st: PolicyStatement; p: number } | undefined;
  let closest: { st: PolicyStatement; p: number; rank: number } | undefined;
  let statements = 0;
  let allows = 0;
  for (let p = 0; p < list.length; p++) {
    for (const st of list[p].statements) {
      statements++;
      const m = matchStatement(st, request, ctx, false);
      if (st.effect === 'Deny') {
        if (m.stage === Stage.Matched) {
          const why = matchStatement(st, request, ctx, true).reason;
          return { decision: 'explicit-deny', statement: st, explanation: l10n.t('Explicitly denied by {0}: {1}; a Deny overrides every Allow.', labelOf(st, list.length > 1 ? p : undefined), why) };
        }
        continue;
      }
      if (st.effect === 'Allow') allows++;
      if (st.effect === 'Allow' && m.stage === Stage.Matched) {
        allow ??= { st, p };
      } else {
        const r = rank(st, m);
        if (!closest || r > closest.rank) closest = { st, p, rank: r };
      }
    }
  }
  const label = (x: { st: PolicyStatement; p: number }) => labelOf(x.st, list.length > 1 ? x.p : undefined);
  if (allow) return { decision: 'allow', statement: allow.st, explanation: l10n.t('Allowed by {0}: {1}.', label(allow), matchStatement(allow.st, request, ctx, true).reason) };
  const what = request.principal ? l10n.t('{0} on {1} by {2}', request.action, request.resource, request.principal) : l10n.t('{0} on {1}', request.action, request.resource);
  if (statements === 0) return { decision: 'implicit-deny', explanation: l10n.t('Implicitly denied: the policy has no statements, so nothing allows {0}.', what) };
  if (!closest) return { decision: 'implicit-deny', explanation: l10n.t('Implicitly denied: every statement is a Deny and none applies, and nothing allows {0}.', what) };
  const { st } = closest;
  const m = matchStatement(st, request, ctx, true);
  const why =
    m.stage === Stage.Matched
      ? st.effectNode
        ? l10n.t('would apply, but its Effect {0} is neither "Allow" nor "Deny"', JSON.stringify(st.effectNode.value))
        : l10n.t('would apply, but it has no Effect')
      : m.reason;
  const lead = allows === 0 ? l10n.t('Implicitly denied: no statement allows anything') : l10n.t('Implicitly denied: no statement allows {0}', what);
  return { decision: 'implicit-deny', explanation: l10n.t('{0}; the closest, {1}, {2}.', lead, label(closest), why) };
}

function rank(st: PolicyStatement, m: Match): number {
  // Among near misses, a real Allow beats a statement whose Effect is broken, at the same stage.
  return m.stage * 2 + (st.effect === 'Allow' ? 1 : 0);
}

function labelOf(st: PolicyStatement, policyIndex: number | undefined): string {
  // "Statement" is the policy's own key name: it stays as written in every language.
  const label = `Statement[${st.index}]${st.sid ? ` ("${st.sid}")` : ''}`;
  return policyIndex !== undefined ? l10n.t('{0} of policy {1}', label, policyIndex + 1) : label;
}

function matchStatement(st: PolicyStatement, request: AccessRequest, ctx: NormalizedContext, explain: boolean): Match {
  // Policy variables are only variables under Version 2012-10-17; otherwise they are literal text.
  const model = policyOfStatement(st);
  const vars: VariableOptions = { variables: !model || model.version === '2012-10-17' ? ctx : undefined };
  const parts: string[] = [];

  // Action / NotAction
  if (st.action && st.notAction) return { stage: Stage.Malformed, reason: explain ? l10n.t('has both Action and NotAction, so it applies to nothing') : '' };
  if (!st.action && !st.notAction) return { stage: Stage.Malformed, reason: explain ? l10n.t('has neither Action nor NotAction, so it applies to nothing') : '' };
  if (st.action) {
    const hit = st.action.values.find((a) => actionMatches(a, request.action));
    if (hit === undefined) return { stage: Stage.Action, reason: explain ? l10n.t('does not cover {0} (Action: {1})', request.action, shownList(st.action)) : '' };
    if (explain) parts.push(l10n.t('Action {0} covers {1}', JSON.stringify(hit), request.action));
  } else {
    const hit = st.notAction!.values.find((a) => actionMatches(a, request.action));
    if (hit !== undefined) return { stage: Stage.Action, reason: explain ? l10n.t('excludes {0} through NotAction {1}', request.action, JSON.stringify(hit)) : '' };
    if (explain) parts.push(l10n.t('{0} is not in its NotAction', request.action));
  }

  // Resource / NotResource (optional when the statement names a principal: trust and resource policies)
  const hasPrincipal = !!(st.principal || st.notPrincipal);
  if (st.resource && st.notResource) return { stage: Stage.Malformed, reason: explain ? l10n.t('has both Resource and NotResource, so it applies to nothing') : '' };
  if (st.resource) {
    const hit = st.resource.values.find((r) => resourceMatches(r, request.resource, vars) === true);
    if (hit === undefined) return { stage: Stage.Resource, reason: explain ? l10n.t('covers {0} but not {1} (Resource: {2})', request.action, request.resource, shownList(st.resource)) : '' };
    if (explain) parts.push(l10n.t('Resource {0} covers {1}', JSON.stringify(hit), request.resource));
  } else if (st.notResource) {
    const hit = st.notResource.values.find((r) => resourceMatches(r, request.resource, vars) === true);
    if (hit !== undefined) return { stage: Stage.Resource, reason: explain ? l10n.t('covers {0} but excludes {1} through NotResource {2}', request.action, request.resource, JSON.stringify(hit)) : '' };
    // AWS: an unresolvable policy variable "might cause the entire statement to be invalid".
    const undecided = st.notResource.values.find((r) => resourceMatches(r, request.resource, vars) === undefined);
    if (undecided !== undefined) return { stage: Stage.Resource, reason: explain ? l10n.t('covers {0} but its NotResource {1} uses a policy variable the request context cannot resolve', request.action, JSON.stringify(undecided)) : '' };
    if (explain) parts.push(l10n.t('{0} is not in its NotResource', request.resource));
  } else if (!hasPrincipal) {
    return { stage: Stage.Malformed, reason: explain ? l10n.t('has neither Resource nor NotResource, so it applies to nothing') : '' };
  }

  // Principal / NotPrincipal
  if (st.principal && st.notPrincipal) return { stage: Stage.Malformed, reason: explain ? l10n.t('has both Principal and NotPrincipal, so it applies to nobody') : '' };
  const caller = request.principal ?? (explain ? l10n.t('an anonymous caller') : '');
  if (st.principal) {
    const hit = principalMatches(st.principal, request.principal);
    if (hit === undefined) return { stage: Stage.Principal, reason: explain ? l10n.t('covers {0} but its Principal does not include {1}', request.action, caller) : '' };
    if (explain) parts.push(l10n.t('Principal {0} includes {1}', JSON.stringify(hit), caller));
  } else if (st.notPrincipal) {
    const hit = principalMatches(st.notPrincipal, request.principal);
    if (hit !== undefined) return { stage: Stage.Principal, reason: explain ? l10n.t('covers {0} but its NotPrincipal {1} excludes {2}', request.action, JSON.stringify(hit), caller) : '' };
    if (explain) parts.push(l10n.t('{0} is not in its NotPrincipal', caller));
  }

  // Conditions
  if (st.conditions.length) {
    const failed = firstFailingClause(st.conditions, ctx, vars);
    if (failed) return { stage: Stage.Condition, reason: explain ? l10n.t('covers the request but its condition {0} fails ({1})', clauseText(failed.clause), failed.result.reason) : '' };
    if (explain) parts.push(st.conditions.length === 1 ? l10n.t('its condition {0} holds', clauseText(st.conditions[0])) : l10n.t('its {0} conditions hold', st.conditions.length));
  }
  return { stage: Stage.Matched, reason: explain ? joinParts(parts) : '' };
}

/** `s3:Get*` covers `s3:GetObject`: service prefix and action name are case-insensitive. */
function actionMatches(pattern: string, action: string): boolean {
  return matchTokens(cachedPattern(pattern.toLowerCase()), action.toLowerCase());
}

const compiled = new Map<string, number[]>();
function cachedPattern(pattern: string): number[] {
  let tokens = compiled.get(pattern);
  if (!tokens) {
    tokens = compilePattern(pattern, true)!;
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, tokens);
  }
  return tokens;
}

/** true/false, or undefined when the pattern holds a policy variable the request cannot resolve. */
function resourceMatches(pattern: string, resource: string, vars: VariableOptions): boolean | undefined {
  if (pattern === '*') return true;
  if (vars.variables && pattern.includes('${')) return patternMatches(pattern, resource, vars);
  return matchTokens(cachedPattern(pattern), resource);
}

/**
 * The principal value that includes the caller, or undefined. `"*"` (and {"AWS":"*"}) includes everyone,
 * anonymous callers too; an account id or account root ARN includes every principal of that account; a
 * role ARN includes that role's assumed-role sessions; Service, Federated and CanonicalUser compare exactly.
 */
function principalMatches(spec: PrincipalSpec, caller: string | undefined): string | undefined {
  if (spec.wildcard) return '*';
  if (caller === undefined) return undefined;
  for (const [type, list] of Object.entries(spec.byType)) {
    for (const value of list.values) {
      if (type === 'AWS' ? awsPrincipalMatches(value, caller) : type === 'Service' ? value.toLowerCase() === caller.toLowerCase() : value === caller) {
        return value;
      }
    }
  }
  return undefined;
}

function awsPrincipalMatches(value: string, caller: string): boolean {
  if (value === '*') return true;
  if (value === caller) return true;
  const callerAccount = accountOf(caller);
  if (/^\d{12}$/.test(value)) return callerAccount === value;
  const v = parseArn(value);
  if (!v) return false;
  if (v.service === 'iam' && v.resource === 'root') return callerAccount === v.account;
  if (/^\d{12}$/.test(caller)) return false;
  const c = parseArn(caller);
  if (!c || c.account !== v.account) return false;
  // A role principal covers its sessions: arn:aws:sts::123456789012:assumed-role/RoleName/session.
  if (v.service === 'iam' && v.resource.startsWith('role/') && c.service === 'sts' && c.resource.startsWith('assumed-role/')) {
    const roleName = v.resource.slice(v.resource.lastIndexOf('/') + 1);
    return c.resource.split('/')[1] === roleName;
  }
  return false;
}

function shownList(list: ValueList): string {
  if (!list.values.length) return l10n.t('no strings');
  const shown = list.values.slice(0, 3).map((v) => JSON.stringify(v));
  return list.values.length > 3 ? l10n.t('{0} and {1} more', shown.join(', '), list.values.length - 3) : shown.join(', ');
}

function clauseText(c: ConditionClause): string {
  const values = c.values.length === 1 ? JSON.stringify(c.values[0]) : JSON.stringify(c.values);
  return `${c.operator} ${c.key} ${values}`;
}

function joinParts(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return l10n.t('{0} and {1}', parts.slice(0, -1).join(', '), parts[parts.length - 1]);
}

export type { ConditionContext };
