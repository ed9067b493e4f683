/**
 * Deploy, update and delete an aep-stripe-flow pipeline through the Flow Service API.
 *
 * - Create in dependency order (base connection → source connections → target connection → mapping set → flow),
 *   each body's links filled from the ids created before it; record each id, etag and body in the state file, and
 *   write the ids into the body files.
 * - Update what changed since the last deployment: Flow Service objects with PATCH (JSON Patch of the changed keys)
 *   and `If-Match: <etag>` from the state; on 412 the object was changed by someone else since: nothing is
 *   overwritten, and the report holds both versions. Mapping sets are versioned with PUT (a remote version other
 *   than the state's is the same kind of conflict), and the flow then moves to the new version.
 * - Delete in reverse order; an object already gone (404) is forgotten.
 */
import * as l10n from '../../engine/l10n';
import type { AepBodyType } from '../../engine/kinds';
import { BODY_ORDER, type DeployedObject, type DeploymentState } from '../../engine/aep/model';
import { bodyChange, linkedBody, patchOps, secretRefs } from '../../engine/aep/plan';
import { resolveSecret } from '../secrets';
import { FlowServiceError, type FlowServiceClient } from './client';
import type { AepBody, AepPipeline } from './pipeline';
import { loadState, rewriteIds, saveState } from './state';

const COLLECTION: Record<AepBodyType, { path: string; api: 'flowservice' | 'conversion' }> = {
  'base-connection': { path: '/connections', api: 'flowservice' },
  'source-connection': { path: '/sourceConnections', api: 'flowservice' },
  'target-connection': { path: '/targetConnections', api: 'flowservice' },
  'mapping-set': { path: '/mappingSets', api: 'conversion' },
  flow: { path: '/flows', api: 'flowservice' },
};

export type StepAction = 'created' | 'updated' | 'unchanged' | 'conflict' | 'refused' | 'deleted' | 'gone' | 'skipped';

export interface DeployStep {
  file: string;
  kind: AepBodyType;
  action: StepAction;
  id?: string;
  message?: string;
  /** A conflict: what the file holds for the changed keys, and what the Flow Service holds now. */
  ours?: unknown;
  theirs?: unknown;
}

export interface DeployReport {
  name: string;
  statePath: string;
  dryRun: boolean;
  steps: DeployStep[];
  ok: boolean;
}

export interface DeployOptions {
  /** Only update deployed objects; create nothing. */
  updateOnly?: boolean;
  /** These files (relative to the pipeline) are PATCHed with the remote's current etag: the user chose ours. */
  overwrite?: string[];
  secrets?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  token?: { isCancellationRequested: boolean };
  onProgress?: (message: string, percent: number) => void;
}

function ordered(p: AepPipeline): AepBody[] {
  return [...p.bodies].sort((a, b) => BODY_ORDER.indexOf(a.kind) - BODY_ORDER.indexOf(b.kind));
}

