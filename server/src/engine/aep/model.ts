/**
 * The cross-file model of an `aep-stripe-flow` pipeline: the bodies it names, the deployment state next to it (the
 * ids and etags the Flow Service returned when Pipewright created them), the source fields of its source
 * connections' resource paths and the local copy of its target XDM schema. Built from the Project on demand and
 * cached per parse, so that a keystroke in a 2,000-line mapping set does not re-read the other files.
 */
import { basename, dirname, join, relative } from 'node:path';
import type { ParsedDocument } from '../parse';
import { fileRefs, type Project } from '../project';
import { propAt, stringOf } from '../json';
import { asExploreSchema, shippedExploreSchema, sourceFields, type ExploreSchema, type SourceField } from './source';
import { readXdmSchema, type XdmSchema } from './xdm';
import type { AepBodyType } from '../kinds';

/** The order in which bodies are created (and, reversed, deleted). */
export const BODY_ORDER: readonly AepBodyType[] = ['base-connection', 'source-connection', 'target-connection', 'mapping-set', 'flow'];

export interface DeployedObject {
  kind: AepBodyType;
  id: string;
  /** Flow Service objects: the etag of the last answer (sent as If-Match). */
  etag?: string;
  /** Mapping sets: the version (Data Prep versions a mapping set on every update). */
  version?: number;
  /** The body as last sent, so an update knows what changed and a conflict shows what was ours. */
  body?: unknown;
  updatedAt?: string;
}

export interface DeploymentState {
  version: 1;
  baseUrl?: string;
  imsOrg?: string;
  sandbox?: string;
  /** By body file, relative to the pipeline's folder (forward slashes). */
  objects: Record<string, DeployedObject>;
}

export interface AepBodyRef {
  /** Absolute path. */
  path: string;
  /** As the state file keys it. */
  rel: string;
  kind: AepBodyType;
}

export interface AepModel {
  pipeline: ParsedDocument;
  dir: string;
  bodies: AepBodyRef[];
  statePath: string;
  state?: DeploymentState;
  /** The state file exists but cannot be read as a state. */
  stateError?: string;
  xdmSchemaPath?: string;
}

/** `charges.pipeline.json` → `charges.deployment.json`, next to it. */
export function statePathOf(pipelinePath: string): string {
  return join(dirname(pipelinePath), `${basename(pipelinePath).replace(/\.pipeline\.jsonc?$/i, '')}.deployment.json`);
}

const KIND_OF_PROPERTY: Record<string, AepBodyType> = {
  baseConnection: 'base-connection',
  sourceConnections: 'source-connection',
  targetConnection: 'target-connection',
  mappingSet: 'mapping-set',
  flow: 'flow',
};

const stateCache = new Map<string, { text: string; state?: DeploymentState; error?: string }>();

