/** `pipewright` — the command-line face of the engine. Each command is one module under cli/. */
import { runLint, LINT_HELP } from './lint';
import { runIam, IAM_HELP } from './iam';
import { runImportCommand, runPreview, IMPORT_HELP, PREVIEW_HELP } from './import';
import { runS3, S3_HELP } from './s3';
import { runExportCommand, runSampleData, EXPORT_HELP, SAMPLE_HELP } from './export';
import { runPenny, PENNY_HELP } from './penny';
import { runDemo, DEMO_HELP } from './demo';
import { runPgp, PGP_HELP } from './pgp';

const VERSION = '0.1.0';

const HELP = `pipewright ${VERSION} — check and run S3 data pipeline configs

Usage: pipewright <command> [options]

Commands:
  demo             Run everything on this machine: lint, embedded S3, export, penny test, import
  lint [paths…]    Check pipeline, IAM policy, template and AEP files (default: the current folder)
  iam generate     Write the least-privilege IAM policies for a pipeline
  iam check        Judge the live IAM role of a pipeline against what its integration needs
  preview          List a stripe-import pipeline's bucket with the verdict of the next import for each object
  import           Run a stripe-import pipeline: S3 files → data template → SQLite or JSON Lines (resumable)
  s3 serve         Serve a local folder as S3 (each subfolder a bucket), to try pipelines without AWS
  export           Run a stripe-export pipeline: each table as Parquet in the bucket, _SUCCESS last
  sample-data      Write Stripe-shaped sample data (JSON Lines per table) to export offline
  penny send       Write Stripe's penny-test file with the pipeline's credentials
  pgp generate     Make the PGP key pair Stripe Data Pipeline encrypts to (RSA 4096, name = account id)
  pgp inspect      Check a public key file (acct_….key) against Stripe's guide
  penny verify     Find, decrypt and check the penny-test file; show the code to confirm

Options:
  -h, --help       Show help (also: pipewright <command> --help)
  -v, --version    Show the version
`;

// The pinned AWS SDK (3.1169.0, see package.json) warns on every run that its *later* versions need Node 22:
// true, and noted in the README, but noise in every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    if (command === 'help' && rest[0] === 'lint') process.stdout.write(LINT_HELP);
    else if (command === 'help' && rest[0] === 'iam') process.stdout.write(IAM_HELP);
    else if (command === 'help' && rest[0] === 'preview') process.stdout.write(PREVIEW_HELP);
    else if (command === 'help' && rest[0] === 'import') process.stdout.write(IMPORT_HELP);
    else if (command === 'help' && rest[0] === 's3') process.stdout.write(S3_HELP);
    else if (command === 'help' && rest[0] === 'export') process.stdout.write(EXPORT_HELP);
    else if (command === 'help' && rest[0] === 'sample-data') process.stdout.write(SAMPLE_HELP);
    else if (command === 'help' && rest[0] === 'penny') process.stdout.write(PENNY_HELP);
    else if (command === 'help' && rest[0] === 'demo') process.stdout.write(DEMO_HELP);
    else if (command === 'help' && rest[0] === 'pgp') process.stdout.write(PGP_HELP);
    else process.stdout.write(HELP);
    return 0;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  switch (command) {
    case 'lint':
      return await runLint(rest, process.stdout, process.stderr, process.cwd());
    case 'iam':
      return await runIam(rest, process.stdout, process.stderr, process.cwd());
    case 'preview':
      return await runPreview(rest, process.stdout, process.stderr, process.cwd());
    case 'import':
      return await runImportCommand(rest, process.stdout, process.stderr, process.cwd());
    case 's3':
      return await runS3(rest, process.stdout, process.stderr, process.cwd());
    case 'export':
      return await runExportCommand(rest, process.stdout, process.stderr, process.cwd());
    case 'sample-data':
      return await runSampleData(rest, process.stdout, process.stderr, process.cwd());
    case 'penny':
      return await runPenny(rest, process.stdout, process.stderr, process.cwd());
    case 'demo':
      return await runDemo(rest, process.stdout, process.stderr, process.cwd());
    case 'pgp':
      return await runPgp(rest, process.stdout, process.stderr, process.cwd());
    default:
      process.stderr.write(`pipewright: unknown command "${command}". Run "pipewright --help" for the list.\n`);
      return 2;
  }
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
