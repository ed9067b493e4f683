/**
 * Where the cursor is, in JSON terms (the path, and whether it is at a property key), read from the
 * tree the document was parsed into once — not by re-scanning the text before the cursor, which on a
 * large file costs more than the completion itself.
 */
import { getLocation, type Node } from 'jsonc-parser';
import { findChild, pathOf } from './json';

export interface CursorLocation {
  /** Path of the value (or, at a key, of the property) under the cursor. */
  path: Array<string | number>;
  isAtPropertyKey: boolean;
  /** The key or scalar value token the cursor is in, if any (it is what a completion replaces). */
  previousNode?: Node;
}

export function locate(root: Node | undefined, text: string, offset: number): CursorLocation {
  if (!root) {
    const loc = getLocation(text, offset);
    return { path: loc.path, isAtPropertyKey: loc.isAtPropertyKey, previousNode: loc.previousNode };
  }
  if (!inside(root, offset, text) && root.type !== 'property') return { path: [], isAtPropertyKey: false };
  let node = root;
  // Descend to the innermost node whose inside holds the offset.
  for (;;) {
    const children = node.children;
    if (!children) break;
    const next = findChild(children, (c) => (offset < c.offset ? -1 : offset > c.offset + c.length + 1 ? 1 : 0));
    if (!next || !inside(next, offset, text)) break;
    node = next;
  }
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null': {
      const parent = node.parent;
      if (parent?.type === 'property' && parent.children?.[0] === node) {
        return { path: [...pathOf(parent.parent!), node.value as string], isAtPropertyKey: true, previousNode: node };
      }
      return { path: pathOf(node), isAtPropertyKey: false, previousNode: node };
    }
    case 'property': {
      const key = node.children![0];
      if (node.colonOffset !== undefined && node.colonOffset >= 0 && offset > node.colonOffset) return { path: [...pathOf(node.parent!), key.value as string], isAtPropertyKey: false };
      return { path: [...pathOf(node.parent!), key.value as string], isAtPropertyKey: true };
    }
    case 'object': {
      // After `"key":` with no value yet, the property ends at its colon: the cursor is at its value.
      // Likewise after a value with no comma yet: still that property's value (as jsonc-parser's getLocation says).
      const before = (node.children ?? []).filter((p) => p.offset < offset).pop();
      if (before && before.colonOffset !== undefined && before.colonOffset >= 0 && offset > before.colonOffset && !hasCommaBetween(text, (before.children?.length ?? 0) > 1 ? before.offset + before.length : before.colonOffset, offset)) {
        return { path: [...pathOf(node), before.children![0].value as string], isAtPropertyKey: false };
      }
      return { path: [...pathOf(node), ''], isAtPropertyKey: true };
    }
    case 'array': {
      const done = (node.children ?? []).filter((c) => c.offset + c.length <= offset);
      const last = done[done.length - 1];
      const index = last && !hasCommaBetween(text, last.offset + last.length, offset) ? done.length - 1 : done.length;
      return { path: [...pathOf(node), index], isAtPropertyKey: false };
    }
  }
  return { path: pathOf(node), isAtPropertyKey: false };
}

function inside(n: Node, offset: number, text: string): boolean {
  if (n.type === 'property') return offset >= n.offset && offset <= n.offset + n.length;
  if (n.type === 'object' || n.type === 'array' || n.type === 'string') return offset > n.offset && offset < n.offset + n.length + (closed(n, text) ? 0 : 1);
  return offset >= n.offset && offset <= n.offset + n.length;
}

/** Recovered trees hold unterminated strings and containers; the cursor at their very end is still inside. */
function closed(n: Node, text: string): boolean {
  if (n.length < 2) return false;
  const last = text.charCodeAt(n.offset + n.length - 1);
  return n.type === 'object' ? last === 125 : n.type === 'array' ? last === 93 : last === 34;
}

function hasCommaBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to && i < text.length; i++) if (text.charCodeAt(i) === 44) return true;
  return false;
}
