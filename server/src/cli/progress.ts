/**
 * Long jobs in the terminal: a throttled one-line progress display on stderr (only when it is a TTY, or
 * PIPEWRIGHT_PROGRESS=1, so logs and CI output stay clean) and Ctrl-C (or SIGTERM) as the cancellation token.
 */
import type { CancellationToken, ProgressCallback } from '../engine';

export interface TerminalJob {
  progress: ProgressCallback;
  token: CancellationToken;
  dispose(): void;
}

export function terminalJob(stderr: NodeJS.WritableStream, verb: string, everyMs = 100): TerminalJob {
  const state = { isCancellationRequested: false };
  const onSigint = () => {
    // A second Ctrl-C ends the process at once.
    if (state.isCancellationRequested) process.exit(130);
    state.isCancellationRequested = true;
  };
  process.on('SIGINT', onSigint);
  // A scheduler stops jobs with SIGTERM: the same graceful stop (commit what is done, abort uploads).
  process.on('SIGTERM', onSigint);
  // PIPEWRIGHT_PROGRESS=1 shows it on a pipe too (a CI log that wants it, a test that waits for the job to start).
  const tty = (stderr as NodeJS.WriteStream).isTTY === true || process.env.PIPEWRIGHT_PROGRESS === '1';
  let last = 0;
  let shown = false;
  return {
    token: state,
    progress(done, total, current) {
      if (!tty) return;
      const now = Date.now();
      if (done < total && now - last < everyMs) return;
      last = now;
      const name = current ? ` ${current.length > 60 ? `…${current.slice(-59)}` : current}` : '';
      stderr.write(`\r\x1b[K${verb} ${done}/${total}${name}`);
      shown = true;
    },
    dispose() {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      if (shown) stderr.write('\r\x1b[K');
    },
  };
}
