/**
 * The Stripe objects an import can write, as the Stripe API reference describes their create and update
 * parameters (products, prices, customers, coupons). Field paths are the template's dotted form of Stripe's
 * bracket parameters: `default_price_data.unit_amount` is sent as `default_price_data[unit_amount]`. Any
 * `metadata.<key>` is allowed on every object (Stripe: up to 50 keys, values up to 500 characters).
 *
 * Shipped with the server: completion and checks of data templates read it, and the Stripe destination plans
 * its requests from it (which fields an update may send, which ones only a create may set).
 */

export type StripeFieldType = 'string' | 'integer' | 'boolean' | 'enum' | 'timestamp' | 'decimal';

export interface StripeField {
  type: StripeFieldType;
  values?: readonly string[];
  description: string;
  /** Only a create sets it: Stripe refuses it on update (a price's amount, a coupon's discount). */
  createOnly?: boolean;
  /** A create without it is refused by Stripe. */
  requiredOnCreate?: boolean;
  /** An empty value clears it on update (Stripe unsets a field sent as an empty string). */
  clearable?: boolean;
}

export interface StripeObjectSchema {
  /** The `object` of its answers (`product`), named in messages. */
  object: string;
  /** Whether a create may choose the id (`id` as the template's key): products and coupons. */
  chosenId: boolean;
  fields: Readonly<Record<string, StripeField>>;
  docs: string;
}

const CURRENCY: StripeField = { type: 'string', description: 'Three-letter ISO currency code, lowercase (usd, eur).' };
const INTERVALS = ['day', 'week', 'month', 'year'] as const;
const TAX_BEHAVIOR = ['inclusive', 'exclusive', 'unspecified'] as const;
const address = (prefix: string, what: string): Record<string, StripeField> =>
  Object.fromEntries(
    [
      ['line1', 'Address line 1 (street, PO box, company name)'],
      ['line2', 'Address line 2 (apartment, suite, unit, building)'],
      ['city', 'City, district, suburb, town or village'],
      ['state', 'State, county, province or region'],
      ['postal_code', 'ZIP or postal code'],
      ['country', 'Two-letter country code (ISO 3166-1 alpha-2)'],
    ].map(([k, d]) => [`${prefix}.${k}`, { type: 'string', description: `${d} of the ${what}.`, clearable: true } as StripeField]),
  );

