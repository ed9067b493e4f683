/**
 * `pipewright penny send <pipeline>` writes Stripe's test delivery with the pipeline's own credentials;
 * `pipewright penny verify <pipeline>` finds it, decrypts it when the pipeline encrypts, checks it and shows the
 * code to confirm in Stripe's onboarding.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { jobError, NeedsPrivateKey, pennySend, pennyVerify } from '../node/export/jobs';
import { loadExportPipeline, type ExportPipeline } from '../node/export/pipeline';

export const PENNY_HELP = `Usage: pipewright penny <send|verify> <pipeline> [options]

  send      Write the penny-test file penny_test/<account>/account_<account>.validation.csv (PGP-encrypted,
            .csv.gpg, when the pipeline encrypts) with the pipeline's credentials: if this works, Stripe's
            test delivery to the same bucket will too.
  verify    Find the penny-test file of the pipeline's account, decrypt it when needed, check it, and show the
            validation code to confirm in Stripe's onboarding.

Options:
  --private-key FILE    verify: the armored private key, for an encrypted file
  --save FILE           verify: also save the (decrypted) file, to upload it in Stripe's onboarding
  --endpoint URL, --profile NAME, --region R   Where and as whom to reach S3
`;

export async function runPenny(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    stdout.write(PENNY_HELP);
    return sub ? 0 : 2;
  }
  if (sub !== 'send' && sub !== 'verify') {
    stderr.write(`pipewright penny: unknown command "${sub}". Run "pipewright penny --help".\n`);
    return 2;
  }
  const o: Record<string, string | undefined> = {};
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-h' || a === '--help') {
      stdout.write(PENNY_HELP);
      return 0;
    }
    if (['--private-key', '--save', '--endpoint', '--profile', '--region'].includes(a)) {
      const v = rest[++i];
      if (!v) {
        stderr.write(`pipewright penny ${sub}: ${a} needs a value.\n`);
        return 2;
      }
      o[a.slice(2)] = v;
    } else if (a.startsWith('-') || file) {
      stderr.write(`pipewright penny ${sub}: unexpected ${a}. Run "pipewright penny --help".\n`);
      return 2;
    } else file = a;
  }
  if (!file) {
    stderr.write(`pipewright penny ${sub}: name the stripe-export pipeline.\n`);
    return 2;
  }
  let p: ExportPipeline;
  try {
    p = loadExportPipeline(resolve(cwd, file));
  } catch (e) {
    stderr.write(`pipewright penny ${sub}: ${(e as Error).message}\n`);
    return 2;
  }
  const connect = { endpoint: o.endpoint, profile: o.profile, region: o.region };
  try {
    if (sub === 'send') {
      const r = await pennySend(p, connect);
      stdout.write(`Wrote s3://${p.bucket}/${r.key}${r.encrypted ? ` (encrypted to ${p.pgpPublicKey!.path})` : ''}\nValidation code: ${r.code}\n`);
      return 0;
    }
    const penny = await pennyVerify(p, { ...connect, privateArmored: o['private-key'] ? readFileSync(resolve(cwd, o['private-key']), 'utf8') : undefined, save: o.save ? resolve(cwd, o.save) : undefined });
    stdout.write(`Penny test found: s3://${p.bucket}/${penny.key}\n  account ${penny.account}, written ${penny.created}\n  Validation code: ${penny.code}\n${o.save ? `  saved to ${o.save}: upload it in Stripe's onboarding\n` : ''}`);
    return 0;
  } catch (e) {
    stderr.write(`pipewright penny ${sub}: ${e instanceof NeedsPrivateKey ? `${e.message}.` : jobError(e, p, connect, sub === 'send' ? 's3:PutObject' : 's3:ListBucket')}\n`);
    return 1;
  }
}
