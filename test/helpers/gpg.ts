/**
 * A throwaway GnuPG home for one test file: gpg as the peer that reads and writes what Pipewright does. Its agent is
 * killed and the folder removed by `close()`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpgHome {
  dir: string;
  /** gpg in batch mode, trusting every key, with a loopback pinentry (a passphrase comes as an argument). */
  run(args: string[], input?: Buffer): { code: number | null; out: Buffer; err: string };
  /** Imports an armored private key (written 0600 for the import, then removed). */
  importPrivate(armored: string): void;
  close(): void;
}

export function gpgHome(): GpgHome {
  const dir = mkdtempSync(join(tmpdir(), 'pw-gpg-'));
  const run = (args: string[], input?: Buffer) => {
    const r = spawnSync('gpg', ['--homedir', dir, '--batch', '--yes', '--pinentry-mode', 'loopback', '--trust-model', 'always', ...args], { maxBuffer: 1 << 28, input });
    return { code: r.status, out: r.stdout, err: r.stderr.toString() };
  };
  return {
    dir,
    run,
    importPrivate(armored) {
      const key = join(dir, 'import.asc');
      writeFileSync(key, armored, { mode: 0o600 });
      try {
        const r = run(['--import', key]);
        if (r.code !== 0) throw new Error(`gpg --import failed: ${r.err}`);
      } finally {
        rmSync(key, { force: true });
      }
    },
    close() {
      spawnSync('gpgconf', ['--homedir', dir, '--kill', 'gpg-agent']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
