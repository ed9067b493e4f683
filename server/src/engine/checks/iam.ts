/**
 * Checks on any IAM policy, standalone (users keep policies no pipeline references yet): Version, Sids,
 * actions against the catalog, ARNs, action/resource-type pairs, condition operators and keys, broad grants,
 * and for trust policies who may assume the role.
 */
import type { Node } from 'jsonc-parser';
import { finding, type Finding, type Fix } from '../diagnostics';
import { didYouMean, quote } from '../json';
import type { ParsedDocument } from '../parse';
import { policyModel, type PolicyStatement, type ValueList } from '../iam/model';
import { KNOWN_CONDITION_OPERATORS } from '../iam/conditions';
import { parseArn as parseArnUncached, type Arn } from '../iam/arn';
import * as l10n from '../l10n';

const arns = new Map<string, Arn | undefined>();
/** Policies name the same few ARNs thousands of times: parse each once. */
function parseArn(s: string): Arn | undefined {
  if (arns.has(s)) return arns.get(s);
  const a = parseArnUncached(s);
  if (arns.size > 20_000) arns.clear();
  arns.set(s, a);
  return a;
}
import { IAM_ACTIONS, IAM_SERVICES, expandActions, iamAction, knownServicePrefixes, serviceActionNames, type IamAction } from '../../data/iam';
import { bucketNameProblem, isPlaceholder } from './common';

const VERSIONS = ['2012-10-17', '2008-10-17'];

export function checkPolicy(doc: ParsedDocument, out: Finding[]): void {
  const model = policyModel(doc.root);
  if (!doc.root || doc.root.type !== 'object') return;
  checkVersion(doc, model.version, model.versionNode, out);
  const sids = new Map<string, Node>();
  for (const st of model.statements) {
    if (st.sid && st.sidNode) {
      if (sids.has(st.sid)) out.push(finding('iam-duplicate-sid', l10n.t('Sid "{0}" is already used by another statement: IAM rejects the policy. Give each statement its own Sid.', st.sid), st.sidNode.offset, st.sidNode.offset + st.sidNode.length));
      sids.set(st.sid, st.sidNode);
    }
    const actions = st.action ? checkActions(st.action, out) : [];
    if (st.notAction) checkActions(st.notAction, out);
    if (st.resource) checkArns(st.resource, out);
    if (st.notResource) checkArns(st.notResource, out);
    checkConditions(st, actions, out);
    if (st.effect === 'Allow') {
      checkResourceTypes(st, actions, out);
      checkS3Resources(st, actions, out);
      checkBroad(st, actions, doc.kind === 'trust', out);
    }
  }
}

function checkVersion(doc: ParsedDocument, version: string | undefined, node: Node | undefined, out: Finding[]): void {
  if (!node) {
    out.push(finding('iam-version', l10n.t('Add "Version": "2012-10-17": without it IAM applies the 2008 language, in which policy variables such as ${aws:username} are plain text.'), doc.root!.offset, doc.root!.offset + 1, [
      { title: l10n.t('Add "Version": "2012-10-17"'), edits: [{ start: doc.root!.offset + 1, end: doc.root!.offset + 1, newText: '\n  "Version": "2012-10-17",' }], preferred: true },
    ]));
  } else if (version === '2008-10-17') {
    out.push({ ...finding('iam-version', l10n.t('"2008-10-17" is the old policy language: policy variables are not replaced. Use "2012-10-17".'), node.offset, node.offset + node.length, [replaceWith(node, '2012-10-17')]), severity: 'warning' });
  } else if (version !== undefined && !VERSIONS.includes(version)) {
    out.push(finding('iam-version', l10n.t('"{0}" is not a policy language version: IAM accepts only "2012-10-17" (current) and "2008-10-17".', version), node.offset, node.offset + node.length, [replaceWith(node, '2012-10-17')]));
  }
}

