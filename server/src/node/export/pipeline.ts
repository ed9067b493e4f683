/**
 * A stripe-export pipeline file, read for running an export: bucket, prefix, tables, source, encryption and
 * server-side encryption, checked by the linter first so that nothing runs on a config with errors.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { getNodeValue } from 'jsonc-parser';
import { Project, validate } from '../../engine';
import { objectProp, propAt, stringOf } from '../../engine/json';
import { nodeFileAccess } from '../files';
import { PipelineError } from '../import/pipeline';

export interface ExportPipeline {
  path: string;
  name: string;
  account: string;
  bucket: string;
  region?: string;
  prefix: string;
  tables: string[];
  source: { type: 'jsonl-folder'; path: string } | StripeApiSourceConfig | undefined;
  /** The armored public key when the pipeline encrypts with PGP. */
  pgpPublicKey?: { path: string; armored: string };
  sse?: { type: 'AES256' } | { type: 'aws:kms'; keyId?: string };
  /** `schedule.every` (`3h`): Stripe Data Pipeline's cadence, for `pipewright run`. */
  schedule?: string;
}

/** `source` of type `stripe-api`: the key as its reference (resolved only when a run starts). */
export interface StripeApiSourceConfig {
  type: 'stripe-api';
  /** `${secret:name}` or `${env:NAME}`. */
  apiKey: string;
  apiBase?: string;
  /** `source.allowLiveKey`: a live-mode key (sk_live_/rk_live_) may be used; test-mode keys only otherwise. */
  allowLiveKey: boolean;
  /** 1-based line of `source.apiKey`, for messages about the key. */
  line: number;
}

export function loadExportPipeline(file: string, project = new Project(nodeFileAccess)): ExportPipeline {
  const doc = project.get(file);
  if (!doc) throw new PipelineError(`${file}: no such file, or it cannot be read`);
  if (doc.kind !== 'pipeline' || doc.subKind !== 'stripe-export') throw new PipelineError(`${file}: not a stripe-export pipeline; export runs stripe-export pipelines`);
  const errors = validate(doc, project).filter((f) => f.severity === 'error');
  if (errors.length) {
    const line = doc.text.slice(0, errors[0].start).split('\n').length;
    throw new PipelineError(`${file}:${line}: ${errors[0].message} (${errors.length} error${errors.length === 1 ? '' : 's'}: run "pipewright lint ${file}")`);
  }
  const root = doc.root!;
  const str = (n: string) => stringOf(objectProp(root, n));
  const base = dirname(file);
  const src = objectProp(root, 'source');
  const srcType = stringOf(objectProp(src, 'type'));
  const source =
    srcType === 'jsonl-folder'
      ? { type: 'jsonl-folder' as const, path: resolve(base, stringOf(objectProp(src, 'path'))!) }
      : srcType === 'stripe-api'
        ? {
            type: 'stripe-api' as const,
            apiKey: stringOf(objectProp(src, 'apiKey'))!,
            apiBase: stringOf(objectProp(src, 'apiBase')),
            allowLiveKey: objectProp(src, 'allowLiveKey')?.value === true,
            line: doc.text.slice(0, objectProp(src, 'apiKey')?.offset ?? src!.offset).split('\n').length,
          }
        : undefined;
  const enc = objectProp(root, 'encryption');
  let pgpPublicKey: ExportPipeline['pgpPublicKey'];
  if (stringOf(objectProp(enc, 'type')) === 'pgp') {
    const path = resolve(base, stringOf(objectProp(enc, 'publicKey'))!);
    pgpPublicKey = { path, armored: readFileSync(path, 'utf8') };
  }
  const sseType = str('serverSideEncryption');
  const sse = sseType === 'AES256' ? { type: 'AES256' as const } : sseType === 'aws:kms' ? { type: 'aws:kms' as const, keyId: str('kmsKeyArn') } : undefined;
  return {
    path: file,
    name: str('name') ?? file,
    account: str('account')!,
    bucket: str('bucket')!,
    region: str('region'),
    prefix: str('prefix') ?? '',
    tables: tablesOf(objectProp(root, 'tables')),
    source,
    pgpPublicKey,
    sse,
    schedule: stringOf(propAt(root, ['schedule', 'every'])),
  };
}

function tablesOf(node: ReturnType<typeof objectProp>): string[] {
  const v = node ? (getNodeValue(node) as unknown) : undefined;
  return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
}
