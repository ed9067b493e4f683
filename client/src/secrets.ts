/**
 * The one place secrets live in the editor: VS Code's SecretStorage (the OS keychain), under names the config
 * files reference (`${secret:stripe-api-key}`) plus `pgp-private-key:acct_…` for PGP private keys. A secret is
 * handed to the server only inside the command that asked for it (the server's error carries a MissingSecret),
 * never put in settings, and never written to the output channel (see trace.ts for the traffic log).
 *
 * SecretStorage cannot list what it holds, so the names (not the values) are kept in globalState for the
 * "Clear Secret" picker.
 */
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import { isMissingSecret, type MissingSecret } from '../../server/src/protocol';

const NAMES_KEY = 'pipewright.secretNames';
const SLOT = (name: string) => `pipewright.secret:${name}`;

/** Secret names the integrations' guides and our examples use, offered first by "Set Secret". */
export const KNOWN_SECRETS: readonly { name: string; detail: string }[] = [
  { name: 'stripe-api-key', detail: 'Stripe restricted or secret key (rk_test_… / sk_test_…) for the export source and the Stripe import destination' },
  { name: 'braze-secret-access-key', detail: 'AWS secret access key a Braze Currents or export connector uses' },
  { name: 'adobe-access-token', detail: 'Adobe IMS access token for the Flow Service API' },
  { name: 'stripe-access-token', detail: 'Stripe access token of the Adobe Experience Platform Stripe source' },
];

export class SecretStore {
  /** Values handed out in this session: the traffic log masks them (trace.ts). */
  readonly handedOut = new Set<string>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly storage: vscode.SecretStorage, private readonly state: vscode.Memento) {}

  names(): string[] {
    return [...(this.state.get<string[]>(NAMES_KEY) ?? [])].sort();
  }

  async get(name: string): Promise<string | undefined> {
    const v = await this.storage.get(SLOT(name));
    if (v) this.handedOut.add(v);
    return v;
  }

  async set(name: string, value: string): Promise<void> {
    await this.storage.store(SLOT(name), value);
    await this.state.update(NAMES_KEY, [...new Set([...this.names(), name])]);
    this.changed.fire(name);
  }

  async delete(name: string): Promise<boolean> {
    const had = this.names().includes(name) || (await this.storage.get(SLOT(name))) !== undefined;
    await this.storage.delete(SLOT(name));
    await this.state.update(NAMES_KEY, this.names().filter((n) => n !== name));
    this.changed.fire(name);
    return had;
  }

  /** Asks the user for the secret a command needs (a password box, or a key file), storing it if they agree. */
  async ask(need: MissingSecret['missingSecret']): Promise<string | undefined> {
    let value: string | undefined;
    if (need.kind === 'pgp-private-key') {
      const picked = await vscode.window.showOpenDialog({ title: need.prompt, canSelectMany: false, filters: { [vscode.l10n.t('Armored PGP key')]: ['asc', 'key', 'gpg', 'txt'] } });
      if (!picked?.[0]) return undefined;
      value = Buffer.from(await vscode.workspace.fs.readFile(picked[0])).toString('utf8');
      if (!value.includes('PRIVATE KEY BLOCK')) throw new Error(vscode.l10n.t('{0} is not an armored PGP private key.', picked[0].fsPath));
    } else {
      value = await vscode.window.showInputBox({ title: need.prompt, prompt: vscode.l10n.t('Kept in VS Code\'s secret storage as "{0}"; never written to a file.', need.secret), password: true, ignoreFocusOut: true });
      if (!value) return undefined;
    }
    this.handedOut.add(value);
    // Asked without waiting: the command goes on with the value while the user decides.
    const keep = vscode.l10n.t('Keep');
    void vscode.window.showInformationMessage(vscode.l10n.t('Keep "{0}" in VS Code\'s secret storage?', need.secret), keep, vscode.l10n.t('Not now')).then((c) => (c === keep ? this.set(need.secret, value) : undefined));
    return value;
  }

  /**
   * Runs a server command with the secrets it asks for: the first try carries none; each MissingSecret answer is
   * met from storage (or by asking) and the command runs again with that secret added.
   */
  async run<T>(command: (secrets: Record<string, string> | undefined) => Promise<T>): Promise<T | undefined> {
    const given: Record<string, string> = {};
    for (let attempt = 0; ; attempt++) {
      try {
        return await command(Object.keys(given).length ? given : undefined);
      } catch (e) {
        if (!(e instanceof ResponseError) || !isMissingSecret(e.data) || attempt >= 4) throw e;
        const need = e.data.missingSecret;
        if (given[need.secret]) {
          // The server refused the value it asked for: do not offer the stored one again.
          throw e;
        }
        const value = (await this.get(need.secret)) ?? (await this.ask(need));
        if (value === undefined) return undefined;
        given[need.secret] = value;
      }
    }
  }
}

/** "Pipewright: Set Secret…": args [name?, value?] (both given: no UI, for scripts and tests). */
export async function setSecret(store: SecretStore, name?: unknown, value?: unknown): Promise<string | undefined> {
  let secret = typeof name === 'string' ? name : undefined;
  if (!secret) {
    const custom = vscode.l10n.t('Another name…');
    const picked = await vscode.window.showQuickPick(
      [...KNOWN_SECRETS.map((s) => ({ label: s.name, detail: s.detail, description: store.names().includes(s.name) ? vscode.l10n.t('stored') : undefined })), { label: custom }],
      { title: vscode.l10n.t('Set a secret'), placeHolder: vscode.l10n.t('The name a config file references as ${secret:name}') },
    );
    if (!picked) return undefined;
    secret = picked.label === custom ? await vscode.window.showInputBox({ title: vscode.l10n.t('Secret name'), validateInput: (v) => (/^[A-Za-z0-9_.:-]+$/.test(v) ? undefined : vscode.l10n.t('Letters, digits, . _ : and - only')) }) : picked.label;
    if (!secret) return undefined;
  }
  const v = typeof value === 'string' ? value : await vscode.window.showInputBox({ title: vscode.l10n.t('Value of "{0}"', secret), password: true, ignoreFocusOut: true });
  if (!v) return undefined;
  await store.set(secret, v);
  if (typeof value !== 'string') void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" is stored in VS Code\'s secret storage.', secret));
  return secret;
}

/** "Pipewright: Clear Secret…": args [name?]. */
export async function clearSecret(store: SecretStore, name?: unknown): Promise<string | undefined> {
  let secret = typeof name === 'string' ? name : undefined;
  if (!secret) {
    const names = store.names();
    if (!names.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Pipewright keeps no secret in this VS Code.'));
      return undefined;
    }
    secret = (await vscode.window.showQuickPick(names, { title: vscode.l10n.t('Clear a secret') })) ?? undefined;
    if (!secret) return undefined;
  }
  const had = await store.delete(secret);
  if (typeof name !== 'string') void vscode.window.showInformationMessage(had ? vscode.l10n.t('"{0}" was removed from VS Code\'s secret storage.', secret) : vscode.l10n.t('"{0}" was not stored.', secret));
  return secret;
}
