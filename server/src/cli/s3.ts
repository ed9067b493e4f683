/** `pipewright s3 serve`: the embedded S3 server over a local folder, for trying pipelines without AWS. */
import { resolve } from 'node:path';
import { startLocalS3 } from '../node/s3server/server';

export const S3_HELP = `Usage: pipewright s3 serve [options]

Serves a folder over the S3 API on this machine: each subfolder of the root is a bucket, each file below it an
object. Point a pipeline at it with --endpoint (or the pipewright.s3.endpoint setting), e.g.

  pipewright s3 serve --root ./local-s3 --port 4566
  pipewright preview products.pipeline.json --endpoint http://127.0.0.1:4566

Options:
  --root DIR        Folder to serve (default ./local-s3; created if missing)
  --port N          Port (default 4566)
  --host H          Address to listen on (default 127.0.0.1; requests are not authenticated)
  --region R        Region the buckets report (default us-east-1)
`;

export async function runS3(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, cwd: string): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    stdout.write(S3_HELP);
    return sub ? 0 : 2;
  }
  if (sub !== 'serve') {
    stderr.write(`pipewright s3: unknown command "${sub}". Run "pipewright s3 --help".\n`);
    return 2;
  }
  let root = resolve(cwd, 'local-s3');
  let port = 4566;
  let host = '127.0.0.1';
  let region: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const v = rest[i + 1];
    if (a === '-h' || a === '--help') {
      stdout.write(S3_HELP);
      return 0;
    }
    if (!v || v.startsWith('--')) {
      stderr.write(`pipewright s3 serve: ${a} needs a value. Run "pipewright s3 --help".\n`);
      return 2;
    }
    i++;
    if (a === '--root') root = resolve(cwd, v);
    else if (a === '--port' && /^\d+$/.test(v) && Number(v) < 65536) port = Number(v);
    else if (a === '--host') host = v;
    else if (a === '--region') region = v;
    else {
      stderr.write(`pipewright s3 serve: unknown or bad option ${a} ${v}. Run "pipewright s3 --help".\n`);
      return 2;
    }
  }
  let s3;
  try {
    s3 = await startLocalS3({ root, port, host, region });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    stderr.write(`pipewright s3 serve: cannot listen on ${host}:${port} (${err.code === 'EADDRINUSE' ? 'the port is in use: choose another with --port' : err.message}).\n`);
    return 1;
  }
  stdout.write(`Serving ${root} as S3 at ${s3.endpoint} (each subfolder is a bucket). Ctrl-C stops it.\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void s3.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
