/**
 * The set of documents the engine knows: open editor buffers, plus files read through the FileAccess the
 * caller passes in (the LSP adapter and the CLI give real disk access; tests give a map). Cross-file checks
 * (references, Braze folder conflicts, shared policies) ask it for other documents.
 */
import { dirname, resolve } from 'node:path';
import { parseDocument, parseNextVersion, type ParsedDocument } from './parse';
import { fileKindFromName } from './kinds';
import type { Node } from 'jsonc-parser';
import { arrayItems, objectProp, propAt, stringOf } from './json';

export interface FileAccess {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(path: string): string | undefined;
  /** Whether a path exists (file or folder). */
  exists(path: string): boolean;
}

/** What an inspection of a PGP public key file found (node/pgp/keys.ts inspectPublicKey, cut to what checks need). */
export interface KeyReport {
  findings: Array<{ severity: 'error' | 'warning'; code: string; message: string }>;
}

/** Live facts about a bucket; undefined fields were not learnt. */
export interface BucketFacts {
  objectLock?: boolean;
  /** The bucket policy refuses PutObject without x-amz-server-side-encryption. */
  requiresSse?: boolean;
}

export class Project {
  /**
   * Asks for a key file to be inspected. Reading a PGP key is asynchronous (openpgp) and the checks are not: the
   * node side sets this, inspects the key, stores the report with setKeyReport and validates the referrers again.
   */
  keyInspector: ((path: string, text: string) => void) | undefined;
  private readonly keyReports = new Map<string, { text: string; report: KeyReport }>();
  private readonly open = new Map<string, ParsedDocument>();
  private readonly disk = new Map<string, ParsedDocument | null>();
  /** Every Pipewright file known to be in the workspace (scanned or opened). */
  private readonly known = new Set<string>();

  constructor(readonly fs: FileAccess) {}

  /** Parse (or re-parse) an open document; returns the parse every feature then shares. */
  setOpen(path: string, text: string): ParsedDocument {
    const prev = this.open.get(path);
    const doc = prev ? (prev.text === text ? prev : parseNextVersion(prev, text)) : parseDocument(path, text);
    this.open.set(path, doc);
    this.known.add(path);
    return doc;
  }

  close(path: string): void {
    this.open.delete(path);
    this.disk.delete(path);
    // An unsaved buffer (or a file deleted while open) leaves the workspace with its editor.
    if (!this.fs.exists(path)) this.known.delete(path);
  }

  /** A file on disk was created, changed or deleted. */
  fileChanged(path: string): void {
    this.disk.delete(path);
    if (this.fs.exists(path)) {
      if (fileKindFromName(path) !== 'unknown') this.known.add(path);
    } else if (!this.open.has(path)) {
      this.known.delete(path);
    }
  }

  addKnown(path: string): void {
    this.known.add(path);
  }

  knownPaths(): string[] {
    return [...this.known];
  }

  isOpen(path: string): boolean {
    return this.open.has(path);
  }

  openPaths(): string[] {
    return [...this.open.keys()];
  }

  /** The open buffer, else the file on disk (parsed once and cached until it changes). */
  get(path: string): ParsedDocument | undefined {
    const o = this.open.get(path);
    if (o) return o;
    if (this.disk.has(path)) return this.disk.get(path) ?? undefined;
    const text = this.fs.readFile(path);
    const doc = text === undefined ? null : parseDocument(path, text);
    this.disk.set(path, doc);
    return doc ?? undefined;
  }

  exists(path: string): boolean {
    return this.open.has(path) || this.fs.exists(path);
  }

  pipelines(): ParsedDocument[] {
    const out: ParsedDocument[] = [];
    for (const p of this.known) {
      if (fileKindFromName(p) !== 'pipeline' && !this.open.has(p)) continue;
      const d = this.get(p);
      if (d?.kind === 'pipeline') out.push(d);
    }
    return out;
  }

  /** The inspection of the key file at `path` as it is now, or undefined (asked for, when an inspector is set). */
  keyReport(path: string): KeyReport | undefined {
    const text = this.fs.readFile(path);
    if (text === undefined) return undefined;
    const hit = this.keyReports.get(path);
    if (hit && hit.text === text) return hit.report;
    this.keyInspector?.(path, text);
    return undefined;
  }

  setKeyReport(path: string, text: string, report: KeyReport): void {
    this.keyReports.set(path, { text, report });
  }

  /**
   * What a live call learnt about a bucket (Object Lock, a bucket policy demanding encryption): the Braze
   * connection test stores it, and the pipelines on that bucket get their findings from it until it is learnt again.
   */
  private readonly bucketFactsByName = new Map<string, BucketFacts>();

  bucketFacts(bucket: string): BucketFacts | undefined {
    return this.bucketFactsByName.get(bucket);
  }

  setBucketFacts(bucket: string, facts: BucketFacts): void {
    this.bucketFactsByName.set(bucket, facts);
  }

  /** Pipelines that reference `path` (through any file property), with the property that does. */
  referrers(path: string): Array<{ pipeline: ParsedDocument; ref: FileRef }> {
    const out: Array<{ pipeline: ParsedDocument; ref: FileRef }> = [];
    for (const p of this.pipelines()) {
      for (const ref of fileRefs(p)) if (ref.target === path) out.push({ pipeline: p, ref });
    }
    return out;
  }
}

export type ExpectedKind = 'policy' | 'trust' | 'template' | 'key' | 'xdm-schema' | `aep:${string}` | 'folder';

export interface FileRef {
  property: string;
  node: Node;
  /** Absolute path the reference resolves to. */
  target: string;
  expected: ExpectedKind;
}

const refCache = new WeakMap<ParsedDocument, FileRef[]>();

/** The file references a pipeline makes, resolved against its own folder. */
export function fileRefs(doc: ParsedDocument): FileRef[] {
  const cached = refCache.get(doc);
  if (cached) return cached;
  const refs: FileRef[] = [];
  const root = doc.root;
  const base = dirname(doc.path);
  const add = (property: string, node: Node | undefined, expected: ExpectedKind) => {
    const v = stringOf(node);
    if (node && v && !v.startsWith('${')) refs.push({ property, node, target: resolve(base, v), expected });
  };
  if (doc.kind === 'pipeline' && root) {
    add('permissionPolicy', objectProp(root, 'permissionPolicy'), 'policy');
    add('trustPolicy', objectProp(root, 'trustPolicy'), 'trust');
    add('template', objectProp(root, 'template'), 'template');
    add('encryption.publicKey', propAt(root, ['encryption', 'publicKey']), 'key');
    add('xdmSchemaFile', objectProp(root, 'xdmSchemaFile'), 'xdm-schema');
    add('baseConnection', objectProp(root, 'baseConnection'), 'aep:base-connection');
    arrayItems(objectProp(root, 'sourceConnections')).forEach((n) => add('sourceConnections', n, 'aep:source-connection'));
    add('targetConnection', objectProp(root, 'targetConnection'), 'aep:target-connection');
    add('mappingSet', objectProp(root, 'mappingSet'), 'aep:mapping-set');
    add('flow', objectProp(root, 'flow'), 'aep:flow');
    if (stringOf(propAt(root, ['source', 'type'])) === 'jsonl-folder') add('source.path', propAt(root, ['source', 'path']), 'folder');
  }
  refCache.set(doc, refs);
  return refs;
}
