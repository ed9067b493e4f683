/** Checks on Adobe Flow Service request bodies: the fixed spec ids, formats, resource paths and schedule rules of seed 002. */
import type { Node } from 'jsonc-parser';
import { finding, type Finding } from '../diagnostics';
import { arrayItems, didYouMean, levenshtein, objectProp, propAt, quote, stringOf } from '../json';
import type { ParsedDocument } from '../parse';
import { replaceFix } from '../schema';
import {
  AEP_AUTH_SPEC_NAME, AEP_DATA_LAKE_CONNECTION_SPEC, AEP_FLOW_SPEC, AEP_MIN_INTERVAL, AEP_RESOURCE_PATHS,
  AEP_SOURCE_FORMAT, AEP_SPEC_VERSION, AEP_STRIPE_CONNECTION_SPEC, AEP_TARGET_FORMAT,
} from '../../data/aep';
import * as l10n from '../l10n';

const RESOURCE_PATHS = Object.keys(AEP_RESOURCE_PATHS);

export function checkAepBody(doc: ParsedDocument, out: Finding[]): void {
  const root = doc.root;
  if (!root || root.type !== 'object') return;
  switch (doc.subKind) {
    case 'base-connection':
      fixedValue(propAt(root, ['connectionSpec', 'id']), AEP_STRIPE_CONNECTION_SPEC, () => l10n.t('the Stripe source connection spec id'), out);
      fixedValue(propAt(root, ['connectionSpec', 'version']), AEP_SPEC_VERSION, () => l10n.t('the connection spec version'), out);
      fixedValue(propAt(root, ['auth', 'specName']), AEP_AUTH_SPEC_NAME, () => l10n.t('the Stripe auth spec name'), out);
      break;
    case 'source-connection':
      fixedValue(propAt(root, ['connectionSpec', 'id']), AEP_STRIPE_CONNECTION_SPEC, () => l10n.t('the Stripe source connection spec id'), out);
      fixedValue(propAt(root, ['connectionSpec', 'version']), AEP_SPEC_VERSION, () => l10n.t('the connection spec version'), out);
      fixedValue(propAt(root, ['data', 'format']), AEP_SOURCE_FORMAT, () => l10n.t('the only data format the Stripe source supports'), out);
      checkResourcePath(propAt(root, ['params', 'resourcePath']), out);
      break;
    case 'target-connection':
      fixedValue(propAt(root, ['connectionSpec', 'id']), AEP_DATA_LAKE_CONNECTION_SPEC, () => l10n.t('the data lake connection spec id'), out);
      fixedValue(propAt(root, ['connectionSpec', 'version']), AEP_SPEC_VERSION, () => l10n.t('the connection spec version'), out);
      fixedValue(propAt(root, ['data', 'format']), AEP_TARGET_FORMAT, () => l10n.t('the data lake target format'), out);
      break;
    case 'flow':
      fixedValue(propAt(root, ['flowSpec', 'id']), AEP_FLOW_SPEC, () => l10n.t('the Stripe flow spec id'), out);
      fixedValue(propAt(root, ['flowSpec', 'version']), AEP_SPEC_VERSION, () => l10n.t('the flow spec version'), out);
      checkSchedule(objectProp(root, 'scheduleParams'), doc, out);
      break;
  }
}

/**
 * A value the guide fixes. A near miss (a typo in a spec id) says "did you mean". `what` names the value
 * (a noun phrase in the user's language), built only when there is something to say.
 */
function fixedValue(node: Node | undefined, expected: string, what: () => string, out: Finding[]): void {
  if (!node || node.value === expected) return;
  if (node.type !== 'string') {
    out.push(finding('fixed-value', l10n.t('Must be the string "{0}" ({1}).', expected, what()), node.offset, node.offset + node.length, [replaceFix(node, expected)]));
    return;
  }
  const v = node.value as string;
  const near = levenshtein(v.toLowerCase(), expected.toLowerCase()) <= Math.max(2, Math.floor(expected.length / 6));
  out.push(
    finding('fixed-value', near ? l10n.t('"{0}" is not {1}. Did you mean "{2}"?', v, what(), expected) : l10n.t('"{0}" must be "{1}": {2} is fixed.', v, expected, what()), node.offset, node.offset + node.length, [replaceFix(node, expected)]),
  );
}

