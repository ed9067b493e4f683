/** `pipewright` — the command-line face of the engine. Each command is one module under cli/. */
import { runLint, LINT_HELP } from './lint';
import { runIam, IAM_HELP } from './iam';

const VERSION = '0.1.0';

const HELP = `pipewright ${VERSION} — check and run S3 data pipeline configs

Usage: pipewright <command> [options]

Commands:
  lint [paths…]    Check pipeline, IAM policy, template and AEP files (default: the current folder)
  iam generate     Write the least-privilege IAM policies for a pipeline

Options:
  -h, --help       Show help (also: pipewright <command> --help)
  -v, --version    Show the version
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    if (command === 'help' && rest[0] === 'lint') process.stdout.write(LINT_HELP);
    else if (command === 'help' && rest[0] === 'iam') process.stdout.write(IAM_HELP);
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
