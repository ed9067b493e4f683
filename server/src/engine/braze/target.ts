/** A braze-currents or braze-export pipeline file, read into what the connection test and the deliveries need. */
import { dirname, resolve as resolvePath } from 'node:path';
import { boolOf, objectProp, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import type { BrazeTarget } from './connection';
import * as l10n from '../l10n';

export interface BrazePipeline {
  path: string;
  name: string;
  region?: string;
  target: BrazeTarget;
  /** Access-key auth: the id (a literal AKIA… or a reference) and the secret's reference, as written. */
  accessKeyId?: string;
  secretAccessKey?: string;
  brazeAccountId?: string;
  /** The permission policy file the pipeline names (absolute), to explain a refusal with. */
  permissionPolicy?: string;
}

/** The pipeline, or a sentence saying what is missing (the file's own diagnostics say the rest). */
export function brazePipelineOf(doc: ParsedDocument): BrazePipeline | { error: string } {
  if (doc.kind !== 'pipeline' || (doc.subKind !== 'braze-currents' && doc.subKind !== 'braze-export')) {
    return { error: l10n.t('{0} is not a braze-currents or braze-export pipeline.', doc.path) };
  }
  const root = doc.root;
  const bucket = stringOf(objectProp(root, 'bucket'));
  if (!bucket) return { error: l10n.t('{0} names no "bucket".', doc.path) };
  const kind = doc.subKind;
  const folder = (stringOf(objectProp(root, 'folderPath')) ?? (kind === 'braze-currents' ? 'currents' : '')).replace(/^\/+|\/+$/g, '');
  const auth = objectProp(root, 'auth');
  const method = stringOf(objectProp(auth, 'method'));
  const policyRef = stringOf(objectProp(root, 'permissionPolicy'));
  const base = { path: doc.path, name: stringOf(objectProp(root, 'name')) ?? doc.path, region: stringOf(objectProp(root, 'region')), permissionPolicy: policyRef ? resolvePath(dirname(doc.path), policyRef) : undefined };
  const serverSideEncryption = boolOf(objectProp(root, 'serverSideEncryption')) === true;
  if (method === 'role-arn') {
    const roleArn = stringOf(objectProp(auth, 'roleArn'));
    if (!roleArn) return { error: l10n.t('{0}: role-arn auth needs "roleArn".', doc.path) };
    return {
      ...base,
      brazeAccountId: stringOf(objectProp(auth, 'brazeAccountId')),
      target: { kind, bucket, folder, serverSideEncryption, auth: { method: 'role-arn', roleArn, externalId: stringOf(objectProp(auth, 'externalId')) } },
    };
  }
  if (method === 'access-key') {
    const accessKeyId = stringOf(objectProp(auth, 'accessKeyId'));
    const secretAccessKey = stringOf(objectProp(auth, 'secretAccessKey'));
    if (!accessKeyId || !secretAccessKey) return { error: l10n.t('{0}: access-key auth needs "accessKeyId" and "secretAccessKey".', doc.path) };
    return { ...base, accessKeyId, secretAccessKey, target: { kind, bucket, folder, serverSideEncryption, auth: { method: 'access-key' } } };
  }
  return { error: l10n.t('{0}: "auth.method" must be "access-key" or "role-arn".', doc.path) };
}