function checkResourcePath(node: Node | undefined, out: Finding[]): void {
  if (node?.type !== 'string' || RESOURCE_PATHS.includes(node.value)) return;
  const s = didYouMean(node.value, RESOURCE_PATHS);
  out.push(
    finding('aep-resource-path', l10n.sentences(l10n.t('"{0}" is not a Stripe resource path.', node.value), s && l10n.t('Did you mean "{0}"?', s), l10n.t('Use one of {0}.', RESOURCE_PATHS.join(', '))), node.offset, node.offset + node.length, s ? [replaceFix(node, s)] : undefined),
  );
}

export interface DecodedSourceParams {
  json?: unknown;
  text?: string;
  urlEncoded: boolean;
  error?: string;
}

export function decodeSourceParams(value: string): DecodedSourceParams {
  let raw = value;
  let urlEncoded = false;
  if (/%[0-9A-Fa-f]{2}/.test(raw)) {
    try {
      raw = decodeURIComponent(raw);
      urlEncoded = true;
    } catch {
      return { urlEncoded, error: l10n.t('it is not valid URL encoding') };
    }
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) return { urlEncoded, error: l10n.t('it is not base64') };
  const text = Buffer.from(raw, 'base64').toString('utf8');
  try {
    return { json: JSON.parse(text), text, urlEncoded };
  } catch {
    return { text, urlEncoded, error: l10n.t('it decodes to text that is not JSON') };
  }
}

export function encodeSourceParams(resourcePath: string): string {
  return Buffer.from(JSON.stringify({ resourcePath }), 'utf8').toString('base64');
}

/** sourceParams may sit in any body's params (and in explore requests kept beside them). */
export function checkSourceParams(node: Node, out: Finding[]): void {
  const d = decodeSourceParams(node.value as string);
  const range: [number, number] = [node.offset, node.offset + node.length];
  if (d.error) {
    out.push(finding('aep-source-params', l10n.t('sourceParams must be base64 of {"resourcePath":"…"}, but {0}. Example: {1} is {"resourcePath":"charges"}.', d.error, encodeSourceParams('charges')), ...range));
    return;
  }
  const rp = (d.json as { resourcePath?: unknown } | null)?.resourcePath;
  if (typeof rp !== 'string' || !RESOURCE_PATHS.includes(rp)) {
    const s = typeof rp === 'string' ? didYouMean(rp, RESOURCE_PATHS) : undefined;
    out.push(
      finding('aep-source-params', l10n.sentences(l10n.t('sourceParams decodes to {0}, which names no known resourcePath ({1}).', d.text!.slice(0, 100), RESOURCE_PATHS.join(', ')), s && l10n.t('Did you mean "{0}"?', s)), ...range, s ? [{ title: l10n.t('Encode {0}', `{"resourcePath":"${s}"}`), edits: [{ start: range[0], end: range[1], newText: quote(encodeSourceParams(s)) }], preferred: true }] : undefined),
    );
    return;
  }
  if (d.urlEncoded) {
    out.push(finding('aep-source-params', l10n.t('sourceParams is URL-encoded (%3D): in a request body write plain base64; only the explore URL query needs URL encoding.'), ...range, [{ title: l10n.t('Decode the URL encoding'), edits: [{ start: range[0], end: range[1], newText: quote(decodeURIComponent(node.value as string)) }], preferred: true }]));
  }
}

const FREQUENCIES = Object.keys(AEP_MIN_INTERVAL);

