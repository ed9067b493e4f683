/**
 * What a person sees: VS Code (code-server 1.100.3) opened on a folder of pipelines, Pipewright run from the
 * Command Palette. The Pipelines view shows each pipeline and its bucket; "Preview Bucket" opens the listing with
 * the verdicts; "Send Penny Test" then "Verify Penny Test" asks for the private key file, keeps it in secret storage
 * when told to, and shows the validation code. Screenshots go to test-output/screenshots/ (the README's come from
 * there).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, startMoto, type MotoServer } from '../helpers/moto';
import { startStripeDouble, type StripeDouble } from '../helpers/stripe-api';
import { filesHolding, installed, launchChromium, ROOT, startCodeServer, workbenchUrl, type CodeServer, type Page } from './harness';
import { ACCOUNT, EXPORT_BUCKET, makeWorkspace, type Workspace } from './workspace';

const SHOTS = join(ROOT, 'test-output/screenshots');
let moto: MotoServer;
let server: CodeServer;
let ws: Workspace;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let stripe: StripeDouble;
const STRIPE_KEY = 'rk_test_51PwUiExportOnlyKey0000000000000000000000000000000000';

before(async () => {
  assert.ok(installed(), 'code-server or Chromium is missing: run `bash test/vscode/install.sh` (test/setup.sh does)');
  mkdirSync(SHOTS, { recursive: true });
  moto = await startMoto();
  // Slow pages, so that the export is still running when the test presses Cancel.
  stripe = await startStripeDouble({ keys: [STRIPE_KEY], seed: { charges: 3000, seed: 5 }, latencyMs: 400 });
  ws = await makeWorkspace(moto.endpoint, { stripeApiBase: stripe.url });
  server = await startCodeServer({}, { verbose: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(workbenchUrl(server, ws.dir, { extensionDevelopmentPath: ROOT }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await stripe?.close();
  await moto?.stop();
  if (ws) rmSync(join(ws.dir, '..'), { recursive: true, force: true });
});

/** Runs a command from the Command Palette by its title, as a user types it. */
async function palette(title: string): Promise<void> {
  // The commands show once the extension is active (it activates on the folder's pipeline files at start-up).
  // F1 goes nowhere while focus sits outside the workbench (a toast that just closed, a webview): the retry
  // gives the status bar the focus back before it presses F1 again.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${title}`);
      await page.locator('.quick-input-widget .monaco-list-row').getByText(title, { exact: false }).first().waitFor({ timeout: 5_000 });
      break;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (attempt >= 8) throw e;
      await page.locator('.part.statusbar').first().click({ timeout: 5_000 }).catch(() => undefined);
    }
  }
  await page.keyboard.press('Enter');
}

/** Picks an entry of the quick pick that is open. */
async function pick(text: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await input.fill(text);
  await page.locator('.quick-input-widget .monaco-list-row').getByText(text, { exact: false }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** A UI test that leaves a screenshot of the window when it fails (test-output/screenshots/failed-*.png). */
function uiTest(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      await page.screenshot({ path: join(SHOTS, `failed-${name.replace(/\W+/g, '-').slice(0, 60)}.png`) }).catch(() => undefined);
      throw e;
    }
  });
}

async function notification(text: RegExp, timeout = 60_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-toast').getByText(text).first();
  await toast.waitFor({ timeout });
  return (await toast.textContent()) ?? '';
}

uiTest('the Pipelines view lists the workspace pipelines with their kinds, and a bucket opens folder by folder', async () => {
  // The folder tree makes room for the Pipelines view.
  await page.locator('.pane-header.expanded').getByText(/^workspace$/i).first().click();
  const header = page.locator('.pane-header').getByText(/^Pipelines$/i).first();
  await header.waitFor({ timeout: 60_000 });
  const expanded = await page.locator('.pane-header.expanded').getByText(/^Pipelines$/i).count();
  if (!expanded) await header.click();
  const row = page.locator('.monaco-list-row').getByText('Acme product catalog from S3', { exact: true }).first();
  await row.waitFor({ timeout: 30_000 });
  for (const name of ['Acme deliveries (local)', 'Acme Stripe data to S3']) await page.locator('.monaco-list-row').getByText(name, { exact: true }).first().waitFor({ timeout: 10_000 });
  // A click opens the pipeline file; the arrow key unfolds its bucket.
  await row.click();
  await page.keyboard.press('ArrowRight');
  await page.locator('.monaco-list-row').getByText('products-2026-11-01.csv').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, 'pipelines-view.png') });
});

uiTest('Preview Bucket from the Command Palette shows every object with its verdict', async () => {
  // The pipeline open in the editor (the previous test opened it from the view) is the one previewed.
  await palette('Pipewright: Preview Bucket');
  // Monaco draws spaces as no-break spaces.
  await page.locator('.view-lines').getByText(/objects\slisted;\swill\simport/).first().waitFor({ timeout: 60_000 });
  const text = (await page.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
  assert.match(text, /✓ import/);
  assert.match(text, /unsupported-format/);
  await page.screenshot({ path: join(SHOTS, 'bucket-preview.png') });
});

uiTest('clicking an object in the Pipelines view opens its rows as a table, with the template mapping', async () => {
  await page.locator('.monaco-list-row').getByText('products-2026-11-01.csv').first().click();
  // The preview is a webview tab named after the object.
  await page.locator('.tabs-container .tab').getByText('products-2026-11-01.csv').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500); // the webview paints
  await page.screenshot({ path: join(SHOTS, 'object-preview.png') });
});

