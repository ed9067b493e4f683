/**
 * Deterministic sample data in the shapes the Stripe API returns (charges, customers, subscriptions, refunds,
 * balance_transactions, prices), so that exports, the penny test and the benchmarks run offline. The same seed
 * gives the same objects on every machine; objects reference each other as in a real account (a charge's
 * customer exists, a refund's charge exists, every charge and refund has its balance transaction).
 */

import { prng } from '../prng';

export const SAMPLE_TABLES = ['customers', 'prices', 'subscriptions', 'charges', 'refunds', 'balance_transactions'] as const;
export type SampleTable = (typeof SAMPLE_TABLES)[number];
export type StripeObject = Record<string, unknown> & { id: string; object: string; created: number };


const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CITIES: Array<[string, string, string]> = [['Berlin', 'DE', '10115'], ['Paris', 'FR', '75002'], ['Austin', 'US', '78701'], ['Dublin', 'IE', 'D02'], ['Lisboa', 'PT', '1100-148'], ['Osaka', 'JP', '530-0001']];
const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Zoë', 'José', 'Ngozi', 'Chen', 'Søren'];
const LAST = ['Lovelace', 'Hopper', 'Hamilton', 'Turing', 'Okafor', 'Müller', "O'Brien", 'Nakamura', 'García', 'Kowalski'];
const CURRENCIES = ['usd', 'eur', 'gbp'];
const BRANDS = ['visa', 'mastercard', 'amex'];

export interface SampleOptions {
  /** Charges to make; the other tables scale from it (default 1,000). */
  charges?: number;
  seed?: number;
  /** Unix seconds of the newest object (default 2026-11-01T00:00:00Z). */
  until?: number;
}

/** Every table's objects, in dependency order. Memory grows with `charges`: for big runs use `sampleObjects`. */
export function sampleData(options: SampleOptions = {}): Record<SampleTable, StripeObject[]> {
  const out = Object.fromEntries(SAMPLE_TABLES.map((t) => [t, [] as StripeObject[]])) as Record<SampleTable, StripeObject[]>;
  for (const [table, obj] of sampleObjects(options)) out[table].push(obj);
  return out;
}

