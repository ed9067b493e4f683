/**
 * Checks of an AEP body against the rest of its pipeline: the ids that link the bodies (against the deployment
 * state), the mapping set's schema id (against the target connection), and each mapping line — its source
 * attribute (the Stripe fields of the source connections' resource paths), its XDM destination (the local copy of
 * the target schema), the two types, identity, and the schema's required fields.
 */
import { basename } from 'node:path';
import type { Node } from 'jsonc-parser';
import { finding, type Finding } from '../diagnostics';
import { arrayItems, boolOf, didYouMean, objectProp, propAt, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import type { Project } from '../project';
import { replaceFix } from '../schema';
import * as l10n from '../l10n';
import { deployed, modelsOfBody, sourceSide, targetSchemaId, xdmSchemaOf, type AepBodyRef, type AepModel } from './model';
import { compatibility } from './types';
import type { XdmField, XdmSchema } from './xdm';
import type { SourceField } from './source';

export function checkAepCrossFile(doc: ParsedDocument, project: Project, out: Finding[]): void {
  if (doc.kind !== 'aep' || !doc.root || doc.root.type !== 'object') return;
  const models = modelsOfBody(doc.path, project);
  for (const model of models.slice(0, 1)) {
    switch (doc.subKind) {
      case 'source-connection':
        checkId(objectProp(doc.root, 'baseConnectionId'), model, model.bodies.find((b) => b.kind === 'base-connection'), out);
        break;
      case 'flow':
        checkFlow(doc, model, out);
        break;
      case 'mapping-set':
        checkMappingSet(doc, model, project, out);
        break;
    }
  }
}

/** An id that must be the one the Flow Service returned for `body` (when the state knows it). */
function checkId(node: Node | undefined, model: AepModel, body: AepBodyRef | undefined, out: Finding[]): void {
  const id = stringOf(node);
  const d = deployed(model, body);
  if (!node || id === undefined || !d || id === d.id) return;
  out.push(finding('aep-reference', l10n.t('"{0}" is not the id of {1}: {2} records {3} for it. Use the deployed id (or deploy again).', id, body!.rel, basename(model.statePath), d.id), node.offset, node.offset + node.length, [{ ...replaceFix(node, d.id), title: l10n.t('Use the id of {0}: {1}', body!.rel, d.id) }]));
}

function checkIds(arr: Node | undefined, model: AepModel, bodies: AepBodyRef[], what: string, out: Finding[]): void {
  if (!arr || arr.type !== 'array') return;
  const items = arrayItems(arr);
  if (items.length !== bodies.length) {
    out.push(finding('aep-reference', l10n.t('"{0}" holds {1} id(s) but the pipeline {2} names {3} file(s): {4}.', what, items.length, basename(model.pipeline.path), bodies.length, bodies.map((b) => b.rel).join(', ') || '—'), arr.offset, arr.offset + arr.length));
  }
  const known = new Map(bodies.map((b) => [model.state?.objects[b.rel]?.id, b] as const));
  items.forEach((item, i) => {
    const id = stringOf(item);
    if (id === undefined || known.has(id)) return;
    const body = bodies[i];
    const d = deployed(model, body);
    if (!d) return;
    out.push(finding('aep-reference', l10n.t('"{0}" is not the id of any file the pipeline names: {1} records {2} for {3}.', id, basename(model.statePath), d.id, body.rel), item.offset, item.offset + item.length, [{ ...replaceFix(item, d.id), title: l10n.t('Use the id of {0}: {1}', body.rel, d.id) }]));
  });
}

function checkFlow(doc: ParsedDocument, model: AepModel, out: Finding[]): void {
  const root = doc.root!;
  checkIds(objectProp(root, 'sourceConnectionIds'), model, model.bodies.filter((b) => b.kind === 'source-connection'), 'sourceConnectionIds', out);
  checkIds(objectProp(root, 'targetConnectionIds'), model, model.bodies.filter((b) => b.kind === 'target-connection'), 'targetConnectionIds', out);
  const mapping = model.bodies.find((b) => b.kind === 'mapping-set');
  for (const t of arrayItems(objectProp(root, 'transformations'))) {
    checkId(propAt(t, ['params', 'mappingId']), model, mapping, out);
    const v = propAt(t, ['params', 'mappingVersion']);
    const d = deployed(model, mapping);
    if (v && d && typeof d.version === 'number' && v.type === 'number' && v.value !== d.version) {
      out.push(finding('aep-reference', l10n.t('The deployed mapping set is at version {0}; this flow uses version {1}.', d.version, v.value as number), v.offset, v.offset + v.length, [{ title: l10n.t('Change to {0}', d.version), edits: [{ start: v.offset, end: v.offset + v.length, newText: String(d.version) }], preferred: true }]));
    }
  }
}

/** The mapping lines of a mapping set, with the nodes the checks, completion and hover need. */
export interface MappingLine {
  node: Node;
  source?: Node;
  destination?: Node;
  identity?: Node;
  sourceType: string;
}

export function mappingLines(doc: ParsedDocument): MappingLine[] {
  return arrayItems(objectProp(doc.root, 'mappings')).filter((m) => m.type === 'object').map((m) => ({
    node: m,
    source: objectProp(m, 'sourceAttribute'),
    destination: objectProp(m, 'destinationXdmPath'),
    identity: objectProp(m, 'identity'),
    sourceType: stringOf(objectProp(m, 'sourceType')) ?? 'ATTRIBUTE',
  }));
}

function checkMappingSet(doc: ParsedDocument, model: AepModel, project: Project, out: Finding[]): void {
  const root = doc.root!;
  const xdmNode = objectProp(root, 'xdmSchema');
  const target = targetSchemaId(model, project);
  const xdmId = stringOf(xdmNode);
  if (xdmNode && target && xdmId !== undefined && xdmId !== target.id) {
    out.push(finding('aep-reference', l10n.t('"xdmSchema" must be the target connection’s schema id ({0} has "{1}"): the flow writes into that schema.', basename(target.path), target.id), xdmNode.offset, xdmNode.offset + xdmNode.length, [replaceFix(xdmNode, target.id)]));
  }
  const src = sourceSide(model, project);
  const xdm = xdmSchemaOf(model, project);
  const lines = mappingLines(doc);
  const candidates = src.fields.size ? [...src.fields.keys()] : [];
  const destinations = xdm ? [...xdm.fields.keys()] : [];
  const seen = new Map<string, Node>();
  for (const line of lines) {
    let sf: SourceField | undefined;
    let df: XdmField | undefined;
    const s = stringOf(line.source);
    if (line.source && s !== undefined && line.sourceType === 'ATTRIBUTE' && src.fields.size) {
      sf = src.fields.get(s);
      if (!sf) {
        const near = src.fields.has(`data.${s}`) ? `data.${s}` : didYouMean(s, candidates);
        out.push(finding('aep-source-attribute', l10n.sentences(l10n.t('"{0}" is not a field of the Stripe {1} records.', s, src.resourcePaths.join(', ')), near && l10n.t('Did you mean "{0}"?', near)), line.source.offset, line.source.offset + line.source.length, near ? [replaceFix(line.source, near)] : undefined));
      }
    }
    const d = stringOf(line.destination);
    if (line.destination && d !== undefined) {
      const prev = seen.get(d);
      if (prev) {
        out.push(finding('aep-destination-path', l10n.t('"{0}" is already mapped on line {1}: a field takes one value.', d, doc.lines.positionAt(prev.offset).line + 1), line.destination.offset, line.destination.offset + line.destination.length));
      } else seen.set(d, line.destination);
      if (xdm) {
        df = xdm.fields.get(d);
        if (!df) {
          const near = didYouMean(d, destinations);
          out.push(finding('aep-destination-path', l10n.sentences(l10n.t('"{0}" is not a field of the target XDM schema {1}.', d, xdm.title ?? basename(model.xdmSchemaPath!)), near && l10n.t('Did you mean "{0}"?', near)), line.destination.offset, line.destination.offset + line.destination.length, near ? [replaceFix(line.destination, near)] : undefined));
        }
      }
    }
    if (sf && df && line.destination) {
      const c = compatibility(sf.type, df.xdmType);
      if (c !== 'ok') {
        const f = finding('aep-mapping-type', c === 'mismatch'
          ? l10n.t('{0} is {1} but {2} is {3}: Data Prep cannot convert it, and every record fails.', sf.path, sf.type, df.path, df.xdmType)
          : l10n.t('{0} is {1} but {2} is {3}: values outside the range of {3} fail.', sf.path, sf.type, df.path, df.xdmType), line.destination.offset, line.destination.offset + line.destination.length);
        out.push(c === 'mismatch' ? f : { ...f, severity: 'warning' });
      }
    }
    if (line.identity && boolOf(line.identity) === true && xdm && df && !df.identity) {
      const capable = [...xdm.fields.values()].filter((f) => f.identity).map((f) => f.path);
      out.push(finding('aep-identity', l10n.sentences(l10n.t('{0} is not an identity field of the target schema: Identity Service takes only the fields its identity descriptors name.', df.path), capable.length ? l10n.t('Identity fields: {0}.', capable.join(', ')) : l10n.t('The schema marks no identity field.')), line.identity.offset, line.identity.offset + line.identity.length, [{ title: l10n.t('Set "identity" to false'), edits: [{ start: line.identity.offset, end: line.identity.offset + line.identity.length, newText: 'false' }], preferred: true }]));
    }
  }
  if (xdm) checkRequired(doc, xdm, seen, out);
}

function checkRequired(doc: ParsedDocument, xdm: XdmSchema, mapped: Map<string, Node>, out: Finding[]): void {
  const mappings = propertyKey(doc.root!, 'mappings');
  if (!mappings) return;
  const missing = [...xdm.fields.values()].filter((f) => f.required && f.type !== 'object' && !mapped.has(f.path) && ![...mapped.keys()].some((m) => f.path.startsWith(`${m}.`)));
  if (missing.length) {
    out.push(finding('aep-required-field', l10n.t('The target schema requires {0}, which no mapping fills: every record would be rejected.', missing.map((f) => f.path).join(', ')), mappings.offset, mappings.offset + mappings.length));
  }
}

function propertyKey(root: Node, name: string): Node | undefined {
  return root.children?.find((p) => p.children?.[0]?.value === name)?.children?.[0];
}