/** The body as sent: secret references resolved (the state keeps them unresolved). */
function resolved(body: Record<string, unknown>, b: AepBody, o: DeployOptions, dryRun: boolean): Record<string, unknown> {
  if (dryRun) return body;
  const out = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  for (const s of secretRefs(out)) {
    let cur = out as Record<string, unknown>;
    for (const k of s.path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
    cur[s.path[s.path.length - 1]] = resolveSecret(s.ref, `${b.rel} (${s.path.join('.')})`, o.env ?? process.env, o.secrets);
  }
  return out;
}

/** Every secret the bodies name has a value (throws SecretError naming the first that has none). */
export function checkBodySecrets(p: AepPipeline, o: Pick<DeployOptions, 'secrets' | 'env'>): void {
  for (const b of p.bodies) resolved(b.json, b, o, false);
}

export async function deployAep(p: AepPipeline, client: FlowServiceClient, o: DeployOptions = {}): Promise<DeployReport> {
  const dryRun = client.dryRun;
  const state: DeploymentState = loadState(p.model.statePath);
  state.baseUrl ??= client.platform.baseUrl;
  state.imsOrg ??= client.platform.imsOrg;
  state.sandbox ??= client.platform.sandbox;
  const steps: DeployStep[] = [];
  const now = () => (o.now ?? (() => new Date()))().toISOString();
  const bodies = ordered(p);
  const save = () => {
    if (!dryRun) saveState(p.model.statePath, state);
  };
  let i = 0;
  for (const b of bodies) {
    if (o.token?.isCancellationRequested) break;
    o.onProgress?.(`${b.rel}`, Math.round((100 * i++) / bodies.length));
    const { body, missing } = linkedBody(b.kind, b.json, p.model, state);
    const prev = state.objects[b.rel];
    const coll = COLLECTION[b.kind];
    if (missing.length && !dryRun) {
      steps.push({ file: b.rel, kind: b.kind, action: 'skipped', message: l10n.t('needs {0} deployed first', missing.join(', ')) });
      continue;
    }
    try {
      if (!prev) {
        if (o.updateOnly) {
          steps.push({ file: b.rel, kind: b.kind, action: 'skipped', message: l10n.t('not deployed yet: run pipewright aep deploy to create it') });
          continue;
        }
        const r = await client.request<{ id: string; etag?: string; version?: number }>('POST', client.url(coll.path, coll.api), resolved(body, b, o, dryRun));
        if (dryRun) {
          steps.push({ file: b.rel, kind: b.kind, action: 'created', message: l10n.t('would be created') });
          state.objects[b.rel] = { kind: b.kind, id: `<id of ${b.rel}>`, version: 0 };
          continue;
        }
        state.objects[b.rel] = { kind: b.kind, id: r.json.id, etag: r.etag, version: b.kind === 'mapping-set' ? r.json.version ?? 0 : undefined, body, updatedAt: now() };
        save();
        steps.push({ file: b.rel, kind: b.kind, action: 'created', id: r.json.id });
      } else {
        steps.push(await update(b, body, prev, state, client, o, dryRun, now));
        save();
      }
    } catch (e) {
      if (!(e instanceof FlowServiceError)) throw e;
      steps.push({ file: b.rel, kind: b.kind, action: 'refused', message: e.message });
      break; // later bodies link to this one
    }
  }
  if (!dryRun) writeLinks(p, state);
  o.onProgress?.('done', 100);
  return { name: p.name, statePath: p.model.statePath, dryRun, steps, ok: steps.every((s) => s.action !== 'conflict' && s.action !== 'refused' && s.action !== 'skipped') };
}

async function update(b: AepBody, body: Record<string, unknown>, prev: DeployedObject, state: DeploymentState, client: FlowServiceClient, o: DeployOptions, dryRun: boolean, now: () => string): Promise<DeployStep> {
  const coll = COLLECTION[b.kind];
  const url = client.url(`${coll.path}/${encodeURIComponent(prev.id)}`, coll.api);
  const change = bodyChange(b.kind, body, prev.body as Record<string, unknown> | undefined);
  if (!change.changed.length && !change.removed.length) return { file: b.rel, kind: b.kind, action: 'unchanged', id: prev.id };
  if (change.immutable.length) {
    return { file: b.rel, kind: b.kind, action: 'refused', id: prev.id, message: l10n.t('{0} cannot change on a deployed {1}: delete it (pipewright aep delete) and deploy again', change.immutable.join(', '), b.kind) };
  }
  const keys = [...change.changed, ...change.removed];
  // Where our body holds a secret reference, Platform's copy holds the secret itself: never show it.
  const secretPaths = secretRefs(body).map((r) => r.path);
  const pickOurs = (v: unknown) => Object.fromEntries(keys.map((k) => [k, (v as Record<string, unknown> | undefined)?.[k]]));
  const pick = (v: unknown) => redact(pickOurs(v), secretPaths);
  if (b.kind === 'mapping-set') {
    // Data Prep versions mapping sets instead of etags: a version other than ours means someone else updated it.
    if (!dryRun && !o.overwrite?.includes(b.rel)) {
      const remote = await client.request<{ version?: number } & Record<string, unknown>>('GET', url);
      if (remote.json.version !== prev.version) return { file: b.rel, kind: b.kind, action: 'conflict', id: prev.id, message: l10n.t('the mapping set is at version {0} in Platform, not {1} as last deployed from here: someone else changed it, and nothing was overwritten', String(remote.json.version), String(prev.version)), ours: pickOurs(body), theirs: pick(remote.json) };
    }
    const r = await client.request<{ version?: number }>('PUT', url, resolved(body, b, o, dryRun));
    if (dryRun) return { file: b.rel, kind: b.kind, action: 'updated', id: prev.id, message: l10n.t('would change {0}', change.changed.join(', ')) };
    state.objects[b.rel] = { ...prev, version: r.json.version ?? (prev.version ?? 0) + 1, body, updatedAt: now() };
    return { file: b.rel, kind: b.kind, action: 'updated', id: prev.id, message: l10n.t('version {0}', String(state.objects[b.rel].version)) };
  }
  const ops = patchOps(change, resolved(body, b, o, dryRun), prev.body as Record<string, unknown> | undefined);
  let etag = prev.etag;
  if (o.overwrite?.includes(b.rel) && !dryRun) etag = (await client.request('GET', url)).etag;
  try {
    const r = await client.request<{ etag?: string }>('PATCH', url, ops, etag);
    if (dryRun) return { file: b.rel, kind: b.kind, action: 'updated', id: prev.id, message: l10n.t('would change {0}', [...change.changed, ...change.removed].join(', ')) };
    state.objects[b.rel] = { ...prev, etag: r.etag ?? prev.etag, body, updatedAt: now() };
    return { file: b.rel, kind: b.kind, action: 'updated', id: prev.id, message: [...change.changed, ...change.removed].join(', ') };
  } catch (e) {
    if (!(e instanceof FlowServiceError) || e.status !== 412) throw e;
    // Someone changed it since our last deployment: show theirs next to ours, overwrite nothing.
    const remote = await client.request<{ items?: Array<Record<string, unknown>> }>('GET', url);
    const theirs = remote.json.items?.[0] ?? remote.json;
    return { file: b.rel, kind: b.kind, action: 'conflict', id: prev.id, message: l10n.t('changed in Platform since it was last deployed from here (etag {0} is now {1}): nothing was overwritten', String(prev.etag), String(remote.etag)), ours: pickOurs(body), theirs: pick(theirs) };
  }
}

function redact(v: Record<string, unknown>, paths: string[][]): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(v ?? {})) as Record<string, unknown>;
  for (const path of paths) {
    let cur: Record<string, unknown> | undefined = out;
    for (const k of path.slice(0, -1)) cur = cur && typeof cur[k] === 'object' ? (cur[k] as Record<string, unknown>) : undefined;
    const last = path[path.length - 1];
    if (cur && typeof cur[last] === 'string') cur[last] = '<redacted>';
  }
  return out;
}