export const STRIPE_OBJECTS: Readonly<Record<string, StripeObjectSchema>> = {
  products: {
    object: 'product',
    chosenId: true,
    docs: 'https://docs.stripe.com/api/products/create',
    fields: {
      id: { type: 'string', createOnly: true, description: 'The product id, chosen on create (otherwise Stripe makes one); as the key, a rerun updates that product.' },
      name: { type: 'string', requiredOnCreate: true, description: 'The product’s name, shown to customers.' },
      description: { type: 'string', clearable: true, description: 'The product’s description, shown to customers.' },
      active: { type: 'boolean', description: 'Whether the product can be bought.' },
      shippable: { type: 'boolean', description: 'Whether the product is shipped (a physical good).' },
      statement_descriptor: { type: 'string', clearable: true, description: 'Text on the customer’s card statement (at most 22 characters).' },
      tax_code: { type: 'string', description: 'A Stripe tax code id (txcd_…).' },
      unit_label: { type: 'string', clearable: true, description: 'A label for the unit, shown on receipts and invoices (at most 12 characters).' },
      url: { type: 'string', clearable: true, description: 'A publicly reachable web page for the product.' },
      'default_price_data.currency': { ...CURRENCY, createOnly: true, description: 'Currency of the product’s default price. A changed value makes a new default price.' },
      'default_price_data.unit_amount': { type: 'integer', createOnly: true, description: 'Amount of the default price in the currency’s minor unit (cents). A changed value makes a new default price.' },
      'default_price_data.unit_amount_decimal': { type: 'decimal', createOnly: true, description: 'Amount of the default price in minor units, with up to 12 decimal places.' },
      'default_price_data.recurring.interval': { type: 'enum', values: INTERVALS, createOnly: true, description: 'Billing interval of a recurring default price.' },
      'default_price_data.recurring.interval_count': { type: 'integer', createOnly: true, description: 'Intervals between two billings (3 with month: every 3 months).' },
      'default_price_data.tax_behavior': { type: 'enum', values: TAX_BEHAVIOR, createOnly: true, description: 'Whether the default price includes tax.' },
    },
  },
  prices: {
    object: 'price',
    chosenId: false,
    docs: 'https://docs.stripe.com/api/prices/create',
    fields: {
      id: { type: 'string', createOnly: true, description: 'The id of an existing price (price_…): as the key, records update those prices; Stripe chooses the ids of new ones.' },
      product: { type: 'string', createOnly: true, description: 'The id of the product the price belongs to (prod_…); a price cannot move to another product.' },
      'product_data.name': { type: 'string', createOnly: true, description: 'Name of a new product created with the price, instead of "product".' },
      currency: { ...CURRENCY, createOnly: true, requiredOnCreate: true, description: 'Three-letter ISO currency code, lowercase; a price’s currency cannot change.' },
      unit_amount: { type: 'integer', createOnly: true, description: 'Amount in the currency’s minor unit (cents); a price’s amount cannot change: archive it and create another.' },
      unit_amount_decimal: { type: 'decimal', createOnly: true, description: 'Amount in minor units with up to 12 decimal places.' },
      'recurring.interval': { type: 'enum', values: INTERVALS, createOnly: true, description: 'Billing interval of a recurring price.' },
      'recurring.interval_count': { type: 'integer', createOnly: true, description: 'Intervals between two billings.' },
      'recurring.usage_type': { type: 'enum', values: ['licensed', 'metered'], createOnly: true, description: 'licensed (a quantity) or metered (usage).' },
      billing_scheme: { type: 'enum', values: ['per_unit', 'tiered'], createOnly: true, description: 'How the amount is computed from the quantity.' },
      active: { type: 'boolean', description: 'Whether the price can be used for new purchases.' },
      nickname: { type: 'string', clearable: true, description: 'A brief description, hidden from customers.' },
      lookup_key: { type: 'string', clearable: true, description: 'A key to fetch the price by; taken over from another price (transfer_lookup_key).' },
      tax_behavior: { type: 'enum', values: TAX_BEHAVIOR, description: 'Whether the price includes tax; once set to inclusive or exclusive it cannot change.' },
    },
  },
  customers: {
    object: 'customer',
    chosenId: false,
    docs: 'https://docs.stripe.com/api/customers/create',
    fields: {
      id: { type: 'string', createOnly: true, description: 'The id of an existing customer (cus_…): as the key, records update those customers; Stripe chooses the ids of new ones.' },
      name: { type: 'string', clearable: true, description: 'The customer’s full name or business name.' },
      email: { type: 'string', clearable: true, description: 'The customer’s email address.' },
      description: { type: 'string', clearable: true, description: 'An arbitrary note, shown in the Dashboard.' },
      phone: { type: 'string', clearable: true, description: 'The customer’s phone number.' },
      balance: { type: 'integer', description: 'Balance in minor units, applied to the next invoice (negative: a credit).' },
      tax_exempt: { type: 'enum', values: ['none', 'exempt', 'reverse'], description: 'The customer’s tax exemption status.' },
      ...address('address', 'customer’s address'),
      'shipping.name': { type: 'string', description: 'Recipient name for shipping.' },
      'shipping.phone': { type: 'string', clearable: true, description: 'Recipient phone for shipping.' },
      ...address('shipping.address', 'shipping address'),
    },
  },
  coupons: {
    object: 'coupon',
    chosenId: true,
    docs: 'https://docs.stripe.com/api/coupons/create',
    fields: {
      id: { type: 'string', createOnly: true, description: 'The coupon code, chosen on create; as the key, a rerun updates that coupon.' },
      name: { type: 'string', clearable: true, description: 'Name shown to customers on invoices and receipts.' },
      amount_off: { type: 'integer', createOnly: true, description: 'Amount taken off, in minor units (with currency); exactly one of amount_off and percent_off.' },
      currency: { ...CURRENCY, createOnly: true, description: 'Currency of amount_off.' },
      percent_off: { type: 'decimal', createOnly: true, description: 'Percentage taken off, above 0 and at most 100.' },
      duration: { type: 'enum', values: ['once', 'repeating', 'forever'], createOnly: true, description: 'How long a discount lasts (default once).' },
      duration_in_months: { type: 'integer', createOnly: true, description: 'With duration repeating: the number of months.' },
      max_redemptions: { type: 'integer', createOnly: true, description: 'How many times the coupon can be redeemed in all.' },
      redeem_by: { type: 'timestamp', createOnly: true, description: 'Last time (Unix seconds) the coupon can be redeemed.' },
    },
  },
};

/** `metadata.<key>`: a key Stripe accepts (at most 40 characters, no square brackets). */
export const METADATA_FIELD = /^metadata\.([^[\]]{1,40})$/;

/** The field a path names on an object, `metadata.*` included; undefined when the object has no such field. */
export function stripeField(object: string, path: string): StripeField | undefined {
  const schema = STRIPE_OBJECTS[object];
  if (!schema) return undefined;
  if (METADATA_FIELD.test(path)) return { type: 'string', clearable: true, description: 'Your own key–value data on the object (string values).' };
  return schema.fields[path];
}
