/** Where generated policies go (the files the pipeline names, else next to it) and their text. */
import { dirname, basename, join } from 'node:path';
import type { ParsedDocument } from '../parse';
import { fileRefs } from '../project';
import { generatePolicies } from './generate';

export interface GeneratedFile {
  path: string;
  kind: 'policy' | 'trust';
  text: string;
}

export function generatedFiles(doc: ParsedDocument): { files: GeneratedFile[]; note?: string } | { error: string } {
  if (doc.kind !== 'pipeline') return { error: 'not a pipeline config (*.pipeline.json)' };
  const g = generatePolicies(doc);
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
