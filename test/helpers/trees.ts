/** jsonc-parser trees as plain data (no parent cycles), for deep comparison in tests. */
import type { Node } from 'jsonc-parser';

export function plain(n: Node | undefined): unknown {
  if (!n) return n;
  const o: Record<string, unknown> = { type: n.type, offset: n.offset, length: n.length, parentType: n.parent?.type };
  if (n.value !== undefined) o.value = n.value;
  if (n.colonOffset !== undefined) o.colonOffset = n.colonOffset;
  if (n.children) o.children = n.children.map(plain);
  return o;
}
