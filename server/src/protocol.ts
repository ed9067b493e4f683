/**
 * Every custom request, notification and command id that crosses the client/server boundary.
 * Imported by the VS Code client and the language server alike, so the two can never drift;
 * test/lsp/protocol.test.ts checks that the server advertises exactly these commands.
 */

import type { ConnectionReport } from './engine/braze/connection';
import type { DeliveriesReport } from './engine/braze/currents';

/** Commands the server executes through `workspace/executeCommand`. */
export const Commands = {
  /** Lint every Pipewright file in the workspace; returns a {@link LintSummary}. */
  lintWorkspace: 'pipewright.lintWorkspace',
  /** Encode `{"resourcePath": …}` into base64 `sourceParams`; args: [resourcePath]; returns the string. */
  encodeSourceParams: 'pipewright.encodeSourceParams',
  /** Decode base64 `sourceParams`; args: [value]; returns a {@link DecodedSourceParams}. */
  decodeSourceParams: 'pipewright.decodeSourceParams',
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
  /**
   * Run a stripe-import pipeline; args: [pipeline uri, {@link ImportRunOptions}?]. Reports work-done progress
   * (cancellable: a cancelled run commits what it has and resumes next time) and returns an {@link ImportReport}.
   */
  importNow: 'pipewright.importNow',
  /**
   * Run a stripe-export pipeline once; args: [pipeline uri, {@link ExportRunOptions}?]. Cancellable work-done progress;
   * returns an {@link ExportReport} (a cancelled run has no `success` key and left no upload open).
   */
  exportNow: 'pipewright.exportNow',
  /** Write the penny-test file with the pipeline's credentials; args: [pipeline uri, {@link S3ConnectOptions}?]; returns {@link PennySent}. */
  pennySend: 'pipewright.pennySend',
  /**
   * Find, decrypt and check the penny-test file; args: [pipeline uri, {@link PennyVerifyOptions}?]; returns {@link PennyVerified}.
   * The private key travels in the request only (the client keeps it in its secret storage); it is never logged.
   */
  pennyVerify: 'pipewright.pennyVerify',
  /**
   * Make the PGP key pair Stripe's guide prescribes (RSA 4096, user id = the account, no passphrase, no expiry);
   * args: [acct_… or org_…]; returns a {@link GeneratedPgpKey}. The client writes the public key and keeps the private
   * key in its secret storage; the server writes nothing.
   */
  generatePgpKey: 'pipewright.generatePgpKey',
  /**
   * Braze's credential check, step by step, with the connector's own credentials; args: [pipeline uri,
   * {@link BrazeTestOptions}?]. Cancellable work-done progress (it waits while IAM propagates a new key or role);
   * returns a {@link BrazeTestReport}. A missing `${secret:…}` is a {@link MissingSecret} error.
   */
  brazeTest: 'pipewright.brazeTest',
  /**
   * A braze-currents folder by event type and hour, hours without files, event ids delivered twice; args: [pipeline
   * uri, {@link BrazeDeliveriesOptions}?]; cancellable progress; returns a {@link BrazeDeliveriesReport}.
   */
  brazeDeliveries: 'pipewright.brazeDeliveries',
  /**
   * AEP: run an aep-stripe-flow pipeline's mapping set locally over sample Stripe records (or a JSON Lines file);
   * args: [pipeline uri, {@link AepPreviewOptions}?]; returns an {@link AepPreviewResult}. Sends nothing.
   */
  aepPreview: 'pipewright.aepPreview',
  /**
   * AEP: create what is not deployed and update what changed (PATCH with If-Match; a 412 becomes a `conflict` step
   * with both versions); args: [pipeline uri, {@link AepCommandOptions}?]; cancellable progress; returns an
   * {@link AepDeployResult}. A missing `${secret:…}` (the Adobe token, a body's secret) is a {@link MissingSecret}.
   */
  aepDeploy: 'pipewright.aepDeploy',
  /** AEP: delete every deployed object, flow first; args: [pipeline uri, {@link AepCommandOptions}?]; returns an {@link AepDeployResult}. */
  aepDelete: 'pipewright.aepDelete',
  /** AEP: the deployed flow's runs with metrics and errors; args: [pipeline uri, {@link AepCommandOptions}?]; returns an {@link AepRunsResult}. */
  aepRuns: 'pipewright.aepRuns',
  /**
   * AEP: explore a resource path and write the returned schema next to the pipeline; args: [pipeline uri,
   * resourcePath, {@link AepCommandOptions}?]; returns an {@link AepExploreResult}.
   */
  aepExplore: 'pipewright.aepExplore',
} as const;

