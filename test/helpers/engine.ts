/** Runs the engine over in-memory files, as the editor would, and answers in line/column terms tests can read. */
import { Project, validate, parseDocument, type Finding, type FileAccess, type ParsedDocument } from '../../server/src/engine';

export const ROOT = '/ws';

export function memoryFiles(files: Record<string, string>): FileAccess {
  const abs = (p: string) => (p.startsWith('/') ? p : `${ROOT}/${p}`);
  const map = new Map(Object.entries(files).map(([k, v]) => [abs(k), v]));
  return {
    readFile: (p) => map.get(p),
    exists: (p) => map.has(p) || [...map.keys()].some((k) => k.startsWith(p.endsWith('/') ? p : `${p}/`)),
  };
}

export interface Seen {
  code: string;
  severity: string;
  message: string;
  /** 1-based line and column of the start, as an editor shows them. */
  line: number;
  column: number;
  /** The text the finding covers. */
  text: string;
  finding: Finding;
}

export function project(files: Record<string, string>): Project {
  const p = new Project(memoryFiles(files));
  for (const name of Object.keys(files)) p.addKnown(`${ROOT}/${name}`);
  return p;
}

/** Lint `name` among `files` (names relative to the workspace root). */
export function lint(files: Record<string, string>, name: string, suppress: string[] = []): Seen[] {
  const p = project(files);
  const doc = p.get(`${ROOT}/${name}`)!;
  return seen(doc, validate(doc, p, { suppress }));
}

/** Lint one file on its own. */
export function lintOne(name: string, text: string): Seen[] {
  return lint({ [name]: text }, name);
}

export function seen(doc: ParsedDocument, findings: Finding[]): Seen[] {
  return findings.map((f) => {
    const p = doc.lines.positionAt(f.start);
    return { code: f.code, severity: f.severity, message: f.message, line: p.line + 1, column: p.character + 1, text: doc.text.slice(f.start, f.end), finding: f };
  });
}

export function codes(list: Seen[]): string[] {
  return list.map((s) => s.code);
}

/** Apply a finding's first fix (or the one titled `title`) and return the new text. */
export function applyFix(text: string, f: Finding, title?: string): string {
  const fix = title ? f.fixes?.find((x) => x.title === title) : f.fixes?.[0];
  if (!fix) throw new Error(`no fix${title ? ` titled ${title}` : ''} on ${f.code}: ${f.message}`);
  const edits = [...fix.edits].sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

export { parseDocument };

/** A valid stripe-export pipeline; `patch` overrides top-level properties (undefined removes one). */
export function stripeExport(patch: Record<string, unknown> = {}): string {
  const base: Record<string, unknown> = {
    kind: 'stripe-export',
    name: 'Stripe to S3',
    account: 'acct_1Nv0FGQ9RKHgCVdK',
    bucket: 'acme-stripe-data',
    region: 'eu-west-1',
    awsAccountId: '123456789012',
    roleName: 'stripe-data-pipeline-s3-role',
    permissionPolicy: 'stripe.policy.json',
    trustPolicy: 'stripe.trust.json',
  };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return JSON.stringify(base, null, 2) + '\n';
}

export const STRIPE_POLICY = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Bucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket'], Resource: 'arn:aws:s3:::acme-stripe-data' },
      { Sid: 'Objects', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::acme-stripe-data/*' },
    ],
  },
  null,
  2,
);

export const STRIPE_TRUST = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'acct_1Nv0FGQ9RKHgCVdK' } },
      },
    ],
  },
  null,
  2,
);

/** The stripe-export pipeline with its two policy files, all valid. */
export function stripeWorkspace(pipeline = stripeExport()): Record<string, string> {
  return { 'a.pipeline.json': pipeline, 'stripe.policy.json': STRIPE_POLICY, 'stripe.trust.json': STRIPE_TRUST };
}
