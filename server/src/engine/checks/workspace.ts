/** Checks that need more than one file: references between configs, Braze folder and policy conflicts. */
import { basename, relative, dirname } from 'node:path';
import { finding, type Finding } from '../diagnostics';
import { objectProp, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import { fileRefs, type ExpectedKind, type Project } from '../project';
import * as l10n from '../l10n';

/** What a reference expects, as a noun phrase in the user's language (built per message, not at load). */
function kindName(kind: string): string | undefined {
  switch (kind) {
    case 'policy': return l10n.t('an IAM permission policy (*.policy.json)');
    case 'trust': return l10n.t('an IAM trust policy (*.trust.json)');
    case 'template': return l10n.t('an import data template (*.template.json)');
    case 'key': return l10n.t('an armored PGP public key');
    case 'xdm-schema': return l10n.t('an XDM schema (JSON)');
    case 'folder': return l10n.t('a folder');
    case 'aep:base-connection': return l10n.t('an AEP base connection body (*.aep.json)');
    case 'aep:source-connection': return l10n.t('an AEP source connection body (*.aep.json)');
    case 'aep:target-connection': return l10n.t('an AEP target connection body (*.aep.json)');
    case 'aep:mapping-set': return l10n.t('an AEP mapping set body (*.aep.json)');
    case 'aep:flow': return l10n.t('an AEP flow body (*.aep.json)');
    default: return undefined;
  }
}

/** The AEP body a file turned out to be, for "is an AEP … body". */
function aepBodyName(subKind: string): string {
  switch (subKind) {
    case 'base-connection': return l10n.t('an AEP base connection body');
    case 'source-connection': return l10n.t('an AEP source connection body');
    case 'target-connection': return l10n.t('an AEP target connection body');
    case 'mapping-set': return l10n.t('an AEP mapping set body');
    case 'flow': return l10n.t('an AEP flow body');
    default: return l10n.t('an AEP {0} body', subKind.replace('-', ' '));
  }
}

export function checkReferences(doc: ParsedDocument, project: Project, out: Finding[]): void {
  for (const ref of fileRefs(doc)) {
    const { node, target, expected } = ref;
    const shown = stringOf(node)!;
    if (!project.exists(target)) {
      out.push(finding('file-not-found', l10n.t('"{0}" does not exist (looked for {1} next to this file): create it or fix the path.', shown, relative(dirname(doc.path), target) || basename(target)), node.offset, node.offset + node.length));
      continue;
    }
    const problem = kindProblem(target, expected, project);
    if (problem) out.push(finding('file-wrong-kind', l10n.t('"{0}" {1}; "{2}" expects {3}.', shown, problem, ref.property, kindName(expected) ?? expected), node.offset, node.offset + node.length));
    else if (expected === 'key') {
      // What the key itself is (RSA 4096, the account as its name, no expiry…), once the node side has inspected it.
      // One finding on the value, all the key's problems in it (errors first), as an error when any is one.
      const found = (project.keyReport(target)?.findings ?? []).filter((f) => f.code !== 'pgp-private-key' && f.code !== 'pgp-parse'); // those are said above, by kindProblem
      if (found.length) {
        found.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
        const text = found.length === 1 ? found[0].message : found.map((f, i) => `(${i + 1}) ${f.message}`).join(' ');
        out.push({ ...finding('pgp-key', `${basename(target)}: ${text}`, node.offset, node.offset + node.length), severity: found[0].severity });
      }
    }
  }
}

/** What is wrong with the file, as a verb phrase ("is …", "holds …") whose subject the message names. */
function kindProblem(target: string, expected: ExpectedKind, project: Project): string | undefined {
  if (expected === 'folder') return undefined;
  if (expected === 'key') {
    const text = project.fs.readFile(target);
    if (text === undefined) return l10n.t('is a folder or cannot be read');
    if (text.includes('PRIVATE KEY BLOCK')) return l10n.t('holds a PRIVATE key: never hand Stripe (or the workspace) your private key');
    if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return l10n.t('is not an armored PGP public key (gpg --armor --export)');
    return undefined;
  }
  if (expected === 'xdm-schema') {
    const d = project.get(target);
    return d?.root?.type === 'object' ? undefined : l10n.t('is not a JSON object');
  }
  const d = project.get(target);
  if (!d) return l10n.t('cannot be read');
  if (expected.startsWith('aep:')) {
    const body = expected.slice(4);
    if (d.kind !== 'aep') return l10n.t('is not an AEP request body');
    if (d.subKind !== body) return d.subKind ? l10n.t('is {0}', aepBodyName(d.subKind)) : l10n.t('is an AEP body of a type Pipewright does not recognise');
    return undefined;
  }
  if (d.kind !== expected) return d.kind === 'unknown' ? l10n.t('is not a Pipewright file') : l10n.t('is {0}', kindName(d.kind) ?? l10n.t('a {0} file', d.kind));
  return undefined;
}

interface BrazeInfo {
  doc: ParsedDocument;
  kind: 'braze-currents' | 'braze-export';
  bucket: string;
  folder: string;
  policy?: string;
}

function brazeInfo(doc: ParsedDocument): BrazeInfo | undefined {
  if (doc.kind !== 'pipeline' || (doc.subKind !== 'braze-currents' && doc.subKind !== 'braze-export')) return undefined;
  const bucket = stringOf(objectProp(doc.root, 'bucket'));
  if (!bucket) return undefined;
  const folder = (stringOf(objectProp(doc.root, 'folderPath')) ?? 'currents').replace(/^\/+|\/+$/g, '');
  const policy = fileRefs(doc).find((r) => r.property === 'permissionPolicy')?.target;
  return { doc, kind: doc.subKind, bucket, folder, policy };
}

/** Braze: connectors sharing a bucket need distinct folder paths; Currents and export need separate policies. */
export function checkBrazeConflicts(doc: ParsedDocument, project: Project, out: Finding[]): void {
  const me = brazeInfo(doc);
  if (!me) return;
  for (const other of project.pipelines()) {
    if (other.path === doc.path) continue;
    const o = brazeInfo(other);
    if (!o || o.bucket !== me.bucket) continue;
    if (me.kind === 'braze-currents' && o.kind === 'braze-currents' && o.folder === me.folder) {
      const node = objectProp(doc.root, 'folderPath') ?? objectProp(doc.root, 'bucket')!;
      out.push(finding('braze-duplicate-folder', l10n.t('Currents connector {0} also writes to s3://{1}/{2}/: Braze needs a different folder path for each connector sharing a bucket.', basename(other.path), me.bucket, me.folder), node.offset, node.offset + node.length));
    }
    if (me.kind !== o.kind && me.policy && me.policy === o.policy) {
      const node = objectProp(doc.root, 'permissionPolicy')!;
      out.push(finding('braze-shared-policy', l10n.t('{0} ({1}) uses the same policy for bucket "{2}": Currents and dashboard export need different permissions, so Braze requires two separate policies.', basename(other.path), o.kind, me.bucket), node.offset, node.offset + node.length));
    }
  }
}

/** Bucket names of the pipelines that reference `path`, for placeholder quick fixes. */
export function bucketsReferencing(path: string, project: Project): string[] {
  const out = new Set<string>();
  for (const { pipeline } of project.referrers(path)) {
    const b = stringOf(objectProp(pipeline.root, 'bucket'));
    if (b) out.add(b);
  }
  return [...out];
}
