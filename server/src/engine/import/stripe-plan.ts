/**
 * What the Stripe destination does with each mapped record — create, update, leave unchanged, or reject — and
 * the request parameters it sends, decided from the record and what Stripe holds now for its key. Pure: the
 * node side lists the existing objects and sends the requests (server/src/node/import/stripe.ts); the dry run
 * and the preview use the same decisions without writing.
 *
 * Update parameters depend on the record alone (every updatable field of the template, not only the changed
 * ones), so a resumed run sends the same parameters under the same idempotency key and Stripe replays the
 * first answer instead of refusing the key.
 */
import { METADATA_FIELD, STRIPE_OBJECTS, stripeField, type StripeObjectSchema } from '../../data/stripe-objects';
import * as l10n from '../l10n';
import type { MappedRecord, Template } from './mapping';

export type StripeAction = 'create' | 'update' | 'unchanged' | 'reject';

export interface StripeTarget {
  /** `products` …: the API resource. */
  resource: string;
  schema: StripeObjectSchema;
  /** How a record finds its object: the object id, or an external id kept in a metadata key. */
  match: { kind: 'id' } | { kind: 'metadata'; name: string };
  /** The template's Stripe field paths, in column order. */
  fields: string[];
  /** The template's column names, in the same order. */
  columns: string[];
}

/** What Stripe holds for a key: the object id and the current values of the template's fields. */
export interface ExistingObject {
  id: string;
  values: Record<string, unknown>;
  /** A product's default price (when the template fills `default_price_data.*`): archived once a new one replaces it. */
  defaultPrice?: string;
  /**
   * A price the default price replaced (its metadata says which: REPLACES_KEY) that is still active: a run stopped
   * between pointing the product at the new price and archiving the old one. The next plan for the product archives it.
   */
  unarchived?: string;
}

/** Metadata key of a price Pipewright made to replace a product's default price: the id of the price it replaced. */
export const REPLACES_KEY = 'pipewright_replaces';

export type Params = Record<string, unknown>;

export interface StripeRequest {
  /**
   * `price`: a new default price for a product (its id then goes into the update as `default_price`);
   * `archive-price`: the price it replaced, made inactive (`id`) once the product no longer points at it.
   */
  kind: 'create' | 'update' | 'price' | 'archive-price';
  params: Params;
  /** archive-price: the price. */
  id?: string;
}

export interface RecordPlan {
  action: StripeAction;
  /** The object updated or left unchanged. */
  id?: string;
  requests: StripeRequest[];
  /** The fields that differ from Stripe (updates). */
  changed?: string[];
  /** Why a record is rejected, or what an update does besides its changed fields. */
  message?: string;
}

/** The target of a template, or an error saying what to change in the template file. */
export function stripeTarget(template: Template, where: string): StripeTarget {
  const schema = STRIPE_OBJECTS[template.object];
  if (!schema) throw new Error(l10n.t('{0}: the Stripe destination writes {1}; "{2}" objects are not supported: import them into SQLite or JSON Lines instead.', where, Object.keys(STRIPE_OBJECTS).join(', '), template.object));
  const fields = template.columns.map((c) => c.field);
  const unknown = fields.filter((f) => !stripeField(template.object, f));
  if (unknown.length) throw new Error(l10n.t('{0}: {1} cannot be written on a Stripe {2}; run "pipewright lint" on the template for the fields it has.', where, unknown.map((f) => `"${f}"`).join(', '), schema.object));
  const keyField = template.columns.find((c) => c.column === template.key)!.field;
  const meta = METADATA_FIELD.exec(keyField);
  if (keyField !== 'id' && !meta) {
    throw new Error(l10n.t('{0}: the key column "{1}" fills "{2}"; to find the {3} again on the next run it must fill "id" or a metadata key such as "metadata.external_id".', where, template.key, keyField, schema.object));
  }
  return { resource: template.object, schema, match: meta ? { kind: 'metadata', name: meta[1] } : { kind: 'id' }, fields, columns: template.columns.map((c) => c.column) };
}

/** The key under which an existing object is found: its id, or its external id in metadata. */
export function keyOfObject(target: StripeTarget, obj: { id: string; metadata?: Record<string, string> | null }): string | undefined {
  return target.match.kind === 'id' ? obj.id : (obj.metadata?.[target.match.name] ?? undefined);
}

/**
 * The current values of the template's fields on an object as the API returns it. A product's
 * `default_price_data.*` are read from its default price (`price`), when it has one.
 */
export function valuesOf(target: StripeTarget, obj: Record<string, unknown>, price?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of target.fields) {
    if (target.resource === 'products' && f.startsWith('default_price_data.')) out[f] = price ? get(price, f.slice('default_price_data.'.length)) : undefined;
    else out[f] = get(obj, f);
  }
  return out;
}

