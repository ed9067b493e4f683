/**
 * PGP on a 500 MB file: Pipewright (server/src/node/pgp/stream.ts: openpgp, and Node's crypto for the encrypted
 * data packet) against gpg.
 *
 * Encryption (`encryptStream`, piped to a file) against `gpg --encrypt`, and decryption of gpg's output
 * (`decryptToFile`: streaming, the plaintext renamed into place once the integrity check has passed) against
 * `gpg --decrypt`, each operation a child process of its own under `/usr/bin/time -f %M` (bench/export-child.ts for
 * ours). Targets: encryption ≥ 0.7 × gpg's MB/s, decryption ≥ 0.3 × gpg's; our peak RSS is reported (bounded).
 *
 * The input (random bytes, incompressible like the Parquet files Stripe delivers) and the RSA-4096 key pair
 * (`generateStripeKeyPair`, seconds to make) are made once under .bench-tmp/pgp-data/ and reused; gpg gets a
 * temporary GNUPGHOME with the key imported (--batch), its agent killed and the folder removed at the end.
 * BENCH_PGP_SCALE=0.04 shrinks the file (for trying the benchmark out; the report says so).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateStripeKeyPair } from '../server/src/node/pgp/keys';
import { loadWarning, machineCpu, measured, measuredChild, type Measured } from './export-child';
import { assert, stats, type Benchmark, type BenchResult } from './harness';

const SCALE = Number(process.env.BENCH_PGP_SCALE ?? 1) || 1;
const MB = 1_000_000;
const BYTES = Math.round(500 * MB * SCALE);
/** Runs of each operation, order alternating (ours first, then gpg first). */
const RUNS = 2;
const ACCOUNT = 'acct_1BenchPgpKey0001';

