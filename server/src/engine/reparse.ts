/**
 * Typing inside a string — the usual edit in these files — changes one token and shifts every offset
 * after it. reparse() applies exactly that to the previous tree instead of parsing the whole document
 * again, so completion and diagnostics right after a keystroke in an 800 KB policy cost a few
 * milliseconds. Anything else (an edit touching a quote, a bracket, a comma, a number; a document that
 * had syntax findings) returns undefined and the caller parses in full. The previous tree is updated in
 * place: the previous ParsedDocument must not be used afterwards (Project replaces it).
 * Equivalence with a full parse is tested on random edits (test/engine/reparse.test.ts).
 */
import type { Node as JsoncNode } from 'jsonc-parser';
import type { ParsedDocument } from './parse';
import type { Finding } from './diagnostics';
import { findChild } from './json';

type Node = { -readonly [K in keyof JsoncNode]: K extends 'parent' ? Node | undefined : K extends 'children' ? Node[] | undefined : JsoncNode[K] };

export interface StringEdit {
  /** The root, updated in place. */
  root: JsoncNode;
  /** The string node whose text changed. */
  changed: JsoncNode;
  /** The previous syntax findings, moved with the text. */
  syntax: Finding[];
}

export function reparseStringEdit(prev: ParsedDocument, text: string): StringEdit | undefined {
  const old = prev.text;
  if (!prev.root || prev.holes.length) return undefined;
  // The changed region: common prefix and suffix.
  const max = Math.min(old.length, text.length);
  const p = commonPrefix(old, text, max);
  if (p === old.length && p === text.length) return undefined;
  const q = commonSuffix(old, text, max - p);
  const oldEnd = old.length - q;
  const delta = text.length - old.length;
  // Find the innermost node containing [p, oldEnd) strictly inside its quotes.
  let node = prev.root as Node;
  for (;;) {
    const children = node.children;
    if (!children) break;
    const next = findChild(children, (c) => (oldEnd <= c.offset ? -1 : p >= c.offset + c.length ? 1 : 0));
    if (!next) return undefined;
    node = next;
  }
  if (node.type !== 'string' || p <= node.offset || oldEnd >= node.offset + node.length) return undefined;
  // A half-typed document keeps its syntax findings as long as the edit is not in the token they are about:
  // the token stream, and so jsonc-parser's recovery, is the same as before.
  const nodeEnd = node.offset + node.length;
  if (prev.syntax.some((f) => f.end > node.offset - 1 && f.start < nodeEnd + 1)) return undefined;
  // The new token must still be one well-formed string.
  const tokenEnd = node.offset + node.length + delta;
  const value = readString(text, node.offset, tokenEnd);
  if (value === undefined) return undefined;
  if (text.includes('{{') && text.slice(node.offset, tokenEnd).includes('{{')) return undefined;
  // Apply: the token, its ancestors' lengths, and the offsets of everything after it.
  node.value = value;
  node.length += delta;
  let child: Node = node;
  for (let a = node.parent; a; child = a, a = a.parent) {
    a.length += delta;
    // Editing a key moves its property's colon.
    if (a.colonOffset !== undefined && a.colonOffset >= oldEnd) a.colonOffset += delta;
    const siblings = a.children!;
    for (let i = siblings.indexOf(child) + 1; i < siblings.length; i++) shift(siblings[i], delta);
  }
  const syntax = prev.syntax.map((f) => (f.start >= oldEnd ? moved(f, delta) : f));
  return { root: prev.root, changed: node as JsoncNode, syntax };
}

function moved(f: Finding, delta: number): Finding {
  const out: Finding = { ...f, start: f.start + delta, end: f.end + delta };
  if (f.fixes) out.fixes = f.fixes.map((x) => ({ ...x, edits: x.edits.map((e) => (e.path ? e : { ...e, start: e.start + delta, end: e.end + delta })) }));
  return out;
}

function shift(n: Node, delta: number): void {
  const stack: Node[] = [n];
  while (stack.length) {
    const x = stack.pop()!;
    x.offset += delta;
    if (x.colonOffset !== undefined) x.colonOffset += delta;
    if (x.children) for (const c of x.children) stack.push(c);
  }
}

/** The value of the JSON string token text[start, end), or undefined if it is not exactly one valid string. */
function readString(text: string, start: number, end: number): string | undefined {
  if (end - start < 2 || text.charCodeAt(start) !== 34 || text.charCodeAt(end - 1) !== 34) return undefined;
  let escaped = false;
  for (let i = start + 1; i < end - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      escaped = true;
      i++;
      if (i >= end - 1) return undefined;
    } else if (c === 34 || c < 0x20) return undefined;
  }
  if (!escaped) return text.slice(start + 1, end - 1);
  try {
    return JSON.parse(text.slice(start, end)) as string;
  } catch {
    return undefined;
  }
}

/**
 * Length of the common prefix. Whole chunks are compared as substrings first (V8 compares flat strings
 * with memcmp, an order of magnitude faster than a charCodeAt loop over 800 KB), then characters.
 */
function commonPrefix(a: string, b: string, max: number): number {
  const CHUNK = 4096;
  let p = 0;
  while (p + CHUNK <= max && a.slice(p, p + CHUNK) === b.slice(p, p + CHUNK)) p += CHUNK;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  return p;
}

function commonSuffix(a: string, b: string, max: number): number {
  const CHUNK = 4096;
  let q = 0;
  while (q + CHUNK <= max && a.slice(a.length - q - CHUNK, a.length - q) === b.slice(b.length - q - CHUNK, b.length - q)) q += CHUNK;
  while (q < max && a.charCodeAt(a.length - 1 - q) === b.charCodeAt(b.length - 1 - q)) q++;
  return q;
}
