/**
 * The columns of each exported table: Stripe objects flattened into typed columns, the same for every run, so
 * that a warehouse table built on the first delivery still fits the next one. Rules: ids and enums are strings;
 * amounts and counts are INT64; Unix timestamps become TIMESTAMP (UTC, milliseconds); booleans stay booleans;
 * small nested objects become dotted columns (`billing_details.address.city`); lists and open-ended objects
 * (`metadata`, `items`, `fee_details`) become JSON strings. A field absent from an object is null. The
 * reference in docs/export-schema.md is generated from this file (a test keeps them equal).
 */

export type ColumnType = 'string' | 'int64' | 'timestamp' | 'boolean' | 'json' | 'double';

export interface Column {
  /** The Parquet column name: the dotted path of the field. */
  name: string;
  type: ColumnType;
  /** One line for the reference. */
  doc?: string;
}

export type Row = Record<string, string | number | boolean | null>;

const s = (name: string, doc?: string): Column => ({ name, type: 'string', doc });
const i = (name: string, doc?: string): Column => ({ name, type: 'int64', doc });
const t = (name: string, doc?: string): Column => ({ name, type: 'timestamp', doc });
const b = (name: string, doc?: string): Column => ({ name, type: 'boolean', doc });
const j = (name: string, doc?: string): Column => ({ name, type: 'json', doc });
const address = (p: string): Column[] => ['city', 'country', 'line1', 'line2', 'postal_code', 'state'].map((f) => s(`${p}.${f}`));

export const TABLES: Record<string, Column[]> = {
  charges: [
    s('id', 'ch_…'), i('amount', 'minor units'), i('amount_captured'), i('amount_refunded'), s('balance_transaction', 'txn_…'),
    ...address('billing_details.address'), s('billing_details.email'), s('billing_details.name'), s('billing_details.phone'),
    b('captured'), t('created'), s('currency', 'ISO 4217, lower case'), s('customer', 'cus_…'), s('description'), b('disputed'),
    s('failure_code'), s('failure_message'), b('livemode'), j('metadata'),
    s('outcome.network_status'), s('outcome.reason'), s('outcome.risk_level'), i('outcome.risk_score'), s('outcome.seller_message'), s('outcome.type'),
    b('paid'), s('payment_intent', 'pi_…'), s('payment_method', 'pm_…'),
    s('payment_method_details.type'), s('payment_method_details.card.brand'), s('payment_method_details.card.country'),
    i('payment_method_details.card.exp_month'), i('payment_method_details.card.exp_year'), s('payment_method_details.card.funding'), s('payment_method_details.card.last4'),
    s('receipt_email'), b('refunded'), s('statement_descriptor'), s('status', 'succeeded, pending or failed'),
  ],
  customers: [
    s('id', 'cus_…'), ...address('address'), i('balance'), t('created'), s('currency'), b('delinquent'), s('description'), s('email'),
    s('invoice_prefix'), b('livemode'), j('metadata'), s('name'), s('phone'), j('preferred_locales'), s('tax_exempt'),
  ],
  subscriptions: [
    s('id', 'sub_…'), b('cancel_at_period_end'), t('canceled_at'), s('collection_method'), t('created'), s('currency'), t('current_period_end'),
    t('current_period_start'), s('customer', 'cus_…'), t('ended_at'), j('items', 'the subscription items, as Stripe lists them'), b('livemode'), j('metadata'),
    t('start_date'), s('status'), t('trial_end'),
  ],
  refunds: [
    s('id', 're_…'), i('amount'), s('balance_transaction'), s('charge', 'ch_…'), t('created'), s('currency'), j('metadata'),
    s('payment_intent'), s('reason'), s('status'),
  ],
  balance_transactions: [
    s('id', 'txn_…'), i('amount'), t('available_on'), t('created'), s('currency'), s('description'), i('fee'), j('fee_details'),
    i('net'), s('reporting_category'), s('source'), s('status'), s('type'),
  ],
  prices: [
    s('id', 'price_…'), b('active'), s('billing_scheme'), t('created'), s('currency'), b('livemode'), s('lookup_key'), j('metadata'),
    s('nickname'), s('product', 'prod_…'), s('recurring.interval'), i('recurring.interval_count'), s('recurring.usage_type'),
    s('tax_behavior'), s('type'), i('unit_amount'), s('unit_amount_decimal', 'exact decimal, as text'),
  ],
};

/** Tables without a column list of their own: the common fields, and the whole object as JSON. */
export const GENERIC: Column[] = [s('id'), s('object'), t('created'), b('livemode'), j('data', 'the whole object, as Stripe returns it')];

export function columnsOf(table: string): Column[] {
  return TABLES[table] ?? GENERIC;
}

/** One Stripe object → one row of the table's columns. Values of the wrong type are kept as text, never dropped. */
export function flatten(table: string, obj: Record<string, unknown>): Row {
  const columns = columnsOf(table);
  const row: Row = {};
  for (const c of columns) {
    const v = c.name === 'data' && !TABLES[table] ? obj : get(obj, c.name);
    row[c.name] = convert(v, c.type);
  }
  return row;
}

function get(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  let v: unknown = obj;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function convert(v: unknown, type: ColumnType): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'json':
      return JSON.stringify(v);
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : null;
    case 'double':
      return typeof v === 'number' ? v : null;
    case 'timestamp':
      // Stripe timestamps are Unix seconds; the column holds milliseconds.
      return typeof v === 'number' ? v * 1000 : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    default:
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/** docs/export-schema.md: every table's columns, generated from TABLES. */
export function schemaReference(): string {
  const out = [
    '# Export schema',
    '',
    '<!-- Generated from server/src/engine/export/tables.ts; test/export/tables.test.ts keeps it in step. -->',
    '',
    'Every exported table is a directory of Parquet files with these columns. Types: `string` (UTF8), `int64`,',
    '`timestamp` (TIMESTAMP, UTC, milliseconds; Stripe sends Unix seconds), `boolean`, `json` (a JSON string: lists and',
    'open-ended objects such as `metadata`). Nested objects are flattened into dotted column names. A field the object',
    'does not have is null. Tables not listed here have the generic columns at the end.',
    '',
  ];
  const section = (name: string, cols: Column[]) => {
    out.push(`## ${name}`, '', '| Column | Type | Notes |', '| --- | --- | --- |');
    for (const c of cols) out.push(`| \`${c.name}\` | ${c.type} | ${c.doc ?? ''} |`);
    out.push('');
  };
  for (const [name, cols] of Object.entries(TABLES)) section(name, cols);
  section('Any other table (generic)', GENERIC);
  return out.join('\n');
}
