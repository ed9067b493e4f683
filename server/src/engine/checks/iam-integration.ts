/**
 * A policy judged against what the pipelines that use it need (requirements.ts), with the offline
 * evaluator: refused requests (errors, with a statement to insert), grants never needed (least
 * privilege), bucket wildcards that also match other buckets; and trust policies against who the
 * pipeline says assumes the role.
 */
import { basename } from 'node:path';
import type { Node } from 'jsonc-parser';
import { finding, type Finding, type Fix } from '../diagnostics';
import { quote } from '../json';
import type { ParsedDocument } from '../parse';
import type { Project } from '../project';
import { policyModel, type PolicyModel, type PrincipalSpec } from '../iam/model';
import { evaluate } from '../iam/evaluate';
import { integrationNeeds, trustExpectations, type IntegrationNeeds } from '../iam/requirements';
import { expandActions, iamAction } from '../../data/iam';
import { wildcardBucketFinding } from './iam';
import * as l10n from '../l10n';

export function checkPolicyForPipelines(doc: ParsedDocument, project: Project, out: Finding[]): void {
  const users = project
    .referrers(doc.path)
    .filter((r) => r.ref.property === 'permissionPolicy')
    .map((r) => ({ pipeline: r.pipeline, needs: integrationNeeds(r.pipeline) }))
    .filter((u): u is { pipeline: ParsedDocument; needs: IntegrationNeeds } => !!u.needs);
  if (!users.length || !doc.root) return;
  // While the guide's placeholders are still in, the ARNs name no real bucket: the placeholder fix comes first.
  if (out.some((f) => f.code === 'placeholder')) return;
  const model = policyModel(doc.root);
  for (const { pipeline, needs } of users) missingPermissions(doc, model, pipeline, needs, out);
  unneededGrants(model, users.map((u) => u.needs), out);
  // A wildcard judged against the pipeline's bucket replaces the standalone finding on the same value.
  const last = new Map<string, Finding>();
  for (const f of out) if (f.code === 'iam-wildcard-bucket') last.set(`${f.start}:${f.end}`, f);
  for (let i = out.length - 1; i >= 0; i--) {
    const f = out[i];
    if (f.code === 'iam-wildcard-bucket' && last.get(`${f.start}:${f.end}`) !== f) out.splice(i, 1);
  }
}

function missingPermissions(doc: ParsedDocument, model: PolicyModel, pipeline: ParsedDocument, n: IntegrationNeeds, out: Finding[]): void {
  const anchor = statementAnchor(model, doc);
  for (const need of n.needs) {
    const v = evaluate(model, { action: need.action, resource: need.resource, context: need.context });
    if (v.decision === 'allow') continue;
    const where = v.decision === 'explicit-deny' && v.statement ? v.statement.effectNode ?? v.statement.node : anchor;
    const grant = grantFor(need.action, need.resource, n);
    out.push(
      finding(
        'iam-missing-permission',
        l10n.t('{who} ({file}) will be refused {action} on {resource}: {explanation} {consequence}.', { who: n.who, file: basename(pipeline.path), action: need.action, resource: need.resource, explanation: v.explanation, consequence: need.breaks }),
        where.offset,
        where.offset + (where === anchor ? anchorLength(where) : where.length),
        v.decision === 'implicit-deny' ? insertStatementFix(doc, model, need.action, grant) : undefined,
      ),
    );
  }
}

/** The resource to grant for a need: the bucket, or the objects under the integration's prefix. */
function grantFor(action: string, resource: string, n: IntegrationNeeds): string {
  if (!resource.startsWith(`${n.scope.bucketArn}/`)) return resource;
  const penny = /\/(penny_test\/[^/]+\/)/.exec(resource);
  return `${n.scope.bucketArn}/${penny ? penny[1] : n.scope.objectPrefix}*`;
}

function insertStatementFix(doc: ParsedDocument, model: PolicyModel, action: string, resource: string): Fix[] | undefined {
  const statements = model.statements;
  const arrayNode = statements[0]?.node.parent;
  if (!arrayNode || arrayNode.type !== 'array') return undefined;
  const last = arrayNode.children![arrayNode.children!.length - 1];
  const lineStart = doc.text.lastIndexOf('\n', last.offset) + 1;
  const indent = /^[ \t]*/.exec(doc.text.slice(lineStart, last.offset))![0];
  const body = JSON.stringify({ Effect: 'Allow', Action: action, Resource: resource });
  const text = `,\n${indent}${body.replace(/^\{/, '{ ').replace(/\}$/, ' }').replace(/","/g, '", "').replace(/":"/g, '": "')}`;
  const at = last.offset + last.length;
  return [{ title: l10n.t('Allow {0} on {1}', action, resource), edits: [{ start: at, end: at, newText: text }], preferred: true }];
}

/** Past this many least-privilege findings in one policy, one summary says how many more there are. */
const MAX_UNNEEDED = 100;

