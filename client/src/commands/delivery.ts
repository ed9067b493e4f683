/** Stripe Data Pipeline deliveries: run an export, send and verify the penny test, make the PGP key pair. */
import * as vscode from 'vscode';
import { Commands, type ExportReport, type ExportRunOptions, type GeneratedPgpKey, type PennySent, type PennyVerified, type PennyVerifyOptions } from '../../../server/src/protocol';
import { executeServerCommand, pipelineUri, s3Settings, type CommandContext } from '../context';

async function recorded<T>(ctx: CommandContext, uri: vscode.Uri, job: string, run: () => Promise<T | undefined>, summary: (r: T) => [boolean, string]): Promise<T | undefined> {
  try {
    const r = await run();
    if (r !== undefined) await ctx.history.record(uri, job, ...summary(r));
    return r;
  } catch (e) {
    await ctx.history.record(uri, job, false, e instanceof Error ? e.message : String(e));
    throw e;
  }
}

export async function exportNow(ctx: CommandContext, given?: unknown, options?: ExportRunOptions): Promise<ExportReport | undefined> {
  const uri = await pipelineUri(given, ['stripe-export']);
  if (!uri) return undefined;
  const r = await recorded(ctx, uri, 'export',
    () => ctx.secrets.run((secrets) => executeServerCommand(ctx.client, Commands.exportNow, [uri.toString(), { ...s3Settings(), ...options, secrets } satisfies ExportRunOptions]) as Promise<ExportReport>),
    (r) => [Boolean(r.success), r.success ? vscode.l10n.t('{0} tables, {1} rows to {2}', r.tables.length, r.tables.reduce((n, t) => n + t.rows, 0).toLocaleString(), r.runDir) : vscode.l10n.t('stopped: no _SUCCESS, uploads aborted')]);
  if (!r) return undefined;
  for (const t of r.tables) ctx.output.info(`${t.table}: ${t.rows} rows in ${t.files.length} file(s)`);
  if (r.success) void vscode.window.showInformationMessage(vscode.l10n.t('Pipewright exported {0} tables to {1} ({2} written last).', r.tables.length, r.runDir, r.success));
  else void vscode.window.showWarningMessage(vscode.l10n.t('The export of {0} was stopped: no _SUCCESS was written and its uploads were aborted.', r.runDir));
  return r;
}

export async function pennySend(ctx: CommandContext, given?: unknown): Promise<PennySent | undefined> {
  const uri = await pipelineUri(given, ['stripe-export']);
  if (!uri) return undefined;
  const r = await recorded(ctx, uri, 'penny send',
    () => ctx.secrets.run((secrets) => executeServerCommand(ctx.client, Commands.pennySend, [uri.toString(), { ...s3Settings(), secrets }]) as Promise<PennySent>),
    (r) => [true, r.key]);
  if (r) void vscode.window.showInformationMessage(vscode.l10n.t('Penny test written to {0}{1}. Validation code: {2}', r.key, r.encrypted ? vscode.l10n.t(' (encrypted)') : '', r.code));
  return r;
}

/** args: [pipeline, saveTo?]: with saveTo (a Uri) the validation file is written there without asking. */
export async function pennyVerify(ctx: CommandContext, given?: unknown, saveTo?: unknown): Promise<PennyVerified | undefined> {
  const uri = await pipelineUri(given, ['stripe-export']);
  if (!uri) return undefined;
  const r = await recorded(ctx, uri, 'penny verify',
    () => ctx.secrets.run((secrets) => executeServerCommand(ctx.client, Commands.pennyVerify, [uri.toString(), { ...s3Settings(), secrets } satisfies PennyVerifyOptions]) as Promise<PennyVerified>),
    (r) => [true, vscode.l10n.t('{0}: code {1}', r.account, r.code)]);
  if (!r) return undefined;
  const save = async (to: vscode.Uri | undefined) => {
    if (to) await vscode.workspace.fs.writeFile(to, Buffer.from(r.text));
  };
  if (saveTo instanceof vscode.Uri) {
    await save(saveTo);
  } else {
    const saveFile = vscode.l10n.t('Save File…');
    void vscode.window.showInformationMessage(vscode.l10n.t('Penny test for {0} found ({1}). Validation code: {2}', r.account, r.key, r.code), saveFile).then(async (choice) => {
      if (!choice) return;
      await save(await vscode.window.showSaveDialog({ saveLabel: vscode.l10n.t('Save for upload to Stripe'), defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? uri, `account_${r.account}.validation.csv`) }));
    });
  }
  return r;
}

/**
 * "Generate PGP Key": args [account?, folder?]. The public key `<account>.key` goes into the folder (default: the
 * first workspace folder's `keys/`); the private key stays in VS Code's secret storage as `pgp-private-key:<account>`,
 * and a backup copy is written only where the user chooses.
 */
export async function generatePgpKey(ctx: CommandContext, account?: unknown, folder?: unknown): Promise<{ publicKey: vscode.Uri; fingerprint: string } | undefined> {
  const id = typeof account === 'string' ? account : await vscode.window.showInputBox({
    title: vscode.l10n.t('Generate the PGP key pair for Stripe Data Pipeline'),
    prompt: vscode.l10n.t('Your Stripe account id (acct_…) or organisation id (org_…): the key\'s name, as Stripe\'s guide asks'),
    validateInput: (v) => (/^(acct|org)_[A-Za-z0-9]+$/.test(v) ? undefined : vscode.l10n.t('acct_… or org_…, as the Stripe Dashboard shows it')),
    ignoreFocusOut: true,
  });
  if (!id) return undefined;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  const dir = folder instanceof vscode.Uri ? folder : root ? vscode.Uri.joinPath(root, 'keys') : undefined;
  if (!dir) throw new Error(vscode.l10n.t('Open a folder first: the public key is written into it.'));
  const key = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pipewright: generating an RSA 4096 key pair (a few seconds)') }, () =>
    executeServerCommand(ctx.client, Commands.generatePgpKey, [id]),
  )) as GeneratedPgpKey;
  ctx.secrets.handedOut.add(key.privateArmored);
  const publicKey = vscode.Uri.joinPath(dir, `${id}.key`);
  await vscode.workspace.fs.createDirectory(dir);
  await vscode.workspace.fs.writeFile(publicKey, Buffer.from(key.publicArmored));
  await ctx.secrets.set(`pgp-private-key:${id}`, key.privateArmored);
  if (typeof account !== 'string') {
    const backup = vscode.l10n.t('Save a Backup…');
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} written (upload it to Stripe); the private key ({1}) is in VS Code\'s secret storage. Keep a backup outside the project: whoever has it reads every delivery.', vscode.workspace.asRelativePath(publicKey), key.fingerprint), backup).then(async (c) => {
      if (!c) return;
      const to = await vscode.window.showSaveDialog({ saveLabel: vscode.l10n.t('Save private key'), defaultUri: vscode.Uri.file(`${id}.private.asc`) });
      if (to) await vscode.workspace.fs.writeFile(to, Buffer.from(key.privateArmored));
    });
  }
  return { publicKey, fingerprint: key.fingerprint };
}
