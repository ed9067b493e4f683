/** Where generated policies go (the files the pipeline names, else next to it) and their text. */
import { dirname, basename, join } from 'node:path';
import type { ParsedDocument } from '../parse';
import { fileRefs, type Project } from '../project';
import { generatePolicies } from './generate';

export interface GeneratedFile {
  path: string;
  kind: 'policy' | 'trust';
  text: string;
}

export function generatedFiles(doc: ParsedDocument, project?: Project): { files: GeneratedFile[]; note?: string } | { error: string } {
  if (doc.kind !== 'pipeline') return { error: 'not a pipeline config (*.pipeline.json)' };
  // Pipelines that share this one's permission policy file get one policy that serves them all.
  const policyPath = fileRefs(doc).find((r) => r.property === 'permissionPolicy')?.target;
  const sharing = policyPath && project ? project.referrers(policyPath).map((r) => r.pipeline).filter((p) => p.path !== doc.path && integrationOf(p) === integrationOf(doc)) : [];
  const g = generatePolicies(doc, sharing);
  if (!g) return { error: doc.subKind === 'aep-stripe-flow' ? 'an Adobe Experience Platform flow uses no S3 bucket of yours: there is no IAM policy to generate' : 'the pipeline names no bucket: add "bucket" first' };
  const refs = fileRefs(doc);
  const stem = basename(doc.path).replace(/\.pipeline\.jsonc?$/i, '');
  const permissionPath = refs.find((r) => r.property === 'permissionPolicy')?.target ?? join(dirname(doc.path), `${stem}.policy.json`);
  const files: GeneratedFile[] = [{ path: permissionPath, kind: 'policy', text: JSON.stringify(g.permission, null, 2) + '\n' }];
  if (g.trust) {
    const trustPath = refs.find((r) => r.property === 'trustPolicy')?.target ?? join(dirname(doc.path), `${stem}.trust.json`);
    files.push({ path: trustPath, kind: 'trust', text: JSON.stringify(g.trust, null, 2) + '\n' });
  }
  return { files, note: g.trustNote };
}

/** Pipelines of one integration family can share a policy (Currents connectors); others never should. */
function integrationOf(d: ParsedDocument): string | undefined {
  return d.subKind;
}
