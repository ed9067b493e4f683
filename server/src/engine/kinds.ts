/** Which kind of Pipewright file a document is: from its name, its `$schema`, or (AEP bodies) its content. */
import type { Node } from 'jsonc-parser';
import { objectProp, propAt, stringOf } from './json';

export type FileKind = 'pipeline' | 'policy' | 'trust' | 'template' | 'aep' | 'unknown';

export const FILE_KINDS: readonly FileKind[] = ['pipeline', 'policy', 'trust', 'template', 'aep'];

export type AepBodyType = 'base-connection' | 'source-connection' | 'target-connection' | 'mapping-set' | 'flow';

const NAME = /\.(pipeline|policy|trust|template|aep)\.jsonc?$/i;
const SCHEMA_REF = /(pipeline|policy|trust|template|aep-[a-z-]+)\.schema\.json$/;

export const FILE_PATTERNS = FILE_KINDS.flatMap((k) => [`*.${k}.json`, `*.${k}.jsonc`]);

export function fileKindFromName(path: string): FileKind {
  const m = NAME.exec(path);
  return m ? (m[1].toLowerCase() as FileKind) : 'unknown';
}

export function detectFileKind(path: string, schemaRef: string | undefined, root: Node | undefined): { kind: FileKind; subKind?: string } {
  let kind = fileKindFromName(path);
  let subKind: string | undefined;
  if (schemaRef) {
    const m = SCHEMA_REF.exec(schemaRef);
    if (m) {
      if (m[1].startsWith('aep-')) {
        kind = 'aep';
        subKind = m[1].slice(4);
      } else if (kind === 'unknown') {
        kind = m[1] as FileKind;
      }
    }
  }
  if (kind === 'pipeline') subKind = stringOf(objectProp(root, 'kind'));
  if (kind === 'aep' && !subKind) subKind = aepBodyType(root);
  return { kind, subKind };
}

/** Recognise a Flow Service request body by the properties only that body type carries. */
export function aepBodyType(root: Node | undefined): AepBodyType | undefined {
  if (!root || root.type !== 'object') return undefined;
  if (objectProp(root, 'flowSpec') || objectProp(root, 'scheduleParams') || objectProp(root, 'transformations')) return 'flow';
  if (objectProp(root, 'mappings') || objectProp(root, 'xdmSchema')) return 'mapping-set';
  if (objectProp(root, 'baseConnectionId')) return 'source-connection';
  if (propAt(root, ['params', 'dataSetId']) || propAt(root, ['data', 'schema'])) return 'target-connection';
  if (objectProp(root, 'auth')) return 'base-connection';
  if (stringOf(propAt(root, ['data', 'format'])) === 'json' || propAt(root, ['params', 'resourcePath'])) return 'source-connection';
  return undefined;
}
