/** Small helpers over jsonc-parser's tree, used by every check. None of them recurse without bound. */
import type { Node } from 'jsonc-parser';

export function objectProp(node: Node | undefined, name: string): Node | undefined {
  if (!node || node.type !== 'object' || !node.children) return undefined;
  for (const p of node.children) {
    const k = p.children?.[0];
    if (k && k.value === name) return p.children?.[1];
  }
  return undefined;
}

/** The property node (key + value) for `name`. */
export function propertyNode(node: Node | undefined, name: string): Node | undefined {
  if (!node || node.type !== 'object' || !node.children) return undefined;
  for (const p of node.children) if (p.children?.[0]?.value === name) return p;
  return undefined;
}

export function propAt(node: Node | undefined, path: string[]): Node | undefined {
  let cur = node;
  for (const seg of path) cur = objectProp(cur, seg);
  return cur;
}

export function stringOf(node: Node | undefined): string | undefined {
  return node && node.type === 'string' ? (node.value as string) : undefined;
}

export function numberOf(node: Node | undefined): number | undefined {
  return node && node.type === 'number' ? (node.value as number) : undefined;
}

export function boolOf(node: Node | undefined): boolean | undefined {
  return node && node.type === 'boolean' ? (node.value as boolean) : undefined;
}

export function arrayItems(node: Node | undefined): Node[] {
  return node && node.type === 'array' && node.children ? node.children : [];
}

/** Visit every string value (not keys) in document order, iteratively. */
export function forEachString(root: Node | undefined, fn: (node: Node) => void): void {
  if (!root) return;
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'string') {
      // Property keys are string nodes too: only report values.
      if (!(n.parent?.type === 'property' && n.parent.children?.[0] === n)) fn(n);
    } else if (n.children) {
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
  }
}

/** The key string of the property that holds `value`, if any. */
export function keyOf(value: Node): string | undefined {
  const p = value.parent;
  if (p?.type === 'property' && p.children?.[1] === value) return p.children[0].value as string;
  return undefined;
}

/** JSON path of a node (property names and array indexes). */
export function pathOf(node: Node): Array<string | number> {
  const path: Array<string | number> = [];
  let cur: Node | undefined = node;
  while (cur?.parent) {
    const parent: Node = cur.parent;
    if (parent.type === 'property') {
      path.push(parent.children![0].value as string);
      cur = parent.parent;
    } else if (parent.type === 'array') {
      path.push(parent.children!.indexOf(cur));
      cur = parent;
    } else {
      cur = parent;
    }
  }
  return path.reverse();
}

/** Range of a string node's content, inside the quotes. */
export function innerRange(node: Node): [number, number] {
  if (node.type === 'string' && node.length >= 2) return [node.offset + 1, node.offset + node.length - 1];
  return [node.offset, node.offset + node.length];
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  if (!m) return n;
  if (!n) return m;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** The closest candidate within a distance that still reads as a typo, or undefined. */
export function didYouMean(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = value.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor((best?.length ?? 0) / 4));
  return best !== undefined && bestD <= limit ? best : undefined;
}

/** JSON string literal for an edit's newText. */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/**
 * Binary search among a node's children (ordered by offset): `where(child)` says whether the target lies
 * before the child (-1), after it (1) or in it (0).
 */
export function findChild<N extends Node>(children: readonly N[], where: (child: N) => -1 | 0 | 1): N | undefined {
  for (let lo = 0, hi = children.length - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    const w = where(children[mid]);
    if (w === 0) return children[mid];
    if (w < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return undefined;
}