function get(o: Record<string, unknown>, path: string): unknown {
  let v: unknown = o;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function setPath(params: Params, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = params;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Params;
  node[parts[parts.length - 1]] = value;
}

/** Stripe's view of a value: absent, null and '' are one; currencies in any case are one. */
function norm(path: string, v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  return path.endsWith('currency') ? String(v).toLowerCase() : String(v);
}

/** A record's value as a request parameter: metadata values are strings on the wire. */
function wire(path: string, v: unknown): unknown {
  return path.startsWith('metadata.') ? String(v) : v;
}

export function planRecord(target: StripeTarget, record: MappedRecord, existing: ExistingObject | undefined): RecordPlan {
  const { schema } = target;
  const reject = (message: string): RecordPlan => ({ action: 'reject', requests: [], message });
  if (!existing) {
    if (target.match.kind === 'id' && !schema.chosenId) {
      return reject(l10n.t('no {0} has the id "{1}", and Stripe chooses {0} ids itself: key the template on a metadata field (such as "metadata.external_id") to create {2}.', schema.object, record.key, target.resource));
    }
    const params: Params = {};
    for (const f of target.fields) {
      const v = record.fields[f];
      if (v !== null && v !== undefined) setPath(params, f, wire(f, v));
    }
    const missing = Object.entries(schema.fields).filter(([f, s]) => s.requiredOnCreate && !target.fields.includes(f)).map(([f]) => f);
    if (missing.length) return reject(l10n.t('a new {0} needs "{1}", which the template does not fill', schema.object, missing.join('", "')));
    return { action: 'create', requests: [{ kind: 'create', params }] };
  }
  const changed = target.fields.filter((f) => f !== 'id' && f !== 'product_data.name' && norm(f, record.fields[f]) !== norm(f, existing.values[f]));
  const finish = existing.unarchived ? [archive(existing.unarchived)] : [];
  const finishing = existing.unarchived ? l10n.t('archives {0}, which an interrupted run replaced as the default price', existing.unarchived) : undefined;
  if (!changed.length) return finish.length ? { action: 'update', id: existing.id, requests: finish, message: finishing } : { action: 'unchanged', id: existing.id, requests: [] };
  const frozen = changed.filter((f) => schema.fields[f]?.createOnly);
  const requests: StripeRequest[] = [];
  const update: Params = {};
  let replaced: string | undefined;
  if (frozen.length && target.resource === 'products' && frozen.every((f) => f.startsWith('default_price_data.'))) {
    // A price's amount never changes in Stripe: a product whose price changed gets a new default price.
    const price: Params = { product: existing.id };
    for (const f of target.fields) {
      const v = record.fields[f];
      if (f.startsWith('default_price_data.') && v !== null && v !== undefined) setPath(price, f.slice('default_price_data.'.length), v);
    }
    // The old price stays with the subscriptions that use it, but is no longer offered: archived, as the Dashboard
    // does when a price is replaced. Stripe refuses to archive a product's default price, so this comes last; the new
    // price names the old one, so that a run stopped before the archive has the next run finish it (`unarchived`).
    replaced = existing.defaultPrice;
    if (replaced) setPath(price, `metadata.${REPLACES_KEY}`, replaced);
    requests.push({ kind: 'price', params: price });
  } else if (frozen.length) {
    return reject(l10n.t('{0} of an existing {1} cannot change (Stripe refuses it on update; {2} has {3}): create a new {1} under another key, or put the old value back', frozen[0], schema.object, existing.id, norm(frozen[0], existing.values[frozen[0]]) || '—'));
  }
  for (const f of target.fields) {
    const s = stripeField(target.resource, f);
    if (!s || s.createOnly || f === 'id') continue;
    const v = record.fields[f];
    if (v !== null && v !== undefined) setPath(update, f, wire(f, v));
    else if (s.clearable) setPath(update, f, '');
  }
  requests.push({ kind: 'update', params: update });
  if (replaced) requests.push(archive(replaced));
  requests.push(...finish);
  return { action: 'update', id: existing.id, requests, changed, ...(finishing ? { message: finishing } : {}) };
}

function archive(price: string): StripeRequest {
  return { kind: 'archive-price', id: price, params: { active: false } };
}

/** The values the object has once a plan is applied, to plan a later record with the same key. */
export function appliedValues(target: StripeTarget, record: MappedRecord, before: ExistingObject | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(before?.values ?? {}) };
  for (const f of target.fields) out[f] = record.fields[f];
  return out;
}
