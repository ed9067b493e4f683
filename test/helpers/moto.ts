/**
 * A local AWS for the tests: `moto_server` (Python, `pip install "moto[server]==5.*"`; test/setup.sh installs it)
 * on a free port of 127.0.0.1, spoken to through the real AWS SDK.
 *
 *   const moto = await startMoto();                       // once per test file (before)
 *   const iam = new IAMClient(clientConfig(moto.endpoint));
 *   …
 *   await moto.stop();                                    // after
 *
 * moto runs in its own process group. `stop()` ends that group (SIGTERM, then SIGKILL after a grace period) and
 * waits until no process of it is left. A test process that ends without calling `stop()` still takes moto down:
 * on `exit` (crash, uncaught exception), on SIGINT/SIGTERM/SIGHUP, and — for a test process killed outright — a
 * tiny `sh` watchdog whose stdin is a pipe from this process kills the group when that pipe closes.
 *
 * The developer's own AWS set-up is never used: `startMoto()` points this test process's AWS environment at fake
 * credentials and at config files that do not exist (see `isolateAwsEnvironment`), and `clientConfig()` gives
 * every SDK client explicit fake credentials and the moto endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: give it to SDK clients as `endpoint` (every AWS service answers there). */
  endpoint: string;
  port: number;
  /** Stops moto and everything in its process group; resolves once they are gone. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** How long to wait for moto to answer on /moto-api/ (default 20 s; it usually takes ~0.5 s). */
  timeoutMs?: number;
  /** The moto_server executable (default: `moto_server` from PATH). */
  command?: string;
  /** Extra environment of the moto process (e.g. PYTHONPATH for a fix loaded at start-up). */
  env?: Record<string, string>;
}

/** The config every SDK client used against moto gets: fixed region, the moto endpoint, fake credentials. */
export function clientConfig(endpoint: string): {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

/** Forgets everything moto holds (roles, policies, buckets…): POST /moto-api/reset. */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`moto reset at ${endpoint} answered HTTP ${res.status}`);
  await res.arrayBuffer();
}

/**
 * Makes this (test) process's AWS SDK default chain see only fake values: fake static credentials, region
 * us-east-1, shared config and credentials files that do not exist (so ~/.aws is never read), no profile and no
 * configured endpoint. Called by `startMoto()`; a test file that uses moto runs in its own process (node --test),
 * so nothing leaks to other files.
 */
export function isolateAwsEnvironment(): void {
  const missing = join(tmpdir(), 'pipewright-test-no-aws-config', 'none');
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_')) delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_CONFIG_FILE: missing,
    AWS_SHARED_CREDENTIALS_FILE: missing,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The pinned SDK (3.1169.0) warns on every process that Node 20 support ends in 2027: noise in test output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

/** A port nothing listens on right now (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a listening socket'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

const STDERR_TAIL_BYTES = 8_192;
const STOP_GRACE_MS = 3_000;

/** Process groups of moto servers started and not yet stopped, killed when this process goes away. */
const liveGroups = new Set<number>();
let exitHandlersInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

function groupAlive(pgid: number): boolean {
  return killGroup(pgid, 0); // signal 0: only asks whether any process of the group is left
}

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
    liveGroups.clear();
  });
  // moto is in its own process group, so a Ctrl-C in the terminal does not reach it; and Node's default action for
  // these signals does not run 'exit' handlers. Kill moto, then let the signal do what it would have done.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
      liveGroups.clear();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts moto_server on a free port and resolves once it answers. Retries with another port if one was taken. */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  isolateAwsEnvironment();
  installExitHandlers();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort(), options);
    } catch (e) {
      lastError = e;
      // Only a port taken between freePort() and moto's bind is worth another try.
      if (!(e instanceof Error && /address already in use/i.test(e.message))) throw e;
    }
  }
  throw lastError;
}

async function startOnce(port: number, options: StartMotoOptions): Promise<MotoServer> {
  const command = options.command ?? 'moto_server';
  const timeoutMs = options.timeoutMs ?? 20_000;
  const endpoint = `http://127.0.0.1:${port}`;
  const started = Date.now();

  // detached: moto becomes the leader of a new process group (pgid = its pid), so stop() reaches anything it forks.
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    // moto logs every request here: keep draining the pipe, keep only the tail for error messages.
    stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
  });
  let spawnError: Error | undefined;
  child.on('error', (e) => {
    spawnError = e;
  });
  // Neither moto nor its stderr pipe keep this process alive: a test file that forgets stop() still ends, and
  // then the 'exit' handler and the watchdog take moto down.
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();

  const pgid = child.pid;
  if (pgid === undefined) {
    // No pid: spawn failed (ENOENT…); the reason arrives on 'error' on the next tick.
    const reason = spawnError ?? (await new Promise<Error>((resolve) => child.once('error', resolve)));
    throw new Error(
      `could not start ${command}: ${reason.message}. ` +
        'Install it with `bash test/setup.sh` (pip install "moto[server]==5.*").',
    );
  }
  liveGroups.add(pgid);

  // Watchdog for a test process killed without running any handler (SIGKILL): it reads its stdin, a pipe whose
  // write end only this process holds; when this process dies the read returns and it kills moto's group.
  const watchdog = spawn('sh', ['-c', 'read -r _ ; kill -KILL "-$1" 2>/dev/null', 'moto-watchdog', String(pgid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin!.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child.ref(); // keep this process alive until moto's exit is seen (it was unref'd after spawn)
      if (killGroup(pgid, 'SIGTERM')) {
        const deadline = Date.now() + STOP_GRACE_MS;
        while (groupAlive(pgid) && Date.now() < deadline) await sleep(25);
        if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
      }
      await exited(child);
      // The leader is reaped; wait for any other member of its group too.
      const deadline = Date.now() + STOP_GRACE_MS;
      while (groupAlive(pgid) && Date.now() < deadline) {
        killGroup(pgid, 'SIGKILL');
        await sleep(25);
      }
      liveGroups.delete(pgid);
      if (watchdog.pid !== undefined && watchdog.exitCode === null && watchdog.signalCode === null) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      watchdog.stdin?.destroy();
    })();
    return stopping;
  };

  // Wait until moto answers, failing early (with what it said) if it exits first.
  const fail = async (why: string): Promise<never> => {
    await stop();
    const said = stderr.trim() ? `\nmoto_server stderr:\n${stderr.trim()}` : ' (moto_server wrote nothing on stderr)';
    throw new Error(`${why}${said}`);
  };
  for (;;) {
    if (spawnError) {
      return fail(
        `could not start ${command}: ${spawnError.message}. ` +
          'Install it with `bash test/setup.sh` (pip install "moto[server]==5.*").',
      );
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      return fail(`${command} exited (${child.exitCode ?? child.signalCode}) before answering on ${endpoint}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      return fail(`${command} did not answer on ${endpoint}/moto-api/ within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
  return { endpoint, port, stop };
}
