/**
 * A flow's runs (`GET /runs?property=flowId==<id>`, page after page through `_links.next`) with their record
 * counts, status and errors; and explore (`GET /connections/<id>/explore?…&sourceParams=<base64>`), whose answer —
 * the records' schema as Adobe sees the account — is written next to the pipeline as `<resourcePath>.explore.json`,
 * where completion and the mapping checks then read it.
 */
import * as l10n from '../../engine/l10n';
import { writeFileSync, renameSync } from 'node:fs';
import { encodeSourceParams } from '../../engine/checks/aep';
import { exploreFileOf } from '../../engine/aep/model';
import { loadState } from './state';
import type { FlowServiceClient } from './client';
import type { AepPipeline } from './pipeline';

export interface FlowRun {
  id: string;
  createdAt?: string;
  status: string;
  input?: number;
  output?: number;
  failed?: number;
  errors: Array<{ code?: string; message: string }>;
}

export interface RunsReport {
  name: string;
  flowId: string;
  runs: FlowRun[];
  pages: number;
}

interface RawRun {
  id: string;
  createdAt?: number;
  metrics?: {
    recordSummary?: { inputRecordCount?: number; outputRecordCount?: number; failedRecordCount?: number };
    statusSummary?: { status?: string; errors?: Array<{ code?: string; message?: string }> };
  };
}

export function deployedFlowId(p: AepPipeline): string {
  const flow = p.bodies.find((b) => b.kind === 'flow');
  const id = flow && loadState(p.model.statePath).objects[flow.rel]?.id;
  if (!id) throw new Error(l10n.t('{0}: the flow is not deployed (no id for it in {1}): run pipewright aep deploy first', p.name, p.model.statePath));
  return id;
}

export async function flowRuns(p: AepPipeline, client: FlowServiceClient, o: { limit?: number; token?: { isCancellationRequested: boolean } } = {}): Promise<RunsReport> {
  const flowId = deployedFlowId(p);
  const limit = o.limit ?? 50;
  const runs: FlowRun[] = [];
  let url: string | undefined = client.url(`/runs?property=${encodeURIComponent(`flowId==${flowId}`)}`);
  let pages = 0;
  while (url && runs.length < limit && !o.token?.isCancellationRequested) {
    const r: { json: { items?: RawRun[]; _links?: { next?: { href?: string } } } } = await client.request('GET', url);
    pages++;
    for (const x of r.json?.items ?? []) {
      const rs = x.metrics?.recordSummary;
      runs.push({
        id: x.id,
        createdAt: typeof x.createdAt === 'number' ? new Date(x.createdAt).toISOString() : undefined,
        status: x.metrics?.statusSummary?.status ?? 'unknown',
        input: rs?.inputRecordCount,
        output: rs?.outputRecordCount,
        failed: rs?.failedRecordCount,
        errors: (x.metrics?.statusSummary?.errors ?? []).map((e) => ({ code: e.code, message: e.message ?? '' })),
      });
    }
    const next = r.json?._links?.next?.href;
    url = next ? client.url(next) : undefined;
  }
  return { name: p.name, flowId, runs: runs.slice(0, limit), pages };
}

export interface ExploreReport {
  resourcePath: string;
  file?: string;
  fields: number;
}

export async function exploreAep(p: AepPipeline, resourcePath: string, client: FlowServiceClient): Promise<ExploreReport> {
  const base = p.bodies.find((b) => b.kind === 'base-connection');
  const source = p.bodies.find((b) => b.kind === 'source-connection');
  // The deployed base connection; else the one the source connection names (an existing account).
  const baseId = (base && loadState(p.model.statePath).objects[base.rel]?.id) ?? (source?.json.baseConnectionId as string | undefined);
  if (!baseId) throw new Error(l10n.t('{0}: no base connection id to explore with: deploy the base connection first (pipewright aep deploy)', p.name));
  const q = `objectType=rest&object=json&fileType=json&preview=true&sourceParams=${encodeURIComponent(encodeSourceParams(resourcePath))}`;
  const r = await client.request<{ schema?: unknown }>('GET', client.url(`/connections/${encodeURIComponent(baseId)}/explore?${q}`));
  if (client.dryRun && r.status === 0) return { resourcePath, fields: 0 };
  const file = exploreFileOf(p.model, resourcePath);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(r.json, null, 2)}\n`);
  renameSync(tmp, file);
  const count = (n: unknown): number => {
    const props = (n as { properties?: Record<string, unknown> })?.properties;
    return props ? Object.values(props).reduce<number>((s, c) => s + 1 + count(c), 0) : 0;
  };
  return { resourcePath, file, fields: count(r.json?.schema) };
}
