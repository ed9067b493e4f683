/**
 * One writer per destination: a pid file beside it. A pid file whose process is gone (killed, crashed) is
 * taken over; a live one is refused with a message saying what to do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Takes the lock; returns true when it took over from a writer that is gone (its leftovers may be cleared). */
export function takeWriterLock(pidFile: string, what: string): boolean {
  let stale = false;
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid && pid !== process.pid && alive(pid)) {
      throw new Error(`${what} is being written by another Pipewright run (process ${pid}); wait for it to finish, or give each run (each --shard) its own destination`);
    }
    stale = true;
  }
  writeFileSync(pidFile, String(process.pid));
  return stale;
}

export function releaseWriterLock(pidFile: string): void {
  try {
    if (existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8').trim()) === process.pid) writeFileSync(pidFile, '');
  } catch {
    // best effort: a leftover pid file of a finished process is taken over next time
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
