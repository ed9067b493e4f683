/** The schema-type message: what a value must be and what it is, with the articles each language puts there. */
import type { Node } from 'jsonc-parser';
import { keyOf } from './json';
import * as l10n from './l10n';

function nodeTypeName(node: Node): string {
  return node.type === 'number' && Number.isInteger(node.value) ? 'integer' : node.type;
}

/** A JSON type with its article, as the object of "must be …" / "found …". */
function typePhrase(t: string): string {
  switch (t) {
    case 'string': return l10n.t('a string');
    case 'number': return l10n.t('a number');
    case 'integer': return l10n.t('an integer');
    case 'boolean': return l10n.t('a boolean');
    case 'object': return l10n.t('an object');
    case 'array': return l10n.t('an array');
    case 'null': return 'null';
    default: return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
  }
}

export function typeMessage(node: Node, types: string[]): string {
  const where = keyOf(node);
  const expected = types.length ? types.map((t) => typePhrase(t)).reduce((a, b) => l10n.t('{0} or {1}', a, b)) : '';
  const found = typePhrase(nodeTypeName(node));
  return where ? l10n.t('"{0}" must be {1}, found {2}.', where, expected, found) : l10n.t('Expected {0}, found {1}.', expected, found);
}
