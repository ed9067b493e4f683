/** Checks on import data templates: the key names a column, columns are unique, enums carry their values. */
import type { Node } from 'jsonc-parser';
import { finding, type Finding } from '../diagnostics';
import { arrayItems, didYouMean, objectProp, propertyNode, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import { replaceFix } from '../schema';
import * as l10n from '../l10n';
import { STRIPE_OBJECTS, stripeField } from '../../data/stripe-objects';

export function checkTemplate(doc: ParsedDocument, out: Finding[]): void {
  const root = doc.root;
  if (!root || root.type !== 'object') return;
  const columns = arrayItems(objectProp(root, 'columns'));
  const object = stringOf(objectProp(root, 'object'));
  const names: string[] = [];
  const fields = new Map<string, string>();
  for (const c of columns) {
    const nameNode = objectProp(c, 'column');
    const name = stringOf(nameNode);
    if (nameNode && name !== undefined) {
      if (names.includes(name)) out.push(finding('template-column', l10n.t('Column "{0}" is mapped twice: keep one mapping per column.', name), nameNode.offset, nameNode.offset + nameNode.length));
      names.push(name);
    }
    const fieldNode = objectProp(c, 'field');
    const field = stringOf(fieldNode);
    if (fieldNode && field) {
      const other = fields.get(field);
      if (other !== undefined && other !== name) out.push(finding('template-column', l10n.t('Field "{0}" is already filled from column "{1}": two columns would overwrite each other.', field, other), fieldNode.offset, fieldNode.offset + fieldNode.length));
      fields.set(field, name ?? '');
      checkField(object, field, fieldNode, out);
    }
    const type = stringOf(objectProp(c, 'type'));
    const values = propertyNode(c, 'values');
    if (type === 'enum' && !values) {
      out.push(finding('template-column', l10n.t('Column "{0}" has type "enum" but no "values": list the values the column may hold.', name ?? '?'), c.offset, c.offset + 1));
    } else if (type !== undefined && type !== 'enum' && values) {
      out.push(finding('template-column', l10n.t('"values" only applies to columns of type "enum".'), values.offset, values.offset + values.length));
    }
    const fmt = propertyNode(c, 'format');
    if (fmt && type !== 'timestamp') out.push(finding('template-column', l10n.t('"format" only applies to columns of type "timestamp".'), fmt.offset, fmt.offset + fmt.length));
    const exp = propertyNode(c, 'currencyExponent');
    if (exp && type !== 'decimal') out.push(finding('template-column', l10n.t('"currencyExponent" only applies to columns of type "decimal".'), exp.offset, exp.offset + exp.length));
  }
  const keyNode = objectProp(root, 'key');
  const key = stringOf(keyNode);
  if (keyNode && key !== undefined && columns.length && !names.includes(key)) {
    const s = didYouMean(key, names);
    out.push(finding('template-key', l10n.sentences(l10n.t('The key "{0}" is not one of the template\'s columns ({1}).', key, names.join(', ')), s && l10n.t('Did you mean "{0}"?', s)), keyNode.offset, keyNode.offset + keyNode.length, s ? [replaceFix(keyNode, s)] : undefined));
  }
}

/** A field the template's Stripe object has, from the shipped Stripe object schemas (objects without one are not checked). */
function checkField(object: string | undefined, field: string, node: Node, out: Finding[]): void {
  const schema = object ? STRIPE_OBJECTS[object] : undefined;
  if (!schema || stripeField(object!, field)) return;
  const s = didYouMean(field, Object.keys(schema.fields));
  out.push(
    finding(
      'template-field',
      l10n.sentences(l10n.t('A Stripe {0} has no field "{1}" an import can write: use one of its fields or "metadata.<key>" for your own data.', schema.object, field), s && l10n.t('Did you mean "{0}"?', s)),
      node.offset,
      node.offset + node.length,
      s ? [replaceFix(node, s)] : undefined,
    ),
  );
}
