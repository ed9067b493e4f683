/**
 * The Stripe API double (helpers/stripe-api.ts) on the wire, as the export and the upserting import rely on it:
 * bracket-notation form bodies, create and update with Stripe's parameter rules, idempotent replay and conflict,
 * list order and both cursors, keys and permissions, seeded 429s and Stripe-Version. Raw HTTP where the wire is
 * the point, the real `stripe` SDK where compatibility is.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { decodeForm, FormError } from '../helpers/stripe-form';
import { maskKey, startStripeDouble, type StripeDouble } from '../helpers/stripe-api';

const KEY = 'sk_test_51PwDoubleUnitKey0a1b2c3d';
const doubles: StripeDouble[] = [];
after(() => Promise.all(doubles.map((d) => d.close())));

async function double(options: Parameters<typeof startStripeDouble>[0] = {}): Promise<StripeDouble> {
  const d = await startStripeDouble({ keys: [KEY], ...options });
  doubles.push(d);
  return d;
}

async function call(d: StripeDouble, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Record<string, any> }> {
  const res = await fetch(`${d.url}${path}`, {
    method,
    body,
    headers: { Authorization: `Bearer ${KEY}`, ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}), ...headers },
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
}

const sdk = (d: StripeDouble, key = KEY) => new Stripe(key, { host: d.host, port: d.port, protocol: d.protocol, maxNetworkRetries: 0 });

test('form bodies in bracket notation decode into nested objects and lists, as Stripe reads them', () => {
  assert.deepEqual(decodeForm('metadata[order_id]=42&metadata[note]=a+b%20c&a[b][c]=v&expand[0]=x&expand[1]=y&preferred_locales[]=de&preferred_locales[]=fr&name=M%C3%BCller'), {
    metadata: { order_id: '42', note: 'a b c' },
    a: { b: { c: 'v' } },
    expand: ['x', 'y'],
    preferred_locales: ['de', 'fr'],
    name: 'Müller',
  });
  assert.deepEqual(decodeForm('description='), { description: '' }, 'an empty value is kept (it unsets the field)');
  assert.throws(() => decodeForm('metadata=x&metadata[a]=1'), FormError);
  assert.throws(() => decodeForm('a]b=1'), FormError);
});

test('a form-encoded create stores typed values: integers, lists, nested objects, metadata; GET returns what was stored', async () => {
  const d = await double({ seed: false });
  const made = await call(d, 'POST', '/v1/customers', 'email=ada%40example.com&balance=-500&metadata[crm_id]=7&address[city]=Berlin&address[country]=DE&preferred_locales[0]=de');
  assert.equal(made.status, 200, JSON.stringify(made.json));
  assert.match(made.json.id, /^cus_[A-Za-z0-9]{14}$/);
  assert.equal(made.json.balance, -500);
  assert.deepEqual(made.json.metadata, { crm_id: '7' });
  assert.deepEqual(made.json.address, { city: 'Berlin', country: 'DE' });
  assert.deepEqual(made.json.preferred_locales, ['de']);
  const got = await call(d, 'GET', `/v1/customers/${made.json.id}`);
  assert.deepEqual(got.json, made.json);
  const bad = await call(d, 'POST', '/v1/customers', 'balance=ten');
  assert.equal(bad.status, 400);
  assert.deepEqual([bad.json.error.type, bad.json.error.param, bad.json.error.message], ['invalid_request_error', 'balance', 'Invalid integer: ten']);
  const unknown = await call(d, 'POST', '/v1/customers', 'colour=red');
  assert.equal(unknown.json.error.message, 'Received unknown parameter: colour');
});

test('the SDK creates and updates products, prices, customers and coupons; metadata merges and unsets as in Stripe', async () => {
  const d = await double({ seed: false });
  const stripe = sdk(d);
  const product = await stripe.products.create({ name: 'Mug', metadata: { sku: 'M-1', colour: 'blue' }, default_price_data: { currency: 'eur', unit_amount: 1500 } });
  assert.match(product.id, /^prod_/);
  const price = await stripe.prices.retrieve(product.default_price as string);
  assert.deepEqual([price.product, price.unit_amount, price.currency, price.type], [product.id, 1500, 'eur', 'one_time']);
  const updated = await stripe.products.update(product.id, { metadata: { colour: '', size: 'L' }, description: 'Stoneware' });
  assert.deepEqual(updated.metadata, { sku: 'M-1', size: 'L' });
  await stripe.products.update(product.id, { metadata: '' });
  assert.deepEqual((await stripe.products.retrieve(product.id)).metadata, {}, 'metadata= removes every key');
  const custom = await stripe.products.create({ id: 'prod_mug_large', name: 'Large mug' });
  assert.equal(custom.id, 'prod_mug_large');
  await assert.rejects(stripe.products.create({ id: 'prod_mug_large', name: 'Again' }), (e: any) => e.code === 'resource_already_exists');
  const monthly = await stripe.prices.create({ product: custom.id, currency: 'usd', unit_amount: 900, recurring: { interval: 'month' }, lookup_key: 'large_monthly' });
  assert.deepEqual([monthly.type, monthly.recurring?.interval, monthly.recurring?.interval_count], ['recurring', 'month', 1]);
  await assert.rejects(stripe.prices.create({ product: custom.id, currency: 'usd', unit_amount: 990, lookup_key: 'large_monthly' }), (e: any) => e.code === 'lookup_key_already_used');
  const moved = await stripe.prices.create({ product: custom.id, currency: 'usd', unit_amount: 990, lookup_key: 'large_monthly', transfer_lookup_key: true });
  assert.equal((await stripe.prices.retrieve(monthly.id)).lookup_key, null, 'the lookup key moved to the new price');
  assert.deepEqual((await stripe.prices.list({ lookup_keys: ['large_monthly'] })).data.map((p) => p.id), [moved.id]);
  await assert.rejects(stripe.prices.update(moved.id, { unit_amount: 1000 } as never), (e: any) => /Received unknown parameter: unit_amount/.test(e.message));
  await assert.rejects(stripe.prices.create({ product: 'prod_missing', currency: 'usd', unit_amount: 1 }), (e: any) => e.code === 'resource_missing' && e.param === 'product');
  const coupon = await stripe.coupons.create({ id: 'WELCOME10', percent_off: 10, duration: 'repeating', duration_in_months: 3 });
  assert.deepEqual([coupon.id, coupon.percent_off, coupon.duration_in_months], ['WELCOME10', 10, 3]);
  await assert.rejects(stripe.coupons.create({ amount_off: 500 }), (e: any) => e.param === 'currency');
  await assert.rejects(stripe.coupons.create({ duration: 'once' }), (e: any) => /exactly one of amount_off or percent_off/.test(e.message));
  assert.equal((await stripe.customers.update((await stripe.customers.create({ email: 'a@example.com' })).id, { name: 'Ada' })).name, 'Ada');
  await assert.rejects(stripe.customers.retrieve('cus_missing'), (e: any) => e.statusCode === 404 && e.code === 'resource_missing' && e.message === "No such customer: 'cus_missing'");
});

test('the same Idempotency-Key and parameters replay the stored answer with Idempotent-Replayed: true', async () => {
  const d = await double({ seed: false });
  const first = await call(d, 'POST', '/v1/products', 'name=Mug&metadata[sku]=M-1', { 'Idempotency-Key': 'import-row-17' });
  // The same parameters in another order are the same request.
  const again = await call(d, 'POST', '/v1/products', 'metadata[sku]=M-1&name=Mug', { 'Idempotency-Key': 'import-row-17' });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.headers.get('original-request'), first.headers.get('request-id'));
  assert.deepEqual(again.json, first.json);
  assert.equal(d.objects('products').length, 1, 'one product, not two');
  const stripe = sdk(d);
  const a = await stripe.customers.create({ email: 'grace@example.com' }, { idempotencyKey: 'cust-1' });
  const b = await stripe.customers.create({ email: 'grace@example.com' }, { idempotencyKey: 'cust-1' });
  assert.equal(b.id, a.id);
  assert.equal(b.lastResponse.headers['idempotent-replayed'], 'true');
  assert.equal(d.objects('customers').length, 1);
  assert.deepEqual(d.log.map((e) => e.replayed), [false, true, false, true]);
});

test('the same Idempotency-Key with other parameters or another endpoint is a 400 idempotency_error and changes nothing', async () => {
  const d = await double({ seed: false });
  await call(d, 'POST', '/v1/products', 'name=Mug', { 'Idempotency-Key': 'k-1' });
  const other = await call(d, 'POST', '/v1/products', 'name=Cup', { 'Idempotency-Key': 'k-1' });
  assert.equal(other.status, 400);
  assert.equal(other.json.error.type, 'idempotency_error');
  assert.match(other.json.error.message, /can only be used with the same parameters they were first used with/);
  const elsewhere = await call(d, 'POST', '/v1/customers', 'name=Mug', { 'Idempotency-Key': 'k-1' });
  assert.equal(elsewhere.json.error?.type, 'idempotency_error');
  await assert.rejects(sdk(d).products.create({ name: 'Bowl' }, { idempotencyKey: 'k-1' }), (e: any) => e.type === 'StripeIdempotencyError');
  assert.deepEqual(d.objects('products').map((p) => p.name), ['Mug']);
  assert.equal(d.objects('customers').length, 0);
});

test('a request refused by validation stores nothing under its key: the corrected request with that key succeeds', async () => {
  const d = await double({ seed: false });
  const refused = await call(d, 'POST', '/v1/products', 'description=no+name', { 'Idempotency-Key': 'k-2' });
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error.message, 'Missing required param: name.');
  const fixed = await call(d, 'POST', '/v1/products', 'name=Mug', { 'Idempotency-Key': 'k-2' });
  assert.equal(fixed.status, 200);
  assert.equal(fixed.headers.get('idempotent-replayed'), null);
});

test('lists are newest first and page with limit, starting_after and ending_before', async () => {
  const d = await double({ seed: { charges: 35, seed: 2 } });
  const first = await call(d, 'GET', '/v1/charges');
  assert.deepEqual([first.json.object, first.json.url, first.json.data.length, first.json.has_more], ['list', '/v1/charges', 10, true], 'default limit 10');
  const seen: Array<{ id: string; created: number }> = [];
  let after: string | undefined;
  for (;;) {
    const page = await call(d, 'GET', `/v1/charges?limit=8${after ? `&starting_after=${after}` : ''}`);
    seen.push(...page.json.data);
    if (!page.json.has_more) break;
    after = page.json.data.at(-1).id;
  }
  assert.equal(seen.length, 35);
  assert.equal(new Set(seen.map((c) => c.id)).size, 35, 'no object twice');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1].created >= seen[i].created, 'newest first');
  const before = await call(d, 'GET', `/v1/charges?limit=5&ending_before=${seen[20].id}`);
  assert.deepEqual(before.json.data.map((c: { id: string }) => c.id), seen.slice(15, 20).map((c) => c.id), 'the five just before the cursor, newest first');
  assert.equal(before.json.has_more, true);
  const ranged = await call(d, 'GET', `/v1/charges?limit=100&created[gte]=${seen[9].created}`);
  assert.ok(ranged.json.data.length >= 10 && ranged.json.data.every((c: { created: number }) => c.created >= seen[9].created));
  for (const [query, param, message] of [['limit=0', 'limit', /greater than or equal to 1/], ['limit=101', 'limit', /less than or equal to 100/], ['limit=x', 'limit', /Invalid integer/], ['starting_after=ch_missing', 'starting_after', /No such charge: 'ch_missing'/], ['colour=red', 'colour', /Received unknown parameter: colour/]] as const) {
    const r = await call(d, 'GET', `/v1/charges?${query}`);
    assert.ok(r.status === 400 || r.status === 404, query);
    assert.equal(r.json.error.param, param, query);
    assert.match(r.json.error.message, message);
  }
  const sdkIds: string[] = [];
  for await (const c of sdk(d).charges.list({ limit: 7 })) sdkIds.push(c.id);
  assert.deepEqual(sdkIds, seen.map((c) => c.id), "the SDK's auto-pagination reads the same objects in the same order");
});

test('subscriptions leave out canceled ones unless status=all', async () => {
  const d = await double({ seed: { charges: 400, seed: 11 } });
  const all = d.objects('subscriptions');
  const canceled = all.filter((s) => s.status === 'canceled').length;
  assert.ok(canceled > 0);
  const plain = await call(d, 'GET', '/v1/subscriptions?limit=100');
  const every = await call(d, 'GET', '/v1/subscriptions?limit=100&status=all');
  const only = await call(d, 'GET', '/v1/subscriptions?limit=100&status=canceled');
  assert.equal(plain.json.data.length, all.length - canceled);
  assert.equal(every.json.data.length, all.length);
  assert.equal(only.json.data.length, canceled);
});

test('keys: none or unknown is a 401 with the key masked as Stripe masks it; a restricted key gets 403 naming the permission', async () => {
  const d = await double({ keys: [KEY, { key: 'rk_test_51PwRestricted9x8y7z', read: ['charges'], write: [] }], seed: { charges: 5, seed: 1 } });
  const none = await fetch(`${d.url}/v1/charges`);
  assert.equal(none.status, 401);
  assert.match(((await none.json()) as any).error.message, /You did not provide an API key/);
  const wrong = await call(d, 'GET', '/v1/charges', undefined, { Authorization: 'Bearer sk_test_51PwNotAKnownKey1234' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.message, `Invalid API Key provided: ${maskKey('sk_test_51PwNotAKnownKey1234')}`);
  assert.equal(maskKey('sk_test_51PwNotAKnownKey1234'), 'sk_test_****************1234');
  const basic = await fetch(`${d.url}/v1/charges?limit=1`, { headers: { Authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` } });
  assert.equal(basic.status, 200, 'the key as Basic user name, as curl -u sends it');
  const restricted = sdk(d, 'rk_test_51PwRestricted9x8y7z');
  assert.equal((await restricted.charges.list()).data.length, 5);
  await assert.rejects(restricted.refunds.list(), (e: any) => e.type === 'StripePermissionError' && /rak_refund_read/.test(e.message));
  await assert.rejects(restricted.products.create({ name: 'x' }), (e: any) => e.statusCode === 403 && /rak_product_write/.test(e.message));
});

test('a seeded share of requests gets 429 rate_limit with Retry-After; the same seed refuses the same requests', async () => {
  const statuses = async () => {
    const d = await double({ seed: { charges: 5, seed: 1 }, rateLimit: { share: 0.3, seed: 21, retryAfterSeconds: 2 } });
    const out: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await call(d, 'GET', '/v1/charges?limit=1');
      out.push(r.status);
      if (r.status === 429) {
        assert.equal(r.headers.get('retry-after'), '2');
        assert.equal(r.json.error.code, 'rate_limit');
      }
    }
    assert.deepEqual(d.counts(), { 'GET /v1/charges': 40 });
    return out;
  };
  const a = await statuses();
  const b = await statuses();
  assert.deepEqual(a, b);
  const refused = a.filter((s) => s === 429).length;
  assert.ok(refused >= 5 && refused <= 20, `${refused} of 40 refused for a share of 0.3`);
  assert.ok(a.every((s) => s === 200 || s === 429));
});

test("Stripe-Version: the SDK's is accepted and echoed; a malformed one is refused", async () => {
  const d = await double({ seed: { charges: 3, seed: 1 } });
  const list = await sdk(d).charges.list();
  const sent = d.log[0].stripeVersion;
  assert.ok(sent, 'the SDK names its version');
  assert.equal(list.lastResponse.headers['stripe-version'], sent);
  const bad = await call(d, 'GET', '/v1/charges', undefined, { 'Stripe-Version': 'yesterday' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.message, 'Invalid Stripe API version: yesterday');
  const unknown = await call(d, 'GET', '/v1/widgets');
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.error.message, /Unrecognized request URL \(GET: \/v1\/widgets\)/);
});

test('a per-second limit, as Stripe documents it, answers 429 with Retry-After past that many requests in a second; refused requests do not count', async () => {
  const d = await double({ seed: false, rateLimit: { perSecond: 5, retryAfterSeconds: 1 } });
  const answers = await Promise.all(Array.from({ length: 8 }, () => call(d, 'GET', '/v1/products')));
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 200, 429, 429, 429]);
  const refused = answers.find((a) => a.status === 429)!;
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.equal(refused.json.error.code, 'rate_limit');
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await call(d, 'GET', '/v1/products')).status, 200, 'a second later the window has room again');
});