/** Each action name against the catalog (for the services it holds); returns the catalog actions named. */
function checkActions(list: ValueList, out: Finding[]): IamAction[] {
  const named: IamAction[] = [];
  list.values.forEach((value, i) => {
    const node = list.nodes[i];
    if (value === '*' || isPlaceholder(value)) return;
    const m = /^([a-z0-9-]+):(.+)$/i.exec(value);
    if (!m) {
      out.push(finding('iam-unknown-action', l10n.t('"{0}" is not an action: write service:Action, such as s3:PutObject.', value), node.offset, node.offset + node.length));
      return;
    }
    const service = m[1].toLowerCase();
    if (!IAM_SERVICES[service]) {
      checkOtherServiceAction(value, service, m[2], node, out);
      return;
    }
    if (/[*?]/.test(m[2])) {
      const hits = expandActions(`${service}:${m[2]}`);
      if (!hits.length) out.push(finding('iam-unknown-action', l10n.t('"{0}" matches no {1} action.', value, IAM_SERVICES[service]), node.offset, node.offset + node.length));
      named.push(...hits);
      return;
    }
    const a = iamAction(value);
    if (a) {
      named.push(a);
      return;
    }
    const suggestion = didYouMean(value, IAM_ACTIONS.filter((x) => x.service === service).map((x) => x.id));
    out.push(
      finding('iam-unknown-action', l10n.sentences(l10n.t('{0} has no action "{1}".', IAM_SERVICES[service], m[2]), suggestion && l10n.t('Did you mean "{0}"?', suggestion)), node.offset, node.offset + node.length, suggestion ? [replaceWith(node, suggestion)] : undefined),
    );
  });
  return named;
}

