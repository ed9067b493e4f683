/**
 * Findings as the engine reports them: offsets into the document, a stable code, and the fixes
 * that apply. The LSP adapter and the CLI translate them to their own shapes at the edge.
 */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface TextEdit {
  /** Absolute file path; the finding's own document when absent. */
  path?: string;
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix a user most likely wants (VS Code's "preferred" quick fix). */
  preferred?: boolean;
}

export interface Finding {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  fixes?: Fix[];
}

/**
 * Every diagnostic code, with its default severity and a one-line summary (used for SARIF rules
 * and docs/config-reference.md). Codes are stable: suppressions and code actions match on them.
 */
export const CODES = {
  'json-syntax': ['error', 'The file is not valid JSON.'],
  'json-comment': ['error', 'Comments are not allowed in this file.'],
  'json-trailing-comma': ['error', 'Trailing commas are not allowed in this file.'],
  'template-hole': ['error', 'A template hole such as {{interval}} was left in the file.'],
  'nesting-too-deep': ['error', 'The document nests deeper than Pipewright reads.'],
  'schema-type': ['error', 'A value has the wrong type.'],
  'schema-required': ['error', 'A required property is missing.'],
  'schema-unknown-property': ['error', 'A property is not allowed here.'],
  'schema-enum': ['error', 'A value is not one of the allowed values.'],
  'schema-pattern': ['error', 'A value does not match the expected format.'],
  'schema-range': ['error', 'A number is out of range.'],
  'schema-length': ['error', 'A string or array has the wrong length.'],
  'schema-unique': ['error', 'An array holds the same value twice.'],
  placeholder: ['error', 'A placeholder from the integration docs was left in.'],
  'literal-secret': ['error', 'A secret is written into the file.'],
  'fixed-value': ['error', 'A value the integration fixes is different.'],
  'bucket-name': ['error', 'The S3 bucket name breaks the naming rules.'],
  region: ['error', 'Not an AWS region code.'],
  'aws-account-id': ['error', 'Not a 12-digit AWS account id.'],
  'stripe-account-id': ['error', 'Not a Stripe account (acct_…) or organisation (org_…) id.'],
  'folder-path': ['error', 'A folder or prefix is malformed.'],
  'file-not-found': ['error', 'A referenced file does not exist.'],
  'file-wrong-kind': ['error', 'A referenced file is not of the kind expected.'],
  'aep-schedule': ['error', 'The flow schedule breaks the Flow Service rules.'],
  'aep-resource-path': ['error', 'Unknown Stripe resource path.'],
  'aep-source-params': ['error', 'sourceParams is not base64 of a known resourcePath.'],
  'aep-reference': ['error', 'An id or schema id does not match the file, or the deployed object, it refers to.'],
  'aep-source-attribute': ['error', 'A mapping names a field the Stripe source does not have.'],
  'aep-destination-path': ['error', 'A mapping names a field the target XDM schema does not have, or one already mapped.'],
  'aep-mapping-type': ['error', 'The source field\'s type cannot be written into the XDM field\'s type.'],
  'aep-identity': ['error', 'A mapping marks as identity a field the schema does not make identity-capable.'],
  'aep-required-field': ['error', 'A field the target XDM schema requires is not mapped.'],
  'braze-duplicate-folder': ['error', 'Two Braze Currents connectors write to the same folder.'],
  'braze-shared-policy': ['error', 'Currents and dashboard export share one policy for one bucket.'],
  'braze-object-lock': ['error', 'Braze Currents writes to a bucket with Object Lock, which Currents does not support.'],
  'braze-sse-required': ['error', 'The bucket policy demands the encryption header that the connector does not send.'],
  'braze-temporary-key': ['error', 'Braze is given temporary credentials that expire.'],
  'pgp-key-name': ['warning', 'The PGP public key file does not follow Stripe’s naming.'],
  'template-key': ['error', 'The template key is not one of its columns.'],
  'template-column': ['error', 'A template column is malformed or repeated.'],
  'template-field': ['warning', 'A template column fills a field its Stripe object does not have.'],
  'stripe-schedule': ['warning', 'Stripe Data Pipeline delivers every 3 hours.'],
  'iam-missing-permission': ['error', 'The policy refuses a request the integration makes.'],
  'iam-unneeded-grant': ['warning', 'The policy grants more than the integration needs (least privilege).'],
  'iam-wildcard-bucket': ['warning', 'A bucket name wildcard also matches other buckets.', 'security-warning'],
  'iam-unknown-action': ['error', 'No such IAM action.'],
  'iam-arn': ['error', 'A malformed or impossible ARN.'],
  'iam-resource-mismatch': ['error', 'An action paired only with resources it cannot apply to grants nothing.'],
  'iam-resource-unused': ['warning', 'A resource none of the statement’s actions applies to grants nothing there.'],
  'iam-empty-key': ['warning', 'An object ARN with an empty key grants nothing.'],
  'pgp-key': ['error', 'The PGP public key is not one Stripe can encrypt to as its guide asks.'],
  'iam-version': ['error', 'The policy Version is missing or wrong.'],
  'iam-duplicate-sid': ['error', 'Two statements share one Sid.'],
  'iam-condition-operator': ['error', 'Unknown condition operator.'],
  'iam-condition-key': ['warning', 'A condition key the statement’s actions never carry.'],
  'iam-allow-not': ['warning', 'Allow with NotAction or NotResource grants everything else.', 'security-warning'],
  'iam-broad-write': ['warning', 'Write access on every action or every resource.', 'security-warning'],
  'iam-public-trust': ['error', 'Anyone can assume the role.'],
  'iam-confused-deputy': ['warning', 'A cross-account principal without an sts:ExternalId condition.', 'security-warning'],
  'iam-trust-mismatch': ['error', 'The trust policy does not name the principal or external id the pipeline uses.'],
} as const satisfies Record<string, readonly [Severity, string] | readonly [Severity, string, FindingType]>;

/**
 * What kind of finding a code is, in IAM Access Analyzer's terms (error, security warning, warning,
 * suggestion): SARIF and the CLI show it; LSP severities come from the code's severity.
 */
export type FindingType = 'error' | 'security-warning' | 'warning' | 'suggestion';

export function findingType(code: DiagnosticCode): FindingType {
  const entry = CODES[code] as readonly [Severity, string, FindingType?];
  if (entry[2]) return entry[2];
  return entry[0] === 'error' ? 'error' : entry[0] === 'warning' ? 'warning' : 'suggestion';
}

export type DiagnosticCode = keyof typeof CODES;

export function finding(code: DiagnosticCode, message: string, start: number, end: number, fixes?: Fix[]): Finding {
  const f: Finding = { code, severity: CODES[code][0], message, start, end };
  if (fixes && fixes.length) f.fixes = fixes;
  return f;
}
