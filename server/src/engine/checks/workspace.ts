/** Checks that need more than one file: references between configs, Braze folder and policy conflicts. */
import { basename, relative, dirname } from 'node:path';
import { finding, type Finding } from '../diagnostics';
import { objectProp, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import { fileRefs, type ExpectedKind, type Project } from '../project';

const KIND_NAMES: Record<string, string> = {
  policy: 'an IAM permission policy (*.policy.json)',
  trust: 'an IAM trust policy (*.trust.json)',
  template: 'an import data template (*.template.json)',
  key: 'an armored PGP public key',
  'xdm-schema': 'an XDM schema (JSON)',
  folder: 'a folder',
  'aep:base-connection': 'an AEP base connection body (*.aep.json)',
  'aep:source-connection': 'an AEP source connection body (*.aep.json)',
  'aep:target-connection': 'an AEP target connection body (*.aep.json)',
  'aep:mapping-set': 'an AEP mapping set body (*.aep.json)',
  'aep:flow': 'an AEP flow body (*.aep.json)',
};

export function checkReferences(doc: ParsedDocument, project: Project, out: Finding[]): void {
  for (const ref of fileRefs(doc)) {
    const { node, target, expected } = ref;
    const shown = stringOf(node)!;
    if (!project.exists(target)) {
      out.push(finding('file-not-found', `"${shown}" does not exist (looked for ${relative(dirname(doc.path), target) || basename(target)} next to this file): create it or fix the path.`, node.offset, node.offset + node.length));
      continue;
    }
    const problem = kindProblem(target, expected, project);
    if (problem) out.push(finding('file-wrong-kind', `"${shown}" ${problem}; "${ref.property}" expects ${KIND_NAMES[expected]}.`, node.offset, node.offset + node.length));
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

function kindProblem(target: string, expected: ExpectedKind, project: Project): string | undefined {
  if (expected === 'folder') return undefined;
  if (expected === 'key') {
    const text = project.fs.readFile(target);
    if (text === undefined) return 'is a folder or cannot be read';
    if (text.includes('PRIVATE KEY BLOCK')) return 'holds a PRIVATE key: never hand Stripe (or the workspace) your private key';
    if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return 'is not an armored PGP public key (gpg --armor --export)';
    return undefined;
  }
  if (expected === 'xdm-schema') {
    const d = project.get(target);
    return d?.root?.type === 'object' ? undefined : 'is not a JSON object';
  }
  const d = project.get(target);
  if (!d) return 'cannot be read';
  if (expected.startsWith('aep:')) {
    const body = expected.slice(4);
    if (d.kind !== 'aep') return 'is not an AEP request body';
    if (d.subKind !== body) return d.subKind ? `is an AEP ${d.subKind.replace('-', ' ')} body` : 'is an AEP body of a type Pipewright does not recognise';
    return undefined;
  }
  if (d.kind !== expected) return d.kind === 'unknown' ? 'is not a Pipewright file' : `is ${KIND_NAMES[d.kind] ?? `a ${d.kind} file`}`;
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
      out.push(finding('braze-duplicate-folder', `Currents connector ${basename(other.path)} also writes to s3://${me.bucket}/${me.folder}/: Braze needs a different folder path for each connector sharing a bucket.`, node.offset, node.offset + node.length));
    }
    if (me.kind !== o.kind && me.policy && me.policy === o.policy) {
      const node = objectProp(doc.root, 'permissionPolicy')!;
      out.push(finding('braze-shared-policy', `${basename(other.path)} (${o.kind}) uses the same policy for bucket "${me.bucket}": Currents and dashboard export need different permissions, so Braze requires two separate policies.`, node.offset, node.offset + node.length));
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
