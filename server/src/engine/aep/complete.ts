/**
 * Completion inside a mapping set: `sourceAttribute` from the Stripe fields of the pipeline's resource paths,
 * `destinationXdmPath` from the local XDM schema. Fields not yet mapped come first; for a destination, the fields
 * whose type takes the line's source and whose name matches it (data.amount_captured → amountCaptured) lead.
 */
import type { ParsedDocument } from '../parse';
import type { Project } from '../project';
import type { Completion } from '../complete';
import { quote, stringOf } from '../json';
import * as l10n from '../l10n';
import { modelsOfBody, sourceSide, xdmSchemaOf } from './model';
import { mappingLines } from './checks';
import { compatibility } from './types';

export function aepCompletions(kind: string, doc: ParsedDocument, offset: number, range: [number, number], project?: Project): Completion[] {
  if (!project || doc.kind !== 'aep' || doc.subKind !== 'mapping-set') return [];
  const model = modelsOfBody(doc.path, project)[0];
  if (!model) return [];
  const lines = mappingLines(doc);
  const here = lines.find((l) => offset >= l.node.offset && offset <= l.node.offset + l.node.length);
  const src = sourceSide(model, project);
  if (kind === 'aep-source-attribute') {
    const used = new Set(lines.filter((l) => l !== here).map((l) => stringOf(l.source)));
    return [...src.fields.values()].map((f) => ({
      label: f.path,
      kind: 'value' as const,
      insertText: quote(f.path),
      filterText: quote(f.path),
      replace: range,
      detail: `${f.type}${used.has(f.path) ? ` — ${l10n.t('already mapped')}` : ''}`,
      documentation: [f.description, l10n.t('Stripe {0}, as the explore endpoint returns it.', src.resourcePaths.join(', '))].filter(Boolean).join('\n\n'),
      sortText: `${used.has(f.path) ? '1' : '0'}${f.path}`,
    }));
  }
  if (kind === 'aep-xdm-path') {
    const xdm = xdmSchemaOf(model, project);
    if (!xdm) return [];
    const used = new Set(lines.filter((l) => l !== here).map((l) => stringOf(l.destination)));
    const sf = here && stringOf(here.source) !== undefined ? src.fields.get(stringOf(here.source)!) : undefined;
    const wanted = sf ? norm(sf.path.slice(sf.path.lastIndexOf('.') + 1)) : undefined;
    return [...xdm.fields.values()].map((f) => {
      const fits = sf ? compatibility(sf.type, f.xdmType) === 'ok' : f.type !== 'object';
      const named = wanted !== undefined && nameMatches(wanted, f.path);
      const rank = (used.has(f.path) ? 4 : 0) + (fits ? 0 : 2) + (named ? 0 : 1);
      const marks = [f.required && l10n.t('required'), f.identity && l10n.t('identity'), used.has(f.path) && l10n.t('already mapped')].filter(Boolean).join(', ');
      return {
        label: f.path,
        kind: 'value' as const,
        insertText: quote(f.path),
        filterText: quote(f.path),
        replace: range,
        detail: `${f.xdmType}${marks ? ` — ${marks}` : ''}`,
        documentation: [f.title && `**${f.title}**`, f.description].filter(Boolean).join('\n\n') || undefined,
        sortText: `${rank}${f.path}`,
      };
    });
  }
  return [];
}

function norm(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `amount_captured` matches `…amountCaptured`; `id` matches `chargeId` too (an id field ends in Id). */
function nameMatches(wanted: string, path: string): boolean {
  const last = norm(path.slice(path.lastIndexOf('.') + 1));
  return last === wanted || (wanted === 'id' && last.endsWith('id')) || last === `${wanted}id` || last.startsWith(wanted);
}
