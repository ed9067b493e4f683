/** Fixed values from Adobe's Flow Service guide for the Stripe source (seed 002). */
export const AEP_STRIPE_CONNECTION_SPEC = 'cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3';
export const AEP_DATA_LAKE_CONNECTION_SPEC = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
export const AEP_FLOW_SPEC = '6499120c-0b15-42dc-936e-847ea3c24d72';
export const AEP_SPEC_VERSION = '1.0';
export const AEP_AUTH_SPEC_NAME = 'OAuth2 Refresh Code';
export const AEP_SOURCE_FORMAT = 'json';
export const AEP_TARGET_FORMAT = 'parquet_xdm';

export const AEP_RESOURCE_PATHS: Record<string, string> = {
  charges: 'Stripe charges: payments made to the account.',
  subscriptions: 'Stripe subscriptions: recurring billing for customers.',
  refunds: 'Stripe refunds of previously created charges.',
  balance_transactions: 'Stripe balance transactions: every movement of funds in the balance.',
  customers: 'Stripe customers.',
  prices: 'Stripe prices: unit cost, currency and billing cycle of products.',
};

/** Minimum interval per frequency; `once` takes no interval. */
export const AEP_MIN_INTERVAL: Record<string, number | undefined> = { once: undefined, minute: 15, hour: 1, day: 1, week: 1 };
export const AEP_DEFAULT_BASE_URL = 'https://platform.adobe.io/data/foundation/flowservice';