export function readState(text: string): { state?: DeploymentState; error?: string } {
  try {
    const v = JSON.parse(text) as DeploymentState;
    if (!v || typeof v !== 'object' || typeof v.objects !== 'object' || v.objects === null) return { error: 'it has no "objects"' };
    return { state: v };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function aepModel(pipeline: ParsedDocument, project: Project): AepModel | undefined {
  if (pipeline.kind !== 'pipeline' || pipeline.subKind !== 'aep-stripe-flow') return undefined;
  const dir = dirname(pipeline.path);
  const bodies: AepBodyRef[] = [];
  let xdmSchemaPath: string | undefined;
  for (const ref of fileRefs(pipeline)) {
    const kind = KIND_OF_PROPERTY[ref.property];
    if (kind) bodies.push({ path: ref.target, rel: relative(dir, ref.target).split('\\').join('/'), kind });
    if (ref.property === 'xdmSchemaFile') xdmSchemaPath = ref.target;
  }
  const statePath = statePathOf(pipeline.path);
  const text = project.fs.readFile(statePath);
  let state: DeploymentState | undefined;
  let stateError: string | undefined;
  if (text !== undefined) {
    let hit = stateCache.get(statePath);
    if (!hit || hit.text !== text) {
      hit = { text, ...readState(text) };
      stateCache.set(statePath, hit);
    }
    state = hit.state;
    stateError = hit.error;
  }
  return { pipeline, dir, bodies, statePath, state, stateError, xdmSchemaPath };
}

/** The aep-stripe-flow pipelines that name this body file. */
export function modelsOfBody(path: string, project: Project): AepModel[] {
  const out: AepModel[] = [];
  for (const { pipeline } of project.referrers(path)) {
    const m = aepModel(pipeline, project);
    if (m && !out.some((x) => x.pipeline.path === m.pipeline.path)) out.push(m);
  }
  return out;
}

export function deployed(model: AepModel, body: AepBodyRef | undefined): DeployedObject | undefined {
  return body ? model.state?.objects[body.rel] : undefined;
}

/** The body a deployed id belongs to, in any model. */
export function bodyOfId(model: AepModel, id: string): AepBodyRef | undefined {
  return model.bodies.find((b) => model.state?.objects[b.rel]?.id === id);
}

/** Resource paths of the pipeline's source connections, in order. */
export function resourcePaths(model: AepModel, project: Project): string[] {
  const out: string[] = [];
  for (const b of model.bodies) {
    if (b.kind !== 'source-connection') continue;
    const rp = stringOf(propAt(project.get(b.path)?.root, ['params', 'resourcePath']));
    if (rp && !out.includes(rp)) out.push(rp);
  }
  return out;
}

/** `<resourcePath>.explore.json` next to the pipeline: what `pipewright aep explore` wrote. */
export function exploreFileOf(model: AepModel, resourcePath: string): string {
  return join(model.dir, `${resourcePath}.explore.json`);
}

export interface SourceSide {
  resourcePaths: string[];
  fields: Map<string, SourceField>;
  /** Where the fields came from: an explore file, or the shipped schemas. */
  from: string[];
}

const jsonCache = new WeakMap<ParsedDocument, unknown>();

function jsonOf(doc: ParsedDocument | undefined): unknown {
  if (!doc) return undefined;
  if (jsonCache.has(doc)) return jsonCache.get(doc);
  let v: unknown;
  try {
    v = JSON.parse(doc.text);
  } catch {
    v = undefined;
  }
  jsonCache.set(doc, v);
  return v;
}

const exploreCache = new WeakMap<ParsedDocument, ExploreSchema | undefined>();

function exploreOf(doc: ParsedDocument | undefined): ExploreSchema | undefined {
  if (!doc) return undefined;
  if (!exploreCache.has(doc)) exploreCache.set(doc, asExploreSchema(jsonOf(doc)));
  return exploreCache.get(doc);
}

/** The source fields a mapping set of this pipeline may name. */
export function sourceSide(model: AepModel, project: Project): SourceSide {
  const paths = resourcePaths(model, project);
  const fields = new Map<string, SourceField>();
  const from: string[] = [];
  for (const rp of paths) {
    const file = exploreFileOf(model, rp);
    const explored = project.exists(file) ? exploreOf(project.get(file)) : undefined;
    const schema = explored ?? shippedExploreSchema(rp);
    if (!schema) continue;
    from.push(explored ? file : rp);
    for (const [k, f] of sourceFields(schema)) if (!fields.has(k)) fields.set(k, f);
  }
  return { resourcePaths: paths, fields, from };
}

/** The local XDM schema the pipeline names (xdmSchemaFile), parsed; undefined without one. */
export function xdmSchemaOf(model: AepModel, project: Project): XdmSchema | undefined {
  if (!model.xdmSchemaPath) return undefined;
  return readXdmSchema(jsonOf(project.get(model.xdmSchemaPath)));
}

/** The target connection's `data.schema.id`. */
export function targetSchemaId(model: AepModel, project: Project): { id: string; path: string } | undefined {
  const t = model.bodies.find((b) => b.kind === 'target-connection');
  const id = t && stringOf(propAt(project.get(t.path)?.root, ['data', 'schema', 'id']));
  return t && id ? { id, path: t.path } : undefined;
}
