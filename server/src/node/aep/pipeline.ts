/**
 * Reading an aep-stripe-flow pipeline for a run (deploy, explore, preview, runs): the model, each body as JSON,
 * and the platform values (base URL, API key, IMS org, sandbox, the token's secret reference). A pipeline or body
 * with errors is refused with the file, line and message of each error — nothing is sent for a broken config.
 */
import * as l10n from '../../engine/l10n';
import { relative } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import type { Project } from '../../engine/project';
import type { ParsedDocument } from '../../engine/parse';
import { validate } from '../../engine/validate';
import { objectProp, stringOf } from '../../engine/json';
import { aepModel, type AepBodyRef, type AepModel } from '../../engine/aep/model';
import { AEP_DEFAULT_BASE_URL } from '../../data/aep';
import { resolveSecret } from '../secrets';
import type { Platform } from './client';

export interface AepBody extends AepBodyRef {
  doc: ParsedDocument;
  json: Record<string, unknown>;
}

export interface AepPipeline {
  path: string;
  name: string;
  model: AepModel;
  bodies: AepBody[];
  platform: { baseUrl: string; apiKey: string; imsOrg: string; sandbox: string; accessToken: string; tokenWhere: string };
}

export class AepConfigError extends Error {
  override name = 'AepConfigError';
}

function where(doc: ParsedDocument, offset: number, cwd: string): string {
  return `${relative(cwd, doc.path) || doc.path}:${doc.lines.positionAt(offset).line + 1}`;
}

/** The pipeline and its bodies, checked; `errorsOnly` findings of other codes than `aep-reference` refuse the run. */
export function readAepPipeline(path: string, project: Project, cwd = process.cwd()): AepPipeline {
  const doc = project.get(path);
  if (!doc) throw new AepConfigError(l10n.t('{0}: no such file, or it cannot be read', path));
  const model = aepModel(doc, project);
  if (!model) throw new AepConfigError(l10n.t('{0}: not an aep-stripe-flow pipeline (its "kind" is {1})', relative(cwd, path) || path, doc.subKind ?? '—'));
  const problems: string[] = [];
  const check = (d: ParsedDocument) => {
    // Ids that differ from the deployment state are what a deployment rewrites: they do not stop it.
    for (const f of validate(d, project)) if (f.severity === 'error' && f.code !== 'aep-reference') problems.push(`${where(d, f.start, cwd)}: ${f.code}: ${f.message}`);
  };
  check(doc);
  const bodies: AepBody[] = [];
  for (const b of model.bodies) {
    const d = project.get(b.path);
    if (!d) continue; // file-not-found, reported on the pipeline
    check(d);
    const json = parseJsonc(d.text, [], { allowTrailingComma: true }) as Record<string, unknown>;
    bodies.push({ ...b, doc: d, json: json && typeof json === 'object' ? json : {} });
  }
  if (problems.length) throw new AepConfigError(`${l10n.t('fix these first (nothing was sent):')}\n  ${problems.join('\n  ')}`);
  const platform = objectProp(doc.root, 'platform');
  const token = objectProp(platform, 'accessToken');
  return {
    path,
    name: stringOf(objectProp(doc.root, 'name')) ?? path,
    model,
    bodies,
    platform: {
      baseUrl: stringOf(objectProp(platform, 'baseUrl')) ?? AEP_DEFAULT_BASE_URL,
      apiKey: stringOf(objectProp(platform, 'apiKey')) ?? '',
      imsOrg: stringOf(objectProp(platform, 'imsOrg')) ?? '',
      sandbox: stringOf(objectProp(platform, 'sandbox')) ?? 'prod',
      accessToken: stringOf(token) ?? '',
      tokenWhere: token ? where(doc, token.offset, cwd) : relative(cwd, path),
    },
  };
}

export interface PlatformOptions {
  /** Another Flow Service base URL (a proxy; plain http only to this machine). */
  baseUrl?: string;
  sandbox?: string;
  /** `${secret:name}` values the caller holds (the editor's secret storage). */
  secrets?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

/** The platform to call; throws SecretError (naming the secret, never a value) when the token has no value. */
export function platformOf(p: AepPipeline, o: PlatformOptions = {}): Platform {
  const baseUrl = (o.baseUrl ?? p.platform.baseUrl).replace(/\/+$/, '');
  const u = new URL(baseUrl);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))) {
    throw new AepConfigError(l10n.t('{0}: the Flow Service is reached over https (plain http only to a server on this machine)', baseUrl));
  }
  const accessToken = resolveSecret(p.platform.accessToken, p.platform.tokenWhere, o.env ?? process.env, o.secrets);
  return { baseUrl, apiKey: p.platform.apiKey, imsOrg: p.platform.imsOrg, sandbox: o.sandbox ?? p.platform.sandbox, accessToken };
}

/** The secret name of `${secret:name}` in the pipeline's token, for the editor to ask for. */
export function tokenSecretName(p: AepPipeline): string | undefined {
  const m = /^\$\{secret:([^}]+)\}$/.exec(p.platform.accessToken);
  return m?.[1];
}


