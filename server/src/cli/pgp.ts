/** `pipewright pgp generate|inspect`: the PGP key pair Stripe Data Pipeline encrypts deliveries to, made and checked. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export const PGP_HELP = `Usage: pipewright pgp <command> [options]

Commands:
  generate <acct_…|org_…>   Make the key pair Stripe's Data Pipeline guide asks for (RSA and RSA, 4096 bits,
                            no expiry, user id = the account id, no passphrase). Writes <account>.key, the
                            armored public key to upload to Stripe, and the private key to --private-out
  inspect <file.key>        Check a public key file against the guide: print its facts and findings;
                            exit 1 when there is an error

Options for generate:
  --private-out FILE        Where to write the private key (required; created with mode 0600). Whoever has
                            it can read every delivery: keep it out of the project and back it up
  --public-dir DIR          Folder for <account>.key (default: the current folder)
  --allow-in-workspace      Allow --private-out inside the workspace (the current folder, or the git
                            repository it is in)
  --force                   Replace files that already exist

Options for inspect:
  --account ID              The Stripe account the key is for (default: taken from a file named acct_….key)

  -h, --help                Show this help
`;

type Out = NodeJS.WritableStream;

export async function runPgp(args: string[], stdout: Out, stderr: Out, cwd: string): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    stdout.write(PGP_HELP);
    return sub ? 0 : 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    stdout.write(PGP_HELP);
    return 0;
  }
  if (sub === 'generate') return generate(rest, stdout, stderr, cwd);
  if (sub === 'inspect') return inspect(rest, stdout, stderr, cwd);
  stderr.write(`pipewright pgp: unknown command "${sub}". Run "pipewright pgp --help".\n`);
  return 2;
}

/** Splits `--name value` options from positional arguments; undefined (after writing why) on a usage error. */
function parse(cmd: string, args: string[], valued: string[], flags: string[], stderr: Out): { opts: Map<string, string>; positional: string[] } | undefined {
  const opts = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (valued.includes(a)) {
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) {
        stderr.write(`pipewright pgp ${cmd}: ${a} needs a value. Run "pipewright pgp --help".\n`);
        return undefined;
      }
      opts.set(a, v);
      i++;
    } else if (flags.includes(a)) opts.set(a, '');
    else if (a.startsWith('-')) {
      stderr.write(`pipewright pgp ${cmd}: unknown option ${a}. Run "pipewright pgp --help".\n`);
      return undefined;
    } else positional.push(a);
  }
  return { opts, positional };
}

