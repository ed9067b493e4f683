/**
 * Every custom request, notification and command id that crosses the client/server boundary.
 * Imported by the VS Code client and the language server alike, so the two can never drift;
 * test/lsp/protocol.test.ts checks that the server advertises exactly these commands.
 */

/** Commands the server executes through `workspace/executeCommand`. */
export const Commands = {
  /** Lint every Pipewright file in the workspace; returns a {@link LintSummary}. */
  lintWorkspace: 'pipewright.lintWorkspace',
  /** Encode `{"resourcePath": …}` into base64 `sourceParams`; args: [resourcePath]; returns the string. */
  encodeSourceParams: 'pipewright.encodeSourceParams',
  /**
   * Write the least-privilege permission (and trust) policy of a pipeline; args: [pipeline uri].
   * The server applies the files with `workspace/applyEdit` (create or replace) and returns a {@link GeneratedPolicies}.
   */
  generateIamPolicies: 'pipewright.generateIamPolicies',
  /**
   * Read the live IAM role a pipeline's integration assumes and judge it; args: [pipeline uri, {@link RoleCheckOptions}?].
   * Returns a {@link RoleCheckReport}.
   */
  checkIamRole: 'pipewright.checkIamRole',
} as const;

export interface RoleCheckOptions {
  endpoint?: string;
  profile?: string;
}

export interface RoleCheckReport {
  roleArn: string;
  attached: number;
  inline: number;
  checked: number;
  gaps: Array<{ action: string; resource: string; explanation: string; breaks: string }>;
  trust: string[];
}
export type CommandId = (typeof Commands)[keyof typeof Commands];

export interface LintSummary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
}

export interface GeneratedPolicies {
  files: Array<{ uri: string; kind: 'policy' | 'trust'; /** The text, for clients that cannot create files. */ text: string }>;
  /** Whether the server applied the files through workspace/applyEdit. */
  applied: boolean;
  /** Why a file was not generated (e.g. Stripe supplies its own trust policy). */
  note?: string;
}

/** Custom requests (client → server). */
export const Requests = {
  /** What Pipewright knows about one document: its kind and, for AEP bodies, the body type. */
  documentInfo: 'pipewright/documentInfo',
} as const;

export interface DocumentInfoParams {
  uri: string;
}
export interface DocumentInfoResult {
  /** `pipeline`, `policy`, `trust`, `template`, `aep`, or `unknown`. */
  fileKind: string;
  /** For pipelines the connector kind (`stripe-export` …); for AEP bodies the body type (`flow` …). */
  subKind?: string;
}

/** Custom notifications (server → client). */
export const Notifications = {
  /** Server state for the status bar. */
  status: 'pipewright/status',
} as const;

export interface StatusParams {
  state: 'starting' | 'ready' | 'busy';
  /** Documents the server indexed in the workspace. */
  documents: number;
}

/** The language id under which the client hands our files to the server. */
export const LANGUAGE_ID = 'pipewright';
