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
import { openSqliteWriter } from './sqlite-thread';
import { stripeDestination, StripeDestinationError } from './stripe';
import { stripeTarget } from '../../engine/import/stripe-plan';
import type { CancellationToken } from '../../engine';
import { resolveSecret } from '../secrets';

export interface ImportPipeline {
  path: string;
  name: string;
  bucket: string;
  region?: string;
  folder: string;
  formats: FileFormat[];
  templatePath: string;
  template: Template;
  destination: { type: 'sqlite' | 'jsonl'; path: string } | StripeDestinationConfig;
  /** How Pipewright itself reaches the bucket (the pipeline's optional "access"). */
  access: { profile?: string; roleArn?: string; externalId?: string };
}

/** `destination` of type stripe; `path` is the ledger folder (what was sent, the problems, the sync state). */
export interface StripeDestinationConfig {
  type: 'stripe';
  apiKey: string;
  apiBase?: string;
  apiVersion?: string;
  allowLiveKey: boolean;
  path: string;
  maxRequestsPerSecond?: number;
  concurrency?: number;
  /** 1-based line of `destination.apiKey`, for messages about the key. */
  line: number;
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
  const num = (name: string) => (typeof objectProp(dest, name)?.value === 'number' ? (objectProp(dest, name)!.value as number) : undefined);
  const destination: ImportPipeline['destination'] =
    destType === 'stripe'
      ? {
          type: 'stripe',
          apiKey: stringOf(objectProp(dest, 'apiKey'))!,
          apiBase: stringOf(objectProp(dest, 'apiBase')),
          apiVersion: stringOf(objectProp(dest, 'apiVersion')),
          allowLiveKey: objectProp(dest, 'allowLiveKey')?.value === true,
          path: resolve(base, stringOf(objectProp(dest, 'path')) ?? 'out/stripe/'),
          maxRequestsPerSecond: num('maxRequestsPerSecond'),
          concurrency: num('concurrency'),
          line: lineOf(doc, objectProp(dest, 'apiKey')),
        }
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

export interface OpenOptions {
  readOnly?: boolean;
  /** `${secret:name}` values the caller has (the editor's secret storage); the environment otherwise. */
  secrets?: Record<string, string>;
  /** For the Stripe destination: the run's cancellation, looked at between requests. */
  token?: CancellationToken;
  /** For the Stripe destination: another API base than the pipeline's (a proxy, a local test server). */
  stripeApiBase?: string;
}

export function openDestination(p: ImportPipeline, options: OpenOptions = {}): Destination {
  const d = p.destination;
  if (d.type === 'stripe') {
    const where = `${p.path}:${d.line}`;
    let target;
    try {
      target = stripeTarget(p.template, p.templatePath);
    } catch (e) {
      throw new PipelineError((e as Error).message);
    }
    const apiKey = resolveSecret(d.apiKey, where, process.env, options.secrets);
    let ledger: Destination | undefined;
    try {
      ledger = openJsonlDestination(d.path, { readOnly: options.readOnly });
      return stripeDestination({ apiKey, keyRef: d.apiKey, where, apiBase: options.stripeApiBase ?? d.apiBase, apiVersion: d.apiVersion, allowLiveKey: d.allowLiveKey, target, ledger, maxRequestsPerSecond: d.maxRequestsPerSecond, concurrency: d.concurrency, token: options.token });
    } catch (e) {
      void ledger?.close();
      throw e instanceof StripeDestinationError ? new PipelineError(e.message) : e;
    }
  }
  if (d.type === 'jsonl') return openJsonlDestination(d.path, options);
  const sqlite = { path: p.destination.path, columns: p.template.columns, target: p.template.object };
  // A run that writes gets the database in a thread of its own (written while the next batch is read); reading the
  // state (dry runs, Preview Bucket) needs no thread.
  return options.readOnly ? openSqliteDestination({ ...sqlite, readOnly: true }) : openSqliteWriter(sqlite);
}

export function lineOf(doc: { text: string }, node: Node | undefined): number {
  return node ? doc.text.slice(0, node.offset).split('\n').length : 1;
}

/** The sync state the next import starts from (read-only), or undefined when there is none or it cannot be read. */
export async function readSyncState(p: ImportPipeline, stateId: string, onError?: (message: string) => void): Promise<SyncState | undefined> {
  try {
    // For Stripe, the state is in its ledger: reading it needs no key.
    const d = p.destination.type === 'stripe' ? openJsonlDestination(p.destination.path, { readOnly: true }) : openDestination(p, { readOnly: true });
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
