/**
 * A real VS Code for the tests: code-server 4.100.3 (VS Code 1.100.3 on Node 20) on 127.0.0.1, driven by Debian's
 * headless Chromium through playwright-core. Desktop VS Code cannot be downloaded on our machines, and code-server
 * runs the same workbench and the same Node extension host. Both live in test/vscode/node_modules (install.sh).
 *
 * Extension-host tests run the way @vscode/test-electron runs them: the workbench is opened with the extension
 * under development and a tests module in its `payload`, and VS Code calls `codeAutomationExit(code)` on the page
 * when the module's `run()` settles.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../helpers/moto';

export const ROOT = resolve(__dirname, '../..');
const MODULES = join(__dirname, 'node_modules');
const CODE_SERVER = join(MODULES, 'code-server/out/node/entry.js');
const CHROMIUM = process.env.PIPEWRIGHT_CHROMIUM ?? '/usr/bin/chromium';

/** What the tests need of playwright-core's API (typed here so the root type check needs no install under test/vscode). */
export interface Page {
  goto(url: string, options?: { timeout?: number }): Promise<unknown>;
  exposeFunction(name: string, fn: (...args: never[]) => unknown): Promise<void>;
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<Buffer>;
  keyboard: { press(key: string): Promise<void>; type(text: string, options?: { delay?: number }): Promise<void> };
  locator(selector: string): Locator;
  getByRole(role: string, options?: { name?: string | RegExp; exact?: boolean }): Locator;
  getByText(text: string | RegExp, options?: { exact?: boolean }): Locator;
  waitForTimeout(ms: number): Promise<void>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
}
export interface Locator {
  first(): Locator;
  nth(i: number): Locator;
  click(options?: { timeout?: number; button?: 'left' | 'right' }): Promise<void>;
  fill(text: string, options?: { timeout?: number }): Promise<void>;
  inputValue(options?: { timeout?: number }): Promise<string>;
  waitFor(options?: { state?: 'visible' | 'attached' | 'hidden'; timeout?: number }): Promise<void>;
  textContent(options?: { timeout?: number }): Promise<string | null>;
  innerText(options?: { timeout?: number }): Promise<string>;
  count(): Promise<number>;
  filter(options: { hasText?: string | RegExp }): Locator;
  locator(selector: string): Locator;
  getByText(text: string | RegExp, options?: { exact?: boolean }): Locator;
}
interface Browser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

/** Whether code-server and Chromium are installed (test/vscode/install.sh). */
export function installed(): boolean {
  return existsSync(CODE_SERVER) && existsSync(CHROMIUM) && existsSync(join(MODULES, 'playwright-core'));
}

export interface CodeServer {
  /** Its user data (settings, state, logs), extensions and XDG folders; removed by stop(). */
  home: string;
  /** `127.0.0.1:<port>` */
  host: string;
  url: string;
  /** Everything code-server and its extension hosts wrote (kept for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts code-server with no auth, fresh user data, extensions and XDG folders, no telemetry, update check or
 * workspace trust. It runs in its own process group, so stop() also ends the extension hosts it forked.
 * `env` reaches the extension host (and so the language server).
 */
export async function startCodeServer(env: Record<string, string> = {}, options: { verbose?: boolean } = {}): Promise<CodeServer> {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'pw-code-server-'));
  for (const d of ['user-data/User', 'extensions', 'xdg-data', 'xdg-config']) mkdirSync(join(home, d), { recursive: true });
  // A first start without the welcome page and its walkthroughs, which would cover the editor in screenshots.
  writeFileSync(join(home, 'user-data/User/settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.welcomePage.walkthroughs.openOnInstall': false, 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false, 'update.mode': 'none' }, null, 2));
  const child: ChildProcess = spawn(process.execPath, [
    CODE_SERVER, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', join(home, 'user-data'), '--extensions-dir', join(home, 'extensions'),
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    ...(options.verbose ? ['--verbose'] : []),
  ], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_DATA_HOME: join(home, 'xdg-data'), XDG_CONFIG_HOME: join(home, 'xdg-config'), ...env },
  });
  let log = '';
  const listening = new Promise<void>((ok, fail) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (/HTTP server listening on/.test(log)) ok();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`code-server exited (${code}) before it listened:\n${log.slice(-4000)}`)));
    setTimeout(() => fail(new Error(`code-server did not listen within 60 s:\n${log.slice(-4000)}`)), 60_000).unref();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await listening;
  } catch (e) {
    await stop();
    throw e;
  }
  return { home, host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, log: () => log, stop };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** The files under `dirs` that hold any of `needles` (secrets that must never be written anywhere). */
export function filesHolding(dirs: string[], needles: string[]): string[] {
  return dirs.flatMap(filesUnder).filter((f) => {
    const text = readFileSync(f, 'latin1');
    return needles.some((n) => text.includes(n));
  });
}

/** Debian's Chromium, headless, with the flags that keep it off the network it cannot reach. */
export async function launchChromium(): Promise<Browser> {
  const require = createRequire(join(MODULES, 'index.js'));
  const { chromium } = require('playwright-core') as { chromium: { launch(o: object): Promise<Browser> } };
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The workbench URL for a folder, with an optional test payload (paths on this machine). */
export function workbenchUrl(server: CodeServer, folder: string, payload?: { extensionDevelopmentPath: string; extensionTestsPath?: string }): string {
  let url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (payload) {
    const entries: [string, string][] = [['extensionDevelopmentPath', `vscode-remote://${server.host}${payload.extensionDevelopmentPath}`]];
    if (payload.extensionTestsPath) entries.push(['extensionTestsPath', `vscode-remote://${server.host}${payload.extensionTestsPath}`]);
    url += `&payload=${encodeURIComponent(JSON.stringify(entries))}`;
  }
  return url;
}

/**
 * Opens the workbench on `folder` with the extension under development and runs the tests module at `testsPath`
 * (a bundled CommonJS file exporting `run()`) in the extension host. Resolves with the exit code VS Code reports.
 */
export async function runExtensionTests(server: CodeServer, browser: Browser, folder: string, testsPath: string, timeoutMs: number): Promise<{ code: number | 'timeout'; console: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const consoleLines: string[] = [];
  let exit!: (code: number) => void;
  const exited = new Promise<number>((r) => (exit = r));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    consoleLines.push(`${type}: ${Array.isArray(args) ? args.join(' ') : String(args)}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  await page.goto(workbenchUrl(server, folder, { extensionDevelopmentPath: ROOT, extensionTestsPath: testsPath }));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))]);
  clearTimeout(timer);
  return { code, console: consoleLines };
}