/** The ids the state holds, written into the bodies that link to them. */
function writeLinks(p: AepPipeline, state: DeploymentState): void {
  const id = (rel: string) => state.objects[rel]?.id;
  const base = p.bodies.find((b) => b.kind === 'base-connection');
  const mapping = p.bodies.find((b) => b.kind === 'mapping-set');
  for (const b of p.bodies) {
    const values: Array<{ path: Array<string | number>; value: unknown }> = [];
    if (b.kind === 'source-connection' && base && id(base.rel)) values.push({ path: ['baseConnectionId'], value: id(base.rel) });
    if (b.kind === 'flow') {
      const sources = p.bodies.filter((x) => x.kind === 'source-connection').map((x) => id(x.rel));
      const targets = p.bodies.filter((x) => x.kind === 'target-connection').map((x) => id(x.rel));
      if (sources.every(Boolean)) values.push({ path: ['sourceConnectionIds'], value: sources });
      if (targets.every(Boolean)) values.push({ path: ['targetConnectionIds'], value: targets });
      const m = mapping && state.objects[mapping.rel];
      if (m && Array.isArray(b.json.transformations)) {
        (b.json.transformations as unknown[]).forEach((_t, k) => {
          values.push({ path: ['transformations', k, 'params', 'mappingId'], value: m.id });
          values.push({ path: ['transformations', k, 'params', 'mappingVersion'], value: m.version ?? 0 });
        });
      }
    }
    if (values.length) rewriteIds(b.path, b.doc.text, values.filter((v) => JSON.stringify(valueAt(b.json, v.path)) !== JSON.stringify(v.value)));
  }
}

function valueAt(v: unknown, path: Array<string | number>): unknown {
  return path.reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[k] : undefined), v);
}

/** Delete every deployed object, flow first. */
export async function deleteAep(p: AepPipeline, client: FlowServiceClient, o: DeployOptions = {}): Promise<DeployReport> {
  const dryRun = client.dryRun;
  const state = loadState(p.model.statePath);
  const steps: DeployStep[] = [];
  const rels = Object.keys(state.objects).sort((a, b) => BODY_ORDER.indexOf(state.objects[b].kind) - BODY_ORDER.indexOf(state.objects[a].kind));
  for (const rel of rels) {
    if (o.token?.isCancellationRequested) break;
    const obj = state.objects[rel];
    const coll = COLLECTION[obj.kind];
    try {
      await client.request('DELETE', client.url(`${coll.path}/${encodeURIComponent(obj.id)}`, coll.api));
      steps.push({ file: rel, kind: obj.kind, action: 'deleted', id: obj.id, message: dryRun ? l10n.t('would be deleted') : undefined });
    } catch (e) {
      if (!(e instanceof FlowServiceError)) throw e;
      if (e.status !== 404) {
        steps.push({ file: rel, kind: obj.kind, action: 'refused', id: obj.id, message: e.message });
        break;
      }
      steps.push({ file: rel, kind: obj.kind, action: 'gone', id: obj.id, message: l10n.t('already deleted in Platform') });
    }
    if (!dryRun) {
      delete state.objects[rel];
      saveState(p.model.statePath, state);
    }
  }
  return { name: p.name, statePath: p.model.statePath, dryRun, steps, ok: steps.every((s) => s.action !== 'refused') };
}
