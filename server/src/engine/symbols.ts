/** documentSymbols(doc): the outline — properties as a tree; policy statements named by their Sid. */
import type { Node } from 'jsonc-parser';
import type { ParsedDocument } from './parse';
import { objectProp, stringOf } from './json';

export type SymbolKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | 'property';

export interface DocSymbol {
  name: string;
  kind: SymbolKind;
  detail?: string;
  start: number;
  end: number;
  selectionStart: number;
  selectionEnd: number;
  children: DocSymbol[];
}

/** Outline entries beyond this count are left out: an outline of 100,000 nodes helps nobody. */
const MAX_SYMBOLS = 5000;

export function documentSymbols(doc: ParsedDocument): DocSymbol[] {
  const root = doc.root;
  if (!root || (root.type !== 'object' && root.type !== 'array')) return [];
  const top: DocSymbol[] = [];
  let count = 0;
  const stack: Array<{ node: Node; into: DocSymbol[] }> = [{ node: root, into: top }];
  while (stack.length && count < MAX_SYMBOLS) {
    const { node, into } = stack.pop()!;
    const entries: Array<{ name: string; value: Node; key?: Node; whole: Node }> = [];
    if (node.type === 'object') {
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k && v) entries.push({ name: String(k.value), value: v, key: k, whole: p });
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((v, i) => {
        if (v.type === 'object' || v.type === 'array') entries.push({ name: arrayItemName(v, i), value: v, whole: v });
      });
    }
    for (const e of entries) {
      if (++count > MAX_SYMBOLS) break;
      const sel = e.key ?? e.value;
      const sym: DocSymbol = {
        name: e.name,
        kind: e.value.type as SymbolKind,
        detail: e.value.type === 'string' ? String(e.value.value).slice(0, 60) : e.value.type === 'number' || e.value.type === 'boolean' ? String(e.value.value) : undefined,
        start: e.whole.offset,
        end: e.whole.offset + e.whole.length,
        selectionStart: sel.offset,
        selectionEnd: sel.offset + sel.length,
        children: [],
      };
      into.push(sym);
      if (e.value.type === 'object' || e.value.type === 'array') stack.push({ node: e.value, into: sym.children });
    }
  }
  return top;
}

function arrayItemName(v: Node, i: number): string {
  const label = stringOf(objectProp(v, 'Sid')) ?? stringOf(objectProp(v, 'name')) ?? stringOf(objectProp(v, 'column')) ?? stringOf(objectProp(v, 'destinationXdmPath'));
  return label ? `${i}: ${label}` : String(i);
}
