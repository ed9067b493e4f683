/**
 * Go to definition in AEP bodies: from an id (baseConnectionId, sourceConnectionIds, targetConnectionIds,
 * mappingId) to the body file the deployment state says it was created from; from a mapping's destinationXdmPath
 * to the field in the local XDM schema, from its sourceAttribute to the field in an explore file, and from the
 * mapping set's xdmSchema to the target connection's schema id.
 */
import { findNodeAtOffset, type Node } from 'jsonc-parser';
import type { ParsedDocument } from '../parse';
import type { Project } from '../project';
import { keyOf, objectProp, propAt } from '../json';
import { bodyOfId, exploreFileOf, modelsOfBody, resourcePaths } from './model';

export interface DefinitionTarget {
  path: string;
  start: number;
  end: number;
}

const ID_KEYS = new Set(['baseConnectionId', 'sourceConnectionIds', 'targetConnectionIds', 'mappingId']);

export function aepDefinition(doc: ParsedDocument, offset: number, project: Project): DefinitionTarget[] {
  if (doc.kind !== 'aep' || !doc.root) return [];
  const node = findNodeAtOffset(doc.root, offset, false);
  if (!node || node.type !== 'string') return [];
  const value = node.value as string;
  const key = keyOf(node) ?? (node.parent?.type === 'array' ? keyOf(node.parent) : undefined);
  const out: DefinitionTarget[] = [];
  for (const model of modelsOfBody(doc.path, project)) {
    if (key && ID_KEYS.has(key)) {
      const body = bodyOfId(model, value);
      if (body) out.push({ path: body.path, start: 0, end: 0 });
    } else if (key === 'destinationXdmPath' && model.xdmSchemaPath) {
      const field = fieldNode(project.get(model.xdmSchemaPath)?.root, value);
      if (field) out.push({ path: model.xdmSchemaPath, start: field.offset, end: field.offset + field.length });
    } else if (key === 'sourceAttribute') {
      for (const rp of resourcePaths(model, project)) {
        const file = exploreFileOf(model, rp);
        const root = project.get(file)?.root;
        const field = fieldNode(objectProp(root, 'schema') ?? root, value);
        if (field) out.push({ path: file, start: field.offset, end: field.offset + field.length });
      }
    } else if (key === 'xdmSchema') {
      const t = model.bodies.find((b) => b.kind === 'target-connection');
      const id = t && propAt(project.get(t.path)?.root, ['data', 'schema', 'id']);
      if (t && id) out.push({ path: t.path, start: id.offset, end: id.offset + id.length });
    }
  }
  return out;
}

/** The key of `a.b.c` in a JSON schema's nested `properties`. */
function fieldNode(schema: Node | undefined, path: string): Node | undefined {
  let cur = schema;
  let key: Node | undefined;
  for (const seg of path.split('.')) {
    const props = objectProp(cur, 'properties');
    const prop = props?.children?.find((p) => p.children?.[0]?.value === seg);
    if (!prop) return undefined;
    key = prop.children![0];
    cur = prop.children![1];
  }
  return key;
}
