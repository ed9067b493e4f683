/**
 * The resources of the Stripe API double (stripe-api.ts): what each list endpoint filters on, and for products,
 * prices, customers and coupons how create and update read their parameters — which are allowed, which are
 * required, how a string becomes an integer or a boolean, how `metadata` merges — with the error Stripe gives for
 * each mistake. Objects have the fields the Stripe API returns (the ones an import or an export reads).
 */
import type { Form, FormValue } from './stripe-form';

export type StripeObject = Record<string, unknown> & { id: string; object: string; created: number };

/** An answer other than 200: Stripe's error object. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly param?: string, readonly code?: string) {
    super(message);
  }
  body(): { error: Record<string, string> } {
    const e: Record<string, string> = { type: this.type, message: this.message };
    if (this.code) e.code = this.code;
    if (this.param) e.param = this.param;
    if (this.code) e.doc_url = `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, '-')}`;
    return { error: e };
  }
}

const invalid = (message: string, param?: string, code?: string) => new ApiError(400, 'invalid_request_error', message, param, code);
export const missing = (objectName: string, id: string, param = 'id') => new ApiError(404, 'invalid_request_error', `No such ${objectName}: '${id}'`, param, 'resource_missing');

/** What the endpoint handlers need from the store of one mode (test or live). */
export interface Store {
  get(resource: string, id: string): StripeObject | undefined;
  put(resource: string, obj: StripeObject): void;
  /** Every object of a resource, in no particular order. */
  all(resource: string): StripeObject[];
  newId(prefix: string, length: number): string;
  now(): number;
  livemode: boolean;
}

// --- parameter reading -----------------------------------------------------------------------------------------

export type Kind = 'string' | 'int' | 'bool' | 'metadata' | 'strings' | 'object';