function unneededGrants(model: PolicyModel, users: IntegrationNeeds[], all: Finding[]): void {
  // Findings past the cap are only counted: building thousands of messages nobody reads costs more than the check.
  let count = 0;
  let firstOver: Node | undefined;
  const sink: Sink = (at, make) => {
    if (++count <= MAX_UNNEEDED) all.push(make());
    else firstOver ??= at;
  };
  unneededGrantsInto(model, users, sink);
  if (firstOver) all.push(finding('iam-unneeded-grant', l10n.t('…and {0} more grants the integration never uses in this policy: regenerate it with "pipewright iam generate" and compare.', count - MAX_UNNEEDED), firstOver.offset, firstOver.offset + firstOver.length));
}

type Sink = (at: Node, make: () => Finding) => void;

function unneededGrantsInto(model: PolicyModel, users: IntegrationNeeds[], out: Sink): void {
  const tolerated = new Set(users.flatMap((u) => u.tolerated.map((a) => a.toLowerCase())));
  const buckets = users.map((u) => u.scope.bucketArn);
  const who = [...new Set(users.map((u) => u.who))].reduce((a, b) => l10n.t('{0} and {1}', a, b));
  for (const st of model.statements) {
    if (st.effect !== 'Allow' || st.principal) continue;
    st.action?.values.forEach((value, i) => {
      const node = st.action!.nodes[i];
      const lower = value.toLowerCase();
      if (tolerated.has(lower)) return;
      if (/[*?]/.test(value)) {
        const extra = expandActions(value).filter((a) => !tolerated.has(a.id.toLowerCase()));
        if (!extra.length) return;
        out(node, () => {
          const unused = extra.slice(0, 3).map((a) => a.id).join(', ') + (extra.length > 3 ? '…' : '');
          const needed = [...tolerated].length ? neededList(users) : l10n.t('the actions it needs');
          const text = extra.length === 1
            ? l10n.t('"{value}" grants 1 action {who} never uses ({unused}): list only {needed}.', { value, who, unused, needed })
            : l10n.t('"{value}" grants {count} actions {who} never uses ({unused}): list only {needed}.', { value, count: extra.length, who, unused, needed });
          return finding('iam-unneeded-grant', text, node.offset, node.offset + node.length);
        });
        return;
      }
      if (!iamAction(value) && !value.includes(':')) return;
      out(node, () => finding('iam-unneeded-grant', l10n.t('{0} never uses {1}: remove it (least privilege).', who, value), node.offset, node.offset + node.length, [removeItemFix(st.action!.node, node, l10n.t('Remove it'))].filter((f): f is Fix => !!f)));
    });
    st.resource?.values.forEach((value, i) => {
      const node = st.resource!.nodes[i];
      if (value === '*') {
        out(node, () => finding('iam-unneeded-grant', l10n.t('"Resource": "*" covers every bucket in the account; {0} needs only {1} (and its objects).', who, buckets.join(', ')), node.offset, node.offset + node.length));
        return;
      }
      const bucketPart = /^arn:[^:]*:s3:::([^/]*)/.exec(value)?.[1];
      if (bucketPart === undefined) return;
      if (/[*?]/.test(bucketPart)) {
        wildcardBucket(value, bucketPart, node, buckets, (f) => out(node, () => f));
        return;
      }
      if (!buckets.some((b) => b === `arn:aws:s3:::${bucketPart}` || b.endsWith(`:::${bucketPart}`))) {
        out(node, () => finding('iam-unneeded-grant', l10n.t('{0} is another bucket: {1} uses only {2}.', value, who, buckets.join(', ')), node.offset, node.offset + node.length, [removeItemFix(st.resource!.node, node, l10n.t('Remove it'))].filter((f): f is Fix => !!f)));
      }
    });
  }
}

function neededList(users: IntegrationNeeds[]): string {
  return [...new Set(users.flatMap((u) => u.needs.map((n) => n.action)))].join(', ');
}

