/**
 * `pipewright penny send <pipeline>` writes Stripe's test delivery with the pipeline's own credentials;
 * `pipewright penny verify <pipeline>` finds it, decrypts it when the pipeline encrypts, checks it and shows the
 * code to confirm in Stripe's onboarding.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand, type ServerSideEncryption } from '@aws-sdk/client-s3';
import { findPennyFile, parsePennyFile, pennyContent, pennyKey, validationCode } from '../engine/export/penny';
import { createS3Client, s3Access } from '../node/aws/s3';
import { explainAwsError } from '../node/aws/errors';
import { loadExportPipeline, type ExportPipeline } from '../node/export/pipeline';
import { isLoopback, localCredentials } from '../node/import/connect';

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
  const endpoint = o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
  const client = createS3Client({ region: o.region || p.region, endpoint: o.endpoint, profile: o.profile, credentials: endpoint && isLoopback(endpoint) && !o.profile ? localCredentials() : undefined });
  const context = { bucket: p.bucket, region: o.region || p.region, endpoint, config: p.path, profile: o.profile };
  try {
    if (sub === 'send') {
      const code = validationCode(() => randomInt(0, 1 << 30) / (1 << 30));
      const text = pennyContent(p.account, code, new Date());
      let body: Uint8Array = Buffer.from(text);
      if (p.pgpPublicKey) {
        const { encryptStream } = await import('../node/pgp/stream');
        const chunks: Buffer[] = [];
        for await (const c of encryptStream(Readable.from([body]), p.pgpPublicKey.armored)) chunks.push(Buffer.from(c as Uint8Array));
        body = Buffer.concat(chunks);
      }
      const key = pennyKey(p.account, !!p.pgpPublicKey);
      const sse = p.sse ? { ServerSideEncryption: p.sse.type as ServerSideEncryption, ...(p.sse.type === 'aws:kms' && p.sse.keyId ? { SSEKMSKeyId: p.sse.keyId } : {}) } : {};
      await client.send(new PutObjectCommand({ Bucket: p.bucket, Key: key, Body: body, ContentType: p.pgpPublicKey ? 'application/pgp-encrypted' : 'text/csv', ...sse }));
      stdout.write(`Wrote s3://${p.bucket}/${key}${p.pgpPublicKey ? ` (encrypted to ${p.pgpPublicKey.path})` : ''}\nValidation code: ${code}\n`);
      return 0;
    }
    const s3 = s3Access(client);
    const found = await findPennyFile(s3, p.bucket, p.account);
    const chunks: Buffer[] = [];
    for await (const c of s3.read(p.bucket, found.key)) chunks.push(Buffer.from(c));
    let text: string;
    if (found.encrypted) {
      if (!o['private-key']) {
        stderr.write(`pipewright penny verify: s3://${p.bucket}/${found.key} is encrypted: give the private key with --private-key FILE.\n`);
        return 1;
      }
      const { decryptToFile } = await import('../node/pgp/stream');
      const dir = mkdtempSync(join(tmpdir(), 'pw-penny-'));
      try {
        const out = join(dir, 'validation.csv');
        await decryptToFile(Readable.from(chunks), readFileSync(resolve(cwd, o['private-key']), 'utf8'), out);
        text = readFileSync(out, 'utf8');
      } catch (e) {
        stderr.write(`pipewright penny verify: s3://${p.bucket}/${found.key}: ${(e as Error).message}\n`);
        return 1;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else text = Buffer.concat(chunks).toString('utf8');
    const penny = parsePennyFile(text, p.account, `s3://${p.bucket}/${found.key}`);
    if (o.save) writeFileSync(resolve(cwd, o.save), text);
    stdout.write(`Penny test found: s3://${p.bucket}/${found.key}\n  account ${penny.account}, written ${penny.created}\n  Validation code: ${penny.code}\n${o.save ? `  saved to ${o.save}: upload it in Stripe's onboarding\n` : ''}`);
    return 0;
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    // The checks of the file itself (missing folder, wrong account…) are already sentences; AWS errors are explained.
    stderr.write(`pipewright penny ${sub}: ${/^s3:\/\//.test(message) ? message : explainAwsError(e, { operation: sub === 'send' ? 's3:PutObject' : 's3:ListBucket', ...context })}\n`);
    return 1;
  } finally {
    client.destroy();
  }
}