uiTest('Send Penny Test, then Verify Penny Test with the private key file, shows the validation code', async () => {
  await palette('Pipewright: Send Penny Test');
  await pick('delivery.pipeline.json');
  const sent = await notification(/Validation code: \w+/);
  const code = /Validation code: (\w+)/.exec(sent)![1];
  await palette('Pipewright: Verify Penny Test');
  await pick('delivery.pipeline.json');
  // The server asks for the private key: VS Code's file dialog, then "keep it?".
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  // The dialog fills in its starting folder a moment after it opens: type the path once it has, and check it held.
  for (let attempt = 1; ; attempt++) {
    await page.waitForTimeout(500);
    await input.fill(ws.privateKeyFile);
    await page.waitForTimeout(300);
    if ((await input.inputValue()) === ws.privateKeyFile) break;
    if (attempt >= 10) assert.fail(`the file dialog kept replacing the path: ${await input.inputValue()}`);
  }
  await page.locator('.quick-input-widget').getByText('OK', { exact: true }).first().click();
  const keep = page.locator('.notifications-toasts .notification-toast').getByText('Keep', { exact: true }).first();
  await keep.waitFor({ timeout: 30_000 });
  await keep.click();
  const verified = await notification(new RegExp(`Penny test for ${ACCOUNT} found .*Validation code: ${code}`));
  assert.match(verified, new RegExp(code));
  await page.waitForTimeout(800); // the toast fades in
  await page.screenshot({ path: join(SHOTS, 'penny-verify.png') });
});

uiTest('Export Now from the Stripe API asks for the key once, shows its progress, and Cancel leaves no _SUCCESS and no open upload', async () => {
  // Earlier toasts (the penny test's stays: it has a button) would hide this test's.
  await palette('Notifications: Clear All Notifications');
  await palette('Pipewright: Export Now');
  await pick('stripe-api.pipeline.json');
  // The server asks for ${secret:stripe-api-key}: a password box titled with what the key is for.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.locator('.quick-input-widget').getByText(/Stripe API key for the export of Acme from the Stripe API/).first().waitFor({ timeout: 30_000 });
  await input.fill(STRIPE_KEY);
  await page.keyboard.press('Enter');
  const keep = page.locator('.notifications-toasts .notification-toast').getByText('Keep', { exact: true }).first();
  await keep.waitFor({ timeout: 30_000 });
  await keep.click();
  // The export runs with a cancellable progress notification; a few pages of charges arrive, then Cancel.
  const progress = page.locator('.notifications-toasts .notification-toast').filter({ hasText: /exporting Acme from the Stripe API/ }).first();
  await progress.waitFor({ timeout: 30_000 });
  const until = Date.now() + 30_000;
  while ((stripe.counts()['GET /v1/charges'] ?? 0) < 2 && Date.now() < until) await page.waitForTimeout(100);
  assert.ok((stripe.counts()['GET /v1/charges'] ?? 0) >= 2, 'the export never read the charges');
  // One notification for the run: the first try, answered "needs the key", must not leave its own behind.
  const toasts = page.locator('.notifications-toasts .notification-toast').filter({ hasText: /exporting Acme from the Stripe API/ });
  assert.equal(await toasts.count(), 1);
  await page.screenshot({ path: join(SHOTS, 'export-progress.png') });
  await progress.getByText('Cancel', { exact: true }).first().click();
  await notification(/was stopped: no _SUCCESS was written and its uploads were aborted/);
  const pagesAtCancel = stripe.counts()['GET /v1/charges'];
  assert.ok(pagesAtCancel < 30, `paging went on to ${pagesAtCancel} pages: 3,000 charges are 30`);
  const s3 = new S3Client({ ...clientConfig(moto.endpoint), forcePathStyle: true });
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: EXPORT_BUCKET, Prefix: 'from-api/' }));
    assert.deepEqual((listed.Contents ?? []).map((o) => o.Key).filter((k) => k?.endsWith('_SUCCESS')), []);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: EXPORT_BUCKET }));
    assert.deepEqual(uploads.Uploads ?? [], []);
  } finally {
    s3.destroy();
  }
});

test('the Stripe key and the PGP private key used above are nowhere in code-server\'s settings and logs, nor in the workspace', () => {
  const pgpLines = readFileSync(ws.privateKeyFile, 'utf8').split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l) && !readFileSync(join(ws.dir, `deliveries/keys/${ACCOUNT}.key`), 'utf8').includes(l));
  assert.deepEqual(filesHolding([server.home, ws.dir], [STRIPE_KEY, ...pgpLines]), []);
  // The Stripe double saw the key: it was used.
  assert.ok(stripe.log.some((r) => r.endpoint === 'GET /v1/charges' && r.status === 200));
});
