/** hover(doc, offset): the schema's docs for the property under the cursor, plus what Pipewright knows of the value. */
import { findNodeAtOffset } from 'jsonc-parser';
import type { ParsedDocument } from './parse';
import { validatorFor } from './schemas';
import { keyOf, pathOf } from './json';
import { docOf } from './complete';
import { decodeSourceParams } from './checks/aep';
import { iamAction } from '../data/iam';
import { AWS_REGIONS } from '../data/regions';
import { AEP_RESOURCE_PATHS } from '../data/aep';
import * as l10n from './l10n';
import type { Project } from './project';
import { aepMappingHover } from './aep/hover';

export interface HoverResult {
  markdown: string;
  start: number;
  end: number;
}

export function hover(doc: ParsedDocument, offset: number, project?: Project): HoverResult | undefined {
  if (!doc.root) return undefined;
  let node = findNodeAtOffset(doc.root, offset, false);
  if (!node) return undefined;
  const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
  const target = isKey ? node.parent!.children?.[1] : node;
  const parts: string[] = [];
  if (target && !isKey && target.type === 'string') {
    const v = target.value as string;
    const key = keyOf(target);
    if (key === 'sourceParams') {
      const d = decodeSourceParams(v);
      parts.push(d.text !== undefined ? `${l10n.t('**sourceParams** decodes to:')}\n\n\`\`\`json\n${safeJson(d.text)}\n\`\`\`` : l10n.t('**sourceParams** cannot be decoded: {0}.', d.error!));
    }
    const action = /^[a-z0-9-]+:[A-Za-z0-9]+$/.test(v) ? iamAction(v) : undefined;
    if (action) parts.push(`**${action.id}** (${action.accessLevel})\n\n${action.description}\n\n${l10n.t('Resource types: {0}', action.resourceTypes.join(', ') || '*')}`);
    if (AWS_REGIONS[v]) parts.push(`**${v}**: ${AWS_REGIONS[v]}`);
    if (key === 'resourcePath' && AEP_RESOURCE_PATHS[v]) parts.push(`**${v}**: ${AEP_RESOURCE_PATHS[v]}`);
  }
  // A mapping line shows both sides first; the schema's words about the property follow.
  const mapping = aepMappingHover(doc, offset, project);
  if (mapping) parts.push(mapping);
  const validator = validatorFor(doc);
  const path = target ? pathOf(target) : pathOf(node);
  if (validator) {
    const descriptions = new Set<string>();
    for (const s of validator.schemasAt(doc.root, path)) {
      const d = docOf(s);
      if (d) descriptions.add(s.title ? `**${s.title}**\n\n${d}` : d);
    }
    parts.push(...[...descriptions].slice(0, 2));
  }
  if (!parts.length) return undefined;
  node = isKey ? node : target ?? node;
  return { markdown: parts.join('\n\n---\n\n'), start: node.offset, end: node.offset + node.length };
}

function safeJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
