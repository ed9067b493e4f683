/**
 * Code actions on a body's `params` that need no finding: encode `resourcePath` as the base64 `sourceParams` the
 * explore endpoint takes, and decode a `sourceParams` back into the `resourcePath` it names.
 */
import { findNodeAtOffset, type Node } from 'jsonc-parser';
import type { TextEdit } from '../diagnostics';
import type { ParsedDocument } from '../parse';
import { objectProp, quote, stringOf } from '../json';
import { decodeSourceParams, encodeSourceParams } from '../checks/aep';
import { AEP_RESOURCE_PATHS } from '../../data/aep';
import * as l10n from '../l10n';

export interface RefactorAction {
  title: string;
  edits: TextEdit[];
  kind: 'refactor';
}

export function sourceParamsActions(doc: ParsedDocument, start: number, end: number): RefactorAction[] {
  if (doc.kind !== 'aep' || !doc.root) return [];
  let node: Node | undefined = findNodeAtOffset(doc.root, start, true) ?? findNodeAtOffset(doc.root, end, true);
  while (node && !(node.type === 'object' && (objectProp(node, 'resourcePath') || objectProp(node, 'sourceParams')))) node = node.parent;
  if (!node) return [];
  const out: RefactorAction[] = [];
  const rpNode = objectProp(node, 'resourcePath');
  const spNode = objectProp(node, 'sourceParams');
  const rp = stringOf(rpNode);
  const sp = stringOf(spNode);
  if (rp && AEP_RESOURCE_PATHS[rp]) {
    const encoded = encodeSourceParams(rp);
    if (sp !== encoded) out.push({ title: l10n.t('Encode resourcePath "{0}" as sourceParams ({1})', rp, encoded), edits: [setProperty(doc, spNode, rpNode!, 'sourceParams', encoded)], kind: 'refactor' });
  }
  if (sp !== undefined) {
    const d = decodeSourceParams(sp);
    const decoded = (d.json as { resourcePath?: unknown } | undefined)?.resourcePath;
    if (typeof decoded === 'string' && decoded !== rp) out.push({ title: l10n.t('Decode sourceParams into resourcePath "{0}"', decoded), edits: [setProperty(doc, rpNode, spNode!, 'resourcePath', decoded)], kind: 'refactor' });
  }
  return out;
}

/** Replace the value of `existing`, or add the property after `sibling` with the sibling's indentation. */
function setProperty(doc: ParsedDocument, existing: Node | undefined, sibling: Node, key: string, value: string): TextEdit {
  if (existing) return { start: existing.offset, end: existing.offset + existing.length, newText: quote(value) };
  const prop = sibling.parent!;
  const lineStart = doc.text.lastIndexOf('\n', prop.offset) + 1;
  const indent = /^[ \t]*/.exec(doc.text.slice(lineStart, prop.offset))![0];
  const at = prop.offset + prop.length;
  return { start: at, end: at, newText: `,\n${indent}${quote(key)}: ${quote(value)}` };
}
