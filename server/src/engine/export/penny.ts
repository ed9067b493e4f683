/**
 * The penny test of Stripe Data Pipeline (seed 000): before the first delivery, Stripe writes a test file to
 * `penny_test/<acct_… or org_…>/account_<…>.validation.csv` in the customer's bucket; the customer finds it,
 * downloads it and uploads it back in the onboarding to prove that the bucket, region, role and policy work.
 *
 * `send` writes such a file with the pipeline's own credentials (the user learns whether the delivery would
 * work); `verify` finds the folder, picks the subfolder of the configured account, reads and checks the file,
 * and names exactly what is wrong when it is not there. Transport-free: S3 comes in through S3Access.
 */
import type { S3Access } from '../import/types';

export const PENNY_FOLDER = 'penny_test/';
const HEADER = 'account_id,validation_code,created';

export function pennyKey(account: string, encrypted: boolean): string {
  return `${PENNY_FOLDER}${account}/account_${account}.validation.csv${encrypted ? '.gpg' : ''}`;
}

/** The test file's content: test data only — the account, a code the user confirms, and when it was written. */
export function pennyContent(account: string, code: string, now: Date): string {
  return `${HEADER}\n${account},${code},${now.toISOString()}\n`;
}

/** A code the user can read aloud: 4 groups of 4 characters without look-alikes (0/O, 1/I/L). */
export function validationCode(random: () => number): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  const group = () => Array.from({ length: 4 }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  return `${group()}-${group()}-${group()}-${group()}`;
}

export interface PennyFile {
  account: string;
  code: string;
  created: string;
}

/** Checks a downloaded validation file; returns it, or throws an error that says what is wrong with it. */
export function parsePennyFile(text: string, account: string, key: string): PennyFile {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== HEADER) throw new Error(`${key}: not a penny-test validation file (its first line should be "${HEADER}", found ${JSON.stringify(lines[0]?.slice(0, 60) ?? '')})`);
  if (lines.length !== 2) throw new Error(`${key}: a validation file holds exactly one row after the header; this one has ${lines.length - 1}`);
  const [id, code, created, ...rest] = lines[1].split(',');
  if (rest.length || !id || !code || !created) throw new Error(`${key}: its row must be "<account>,<code>,<created>"; found ${JSON.stringify(lines[1].slice(0, 80))}`);
  if (id !== account) throw new Error(`${key}: the file is for ${id}, but the pipeline's account is ${account}: this delivery was made for another Stripe account`);
  if (Number.isNaN(Date.parse(created))) throw new Error(`${key}: "${created}" is not a date`);
  return { account: id, code, created };
}

export type PennyLocation = { key: string; encrypted: boolean; size: number };

/**
 * The most a validation file may hold, stored or decrypted: it is a header and one line. More is not a penny-test file
 * (or an encrypted one that inflates hugely), and is not read into memory.
 */
export const PENNY_MAX_BYTES = 1024 * 1024;

/**
 * Finds the validation file of `account` under penny_test/. Errors say what is missing: no penny_test/ folder
 * (Stripe has not delivered the test, or this is not the bucket it delivered to), no subfolder for this account
 * (naming those that are there), or a subfolder without the file.
 */
export async function findPennyFile(s3: S3Access, bucket: string, account: string, signal?: AbortSignal): Promise<PennyLocation> {
  const keys: string[] = [];
  const sizes = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await s3.listPage(bucket, PENNY_FOLDER, token, signal);
    for (const o of page.objects) {
      keys.push(o.key);
      sizes.set(o.key, o.size);
    }
    token = page.nextToken;
  } while (token);
  if (!keys.length) throw new Error(`s3://${bucket}/${PENNY_FOLDER} does not exist: the test delivery has not arrived (run "pipewright penny send", or check that Stripe's onboarding names this bucket)`);
  const folders = [...new Set(keys.map((k) => k.slice(PENNY_FOLDER.length).split('/')[0]).filter((f) => /^(acct|org)_/.test(f)))];
  if (!folders.includes(account)) {
    throw new Error(
      folders.length
        ? `s3://${bucket}/${PENNY_FOLDER} holds ${folders.length === 1 ? 'a folder' : `${folders.length} folders`} (${folders.join(', ')}) but none for ${account}: check the pipeline's "account"${folders.length > 1 ? ', or which of them Stripe named in the onboarding' : ''}`
        : `s3://${bucket}/${PENNY_FOLDER} holds no acct_… or org_… folder`,
    );
  }
  for (const encrypted of [false, true]) {
    const key = pennyKey(account, encrypted);
    if (keys.includes(key)) {
      const size = sizes.get(key) ?? 0;
      if (size > PENNY_MAX_BYTES) throw new Error(`s3://${bucket}/${key} holds ${size.toLocaleString('en-US')} bytes: a validation file is a header and one line, so this is not one Stripe (or "pipewright penny send") wrote; delete it and send the test again`);
      return { key, encrypted, size };
    }
  }
  const present = keys.filter((k) => k.startsWith(`${PENNY_FOLDER}${account}/`));
  throw new Error(`s3://${bucket}/${PENNY_FOLDER}${account}/ has no account_${account}.validation.csv (found: ${present.map((k) => k.slice(k.lastIndexOf('/') + 1)).join(', ') || 'nothing'})`);
}