export interface AepCommandOptions {
  /** Another Flow Service base URL than the pipeline's (plain http only to this machine). */
  baseUrl?: string;
  sandbox?: string;
  /** Print the requests as curl (token redacted) in `curl`, send nothing. */
  dryRun?: boolean;
  /** aepDeploy: update deployed objects only. */
  updateOnly?: boolean;
  /** aepDeploy: files (relative to the pipeline) to PATCH with Platform's current etag, after a conflict was looked at. */
  overwrite?: string[];
  /** aepRuns: at most this many runs. */
  limit?: number;
  secrets?: Record<string, string>;
}
export interface AepPreviewOptions {
  /** Absolute path of a JSON Lines file of Stripe objects. */
  input?: string;
  charges?: number;
  /** Absolute path to write the mapped XDM records to (JSON Lines). */
  out?: string;
  /** Absolute path to write the mapped XDM records to as Parquet. */
  parquet?: string;
}
export type AepPreviewResult = import('./node/aep/preview').AepPreviewReport;
export type AepDeployResult = import('./node/aep/deploy').DeployReport & { curl?: string[] };
export type AepRunsResult = import('./node/aep/monitor').RunsReport;
export type AepExploreResult = import('./node/aep/monitor').ExploreReport & { curl?: string[] };
export type { DecodedSourceParams } from './engine/checks/aep';

export interface BrazeTestOptions extends S3ConnectOptions {
  /** Seconds a refusal of the first call is retried while IAM propagates (default 60). */
  propagationWaitSeconds?: number;
  /** Access keys this old (days) are said to be due for rotation (default 90). */
  maxKeyAgeDays?: number;
}
export type BrazeTestReport = ConnectionReport & { name: string };
export interface BrazeDeliveriesOptions extends S3ConnectOptions {
  /** YYYY-MM-DD-HH (UTC) */
  from?: string;
  to?: string;
  /** Read every file for duplicate event ids (default true). */
  duplicates?: boolean;
}
export type BrazeDeliveriesReport = DeliveriesReport & { name: string };

export interface GeneratedPgpKey {
  publicArmored: string;
  privateArmored: string;
  fingerprint: string;
}

export interface ExportRunOptions extends S3ConnectOptions {
  /** A folder of <table>.jsonl files, instead of the pipeline's source. */
  sourceDir?: string;
}
export interface PennySent {
  key: string;
  code: string;
  encrypted: boolean;
}
export interface PennyVerifyOptions extends S3ConnectOptions {
  /** The armored private key, for an encrypted penny-test file. */
  privateKey?: string;
}
export interface PennyVerified {
  key: string;
  account: string;
  code: string;
  created: string;
  /** The (decrypted) file, for the client to save for upload. */
  text: string;
}
export type { ExportReport } from './engine/export/run';

/** Where and as whom the server reaches S3 (the client passes its settings). */
export interface S3ConnectOptions {
  endpoint?: string;
  profile?: string;
  region?: string;
  /**
   * Secret values by name (`stripe-api-key` for `${secret:stripe-api-key}`, `pgp-private-key:acct_…`), sent only
   * with the command that asked for them (see {@link MissingSecret}); never logged, never written.
   */
  secrets?: Record<string, string>;
}

/**
 * The `data` of a command's error when it needs a secret the request did not carry: the client takes it from its
 * secret storage (or asks the user, who may keep it there) and runs the command again with `secrets[secret]` set.
 */
export interface MissingSecret {
  missingSecret: {
    /** The name under `secrets` (`stripe-api-key`, `pgp-private-key:acct_…`). */
    secret: string;
    /** `text`: a password box; `pgp-private-key`: an armored private key file. */
    kind: 'text' | 'pgp-private-key';
    /** What the value is for, in the user's words ("Stripe API key for the export of …"). */
    prompt: string;
  };
}

export function isMissingSecret(data: unknown): data is MissingSecret {
  const m = (data as MissingSecret | undefined)?.missingSecret;
  return typeof m?.secret === 'string' && (m.kind === 'text' || m.kind === 'pgp-private-key') && typeof m.prompt === 'string';
}

export interface ImportRunOptions extends S3ConnectOptions {
  dryRun?: boolean;
  /** ISO 8601 */
  since?: string;
  full?: boolean;
  /** "2/4" */
  shard?: string;
}