function read(value: FormValue, kind: Kind, param: string): unknown {
  if (kind === 'object' || kind === 'metadata') {
    // An empty string unsets the whole value (`metadata=`).
    if (value === '') return null;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid object`, param);
    if (kind === 'metadata') {
      for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw invalid(`Invalid value for metadata key ${k}: metadata values must be strings`, `${param}[${k}]`);
    }
    return value;
  }
  if (kind === 'strings') {
    if (value === '') return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`Invalid array`, param);
    return value;
  }
  if (typeof value !== 'string') throw invalid(`Invalid ${kind === 'int' ? 'integer' : kind === 'bool' ? 'boolean' : 'string'}: an object was given`, param);
  if (value === '') return null;
  if (kind === 'int') {
    if (!/^-?\d+$/.test(value)) throw invalid(`Invalid integer: ${value}`, param);
    return Number(value);
  }
  if (kind === 'bool') {
    if (value !== 'true' && value !== 'false') throw invalid(`Invalid boolean: ${value}`, param);
    return value === 'true';
  }
  return value;
}

/** Reads the allowed parameters; anything else is refused as Stripe refuses it. */
export function readParams(form: Form, allowed: Record<string, Kind>, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k === 'expand') continue;
    const kind = allowed[k];
    if (!kind) throw invalid(`Received unknown parameter: ${path ? `${path}[${k}]` : k}`, path ? `${path}[${k}]` : k);
    out[k] = read(v, kind, path ? `${path}[${k}]` : k);
  }
  return out;
}

function required(p: Record<string, unknown>, name: string): void {
  if (p[name] === undefined || p[name] === null) throw invalid(`Missing required param: ${name}.`, name);
}

/** `metadata[k]=v` adds or replaces k, `metadata[k]=` removes it, `metadata=` removes all (Stripe's rules). */
function mergeMetadata(current: unknown, update: unknown): Record<string, string> {
  if (update === null) return {};
  const out = { ...((current as Record<string, string>) ?? {}) };
  for (const [k, v] of Object.entries(update as Record<string, string>)) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

function assign(obj: StripeObject, p: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(p)) {
    if (k === 'metadata') obj.metadata = mergeMetadata(obj.metadata, v);
    else if (k !== 'id') obj[k] = v;
  }
}

// --- resources -------------------------------------------------------------------------------------------------

export interface Resource {
  /** The `object` value, also the name in "No such …" errors. */
  object: string;
  /** List filters beyond limit/cursors/created: name → kind. */
  filters?: Record<string, Kind>;
  /** Whether an object passes the list filters (p holds only the filters given). */
  matches?(obj: StripeObject, p: Record<string, unknown>): boolean;
  create?(form: Form, store: Store): StripeObject;
  update?(obj: StripeObject, form: Form, store: Store): void;
  deletable?: boolean;
}

const PRODUCT_FIELDS: Record<string, Kind> = {
  name: 'string', active: 'bool', description: 'string', images: 'strings', metadata: 'metadata', shippable: 'bool', statement_descriptor: 'string',
  tax_code: 'string', unit_label: 'string', url: 'string', marketing_features: 'object', package_dimensions: 'object',
};
const PRICE_CREATE: Record<string, Kind> = {
  currency: 'string', product: 'string', product_data: 'object', unit_amount: 'int', unit_amount_decimal: 'string', active: 'bool', metadata: 'metadata',
  nickname: 'string', recurring: 'object', lookup_key: 'string', transfer_lookup_key: 'bool', tax_behavior: 'string', billing_scheme: 'string',
};
const PRICE_UPDATE: Record<string, Kind> = { active: 'bool', metadata: 'metadata', nickname: 'string', lookup_key: 'string', transfer_lookup_key: 'bool', tax_behavior: 'string' };
const CUSTOMER_FIELDS: Record<string, Kind> = {
  address: 'object', balance: 'int', description: 'string', email: 'string', metadata: 'metadata', name: 'string', phone: 'string',
  preferred_locales: 'strings', shipping: 'object', tax_exempt: 'string',
};
const COUPON_CREATE: Record<string, Kind> = {
  id: 'string', amount_off: 'int', currency: 'string', duration: 'string', duration_in_months: 'int', max_redemptions: 'int', metadata: 'metadata',
  name: 'string', percent_off: 'string', redeem_by: 'int',
};

function newProduct(p: Record<string, unknown>, store: Store, id?: string): StripeObject {
  const now = store.now();
  const product: StripeObject = {
    id: id ?? store.newId('prod', 14), object: 'product', active: true, created: now, default_price: null, description: null, images: [], livemode: store.livemode,
    marketing_features: [], metadata: {}, name: '', package_dimensions: null, shippable: null, statement_descriptor: null, tax_code: null, type: 'service',
    unit_label: null, updated: now, url: null,
  };
  assign(product, p);
  return product;
}

function newPrice(p: Record<string, unknown>, store: Store): StripeObject {
  required(p, 'currency');
  if (p.unit_amount == null && p.unit_amount_decimal == null) throw invalid('Missing required param: unit_amount.', 'unit_amount');
  let recurring: Record<string, unknown> | null = null;
  if (p.recurring) {
    const r = readParams(p.recurring as Form, { interval: 'string', interval_count: 'int', usage_type: 'string' }, 'recurring');
    if (!['day', 'week', 'month', 'year'].includes(String(r.interval))) throw invalid(`Invalid recurring[interval]: must be one of day, week, month, or year`, 'recurring[interval]');
    recurring = { interval: r.interval, interval_count: r.interval_count ?? 1, usage_type: r.usage_type ?? 'licensed', aggregate_usage: null, meter: null, trial_period_days: null };
  }
  const amount = (p.unit_amount as number | null) ?? Number(p.unit_amount_decimal);
  return {
    id: store.newId('price', 24), object: 'price', active: p.active ?? true, billing_scheme: p.billing_scheme ?? 'per_unit', created: store.now(),
    currency: String(p.currency).toLowerCase(), custom_unit_amount: null, livemode: store.livemode, lookup_key: p.lookup_key ?? null, metadata: mergeMetadata({}, p.metadata ?? {}),
    nickname: p.nickname ?? null, product: p.product, recurring, tax_behavior: p.tax_behavior ?? 'unspecified', tiers_mode: null, transform_quantity: null,
    type: recurring ? 'recurring' : 'one_time', unit_amount: amount, unit_amount_decimal: p.unit_amount_decimal ?? String(amount),
  };
}

/** A lookup key names one price: a second price takes it only with transfer_lookup_key=true. */
function claimLookupKey(price: StripeObject, p: Record<string, unknown>, store: Store): void {
  if (!p.lookup_key) return;
  const holder = store.all('prices').find((x) => x.lookup_key === p.lookup_key && x.id !== price.id);
  if (!holder) return;
  if (p.transfer_lookup_key !== true) throw invalid(`A price (\`${holder.id}\`) already uses that lookup key.`, 'lookup_key', 'lookup_key_already_used');
  holder.lookup_key = null;
}

export function resources(store: Store): Record<string, Resource> {
  const products: Resource = {
    object: 'product',
    filters: { active: 'bool', ids: 'strings' },
    matches: (o, p) => (p.active === undefined || o.active === p.active) && (!p.ids || (p.ids as string[]).includes(o.id)),
    create(form) {
      const p = readParams(form, { ...PRODUCT_FIELDS, id: 'string', default_price_data: 'object' });
      required(p, 'name');
      if (p.id && store.get('products', p.id as string)) throw invalid('Product already exists.', 'id', 'resource_already_exists');
      const { default_price_data: dpd, ...rest } = p;
      const product = newProduct(rest, store, p.id as string | undefined);
      if (dpd) {
        const price = newPrice({ ...readParams(dpd as Form, { currency: 'string', unit_amount: 'int', unit_amount_decimal: 'string', recurring: 'object', tax_behavior: 'string' }, 'default_price_data'), product: product.id }, store);
        store.put('prices', price);
        product.default_price = price.id;
      }
      return product;
    },
    update(obj, form) {
      const p = readParams(form, { ...PRODUCT_FIELDS, default_price: 'string' });
      if (p.name === null) throw invalid('You cannot unset the name of a product.', 'name');
      if (p.default_price) {
        const price = store.get('prices', p.default_price as string);
        if (!price || price.product !== obj.id) throw missing('price', p.default_price as string, 'default_price');
      }
      assign(obj, p);
      obj.updated = store.now();
    },
    deletable: true,
  };
  const prices: Resource = {
    object: 'price',
    filters: { active: 'bool', currency: 'string', product: 'string', type: 'string', lookup_keys: 'strings' },
    matches: (o, p) =>
      (p.active === undefined || o.active === p.active) && (!p.currency || o.currency === p.currency) && (!p.product || o.product === p.product) &&
      (!p.type || o.type === p.type) && (!p.lookup_keys || (p.lookup_keys as string[]).includes(o.lookup_key as string)),
    create(form) {
      const p = readParams(form, PRICE_CREATE);
      if (!p.product && !p.product_data) throw invalid('You must specify either `product` or `product_data` when creating a price.', 'product');
      if (p.product && !store.get('products', p.product as string)) throw missing('product', p.product as string, 'product');
      if (p.product_data) {
        const product = newProduct(readParams(p.product_data as Form, { name: 'string', active: 'bool', metadata: 'metadata', statement_descriptor: 'string', tax_code: 'string', unit_label: 'string' }, 'product_data'), store);
        required(product, 'name');
        store.put('products', product);
        p.product = product.id;
      }
      const { product_data: _pd, transfer_lookup_key: _t, ...rest } = p;
      const price = newPrice(rest, store);
      claimLookupKey(price, p, store);
      return price;
    },
    update(obj, form) {
      const p = readParams(form, PRICE_UPDATE);
      if (p.active === false && store.all('products').some((x) => x.default_price === obj.id)) throw invalid('This price cannot be archived because it is the default price of its product.', 'active');
      claimLookupKey(obj, p, store);
      const { transfer_lookup_key: _t, ...rest } = p;
      assign(obj, rest);
    },
  };
  const customers: Resource = {
    object: 'customer',
    filters: { email: 'string' },
    matches: (o, p) => !p.email || o.email === p.email,
    create(form) {
      const p = readParams(form, CUSTOMER_FIELDS);
      const customer: StripeObject = {
        id: store.newId('cus', 14), object: 'customer', address: null, balance: 0, created: store.now(), currency: null, default_source: null, delinquent: false,
        description: null, discount: null, email: null, invoice_prefix: store.newId('', 8).slice(1).toUpperCase(), livemode: store.livemode, metadata: {}, name: null,
        next_invoice_sequence: 1, phone: null, preferred_locales: [], shipping: null, tax_exempt: 'none', test_clock: null,
      };
      assign(customer, p);
      return customer;
    },
    update(obj, form) {
      assign(obj, readParams(form, CUSTOMER_FIELDS));
    },
    deletable: true,
  };
  const coupons: Resource = {
    object: 'coupon',
    create(form) {
      const p = readParams(form, COUPON_CREATE);
      if (p.id && store.get('coupons', p.id as string)) throw invalid('Coupon already exists.', 'id', 'resource_already_exists');
      if ((p.amount_off == null) === (p.percent_off == null)) throw invalid('You must pass exactly one of amount_off or percent_off.', p.amount_off == null ? 'amount_off' : 'percent_off');
      const percent = p.percent_off == null ? null : Number(p.percent_off);
      if (percent !== null && !(percent > 0 && percent <= 100)) throw invalid('Invalid percent_off: must be greater than 0 and at most 100', 'percent_off');
      if (p.amount_off != null) required(p, 'currency');
      const duration = (p.duration as string | undefined) ?? 'once';
      if (!['once', 'repeating', 'forever'].includes(duration)) throw invalid(`Invalid duration: must be one of once, repeating, or forever`, 'duration');
      if (duration === 'repeating') required(p, 'duration_in_months');
      return {
        id: (p.id as string | undefined) ?? store.newId('', 8).slice(1), object: 'coupon', amount_off: p.amount_off ?? null, created: store.now(),
        currency: p.currency ? String(p.currency).toLowerCase() : null, duration, duration_in_months: p.duration_in_months ?? null, livemode: store.livemode,
        max_redemptions: p.max_redemptions ?? null, metadata: mergeMetadata({}, p.metadata ?? {}), name: p.name ?? null, percent_off: percent,
        redeem_by: p.redeem_by ?? null, times_redeemed: 0, valid: true,
      };
    },
    update(obj, form) {
      assign(obj, readParams(form, { metadata: 'metadata', name: 'string' }));
    },
    deletable: true,
  };
  const eq = (field: string) => (o: StripeObject, p: Record<string, unknown>) => p[field] === undefined || o[field] === p[field];
  return {
    products,
    prices,
    customers,
    coupons,
    charges: { object: 'charge', filters: { customer: 'string', payment_intent: 'string' }, matches: (o, p) => eq('customer')(o, p) && eq('payment_intent')(o, p) },
    refunds: { object: 'refund', filters: { charge: 'string', payment_intent: 'string' }, matches: (o, p) => eq('charge')(o, p) && eq('payment_intent')(o, p) },
    balance_transactions: { object: 'balance_transaction', filters: { type: 'string', source: 'string', currency: 'string' }, matches: (o, p) => eq('type')(o, p) && eq('source')(o, p) && eq('currency')(o, p) },
    subscriptions: {
      object: 'subscription',
      filters: { status: 'string', customer: 'string', price: 'string' },
      // Without a status, Stripe lists every subscription that is not canceled; `all` lists them all.
      matches: (o, p) =>
        (p.status === 'all' || (p.status === undefined ? o.status !== 'canceled' : p.status === 'ended' ? o.status === 'canceled' || o.status === 'incomplete_expired' : o.status === p.status)) &&
        eq('customer')(o, p) && (!p.price || JSON.stringify(o.items ?? '').includes(`"${p.price}"`)),
    },
    invoices: { object: 'invoice', filters: { customer: 'string', status: 'string', subscription: 'string' }, matches: (o, p) => eq('customer')(o, p) && eq('status')(o, p) && eq('subscription')(o, p) },
    payment_intents: { object: 'payment_intent', filters: { customer: 'string' }, matches: eq('customer') },
    disputes: { object: 'dispute', filters: { charge: 'string', payment_intent: 'string' }, matches: (o, p) => eq('charge')(o, p) && eq('payment_intent')(o, p) },
    payouts: { object: 'payout', filters: { status: 'string', destination: 'string' }, matches: (o, p) => eq('status')(o, p) && eq('destination')(o, p) },
  };
}
