/**
 * Braze checks beyond the file's own fields: what the connection test learnt about the bucket (Object Lock, a bucket
 * policy that demands the encryption header), and access keys that cannot last.
 */
import { finding, type Finding } from '../diagnostics';
import { boolOf, objectProp, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import type { Project } from '../project';
import { objectLockMessage, sseMessage } from '../braze/connection';
import * as l10n from '../l10n';

export function checkBrazeBucket(doc: ParsedDocument, project: Project, out: Finding[]): void {
  if (doc.subKind !== 'braze-currents' && doc.subKind !== 'braze-export') return;
  const root = doc.root;
  const bucketNode = objectProp(root, 'bucket');
  const bucket = stringOf(bucketNode);
  const auth = objectProp(root, 'auth');
  const keyId = objectProp(auth, 'accessKeyId');
  if (stringOf(objectProp(auth, 'method')) === 'access-key' && keyId && /^ASIA[A-Z0-9]{12,}$/.test(stringOf(keyId) ?? '')) {
    out.push(finding('braze-temporary-key', l10n.t('An access key id starting with ASIA belongs to temporary credentials (a session), which expire within hours; Braze stops delivering when they do and drops events after 48 hours. Give Braze a long-lived IAM user key (AKIA…) or use role-arn auth.'), keyId.offset, keyId.offset + keyId.length));
  }
  if (!bucket || !bucketNode) return;
  const facts = project.bucketFacts(bucket);
  if (!facts) return;
  if (facts.objectLock && doc.subKind === 'braze-currents') {
    out.push(finding('braze-object-lock', objectLockMessage(bucket), bucketNode.offset, bucketNode.offset + bucketNode.length));
  }
  const sseNode = objectProp(root, 'serverSideEncryption');
  if (facts.requiresSse && boolOf(sseNode) !== true) {
    const at = sseNode ?? bucketNode;
    const fixes = sseNode ? [{ title: l10n.t('Set "serverSideEncryption": true'), edits: [{ start: sseNode.offset, end: sseNode.offset + sseNode.length, newText: 'true' }], preferred: true }] : undefined;
    out.push(finding('braze-sse-required', sseMessage(bucket), at.offset, at.offset + at.length, fixes));
  }
}