function checkSchedule(sched: Node | undefined, doc: ParsedDocument, out: Finding[]): void {
  if (!sched || sched.type !== 'object') return;
  const freqNode = objectProp(sched, 'frequency');
  const freq = stringOf(freqNode);
  const intervalNode = objectProp(sched, 'interval');
  const isHole = (n: Node) => doc.holes.some(([a, b]) => n.offset >= a && n.offset < b);
  if (freqNode && freq !== undefined && !FREQUENCIES.includes(freq)) {
    const s = didYouMean(freq, FREQUENCIES);
    out.push(finding('aep-schedule', l10n.sentences(l10n.t('Frequency "{0}" is not one of {1}.', freq, FREQUENCIES.join(', ')), s && l10n.t('Did you mean "{0}"?', s)), freqNode.offset, freqNode.offset + freqNode.length, s ? [replaceFix(freqNode, s)] : undefined));
  } else if (freq === 'once') {
    if (intervalNode) {
      const prop = intervalNode.parent!;
      out.push(finding('aep-schedule', l10n.t('A "once" flow takes no interval: remove "interval" (the Flow Service rejects it).'), prop.offset, prop.offset + prop.length, [{ title: l10n.t('Remove "interval"'), edits: [{ start: prop.offset, end: prop.offset + prop.length, newText: '' }] }]));
    }
  } else if (freq && FREQUENCIES.includes(freq)) {
    const min = AEP_MIN_INTERVAL[freq]!;
    if (!intervalNode) {
      out.push(finding('aep-schedule', l10n.t('A "{0}" flow needs an "interval": a whole number of {0}s between runs, at least {1}.', freq, min), sched.offset, sched.offset + 1));
    } else if (!isHole(intervalNode)) {
      const v = intervalNode.value;
      if (intervalNode.type !== 'number' || !Number.isInteger(v) || v === 0) {
        out.push(finding('aep-schedule', l10n.t('"interval" must be a non-zero whole number (at least {0} for "{1}").', min, freq), intervalNode.offset, intervalNode.offset + intervalNode.length));
      } else if (v < min) {
        out.push(finding('aep-schedule', l10n.t('The minimum interval for "{0}" is {1}; {2} is rejected by the Flow Service.', freq, min, v), intervalNode.offset, intervalNode.offset + intervalNode.length, [{ title: l10n.t('Change to {0}', min), edits: [{ start: intervalNode.offset, end: intervalNode.offset + intervalNode.length, newText: String(min) }], preferred: true }]));
      }
    }
  }
  const start = objectProp(sched, 'startTime');
  if (start && !isHole(start)) {
    const raw = start.type === 'string' || start.type === 'number' ? String(start.value) : undefined;
    if (raw === undefined || !/^\d+$/.test(raw)) {
      out.push(finding('aep-schedule', l10n.t('"startTime" must be Unix time in seconds, such as "1710267858".'), start.offset, start.offset + start.length));
    } else if (raw.length >= 13) {
      const secs = raw.slice(0, raw.length - 3);
      out.push(finding('aep-schedule', l10n.t('"startTime" looks like milliseconds; the Flow Service expects seconds ({0}).', secs), start.offset, start.offset + start.length, [{ title: l10n.t('Change to {0}', secs), edits: [{ start: start.offset, end: start.offset + start.length, newText: start.type === 'string' ? quote(secs) : secs }], preferred: true }]));
    } else {
      const n = Number(raw);
      if (n < 946684800 || n > 4102444800) out.push(finding('aep-schedule', l10n.t('"startTime" {0} is {1}: use a time between 2000 and 2100, in Unix seconds.', raw, new Date(n * 1000).toISOString().slice(0, 10)), start.offset, start.offset + start.length));
    }
  }
  for (const t of arrayItems(objectProp(doc.root, 'transformations'))) {
    const v = propAt(t, ['params', 'mappingVersion']);
    if (v && (v.type !== 'number' || !Number.isInteger(v.value) || v.value < 0)) {
      out.push(finding('schema-type', l10n.t('"mappingVersion" must be a whole number (0 for a new mapping set).'), v.offset, v.offset + v.length));
    }
  }
}