/** The same objects as a stream of [table, object] pairs, for millions of rows in bounded memory. */
export function* sampleObjects(options: SampleOptions = {}): Generator<[SampleTable, StripeObject]> {
  const r = prng(options.seed ?? 42);
  const until = options.until ?? 1_793_491_200;
  const nCharges = options.charges ?? 1000;
  const nCustomers = Math.max(1, Math.ceil(nCharges / 5));
  const nPrices = Math.max(1, Math.min(50, Math.ceil(nCharges / 100)));
  const id = (prefix: string, n = 24) => {
    let x = `${prefix}_`;
    for (let k = 0; k < n; k++) x += ALNUM[Math.floor(r() * ALNUM.length)];
    return x;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const when = () => until - int(0, 365 * 86_400);

  // A customer's id, currency, name and email come from a generator of its own, seeded by its number: charges and
  // subscriptions re-derive the customer they refer to instead of keeping a list of every customer made (200,000 for a
  // million charges, ~50 MB that an export's memory would carry for nothing).
  const seed = options.seed ?? 42;
  const customerAt = (n: number): Customer => customerOf(seed, n);
  for (let n = 0; n < nCustomers; n++) {
    const [city, country, postal] = pick(CITIES);
    const c = customerAt(n);
    const { name, email } = c;
    yield ['customers', {
      id: c.id, object: 'customer', created: when(), livemode: false,
      address: r() < 0.2 ? null : { city, country, line1: `${int(1, 200)} Main Street`, line2: r() < 0.7 ? null : `Apt ${int(1, 40)}`, postal_code: postal, state: null },
      balance: r() < 0.9 ? 0 : -int(100, 5000), currency: c.currency, delinquent: r() < 0.05, description: r() < 0.5 ? null : 'Imported from the legacy shop',
      email, invoice_prefix: id('', 8).slice(1).toUpperCase(), metadata: r() < 0.5 ? {} : { crm_id: String(int(10000, 99999)), segment: pick(['smb', 'enterprise']) },
      name, phone: r() < 0.6 ? null : `+49${int(100000000, 999999999)}`, preferred_locales: r() < 0.7 ? [] : [pick(['de', 'fr', 'en'])], tax_exempt: 'none',
    }];
  }

  const prices: Array<{ id: string; currency: string; unit_amount: number; recurring: boolean }> = [];
  for (let n = 0; n < nPrices; n++) {
    const recurring = r() < 0.6;
    const p = { id: id('price', 24), currency: pick(CURRENCIES), unit_amount: pick([500, 990, 1500, 2900, 4900, 9900, 19900]), recurring };
    prices.push(p);
    yield ['prices', {
      id: p.id, object: 'price', active: r() < 0.9, billing_scheme: 'per_unit', created: when(), currency: p.currency, livemode: false,
      lookup_key: r() < 0.5 ? null : `plan_${n}`, metadata: {}, nickname: r() < 0.5 ? null : `Plan ${n}`, product: id('prod', 14),
      recurring: recurring ? { interval: pick(['month', 'year']), interval_count: 1, usage_type: 'licensed', aggregate_usage: null } : null,
      tax_behavior: pick(['exclusive', 'inclusive', 'unspecified']), type: recurring ? 'recurring' : 'one_time', unit_amount: p.unit_amount, unit_amount_decimal: String(p.unit_amount),
    }];
  }

  const recurringPrices = prices.filter((p) => p.recurring);
  for (let n = 0; n < nCustomers; n++) {
    if (!recurringPrices.length || r() < 0.5) continue;
    const c = customerAt(n);
    const price = pick(recurringPrices);
    const start = when();
    const status = pick(['active', 'active', 'active', 'past_due', 'canceled', 'trialing']);
    yield ['subscriptions', {
      id: id('sub', 24), object: 'subscription', cancel_at_period_end: r() < 0.1, canceled_at: status === 'canceled' ? start + 86_400 * int(30, 200) : null,
      collection_method: 'charge_automatically', created: start, currency: price.currency, current_period_end: start + 30 * 86_400, current_period_start: start,
      customer: c.id, ended_at: status === 'canceled' ? start + 86_400 * int(200, 300) : null,
      items: { object: 'list', data: [{ id: id('si', 14), object: 'subscription_item', price: { id: price.id, unit_amount: price.unit_amount, currency: price.currency }, quantity: int(1, 5) }], has_more: false },
      livemode: false, metadata: r() < 0.7 ? {} : { plan_source: 'web' }, start_date: start, status, trial_end: status === 'trialing' ? start + 14 * 86_400 : null,
    }];
  }

  for (let n = 0; n < nCharges; n++) {
    const c = customerAt(Math.floor(r() * nCustomers));
    const currency = r() < 0.8 ? c.currency : pick(CURRENCIES);
    const amount = int(100, 250_000);
    const failed = r() < 0.04;
    const refunded = !failed && r() < 0.08 ? (r() < 0.5 ? amount : int(1, amount - 1)) : 0;
    const created = when();
    const txn = id('txn', 24);
    const chargeId = id('ch', 24);
    const [city, country, postal] = pick(CITIES);
    yield ['charges', {
      id: chargeId, object: 'charge', amount, amount_captured: failed ? 0 : amount, amount_refunded: refunded, balance_transaction: failed ? null : txn,
      billing_details: { address: { city, country, line1: `${int(1, 99)} Market Street`, line2: null, postal_code: postal, state: null }, email: c.email, name: c.name, phone: null },
      captured: !failed, created, currency, customer: r() < 0.95 ? c.id : null, description: r() < 0.3 ? null : `Order #${100000 + n}, "express"`, disputed: r() < 0.01,
      failure_code: failed ? pick(['card_declined', 'expired_card', 'insufficient_funds']) : null, failure_message: failed ? 'Your card was declined.' : null,
      livemode: false, metadata: r() < 0.6 ? {} : { order_id: String(100000 + n), channel: pick(['web', 'app', 'pos']) },
      outcome: { network_status: failed ? 'declined_by_network' : 'approved_by_network', reason: failed ? 'generic_decline' : null, risk_level: pick(['normal', 'normal', 'elevated']), risk_score: int(0, 99), seller_message: failed ? 'The bank did not return any further details.' : 'Payment complete.', type: failed ? 'issuer_declined' : 'authorized' },
      paid: !failed, payment_intent: id('pi', 24), payment_method: id('pm', 24),
      payment_method_details: { card: { brand: pick(BRANDS), country, exp_month: int(1, 12), exp_year: int(2027, 2032), funding: pick(['credit', 'debit']), last4: String(int(0, 9999)).padStart(4, '0') }, type: 'card' },
      receipt_email: r() < 0.7 ? c.email : null, refunded: refunded === amount, statement_descriptor: null, status: failed ? 'failed' : 'succeeded',
    }];
    if (failed) continue;
    const fee = Math.round(amount * 0.029) + 30;
    yield ['balance_transactions', {
      id: txn, object: 'balance_transaction', amount, available_on: created + 2 * 86_400, created, currency, description: null, fee,
      fee_details: [{ amount: fee, application: null, currency, description: 'Stripe processing fees', type: 'stripe_fee' }], net: amount - fee,
      reporting_category: 'charge', source: chargeId, status: created + 2 * 86_400 < until ? 'available' : 'pending', type: 'charge',
    }];
    if (!refunded) continue;
    const rtxn = id('txn', 24);
    const refundId = id('re', 24);
    const rcreated = Math.min(until, created + int(1, 30) * 86_400);
    yield ['refunds', {
      id: refundId, object: 'refund', amount: refunded, balance_transaction: rtxn, charge: chargeId, created: rcreated, currency, metadata: {},
      payment_intent: null, reason: pick([null, 'requested_by_customer', 'duplicate']), status: 'succeeded',
    }];
    yield ['balance_transactions', {
      id: rtxn, object: 'balance_transaction', amount: -refunded, available_on: rcreated, created: rcreated, currency, description: 'REFUND FOR CHARGE', fee: 0,
      fee_details: [], net: -refunded, reporting_category: 'refund', source: refundId, status: 'available', type: 'refund',
    }];
  }
}

interface Customer {
  id: string;
  currency: string;
  name: string;
  email: string;
}

/** Customer `n` of the sample with this seed: the same whenever it is asked for, from a generator of its own. */
function customerOf(seed: number, n: number): Customer {
  // Seeds of the customers' generators: the sample's seed and the number, mixed (Knuth's multiplicative hash) so that
  // neighbouring numbers do not start neighbouring sequences.
  const r = prng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0);
  let id = 'cus_';
  for (let k = 0; k < 14; k++) id += ALNUM[Math.floor(r() * ALNUM.length)];
  const name = `${FIRST[Math.floor(r() * FIRST.length)]} ${LAST[Math.floor(r() * LAST.length)]}`;
  return { id, currency: CURRENCIES[Math.floor(r() * CURRENCIES.length)], name, email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}${n}@example.com` };
}