/** A bucket wildcard that also matches the pipeline's bucket: narrow it to that bucket (replacing the standalone finding, whose fix narrows to the wildcard's stem). */
function wildcardBucket(value: string, bucketPart: string, node: Node, buckets: string[], push: (f: Finding) => void): void {
  const re = new RegExp(`^${bucketPart.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const ours = buckets.map((b) => b.slice(b.indexOf(':::') + 3)).filter((b) => re.test(b));
  if (!ours.length) return;
  push(wildcardBucketFinding(node, value, ours[0]));
}

/** Remove one item of an array (with its comma); undefined when it is the only item. */
function removeItemFix(listNode: Node, item: Node, title: string): Fix | undefined {
  if (listNode.type !== 'array' || !listNode.children || listNode.children.length < 2) return undefined;
  const i = listNode.children.indexOf(item);
  const next = listNode.children[i + 1];
  const prev = listNode.children[i - 1];
  const [start, end] = next ? [item.offset, next.offset] : [prev.offset + prev.length, item.offset + item.length];
  return { title, edits: [{ start, end, newText: '' }] };
}

function statementAnchor(model: PolicyModel, doc: ParsedDocument): Node {
  const st = model.statements[0]?.node.parent;
  const key = st?.parent?.type === 'property' ? st.parent.children![0] : undefined;
  return key ?? doc.root!;
}

function anchorLength(n: Node): number {
  return n.type === 'object' ? 1 : n.length;
}

/** Trust policies: nobody-at-all principals, cross-account without an external id, and the pipeline's own values. */
export function checkTrust(doc: ParsedDocument, project: Project, out: Finding[]): void {
  if (!doc.root) return;
  const model = policyModel(doc.root);
  const expectations = project
    .referrers(doc.path)
    .filter((r) => r.ref.property === 'trustPolicy')
    .map((r) => ({ pipeline: r.pipeline, t: trustExpectations(r.pipeline) }))
    .filter((x) => !!x.t);
  for (const st of model.statements) {
    if (st.effect !== 'Allow' || !st.principal) continue;
    const p = st.principal;
    if (p.wildcard) {
      out.push(finding('iam-public-trust', l10n.t('Anyone in any AWS account can assume this role ("Principal": "*"): name the account or role that needs it.'), p.node.offset, p.node.offset + p.node.length));
      continue;
    }
    const hasExternalId = st.conditions.some((c) => c.key.toLowerCase() === 'sts:externalid');
    const aws = p.byType['AWS'];
    if (aws && !hasExternalId) {
      const n = st.principal.node;
      out.push(finding('iam-confused-deputy', l10n.t('Another AWS account may assume this role without an sts:ExternalId condition: any customer of that account’s service could then reach your bucket (the confused deputy problem). Add the external id the service gives you.'), n.offset, n.offset + n.length, externalIdFix(doc, st.node, expectations[0]?.t?.externalId)));
    }
  }
  for (const { pipeline, t } of expectations) {
    if (!t) continue;
    const name = basename(pipeline.path);
    const allows = model.statements.filter((s) => s.effect === 'Allow' && s.principal);
    if (t.account) {
      const ok = allows.some((s) => s.principal!.wildcard || principalAccounts(s.principal!).includes(t.account!));
      if (!ok && allows[0]) {
        const n = allows[0].principal!.node;
        out.push(finding('iam-trust-mismatch', l10n.t('{file} says {who}’s AWS account is {account}, but no statement lets that account assume the role: {who} will get "S3 credentials are invalid".', { file: name, who: t.who, account: t.account! }), n.offset, n.offset + n.length));
      }
    }
    if (t.principal && allows.length) {
      const v = evaluate(model, { action: 'sts:AssumeRole', resource: '*', principal: t.principal, context: t.externalId ? { 'sts:ExternalId': t.externalId } : undefined });
      const denied = v.decision !== 'allow' && !allows.some((s) => statementNamesPrincipal(s.principal!, t.principal!) && s.conditions.length);
      if (denied) {
        const n = allows[0].principal!.node;
        out.push(finding('iam-trust-mismatch', l10n.t('{file} says {who} assumes the role as {principal}, but no statement lets it: {who}\'s deliveries are refused with AccessDenied. Paste the trust policy from {who}\'s onboarding step.', { file: name, who: t.who, principal: t.principal }), n.offset, n.offset + n.length));
      }
    }
    if (t.externalId) {
      const values = allows.flatMap((s) => s.conditions.filter((c) => c.key.toLowerCase() === 'sts:externalid').map((c) => ({ c, values: c.values.map(String) })));
      if (values.length && !values.some((v) => v.values.includes(t.externalId!))) {
        const v = values[0].c.valueNode;
        out.push(finding('iam-trust-mismatch', l10n.t('The external id here differs from the one in {0} ("{1}"): {2} sends that one, so AssumeRole is refused.', name, t.externalId, t.who), v.offset, v.offset + v.length, v.type === 'string' ? [{ title: l10n.t('Change to "{0}"', t.externalId), edits: [{ start: v.offset, end: v.offset + v.length, newText: quote(t.externalId) }], preferred: true }] : undefined));
      }
    }
  }
}

/** The statement names the principal itself (its conditions are judged separately, by the external id check). */
function statementNamesPrincipal(p: PrincipalSpec, principal: string): boolean {
  return (p.byType['AWS']?.values ?? []).includes(principal);
}

function principalAccounts(p: PrincipalSpec): string[] {
  return (p.byType['AWS']?.values ?? []).map((v) => /^\d{12}$/.test(v) ? v : /^arn:aws[\w-]*:iam::(\d{12}):/.exec(v)?.[1] ?? '').filter(Boolean);
}

function externalIdFix(doc: ParsedDocument, statement: Node, externalId: string | undefined): Fix[] | undefined {
  if (!externalId || statement.type !== 'object' || !statement.children?.length) return undefined;
  if (statement.children.some((p) => p.children?.[0]?.value === 'Condition')) return undefined;
  const last = statement.children[statement.children.length - 1];
  const lineStart = doc.text.lastIndexOf('\n', last.offset) + 1;
  const indent = /^[ \t]*/.exec(doc.text.slice(lineStart, last.offset))![0];
  const at = last.offset + last.length;
  return [{ title: l10n.t('Require sts:ExternalId "{0}"', externalId), edits: [{ start: at, end: at, newText: `,\n${indent}"Condition": { "StringEquals": { "sts:ExternalId": ${quote(externalId)} } }` }], preferred: true }];
}
