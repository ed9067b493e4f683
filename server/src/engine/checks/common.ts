/** Checks shared by every kind of file: S3 names, AWS ids, placeholders left from the docs, literal secrets. */
import type { Node } from 'jsonc-parser';
import { finding, type Finding, type Fix } from '../diagnostics';
import { didYouMean, innerRange, keyOf, quote } from '../json';
import { REGION_CODES } from '../../data/regions';
import { SECRET_REFERENCE } from '../schema';
import * as l10n from '../l10n';

/** S3 general purpose bucket naming rules; returns what is wrong, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  // A verb phrase ("must …"): the callers' sentences name the bucket as its subject.
  if (name.length < 3 || name.length > 63) return l10n.t('must be 3 to 63 characters long (it has {0})', name.length);
  if (/[A-Z]/.test(name)) return l10n.t('must use lowercase letters only');
  if (/[^a-z0-9.-]/.test(name)) return l10n.t('may contain only lowercase letters, digits, dots (.) and hyphens (-)');
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return l10n.t('must begin and end with a letter or a digit');
  if (name.includes('..')) return l10n.t('must not contain two adjacent dots');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return l10n.t('must not be formatted as an IP address');
  for (const p of ['xn--', 'sthree-', 'amzn-s3-demo-']) if (name.startsWith(p)) return l10n.t('must not start with "{0}"', p);
  for (const s of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) if (name.endsWith(s)) return l10n.t('must not end with "{0}"', s);
  return undefined;
}

/** A lowercase, rule-abiding version of a bucket name, for a quick fix. */
export function suggestBucketName(name: string): string | undefined {
  let s = name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (s.length > 63) s = s.slice(0, 63).replace(/[^a-z0-9]+$/, '');
  return s.length >= 3 && !bucketNameProblem(s) && s !== name ? s : undefined;
}

export function checkBucket(node: Node | undefined, out: Finding[]): void {
  if (node?.type !== 'string' || isPlaceholder(node.value)) return;
  const problem = bucketNameProblem(node.value);
  if (!problem) return;
  const fix = suggestBucketName(node.value);
  out.push(
    finding('bucket-name', l10n.t('S3 bucket name "{0}" {1}. See the S3 bucket naming rules.', node.value, problem), node.offset, node.offset + node.length, fix ? [{ title: l10n.t('Change to "{0}"', fix), edits: [{ start: node.offset, end: node.offset + node.length, newText: quote(fix) }] }] : undefined),
  );
}

export function checkRegion(node: Node | undefined, out: Finding[]): void {
  if (node?.type !== 'string' || REGION_CODES.includes(node.value)) return;
  const s = didYouMean(node.value, REGION_CODES);
  out.push(
    finding('region', s ? l10n.t('"{0}" is not an AWS region code. Did you mean "{1}"?', node.value, s) : l10n.t('"{0}" is not an AWS region code: use a code such as eu-west-1 or us-east-1.', node.value), node.offset, node.offset + node.length, s ? [{ title: l10n.t('Change to "{0}"', s), edits: [{ start: node.offset, end: node.offset + node.length, newText: quote(s) }], preferred: true }] : undefined),
  );
}

export function checkAwsAccountId(node: Node | undefined, out: Finding[], braze = false): void {
  if (node?.type !== 'string' || /^\d{12}$/.test(node.value)) return;
  const digits = node.value.replace(/[\s-]/g, '');
  const fix: Fix[] | undefined = /^\d{12}$/.test(digits) ? [{ title: l10n.t('Change to "{0}"', digits), edits: [{ start: node.offset, end: node.offset + node.length, newText: quote(digits) }], preferred: true }] : undefined;
  const message = braze
    ? l10n.t('The Braze AWS account id must be exactly 12 digits (found "{0}"); copy it from the AWS console\'s account menu.', node.value)
    : l10n.t('The AWS account id must be exactly 12 digits (found "{0}"); copy it from the AWS console\'s account menu.', node.value);
  out.push(finding('aws-account-id', message, node.offset, node.offset + node.length, fix));
}