async function generate(args: string[], stdout: Out, stderr: Out, cwd: string): Promise<number> {
  const parsed = parse('generate', args, ['--private-out', '--public-dir'], ['--allow-in-workspace', '--force'], stderr);
  if (!parsed) return 2;
  const { opts, positional } = parsed;
  // Loaded here, not at the top: openpgp is large, and every other command would pay for loading it.
  const { STRIPE_KEY_OWNER, generateStripeKeyPair } = await import('../node/pgp/keys');
  if (positional.length !== 1 || !STRIPE_KEY_OWNER.test(positional[0])) {
    const got = positional.length === 1 ? `"${positional[0]}" is not a Stripe account id` : 'name one Stripe account id';
    stderr.write(`pipewright pgp generate: ${got}: the key's name must be your account id (acct_…) or organisation id (org_…), e.g. pipewright pgp generate acct_1Nv0FGQ9RKHgCVdK --private-out ~/secrets/acct_1Nv0FGQ9RKHgCVdK.private.asc\n`);
    return 2;
  }
  const account = positional[0];
  const privateArg = opts.get('--private-out');
  if (!privateArg) {
    stderr.write(`pipewright pgp generate: --private-out FILE is required: where to keep the private key, outside the project (e.g. --private-out ~/secrets/${account}.private.asc).\n`);
    return 2;
  }
  const force = opts.has('--force');
  const privatePath = resolve(cwd, privateArg);
  const publicPath = join(resolve(cwd, opts.get('--public-dir') ?? '.'), `${account}.key`);
  const show = (p: string) => (isInside(cwd, p) ? relative(cwd, p) || '.' : p);

  // Every refusal before the slow part: generating RSA-4096 takes seconds.
  if (privatePath === publicPath) {
    stderr.write(`pipewright pgp generate: --private-out must not be the public key file ${show(publicPath)}.\n`);
    return 2;
  }
  const workspace = workspaceOf(cwd);
  if (!opts.has('--allow-in-workspace') && isInside(workspace, realish(privatePath))) {
    stderr.write(
      `pipewright pgp generate: refusing to write the private key inside the workspace (${show(privatePath)} is in ${workspace}): it could end up committed or shared, and whoever has it reads every delivery. Write it elsewhere (e.g. --private-out ~/secrets/${account}.private.asc), or add --allow-in-workspace if that folder is private.\n`,
    );
    return 1;
  }
  for (const p of [privatePath, publicPath]) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      stderr.write(`pipewright pgp generate: ${show(p)} is a folder: name a file.\n`);
      return 2;
    }
  }
  const existing = [privatePath, publicPath].filter((p) => existsSync(p));
  if (existing.length && !force) {
    stderr.write(`pipewright pgp generate: ${existing.map(show).join(' and ')} already exist${existing.length === 1 ? 's' : ''}: add --force to replace (a replaced private key is gone for good: deliveries encrypted to it can no longer be read).\n`);
    return 1;
  }

  stderr.write(`Generating an RSA-4096 key pair for ${account} (takes a few seconds)…\n`);
  const started = Date.now();
  const pair = await generateStripeKeyPair(account);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  try {
    await writeNew(privatePath, pair.privateArmored, 0o600, force, 0o700);
  } catch (e) {
    stderr.write(`pipewright pgp generate: cannot write the private key to ${show(privatePath)} (${(e as Error).message}); nothing was written.\n`);
    return 1;
  }
  try {
    await writeNew(publicPath, pair.publicArmored, 0o644, force, 0o755);
  } catch (e) {
    // A private key without its public half on disk is useless and a risk: take it back.
    await rm(privatePath, { force: true });
    stderr.write(`pipewright pgp generate: cannot write the public key to ${show(publicPath)} (${(e as Error).message}); nothing was written.\n`);
    return 1;
  }
  stdout.write(
    [
      `Generated in ${seconds} s: RSA 4096 and RSA 4096, user id "${account}", no expiry, no passphrase.`,
      `  fingerprint  ${groupFingerprint(pair.fingerprint)}`,
      `  public key   ${show(publicPath)}  (upload it to Stripe when you choose PGP encryption; it may be committed)`,
      `  private key  ${show(privatePath)}  (mode 0600: never commit or share it; back it up — without it the deliveries cannot be read)`,
      `To decrypt with gpg: gpg --import ${show(privatePath)}`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function inspect(args: string[], stdout: Out, stderr: Out, cwd: string): Promise<number> {
  const parsed = parse('inspect', args, ['--account'], [], stderr);
  if (!parsed) return 2;
  const { opts, positional } = parsed;
  if (positional.length !== 1) {
    stderr.write('pipewright pgp inspect: name one key file, e.g. pipewright pgp inspect keys/acct_1Nv0FGQ9RKHgCVdK.key\n');
    return 2;
  }
  const path = resolve(cwd, positional[0]);
  const name = positional[0];
  let text: string;
  try {
    const st = statSync(path);
    // An armored RSA-4096 public key is about 3 KB: anything far bigger is not one, and is not read whole.
    if (!st.isFile() || st.size > 1024 * 1024) {
      stderr.write(`pipewright pgp inspect: ${name}: ${st.isFile() ? 'over 1 MB, not a key file' : 'not a file'}.\n`);
      return 2;
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    stderr.write(`pipewright pgp inspect: ${name}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).\n`);
    return 2;
  }
  const { inspectPublicKey, STRIPE_KEY_OWNER } = await import('../node/pgp/keys');
  const fromName = /^(.+)\.key$/.exec(basename(path))?.[1];
  const account = opts.get('--account') ?? (fromName && STRIPE_KEY_OWNER.test(fromName) ? fromName : undefined);
  const { facts, findings } = await inspectPublicKey(text, { accountId: account });
  if (account && basename(path) !== `${account}.key`) {
    findings.push({ severity: 'warning', code: 'pgp-key-name', message: `Stripe expects the public key file named "${account}.key"; this one is "${basename(path)}".` });
  }
  const lines = [name];
  if (facts) {
    const enc = facts.encryptionBits !== undefined && facts.encryptionBits !== facts.bits ? `, encryption key ${facts.encryptionBits} bits` : '';
    lines.push(
      `  fingerprint  ${groupFingerprint(facts.fingerprint)}`,
      `  algorithm    ${facts.algorithm}${facts.bits !== undefined ? ` ${facts.bits} bits` : ''}${enc}${facts.isPrivate ? ' (PRIVATE key)' : ''}`,
      `  user ids     ${facts.userIds.length ? facts.userIds.map((u) => `"${u}"`).join(', ') : '(none)'}`,
      `  created      ${facts.created.toISOString().slice(0, 10)}`,
      `  expires      ${facts.expires ? facts.expires.toISOString().replace(/\.\d{3}Z$/, 'Z') : 'never'}`,
      `  can encrypt  ${facts.canEncrypt ? 'yes' : 'no'}`,
    );
  }
  if (account) lines.push(`  account      ${account}${opts.has('--account') ? '' : ' (from the file name)'}`);
  for (const f of findings) lines.push(`${name}: ${f.severity} [${f.code}] ${f.message}`);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  lines.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`, '');
  stdout.write(lines.join('\n'));
  return errors ? 1 : 0;
}

/** Writes a file that must not exist yet (or is replaced whole under --force, so that `mode` applies), creating its folder. */
async function writeNew(path: string, text: string, mode: number, force: boolean, dirMode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: dirMode });
  // writeFile's mode only applies when it creates the file: a replaced file must be removed first to get it.
  if (force) await rm(path, { force: true });
  await writeFile(path, text, { mode, flag: 'wx' });
}

/** The folder the user works in: the git repository around `cwd` if there is one (all of it may be committed), else `cwd`. */
function workspaceOf(cwd: string): string {
  const start = realish(cwd);
  for (let d = start; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return start;
  }
}

/** `p` with symlinks resolved as far as it exists, so that a link into the workspace does not slip past the check. */
function realish(p: string): string {
  const tail: string[] = [];
  let d = resolve(p);
  for (;;) {
    try {
      return join(realpathSync(d), ...tail.reverse());
    } catch {
      if (dirname(d) === d) return resolve(p);
      tail.push(basename(d));
      d = dirname(d);
    }
  }
}

function isInside(dir: string, p: string): boolean {
  const r = relative(dir, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/** gpg's way of showing a fingerprint: ten groups of four, an extra space in the middle. */
function groupFingerprint(fpr: string): string {
  const groups = fpr.match(/.{1,4}/g) ?? [fpr];
  return groups.length === 10 ? `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}` : groups.join(' ');
}
