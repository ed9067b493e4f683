/** Fixed values from Stripe's two S3 integration guides (seeds 000 and 001). */

/** Stripe Data Pipeline: "Vous devez utiliser ce nom exact." */
export const STRIPE_EXPORT_ROLE_NAME = 'stripe-data-pipeline-s3-role';

/** Stripe Data Pipeline refreshes each table's directory every 3 hours. */
export const STRIPE_EXPORT_CADENCE = '3h';

/** Stripe's S3 connector: at most 1 GB per file, first sync 90 days back, polls every 5 minutes, keep under 50,000 files. */
export const STRIPE_IMPORT_MAX_FILE_BYTES = 1024 ** 3;
export const STRIPE_IMPORT_FIRST_SYNC_DAYS = 90;
export const STRIPE_IMPORT_POLL_MINUTES = 5;
export const STRIPE_IMPORT_MAX_OBJECTS = 50_000;
