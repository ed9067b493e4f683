/**
 * Stripe-import workspaces for the tests: a products data template, a stripe-import pipeline (with its policy
 * and trust files, so that it lints clean), and deterministic product files in CSV, JSON Lines and JSON.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prng } from './random';

const EXAMPLE = resolve(__dirname, '../../examples/stripe-import');

export interface Product {
  product_id: string;
  name: string;
  description: string;
  active: boolean;
  unit_amount: string;
  currency: string;
  created: string;
}

const NAMES = ['Mug', 'Tea, green', 'Notebook "A5"', 'Café crème', 'Lamp', 'Desk mat', 'Pen set', 'Bag'];
const CURRENCIES = ['usd', 'eur', 'gbp'];

/** `count` products from `seed`, ids `<prefix>-<n>`: the same list on every run. */
export function products(count: number, seed: number, prefix = 'p'): Product[] {
  const r = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    product_id: `${prefix}-${i}`,
    name: `${NAMES[Math.floor(r() * NAMES.length)]} ${i}`,
    description: r() < 0.2 ? `Line one\nline two of ${i}` : r() < 0.5 ? '' : `Product number ${i}`,
    active: r() < 0.8,
    unit_amount: `${Math.floor(r() * 100000)}.${String(Math.floor(r() * 100)).padStart(2, '0')}`,
    currency: CURRENCIES[Math.floor(r() * CURRENCIES.length)],
    created: new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 300) * 86_400_000).toISOString().replace('.000Z', 'Z'),
  }));
}

const COLUMNS: Array<keyof Product> = ['product_id', 'name', 'description', 'active', 'unit_amount', 'currency', 'created'];

function csvField(v: string, delimiter: string): string {
  return /["\n\r]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(rows: Product[], delimiter = ',', eol = '\n'): string {
  const lines = [COLUMNS.join(delimiter), ...rows.map((p) => COLUMNS.map((c) => csvField(String(p[c]), delimiter)).join(delimiter))];
  return lines.join(eol) + eol;
}

export function toJsonl(rows: Product[]): string {
  return rows.map((p) => JSON.stringify(p)).join('\n') + '\n';
}

export function toJsonArray(rows: Product[]): string {
  return `[\n${rows.map((p) => `  ${JSON.stringify(p)}`).join(',\n')}\n]\n`;
}

/** A `destination` of type stripe, as a pipeline file holds it. */
export interface StripeDestination {
  type: 'stripe';
  apiKey: string;
  apiBase?: string;
  apiVersion?: string;
  allowLiveKey?: boolean;
  path?: string;
  maxRequestsPerSecond?: number;
  concurrency?: number;
}

/**
 * A workspace folder holding the example's template, policy and trust files, and a pipeline named `name`
 * reading `folder` of `bucket` into `destination`.
 */
export function importWorkspace(dir: string, opts: { bucket: string; folder?: string; formats?: string[]; destination?: { type: 'sqlite' | 'jsonl'; path: string } | StripeDestination; name?: string }): string {
  mkdirSync(dir, { recursive: true });
  for (const f of ['products.template.json', 'stripe-connector.policy.json', 'stripe-connector.trust.json']) cpSync(join(EXAMPLE, f), join(dir, f));
  const pipeline = {
    kind: 'stripe-import',
    name: opts.name ?? 'Products from S3',
    bucket: opts.bucket,
    region: 'us-east-1',
    awsAccountId: '402871995361',
    folder: opts.folder ?? 'imports/products/',
    roleName: 'stripe-s3-connector-role',
    permissionPolicy: 'stripe-connector.policy.json',
    trustPolicy: 'stripe-connector.trust.json',
    formats: opts.formats ?? ['csv', 'jsonl', 'json'],
    template: 'products.template.json',
    destination: opts.destination ?? { type: 'sqlite', path: 'out/import.db' },
  };
  const path = join(dir, 'products.pipeline.json');
  writeFileSync(path, `${JSON.stringify(pipeline, null, 2)}\n`);
  return path;
}
