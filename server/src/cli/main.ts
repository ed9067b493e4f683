/**
 * `pipewright` — the command-line face of the engine. Each command is one module under cli/, loaded only when it
 * runs: `pipewright lint` must not pay for the AWS SDK, SQLite or openpgp that `import` and `export` need.
 */
import { applyLocale, takeLocaleOption } from './locale';

type Run = (args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string) => Promise<number>;
interface Command {
  load(): Promise<{ run: Run; help: string }>;
}
const COMMANDS: Record<string, Command> = {
  demo: { load: () => import('./demo').then((m) => ({ run: m.runDemo, help: m.DEMO_HELP })) },
  lint: { load: () => import('./lint').then((m) => ({ run: m.runLint, help: m.LINT_HELP })) },
  iam: { load: () => import('./iam').then((m) => ({ run: m.runIam, help: m.IAM_HELP })) },
  preview: { load: () => import('./import').then((m) => ({ run: m.runPreview, help: m.PREVIEW_HELP })) },
  import: { load: () => import('./import').then((m) => ({ run: m.runImportCommand, help: m.IMPORT_HELP })) },
  s3: { load: () => import('./s3').then((m) => ({ run: m.runS3, help: m.S3_HELP })) },
  export: { load: () => import('./export').then((m) => ({ run: m.runExportCommand, help: m.EXPORT_HELP })) },
  run: { load: () => import('./run').then((m) => ({ run: m.runSchedule, help: m.RUN_HELP })) },
  'sample-data': { load: () => import('./export').then((m) => ({ run: m.runSampleData, help: m.SAMPLE_HELP })) },
  penny: { load: () => import('./penny').then((m) => ({ run: m.runPenny, help: m.PENNY_HELP })) },
  pgp: { load: () => import('./pgp').then((m) => ({ run: m.runPgp, help: m.PGP_HELP })) },
  braze: { load: () => import('./braze').then((m) => ({ run: m.runBraze, help: m.BRAZE_HELP })) },
  aep: { load: () => import('./aep').then((m) => ({ run: m.runAep, help: m.AEP_HELP })) },
};

const VERSION = '0.1.0';

const HELP = `pipewright ${VERSION} — check and run S3 data pipeline configs

Usage: pipewright <command> [options]

Commands:
  demo             Run everything on this machine: lint, embedded S3, export, penny test, import
  lint [paths…]    Check pipeline, IAM policy, template and AEP files (default: the current folder)
  iam generate     Write the least-privilege IAM policies for a pipeline
  iam check        Judge the live IAM role of a pipeline against what its integration needs
  preview          A pipeline's bucket: the next import's verdict per object, or an export's runs by run
  import           Run a stripe-import pipeline: S3 files → data template → SQLite or JSON Lines (resumable)
  s3 serve         Serve a local folder as S3 (each subfolder a bucket), to try pipelines without AWS
  export           Run a stripe-export pipeline: each table as Parquet in the bucket, _SUCCESS last
  run              The export on its schedule (every 3 hours), skipping a tick while a run is going
  sample-data      Write Stripe-shaped sample data (JSON Lines per table) to export offline
  penny send       Write Stripe's penny-test file with the pipeline's credentials
  penny verify     Find, decrypt and check the penny-test file; show the code to confirm
  pgp generate     Make the PGP key pair Stripe Data Pipeline encrypts to (RSA 4096, name = account id)
  pgp inspect      Check a public key file (acct_….key) against Stripe's guide
  braze test       Braze's credential check, step by step, with a Currents or export connector's credentials
  braze deliveries A Currents folder by event type and hour: missing hours, duplicate event ids
  aep              Adobe Flow Service: explore, preview the mapping locally, deploy, update, delete, runs

Options:
  -h, --help       Show help (also: pipewright <command> --help)
  -v, --version    Show the version
  --locale <lang>  Language of the diagnostics: en, fr or de (default: LC_ALL / LC_MESSAGES / LANG, else English)
`;

// The pinned AWS SDK (3.1169.0, see package.json) warns on every run that its *later* versions need Node 22:
// true, and noted in the README, but noise in every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function main(argv: string[]): Promise<number> {
  const options = takeLocaleOption(argv);
  if (options.error) {
    process.stderr.write(`${options.error}\n`);
    return 2;
  }
  applyLocale(options.locale);
  const [command, ...rest] = options.args;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    const c = command === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
    process.stdout.write(c ? (await c.load()).help : HELP);
    return 0;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const c = COMMANDS[command];
  if (!c) {
    process.stderr.write(`pipewright: unknown command "${command}". Run "pipewright --help" for the list.\n`);
    return 2;
  }
  return (await c.load()).run(rest, process.stdout, process.stderr, process.cwd());
}

if (require.main === module || process.argv[1]?.endsWith('pipewright.js') || process.argv[1]?.endsWith('pipewright')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`pipewright: ${(e as Error)?.message ?? e}\n`);
      process.exitCode = 2;
    },
  );
}