/** Actions of services outside the detailed catalog, by name only: unknown services and actions with "did you mean". */
function checkOtherServiceAction(value: string, service: string, name: string, node: Node, out: Finding[]): void {
  const names = serviceActionNames(service);
  if (!names) {
    const s = didYouMean(service, knownServicePrefixes());
    out.push(finding('iam-unknown-action', s ? l10n.t('No AWS service has the prefix "{0}". Did you mean "{1}"?', service, `${s}:${name}`) : l10n.t('No AWS service has the prefix "{0}".', service), node.offset, node.offset + node.length, s && !/[*?]/.test(name) && serviceActionNames(s)?.has(name.toLowerCase()) ? [replaceWith(node, `${s}:${serviceActionNames(s)!.get(name.toLowerCase())}`)] : undefined));
    return;
  }
  if (/[*?]/.test(name)) {
    const re = new RegExp(`^${name.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (![...names.keys()].some((n) => re.test(n))) out.push(finding('iam-unknown-action', l10n.t('"{0}" matches no action of the "{1}" service.', value, service), node.offset, node.offset + node.length));
    return;
  }
  if (names.has(name.toLowerCase())) return;
  const s = didYouMean(name, [...names.values()]);
  out.push(finding('iam-unknown-action', l10n.sentences(l10n.t('The "{0}" service has no action "{1}".', service, name), s && l10n.t('Did you mean "{0}"?', `${service}:${s}`)), node.offset, node.offset + node.length, s ? [replaceWith(node, `${service}:${s}`)] : undefined));
}

function checkArns(list: ValueList, out: Finding[]): void {
  list.values.forEach((value, i) => {
    const node = list.nodes[i];
    if (value === '*' || isPlaceholder(value)) return;
    const arn = parseArn(value);
    if (!arn) {
      out.push(finding('iam-arn', l10n.t('"{0}" is not an ARN: write arn:aws:s3:::bucket for a bucket, arn:aws:s3:::bucket/* for its objects, or "*".', value), node.offset, node.offset + node.length));
      return;
    }
    if (!['aws', 'aws-cn', 'aws-us-gov'].includes(arn.partition) && !/[*?]/.test(arn.partition)) {
      out.push(finding('iam-arn', l10n.t('Unknown partition "{0}": use aws (or aws-cn, aws-us-gov).', arn.partition), node.offset, node.offset + node.length));
      return;
    }
    if (arn.service === 's3' && !arn.resource.includes(':')) {
      if (arn.region || arn.account) {
        const fixed = `arn:${arn.partition}:s3:::${arn.resource}`;
        out.push(finding('iam-arn', l10n.t('S3 bucket and object ARNs have no region and no account id: "{0}".', fixed), node.offset, node.offset + node.length, [replaceWith(node, fixed)]));
        return;
      }
      const bucket = arn.resource.split('/')[0];
      if (!/[*?$]/.test(bucket)) {
        const problem = bucketNameProblem(bucket);
        if (problem) out.push(finding('iam-arn', l10n.t('"{0}" cannot be a bucket name: it {1}.', bucket, problem), node.offset, node.offset + node.length));
      }
    }
  });
}

type ResourceKind = 'bucket' | 'object' | 'other' | 'any';

function s3Kind(value: string): ResourceKind {
  if (value === '*') return 'any';
  const arn = parseArn(value);
  if (!arn || arn.service !== 's3' || arn.resource.includes(':')) return arn?.service === 's3' ? 'other' : arn ? 'other' : 'any';
  const slash = arn.resource.indexOf('/');
  if (slash < 0) return /[*?]/.test(arn.resource) ? 'any' : 'bucket';
  return 'object';
}

/** An S3 action paired only with ARNs of a type it cannot apply to grants nothing. */
function checkResourceTypes(st: PolicyStatement, actions: IamAction[], out: Finding[]): void {
  if (!st.action || !st.resource || !st.resource.values.length) return;
  const kinds = new Set(st.resource.values.map(s3Kind));
  if (kinds.has('any')) return;
  st.action.values.forEach((value, i) => {
    const a = iamAction(value);
    if (!a || a.service !== 's3') return;
    const applies = a.resourceTypes.length === 0 ? [] : a.resourceTypes.filter((t) => t === 'bucket' || t === 'object');
    if (a.resourceTypes.length && !applies.length) return; // access points, jobs…: not judged here
    if (applies.some((t) => kinds.has(t as ResourceKind))) return;
    const node = st.action!.nodes[i];
    const needs = a.resourceTypes.length === 0 ? '"Resource": "*"' : applies.includes('object') ? l10n.t('object ARNs (arn:aws:s3:::bucket/*)') : l10n.t('the bucket ARN (arn:aws:s3:::bucket, no /*)');
    out.push(finding('iam-resource-mismatch', l10n.t('{0} applies to {1}; this statement names none, so it grants {0} on nothing.', a.id, needs), node.offset, node.offset + node.length));
  });
}

/**
 * Resources of an Allow that grant nothing or far too much, judged on the ARN's shape so that the guides'
 * own snippets are caught while their placeholders are still in (the Braze export policy has all three):
 * a bucket-name wildcard, an object ARN with an empty key, and a resource of a type none of the
 * statement's actions applies to while another resource of the statement does the work.
 */
function checkS3Resources(st: PolicyStatement, actions: IamAction[], out: Finding[]): void {
  if (!st.resource) return;
  const s3 = actions.filter((a) => a.service === 's3' && a.resourceTypes.some((t) => t === 'bucket' || t === 'object'));
  const allS3 = !!st.action && s3.length > 0 && st.action.values.every((v) => /^s3:/i.test(v)) && actions.length === s3.length;
  const applies = (kind: ResourceKind) => s3.some((a) => a.resourceTypes.includes(kind));
  const kinds = st.resource.values.map(s3Kind);
  const someUseful = kinds.some((k) => k === 'any' || applies(k));
  st.resource.values.forEach((value, i) => {
    const node = st.resource!.nodes[i];
    const m = /^arn:([^:]*):s3:::([^/]*)(\/.*)?$/.exec(value);
    if (!m) return;
    const [, partition, bucket, rest] = m;
    if (/[*?]/.test(bucket) && bucket !== '*') {
      const stem = bucket.replace(/[*?].*$/, '');
      if (stem) out.push(wildcardBucketFinding(node, value, stem, partition));
      return;
    }
    if (rest === '/') {
      const fixed = `arn:${partition}:s3:::${bucket}/*`;
      out.push(finding('iam-empty-key', l10n.t('{0} names only the object whose key is empty, which S3 cannot store: it grants nothing. For every object of the bucket write "{1}".', value, fixed), node.offset, node.offset + node.length, [replaceWith(node, fixed)]));
      return;
    }
    const kind = kinds[i];
    if (!allS3 || !someUseful || (kind !== 'bucket' && kind !== 'object') || applies(kind)) return;
    const names = s3.slice(0, 3).map((a) => a.id).join(', ') + (s3.length > 3 ? '…' : '');
    const text = kind === 'bucket'
      ? l10n.t('None of this statement\'s actions ({0}) applies to the bucket ARN {1}: it grants nothing here. Object actions need "{1}/*".', names, value)
      : l10n.t('None of this statement\'s actions ({0}) applies to objects: {1} grants nothing here. Bucket actions need the bucket ARN "{2}".', names, value, `arn:${partition}:s3:::${bucket}`);
    // A code of its own (not iam-resource-mismatch as a warning): suppressing this one must not silence that error.
    out.push(finding('iam-resource-unused', text, node.offset, node.offset + node.length));
  });
}

/** `arn:aws:s3:::name*` matches name-backup, name-prod…: the fix narrows it to the bucket and its objects. */
export function wildcardBucketFinding(node: Node, value: string, bucket: string, partition = 'aws'): Finding {
  const narrow = [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`];
  const inArray = node.parent?.type === 'array';
  const newText = inArray ? narrow.map(quote).join(', ') : `[${narrow.map(quote).join(', ')}]`;
  return finding(
    'iam-wildcard-bucket',
    l10n.t('{0} also matches every other bucket whose name starts like "{1}" ({1}-backup, {1}-prod…), and their objects: grant {2} and {3} instead.', value, bucket, narrow[0], narrow[1]),
    node.offset,
    node.offset + node.length,
    [{ title: l10n.t('Narrow to {0} and {1}', narrow[0], narrow[1]), edits: [{ start: node.offset, end: node.offset + node.length, newText }], preferred: true }],
  );
}

function checkConditions(st: PolicyStatement, actions: IamAction[], out: Finding[]): void {
  for (const c of st.conditions) {
    const base = c.operator.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
    if (!KNOWN_CONDITION_OPERATORS.includes(base)) {
      const s = didYouMean(base, [...KNOWN_CONDITION_OPERATORS]);
      out.push(finding('iam-condition-operator', s ? l10n.t('"{0}" is not a condition operator. Did you mean "{1}"?', c.operator, c.operator.replace(base, s)) : l10n.t('"{0}" is not a condition operator: see the IAM condition operators (StringEquals, StringLike, Bool, ArnLike…).', c.operator), c.operatorNode.offset, c.operatorNode.offset + c.operatorNode.length, s ? [{ title: l10n.t('Change to "{0}"', c.operator.replace(base, s)), edits: [{ start: c.operatorNode.offset, end: c.operatorNode.offset + c.operatorNode.length, newText: quote(c.operator.replace(base, s)) }] }] : undefined));
      continue;
    }
    const key = c.key.toLowerCase();
    if (key.startsWith('aws:') || !actions.length || c.operator.endsWith('IfExists')) continue;
    const service = key.slice(0, key.indexOf(':'));
    const relevant = actions.filter((a) => a.service === service);
    if (!relevant.length) continue;
    if (relevant.some((a) => a.conditionKeys.some((k) => k.toLowerCase() === key || (k.includes('${') && key.startsWith(k.slice(0, k.indexOf('${')).toLowerCase()))))) continue;
    out.push(
      finding('iam-condition-key', l10n.t('No action of this statement carries "{0}" ({1}): the condition is never met, so the statement never applies.', c.key, relevant.slice(0, 3).map((a) => a.id).join(', ') + (relevant.length > 3 ? '…' : '')), c.keyNode.offset, c.keyNode.offset + c.keyNode.length),
    );
  }
}

const WRITE_LEVELS = new Set(['Write', 'Permissions management', 'Tagging']);

function checkBroad(st: PolicyStatement, actions: IamAction[], trust: boolean, out: Finding[]): void {
  if (st.notAction) {
    const n = st.notAction.node.parent?.children?.[0] ?? st.notAction.node;
    out.push(finding('iam-allow-not', l10n.t('"Allow" with "NotAction" grants every action except those listed, including actions AWS adds later: list the actions to allow instead.'), n.offset, n.offset + n.length));
  }
  if (st.notResource) {
    const n = st.notResource.node.parent?.children?.[0] ?? st.notResource.node;
    out.push(finding('iam-allow-not', l10n.t('"Allow" with "NotResource" grants every resource except those listed: list the resources to allow instead.'), n.offset, n.offset + n.length));
  }
  if (trust) return;
  const writes = actions.some((a) => WRITE_LEVELS.has(a.accessLevel));
  const starAction = st.action?.values.findIndex((v) => v === '*') ?? -1;
  if (starAction >= 0) {
    const n = st.action!.nodes[starAction];
    out.push(finding('iam-broad-write', l10n.t('"Action": "*" allows every action of every service, writes and permission changes included: name the actions the integration needs.'), n.offset, n.offset + n.length));
  }
  const starResource = st.resource?.values.findIndex((v) => v === '*') ?? -1;
  if (starResource >= 0 && (writes || starAction >= 0)) {
    const n = st.resource!.nodes[starResource];
    const w = actions.filter((a) => WRITE_LEVELS.has(a.accessLevel)).slice(0, 3).map((a) => a.id);
    out.push(finding('iam-broad-write', w.length ? l10n.t('"Resource": "*" with write access ({0}) lets this role write to every bucket in the account: name the bucket ARNs.', w.join(', ')) : l10n.t('"Resource": "*" with write access lets this role write to every bucket in the account: name the bucket ARNs.'), n.offset, n.offset + n.length));
  }
}


function replaceWith(node: Node, value: string): Fix {
  return { title: l10n.t('Change to "{0}"', value), edits: [{ start: node.offset, end: node.offset + node.length, newText: quote(value) }], preferred: true };
}