interface Input {
  path: string;
  bytes: number;
  sha256: string;
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** `bytes` random bytes at `path`, made once and reused while the size matches (the recipe beside it). */
async function randomFile(path: string, bytes: number, log: (m: string) => void): Promise<Input> {
  const metaPath = `${path}.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Input;
      if (meta.bytes === bytes && statSync(path).size === bytes) {
        log(`pgp: reusing ${path} (${(bytes / MB).toFixed(0)} MB)`);
        return { ...meta, path };
      }
    } catch {
      // regenerate
    }
  }
  const t0 = performance.now();
  rmSync(metaPath, { force: true });
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  const h = createHash('sha256');
  try {
    for (let left = bytes; left > 0; ) {
      const chunk = randomBytes(Math.min(left, 4 << 20));
      h.update(chunk);
      writeSync(fd, chunk);
      left -= chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const meta: Input = { path, bytes, sha256: h.digest('hex') };
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
  log(`pgp: generated ${path} (${(bytes / MB).toFixed(0)} MB of random bytes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return meta;
}

/** The key pair, generated once (RSA-4096 takes seconds) and kept beside the input. */
async function keyPair(dir: string, log: (m: string) => void): Promise<{ pub: string; priv: string; fingerprint: string }> {
  const pub = join(dir, `${ACCOUNT}.pub.asc`);
  const priv = join(dir, `${ACCOUNT}.priv.asc`);
  const fpr = join(dir, `${ACCOUNT}.fingerprint`);
  if (!existsSync(pub) || !existsSync(priv) || !existsSync(fpr)) {
    const t0 = performance.now();
    const pair = await generateStripeKeyPair(ACCOUNT);
    writeFileSync(pub, pair.publicArmored);
    writeFileSync(priv, pair.privateArmored, { mode: 0o600 });
    writeFileSync(fpr, pair.fingerprint);
    log(`pgp: generated an RSA-4096 key pair (generateStripeKeyPair) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { pub, priv, fingerprint: readFileSync(fpr, 'utf8').trim() };
}

const bench: Benchmark = {
  id: 'pgp',
  title: 'PGP: encrypting and decrypting a 500 MB file, Pipewright against gpg',
  async run(ctx): Promise<BenchResult> {
    const notes: string[] = [];
    if (SCALE !== 1) notes.push(`⚠️ BENCH_PGP_SCALE=${SCALE}: a ${(BYTES / MB).toFixed(0)} MB file instead of 500 MB; these are not the figures of the issue.`);
    const dataDir = join(ctx.root, '.bench-tmp', 'pgp-data');
    mkdirSync(dataDir, { recursive: true });
    const input = await randomFile(join(dataDir, `random-${(BYTES / MB).toFixed(0)}mb.bin`), BYTES, ctx.log);
    const key = await keyPair(dataDir, ctx.log);
    const openpgpVersion = (JSON.parse(readFileSync(join(ctx.root, 'node_modules', 'openpgp', 'package.json'), 'utf8')) as { version: string }).version;
    const gpgVersion = execFileSync('gpg', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    // A short path: gpg-agent's socket lives in the home folder and Unix socket paths are limited to ~100 bytes.
    const home = mkdtempSync(join(tmpdir(), 'pw-gpg-'));
    const run = mkdtempSync(join(ctx.root, '.bench-tmp', 'pgp-run-'));
    const gpg = ['--homedir', home, '--batch', '--yes', '--quiet', '--no-tty', '--pinentry-mode', 'loopback', '--trust-model', 'always'];
    const cpuStart = machineCpu();
    let childCpuS = 0;
    try {
      execFileSync('gpg', [...gpg, '--import', key.priv], { stdio: 'ignore' });
      const file = (name: string) => join(run, name);
      type Op = 'ours-encrypt' | 'gpg-encrypt' | 'ours-decrypt' | 'gpg-decrypt';
      const times: Record<Op, Array<Measured<unknown>>> = { 'ours-encrypt': [], 'gpg-encrypt': [], 'ours-decrypt': [], 'gpg-decrypt': [] };
      /** Wall ms of the operation: ours measured inside the child (start-up excluded), gpg's whole process. */
      const wall: Record<Op, number[]> = { 'ours-encrypt': [], 'gpg-encrypt': [], 'ours-decrypt': [], 'gpg-decrypt': [] };
      const ops: Record<Op, () => Promise<void>> = {
        'ours-encrypt': async () => {
          const m = await measuredChild(ctx.root, ['pgp-encrypt', input.path, key.pub, file('ours.gpg')]);
          times['ours-encrypt'].push(m);
          wall['ours-encrypt'].push(m.result.ms);
        },
        'gpg-encrypt': async () => {
          // -z 0: no compression, as encryptStream (the data is Parquet, compressed already; here random bytes).
          const m = await measured('gpg', [...gpg, '-z', '0', '--recipient', key.fingerprint, '--output', file('gpg.gpg'), '--encrypt', input.path], () => undefined, ctx.root);
          times['gpg-encrypt'].push(m);
          wall['gpg-encrypt'].push(m.processMs);
        },
        'ours-decrypt': async () => {
          rmSync(file('ours.out'), { force: true });
          const m = await measuredChild(ctx.root, ['pgp-decrypt', file('gpg.gpg'), key.priv, file('ours.out')]);
          times['ours-decrypt'].push(m);
          wall['ours-decrypt'].push(m.result.ms);
        },
        'gpg-decrypt': async () => {
          const m = await measured('gpg', [...gpg, '--output', file('gpg.out'), '--decrypt', file('gpg.gpg')], () => undefined, ctx.root);
          times['gpg-decrypt'].push(m);
          wall['gpg-decrypt'].push(m.processMs);
        },
      };
      const pairs: Array<[Op, Op]> = [
        ['ours-encrypt', 'gpg-encrypt'],
        ['ours-decrypt', 'gpg-decrypt'],
      ];
      ctx.log(`pgp: ${(BYTES / MB).toFixed(0)} MB, ${RUNS} runs of each operation (${gpgVersion})`);
      // gpg's encryption first, untimed: the decryptions need its file (and it fills the page cache).
      await ops['gpg-encrypt']();
      times['gpg-encrypt'] = [];
      wall['gpg-encrypt'] = [];
      for (const [a, b] of pairs) {
        for (let i = 0; i < RUNS; i++) {
          for (const op of i % 2 === 0 ? [a, b] : [b, a]) {
            await ops[op]();
            const m = times[op][times[op].length - 1];
            childCpuS += m.cpuS;
            ctx.log(`pgp:   #${i} ${op}: ${(wall[op][wall[op].length - 1] / 1000).toFixed(1)} s, peak RSS ${(m.peakKb / 1024).toFixed(0)} MiB`);
          }
        }
      }
      // Every output is right: both decryptions give the input back, and gpg decrypts what we encrypted.
      const t0 = performance.now();
      execFileSync('gpg', [...gpg, '--output', file('check.out'), '--decrypt', file('ours.gpg')], { stdio: 'ignore' });
      for (const out of ['ours.out', 'gpg.out', 'check.out']) {
        assert((await sha256(file(out))) === input.sha256, `${out} is not the input: a decryption went wrong`);
        rmSync(file(out), { force: true });
      }
      ctx.log(`pgp: outputs checked (gpg decrypts our file; both decryptions give the input back) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const sizes = { ours: statSync(file('ours.gpg')).size, gpg: statSync(file('gpg.gpg')).size };

      const ms = (op: Op) => stats(wall[op]).median;
      const mbps = (op: Op) => BYTES / MB / (ms(op) / 1000);
      const rss = (op: Op) => Math.max(...times[op].map((m) => m.peakKb / 1024));
      const cpuS = (op: Op) => stats(times[op].map((m) => m.cpuS)).median;
      const startup = (op: Op) => stats(times[op].map((m, i) => m.processMs - wall[op][i])).median;

      const warning = loadWarning(cpuStart, childCpuS + (process.cpuUsage().user + process.cpuUsage().system) / 1e6, cpus().length);
      if (warning) notes.push(warning);
      notes.push(
        `CPU seconds per process (median, start-up included): Pipewright encryption ${cpuS('ours-encrypt').toFixed(1)}, gpg ${cpuS('gpg-encrypt').toFixed(1)}; Pipewright decryption ${cpuS('ours-decrypt').toFixed(1)}, gpg ${cpuS('gpg-decrypt').toFixed(1)}. Node + tsx start-up and module loading, outside the timed operation: ${(startup('ours-encrypt') / 1000).toFixed(1)} s (encryption), ${(startup('ours-decrypt') / 1000).toFixed(1)} s (decryption).`,
        `Encrypted sizes: Pipewright ${sizes.ours.toLocaleString('en-US')} bytes, gpg ${sizes.gpg.toLocaleString('en-US')} bytes (input ${BYTES.toLocaleString('en-US')}). Peak RSS of gpg: ${rss('gpg-encrypt').toFixed(0)} MiB encrypting, ${rss('gpg-decrypt').toFixed(0)} MiB decrypting.`,
      );

      const row = (what: string, ours: Op, theirs: Op) => ({ what, ms: ms(ours), mbps: mbps(ours), gpgMs: ms(theirs), gpg: mbps(theirs), ratio: mbps(ours) / mbps(theirs), rss: rss(ours) });
      const columns = (limit: number) => [
        { key: 'what', header: 'Operation', unit: 'text' as const },
        { key: 'ms', header: 'Pipewright median', unit: 'ms' as const },
        { key: 'mbps', header: 'Pipewright (MB/s)', unit: 'count' as const },
        { key: 'gpgMs', header: 'gpg median', unit: 'ms' as const },
        { key: 'gpg', header: 'gpg (MB/s)', unit: 'count' as const },
        { key: 'ratio', header: 'Throughput ratio Pipewright / gpg', unit: 'ratio' as const, target: { op: '≥' as const, limit } },
        { key: 'rss', header: 'Pipewright peak RSS (MiB)', unit: 'count' as const },
      ];
      return {
        id: bench.id,
        title: bench.title,
        method:
          `A file of ${BYTES.toLocaleString('en-US')} random bytes (MB = 10^6 bytes; incompressible, like the Parquet files Stripe delivers), made once under .bench-tmp/pgp-data/ with an RSA-4096 key pair from \`generateStripeKeyPair\` (reused while present). ` +
          `**Pipewright** (server/src/node/pgp/stream.ts, with openpgp ${openpgpVersion}): \`encryptStream(fs.createReadStream(file, { highWaterMark: 1 MiB }), publicKey)\` piped to a file (1 MiB chunks, as the exporter hands the Parquet writer's output to the encryption) — openpgp reads the key, picks the cipher (AES-256 for this key), makes the session key and writes the key packet; the encrypted data packet (SEIPD v1: AES-CFB and the SHA-1 MDC) is written by seipd.ts with Node's crypto in one pass; \`decryptToFile(fs.createReadStream(gpg's .gpg, { highWaterMark: 1 MiB }), privateKey, out)\` — openpgp opens the session key; the data packet is read in one pass by seipd-open.ts (AES-CFB deciphered block-parallel through ECB, SHA-1 MDC), the plaintext written to a temporary file and renamed into place after the integrity check (MDC); ZIP and ZLIB compressed messages are read the same way through Node's zlib, a signed or BZip2 one would go to openpgp whole (gpg's file here, \`-z 0\`, is not compressed). ` +
          `**gpg** (${gpgVersion}): \`gpg --batch -z 0 --recipient <fingerprint> --encrypt\` (no compression, as encryptStream) and \`gpg --batch --decrypt\` of the same file, with a temporary GNUPGHOME into which the private key was imported (\`--import --batch\`); its agent is killed at the end. ` +
          `Each operation is a process of its own under \`/usr/bin/time -f %M\` (peak RSS in MiB; highest of the runs): ours a child \`node --import tsx bench/export-child.ts\`, timed inside around the operation (start-up excluded, given in the notes); gpg timed as a whole process. ` +
          `gpg's encryption runs once untimed first (the decryptions read its output), then ${RUNS} timed runs of each operation, order alternating; MB/s = input size / median time. After the runs, both decryptions' outputs and gpg's decryption of our file are checked against the input's SHA-256.`,
        tables: [
          { title: 'Encryption', columns: columns(0.7), rows: [row(`Encrypt ${(BYTES / MB).toFixed(0)} MB (encryptStream / gpg --encrypt)`, 'ours-encrypt', 'gpg-encrypt')] },
          { title: 'Decryption (of gpg’s output)', columns: columns(0.3), rows: [row(`Decrypt ${(BYTES / MB).toFixed(0)} MB (decryptToFile / gpg --decrypt)`, 'ours-decrypt', 'gpg-decrypt')] },
        ],
        notes,
      };
    } finally {
      try {
        execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
      } catch {
        // no agent was started
      }
      rmSync(home, { recursive: true, force: true });
      rmSync(run, { recursive: true, force: true });
    }
  },
};

export default bench;
