/**
 * What a deployment sends, decided without a network: each body with the ids it links to taken from the deployment
 * state (a source connection's baseConnectionId, a flow's connection ids and mapping id and version), the keys that
 * changed since the last deployment (an update PATCHes only those), and the keys the Flow Service never changes in
 * place (a new spec or new connection ids need the object deleted and created again).
 */
import type { AepBodyType } from '../kinds';
import type { AepModel, DeploymentState } from './model';

type Json = Record<string, unknown>;

/** The body with its links filled from the state; `missing` names the files that must be deployed first. */
export function linkedBody(kind: AepBodyType, body: Json, model: AepModel, state: DeploymentState): { body: Json; missing: string[] } {
  const out = JSON.parse(JSON.stringify(body)) as Json;
  const missing: string[] = [];
  const idOf = (k: AepBodyType) => model.bodies.filter((b) => b.kind === k).map((b) => {
    const id = state.objects[b.rel]?.id;
    if (!id) missing.push(b.rel);
    return id ?? '';
  });
  if (kind === 'source-connection') out.baseConnectionId = idOf('base-connection')[0] ?? out.baseConnectionId;
  if (kind === 'flow') {
    out.sourceConnectionIds = idOf('source-connection');
    out.targetConnectionIds = idOf('target-connection');
    const mapping = model.bodies.find((b) => b.kind === 'mapping-set');
    const m = mapping && state.objects[mapping.rel];
    if (mapping && !m) missing.push(mapping.rel);
    if (Array.isArray(out.transformations)) {
      for (const t of out.transformations as Array<{ params?: Json }>) {
        if (t?.params && m) {
          t.params.mappingId = m.id;
          t.params.mappingVersion = m.version ?? 0;
        }
      }
    }
  }
  return { body: out, missing: [...new Set(missing)] };
}

const IMMUTABLE: Record<string, string[]> = {
  'base-connection': ['connectionSpec'],
  'source-connection': ['connectionSpec', 'baseConnectionId', 'data'],
  'target-connection': ['connectionSpec', 'data'],
  flow: ['flowSpec', 'sourceConnectionIds', 'targetConnectionIds'],
  'mapping-set': [],
};

export interface BodyChange {
  /** Top-level keys whose value differs from the last deployment. */
  changed: string[];
  /** Of those, the ones the Flow Service does not change in place. */
  immutable: string[];
  removed: string[];
}

export function bodyChange(kind: AepBodyType, ours: Json, last: Json | undefined): BodyChange {
  const prev = last ?? {};
  const keys = new Set([...Object.keys(ours), ...Object.keys(prev)]);
  const changed: string[] = [];
  const removed: string[] = [];
  for (const k of keys) {
    if (k === '$schema') continue;
    if (!(k in ours)) removed.push(k);
    else if (JSON.stringify(ours[k]) !== JSON.stringify(prev[k])) changed.push(k);
  }
  const fixed = IMMUTABLE[kind] ?? [];
  return { changed, removed, immutable: [...changed, ...removed].filter((k) => fixed.includes(k)) };
}

/** JSON Patch operations (RFC 6902) that bring the remote object's top-level keys to ours. */
export function patchOps(change: BodyChange, ours: Json, last: Json | undefined): Array<{ op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }> {
  const esc = (k: string) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return [
    ...change.changed.map((k) => ({ op: (last && k in last ? 'replace' : 'add') as 'add' | 'replace', path: esc(k), value: ours[k] })),
    ...change.removed.map((k) => ({ op: 'remove' as const, path: esc(k) })),
  ];
}

/** Secret references (`${secret:…}`, `${env:…}`) anywhere in a body, with their JSON paths, to resolve at send time. */
export function secretRefs(body: unknown, path: string[] = []): Array<{ path: string[]; ref: string }> {
  if (typeof body === 'string') return /^\$\{(env|secret):[A-Za-z_][A-Za-z0-9_.-]*\}$/.test(body) ? [{ path, ref: body }] : [];
  if (Array.isArray(body)) return body.flatMap((v, i) => secretRefs(v, [...path, String(i)]));
  if (body && typeof body === 'object') return Object.entries(body).flatMap(([k, v]) => secretRefs(v, [...path, k]));
  return [];
}