export function checkStripeAccountId(node: Node | undefined, out: Finding[]): void {
  if (node?.type !== 'string' || /^(acct|org)_[A-Za-z0-9]{6,}$/.test(node.value)) return;
  out.push(finding('stripe-account-id', l10n.t('"{0}" is not a Stripe account id: use the account id (acct_…) or the organisation id (org_…) from the Stripe Dashboard.', node.value), node.offset, node.offset + node.length));
}

/**
 * A folder or key prefix: relative (no leading "/"), no empty or "." / ".." segments.
 * `trailingSlash` says whether the value must end with "/" (prefixes) or must not (Braze folder path).
 */
export function checkFolder(node: Node | undefined, out: Finding[], trailingSlash: boolean): void {
  if (node?.type !== 'string' || node.value === '') return;
  const v: string = node.value;
  const segments = v.split('/');
  if (trailingSlash) segments.pop();
  let problem: string | undefined;
  // A verb phrase, as in bucketNameProblem: the sentence below names the property as its subject.
  if (v.startsWith('/')) problem = l10n.t('must not start with "/" (S3 keys are relative to the bucket)');
  else if (v.includes('\\')) problem = l10n.t('must use "/" between folders, not "\\"');
  else if (segments.some((s) => s === '')) problem = trailingSlash && !v.endsWith('/') ? l10n.t('must end with "/"') : l10n.t('must not contain empty folder names ("//")');
  else if (segments.some((s) => s === '.' || s === '..')) problem = l10n.t('must not contain "." or ".." folders');
  else if (trailingSlash && !v.endsWith('/')) problem = l10n.t('must end with "/" so that it names a folder, not a key prefix');
  else if (!trailingSlash && v.endsWith('/')) problem = l10n.t('must not end with "/"');
  else if (/[\u0000-\u001f\u007f{}^%`\]\["<>~#|]/.test(v)) problem = l10n.t('contains characters S3 advises against in key names');
  if (!problem) return;
  const normal = normaliseFolder(v, trailingSlash);
  const key = keyOf(node) ?? 'folder';
  out.push(
    finding('folder-path', l10n.t('"{0}" {1}.', key, problem), node.offset, node.offset + node.length, normal && normal !== v ? [{ title: l10n.t('Change to "{0}"', normal), edits: [{ start: node.offset, end: node.offset + node.length, newText: quote(normal) }], preferred: true }] : undefined),
  );
}

function normaliseFolder(v: string, trailingSlash: boolean): string | undefined {
  const parts = v.replace(/\\/g, '/').split('/').filter((s) => s && s !== '.' && s !== '..');
  if (!parts.length) return undefined;
  return parts.join('/') + (trailingSlash ? '/' : '');
}

/** Placeholders the four integration guides tell the user to replace. */
// `what` is a function: the message is built in the locale the edge chose, after this module loaded.
const PLACEHOLDERS: Array<{ re: RegExp; what: () => string; bucket?: boolean }> = [
  { re: /<BUCKET_RESOURCE>/g, what: () => l10n.t('Stripe’s bucket placeholder'), bucket: true },
  { re: /USER_TARGET_BUCKET/g, what: () => l10n.t('the Stripe S3 connector’s bucket placeholder'), bucket: true },
  { re: /INSERTBUCKETNAME/g, what: () => l10n.t('Braze’s bucket placeholder'), bucket: true },
  { re: /<[A-Z][A-Z0-9_]{2,}>/g, what: () => l10n.t('a placeholder') },
  { re: /(?<!\$)\{[A-Z][A-Z0-9_]{2,}\}/g, what: () => l10n.t('a placeholder') },
  { re: /\byour-key-id\b|\byour-bucket-name\b|\bYOUR_[A-Z_]+\b/g, what: () => l10n.t('a placeholder') },
  { re: /\b(acct|org)_(\*{2,}|…|\.\.\.)/g, what: () => l10n.t('an account id placeholder') },
];

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDERS.some((p) => {
    p.re.lastIndex = 0;
    return p.re.test(value);
  });
}

/**
 * Report every placeholder left in one string value. `buckets` are the bucket names of the pipelines
 * that reference this file: a bucket placeholder gets one quick fix per bucket.
 */
export function checkPlaceholdersIn(node: Node, out: Finding[], buckets: string[]): void {
  const value = node.value as string;
  if (value.length > 2000 || (!value.includes('<') && !value.includes('{') && !MAYBE_PLACEHOLDER.test(value))) return;
  const seen = new Set<number>();
  for (const p of PLACEHOLDERS) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(value); m; m = p.re.exec(value)) {
      if (seen.has(m.index)) continue;
      seen.add(m.index);
      const [inner] = innerRange(node);
      // Offsets inside the string are exact when the string holds no escapes.
      const exact = JSON.stringify(value).slice(1, -1) === value;
      const start = exact ? inner + m.index : node.offset;
      const end = exact ? start + m[0].length : node.offset + node.length;
      const fixes: Fix[] = p.bucket && exact ? buckets.map((b) => ({ title: l10n.t('Replace with bucket "{0}"', b), edits: [{ start, end, newText: b }], preferred: buckets.length === 1 })) : [];
      out.push(
        finding(
          'placeholder',
          p.bucket
            ? buckets.length === 1
              ? l10n.t('{0} is {1}: replace it with your bucket name ("{2}", from the pipeline that uses this file).', m[0], p.what(), buckets[0])
              : l10n.t('{0} is {1}: replace it with your bucket name.', m[0], p.what())
            : l10n.t('{0} is {1} from the integration docs: replace it with the real value.', m[0], p.what()),
          start,
          end,
          fixes,
        ),
      );
    }
  }
}

const MAYBE_PLACEHOLDER = /[A-Z_]{8}|your-|_\*|…|\.\.\./;

const SECRETS: Array<{ re: RegExp; what: () => string }> = [
  { re: /\b[sr]k_(live|test)_[A-Za-z0-9]{8,}/, what: () => l10n.t('a Stripe API key') },
  { re: /\bwhsec_[A-Za-z0-9]{16,}/, what: () => l10n.t('a Stripe webhook signing secret') },
  { re: /^Bearer\s+[A-Za-z0-9._~+/-]{12,}=*$/i, what: () => l10n.t('a bearer token') },
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, what: () => l10n.t('an access token (JWT)') },
  { re: /-----BEGIN (PGP |RSA |OPENSSH |EC )?PRIVATE KEY( BLOCK)?-----/, what: () => l10n.t('a private key') },
  { re: /\bASIA[0-9A-Z]{16}\b/, what: () => l10n.t('temporary AWS credentials') },
];

const AWS_SECRET = /^[A-Za-z0-9/+]{40}$/;

/** Cheap first look: only strings that could be one of the secrets above go through the full list. */
const MAYBE_SECRET = /k_(live|test)_|whsec_|^bearer\s|eyJ|-----BEGIN|ASIA/i;

/** A literal secret in one string value. The message names the kind of secret, never the value. */
export function checkSecretIn(node: Node, out: Finding[]): void {
  const value = node.value as string;
  if (value.length < 16 || value.startsWith('${')) return;
  let what: (() => string) | undefined;
  if (MAYBE_SECRET.test(value)) {
    for (const s of SECRETS) {
      if (s.re.test(value)) {
        what = s.what;
        break;
      }
    }
  }
  if (!what && value.length === 40 && AWS_SECRET.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value) && (/[/+]/.test(value) || /secret/i.test(keyOf(node) ?? ''))) what = () => l10n.t('an AWS secret access key');
  if (!what || SECRET_REFERENCE.test(value)) return;
  // A schema-declared secret property already reports its literal value; do not say it twice.
  if (out.some((f) => f.code === 'literal-secret' && f.start === node.offset)) return;
  out.push(
    finding('literal-secret', l10n.t('This value looks like {0}. Never write secrets into config files: use ${secret:name} or ${env:NAME}, and rotate the secret if this file was ever shared or committed.', what()), node.offset, node.offset + node.length),
  );
}
