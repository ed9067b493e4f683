/** Hover on a mapping line: both sides' types and docs, and whether Data Prep can write the one into the other. */
import type { ParsedDocument } from '../parse';
import type { Project } from '../project';
import { stringOf } from '../json';
import * as l10n from '../l10n';
import { modelsOfBody, sourceSide, xdmSchemaOf } from './model';
import { mappingLines } from './checks';
import { compatibility } from './types';

export function aepMappingHover(doc: ParsedDocument, offset: number, project: Project | undefined): string | undefined {
  if (!project || doc.kind !== 'aep' || doc.subKind !== 'mapping-set') return undefined;
  const line = mappingLines(doc).find((l) => offset >= l.node.offset && offset < l.node.offset + l.node.length);
  if (!line) return undefined;
  const model = modelsOfBody(doc.path, project)[0];
  if (!model) return undefined;
  const s = stringOf(line.source);
  const d = stringOf(line.destination);
  const sf = s !== undefined ? sourceSide(model, project).fields.get(s) : undefined;
  const xdm = xdmSchemaOf(model, project);
  const df = d !== undefined ? xdm?.fields.get(d) : undefined;
  const parts: string[] = [];
  const left = s === undefined ? '—' : `\`${s}\` (${sf ? sf.type : l10n.t('unknown field')})`;
  const right = d === undefined ? '—' : `\`${d}\` (${df ? df.xdmType : xdm ? l10n.t('unknown field') : l10n.t('no local XDM schema')})`;
  parts.push(`${left} → ${right}`);
  if (sf) parts.push(`**${l10n.t('Source')}**: ${sf.description ?? l10n.t('a field of the Stripe {0} records', sourceSide(model, project).resourcePaths.join(', '))}`);
  if (df) {
    const marks = [df.required && l10n.t('required'), df.identity && l10n.t('identity ({0})', df.identity.namespace ?? '—')].filter(Boolean).join(', ');
    parts.push(`**${l10n.t('Destination')}**: ${[df.title, df.description].filter(Boolean).join(' — ') || df.path}${marks ? ` (${marks})` : ''}`);
  }
  if (sf && df) {
    const c = compatibility(sf.type, df.xdmType);
    parts.push(c === 'ok' ? l10n.t('Data Prep writes {0} into {1}.', sf.type, df.xdmType) : c === 'narrowing' ? l10n.t('Values outside the range of {0} fail.', df.xdmType) : l10n.t('Data Prep cannot write {0} into {1}.', sf.type, df.xdmType));
  }
  return parts.join('\n\n');
}
