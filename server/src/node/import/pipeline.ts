/**
 * A stripe-import pipeline file, read for running: the bucket and folder, the formats, the data template and
 * the destination, each checked with a message naming the file (and line) and what to do. The CLI and the
 * language server both start preview and import runs from here.
 */
import { dirname, resolve } from 'node:path';
import { getNodeValue, type Node } from 'jsonc-parser';
import { Project, validate } from '../../engine';
import type { Destination } from '../../engine/import/destination';
import type { SyncState } from '../../engine/import/state';
import { templateFromJson, type Template } from '../../engine/import/mapping';
import type { FileFormat } from '../../engine/import/types';
import { objectProp, stringOf } from '../../engine/json';
import { nodeFileAccess } from '../files';
import { openJsonlDestination } from './jsonl';
import { openSqliteDestination } from './sqlite';

export interface ImportPipeline {
  path: string;
  name: string;
  bucket: string;
  region?: string;
  folder: string;
  formats: FileFormat[];
  templatePath: string;
  template: Template;
  destination: { type: 'sqlite' | 'jsonl'; path: string } | { type: 'stripe' };
  /** How Pipewright itself reaches the bucket (the pipeline's optional "access"). */
  access: { profile?: string; roleArn?: string; externalId?: string };
}

export class PipelineError extends Error {}

/** Reads and checks a stripe-import pipeline; errors found by the linter are refused before anything runs. */
export function loadImportPipeline(file: string, project = new Project(nodeFileAccess)): ImportPipeline {
  const doc = project.get(file);
  if (!doc) throw new PipelineError(`${file}: no such file, or it cannot be read`);
  if (doc.kind !== 'pipeline') throw new PipelineError(`${file}: not a pipeline config (*.pipeline.json)`);
  if (doc.subKind !== 'stripe-import') throw new PipelineError(`${file}: a ${doc.subKind ?? 'pipeline'} pipeline; preview and import run stripe-import pipelines`);
  const errors = validate(doc, project).filter((f) => f.severity === 'error');
  if (errors.length) {
    const first = errors[0];
    const line = doc.text.slice(0, first.start).split('\n').length;
    throw new PipelineError(`${file}:${line}: ${first.message} (${errors.length} error${errors.length === 1 ? '' : 's'}: run "pipewright lint ${file}")`);
  }
  const root = doc.root!;
  const str = (name: string) => stringOf(objectProp(root, name));
  const base = dirname(file);
  const templatePath = resolve(base, str('template')!);
  const tdoc = project.get(templatePath);
  if (!tdoc?.root) throw new PipelineError(`${file}: the template ${str('template')} cannot be read`);
  const template = templateFromJson(getNodeValue(tdoc.root), templatePath);
  const formats = ((getNodeValue(objectProp(root, 'formats')!) as string[]) ?? []).map((f) => f.toLowerCase() as FileFormat);
  const dest = objectProp(root, 'destination');
  const destType = stringOf(objectProp(dest, 'type')) ?? 'sqlite';
  const destination =
    destType === 'stripe'
      ? ({ type: 'stripe' } as const)
      : { type: destType as 'sqlite' | 'jsonl', path: resolve(base, stringOf(objectProp(dest, 'path')) ?? (destType === 'jsonl' ? 'out/records/' : 'out/import.db')) };
  const access = objectProp(root, 'access');
  return {
    path: file,
    name: str('name') ?? file,
    bucket: str('bucket')!,
    region: str('region'),
    folder: str('folder') ?? '',
    formats,
    templatePath,
    template,
    destination,
    access: { profile: stringOf(objectProp(access, 'profile')), roleArn: stringOf(objectProp(access, 'roleArn')), externalId: stringOf(objectProp(access, 'externalId')) },
  };
}

export function openDestination(p: ImportPipeline, options: { readOnly?: boolean } = {}): Destination {
  if (p.destination.type === 'stripe') throw new PipelineError(`${p.path}: the "stripe" destination is not available yet; use "sqlite" or "jsonl"`);
  if (p.destination.type === 'jsonl') return openJsonlDestination(p.destination.path, options);
  return openSqliteDestination({ path: p.destination.path, columns: p.template.columns, target: p.template.object, readOnly: options.readOnly });
}

export function lineOf(doc: { text: string }, node: Node | undefined): number {
  return node ? doc.text.slice(0, node.offset).split('\n').length : 1;
}

/** The sync state the next import starts from (read-only), or undefined when there is none or it cannot be read. */
export async function readSyncState(p: ImportPipeline, stateId: string, onError?: (message: string) => void): Promise<SyncState | undefined> {
  if (p.destination.type === 'stripe') return undefined;
  try {
    const d = openDestination(p, { readOnly: true });
    try {
      return await d.loadState(stateId);
    } finally {
      await d.close();
    }
  } catch (e) {
    onError?.((e as Error).message);
    return undefined;
  }
}