export type { ImportReport } from './engine/import/run';
export type { PreviewEntry, PreviewTotals, ContentPreview } from './engine/import/preview';
export type { ParquetPreview, PgpEncryptionInfo } from './engine/delivery/object';
export type { ParquetCell, ParquetColumnInfo, ParquetFileInfo } from './engine/delivery/parquet';
export type { AvroCell, AvroFieldInfo, AvroPreview } from './engine/avro/container';
export type { DeliveryObject, DeliveryObjectKind, DeliveryPart, DeliveryRun, DeliveryTable, DeliveryTotals, DeliveryVerdictKind } from './engine/delivery/runs';

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
  /**
   * List a stripe-import pipeline's bucket with the next import's verdict per object ({@link PreviewBucketParams}).
   * With a `partialResultToken`, every listing page arrives as a `$/progress` partial result
   * ({@link PreviewBucketResult}) as soon as it is listed, and the response holds only the totals; work-done
   * progress and cancellation as for commands.
   * For a stripe-export pipeline the result has `pipelineKind: 'stripe-export'`, no `entries`, and the bucket by run
   * in `runs` (a run directory without `_SUCCESS` is incomplete), `objects` (penny-test files and the rest) and
   * `deliveries` (totals); partial results carry the runs whose listing is finished.
   */
  previewBucket: 'pipewright/previewBucket',
  /**
   * The first rows of one object and how the data template maps them ({@link PreviewObjectParams} →
   * {@link PreviewObjectResult}): a ContentPreview for CSV/TSV/JSON/JSONL, a ParquetPreview (`format: 'parquet'`) for
   * `.parquet` and `.parquet.gpg` objects — decrypted when `privateKey` is given, else naming the key it needs; an
   * AvroPreview (`format: 'avro'`) for `.avro` objects (Braze Currents events) of any pipeline that names a bucket.
   */
  previewObject: 'pipewright/previewObject',
  /** A pipeline's name, kind, bucket, prefix and problem counts ({@link DocumentInfoParams} → {@link PipelineInfo}). */
  pipelineInfo: 'pipewright/pipelineInfo',
  /** One page of a pipeline's bucket, one folder level ({@link ListBucketParams} → {@link ListBucketResult}), for the bucket explorer. */
  listBucket: 'pipewright/listBucket',
  /** Download one object of a pipeline's bucket to a file ({@link DownloadObjectParams} → bytes written). */
  downloadObject: 'pipewright/downloadObject',
} as const;

export interface DownloadObjectParams extends S3ConnectOptions {
  uri: string;
  key: string;
  /** Absolute path of the file to write (replaced only once the whole object has arrived). */
  to: string;
}

export interface PreviewBucketParams extends S3ConnectOptions {
  /** The pipeline file. */
  uri: string;
  prefix?: string;
  glob?: string;
  since?: string;
  full?: boolean;
  shard?: string;
  workDoneToken?: string | number;
  partialResultToken?: string | number;
}

export interface PreviewBucketResult {
  entries: import('./engine/import/preview').PreviewEntry[];
  totals: import('./engine/import/preview').PreviewTotals;
  /** Which preview this is; absent (= stripe-import) from servers before export previews. */
  pipelineKind?: 'stripe-import' | 'stripe-export';
  /** stripe-export: the run directories, each with its verdict (complete / encrypted / incomplete), tables and files. */
  runs?: import('./engine/delivery/runs').DeliveryRun[];
  /** stripe-export: objects outside run directories (penny-test files, folder markers, others), each with why. */
  objects?: import('./engine/delivery/runs').DeliveryObject[];
  /** stripe-export: totals by run verdict, the latest complete run. */
  deliveries?: import('./engine/delivery/runs').DeliveryTotals;
}

export interface PreviewObjectParams extends S3ConnectOptions {
  uri: string;
  key: string;
  rows?: number;
  /** Parquet: only these columns (only their bytes are read). */
  columns?: string[];
  /**
   * `.parquet.gpg`: the armored private key to decrypt with. Travels in the request only (the client keeps it in its
   * secret storage); never logged. The plaintext is used only after its integrity check passed, then deleted.
   */
  privateKey?: string;
}

/** What `pipewright/previewObject` answers: tell them apart by `format` (`'parquet'`, `'avro'` or a text format). */
export type PreviewObjectResult = import('./engine/import/preview').ContentPreview | import('./engine/delivery/object').ParquetPreview | import('./engine/avro/container').AvroPreview;

/** A pipeline as the Pipelines view shows it ({@link Requests.pipelineInfo}). */
export interface PipelineInfo {
  uri: string;
  name: string;
  /** `stripe-export`, `stripe-import`, `aep-stripe-flow`, `braze-currents`, `braze-export` (undefined: not a pipeline yet). */
  kind?: string;
  bucket?: string;
  region?: string;
  /** Where in the bucket the integration reads or writes (folder, prefix, folder path); '' for the whole bucket. */
  prefix?: string;
  /** stripe-export: the Stripe account (names the `pgp-private-key:<account>` secret). */
  account?: string;
  /** The names of the `${secret:…}` references the file holds: the client sends the ones it stores with a preview. */
  secrets?: string[];
  errors: number;
  warnings: number;
}

export interface ListBucketParams extends S3ConnectOptions {
  /** The pipeline whose bucket is listed. */
  uri: string;
  /** The "folder" to list (default: the pipeline's own prefix). */
  prefix?: string;
  continuationToken?: string;
  /** Only objects and folders whose name (after the prefix) contains this text, case-insensitive. */
  filter?: string;
}

export interface BucketObject {
  key: string;
  size: number;
  lastModified: string;
  /** For stripe-import pipelines: the next import's verdict. */
  verdict?: { kind: string; imports: boolean; reason: string };
}

/** One page of the bucket: the folders (common prefixes) and objects directly under `prefix`. */
export interface ListBucketResult {
  bucket: string;
  prefix: string;
  folders: string[];
  objects: BucketObject[];
  nextToken?: string;
}

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
