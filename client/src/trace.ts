/**
 * The channel vscode-languageclient writes its message trace to (`pipewright.trace.server`): the Pipewright output
 * channel, with every secret masked. A verbose trace prints whole requests, and a command's request carries the
 * secrets it asked for; so values handed out this session, any `secrets` object and any armored private key are
 * replaced before a line reaches the channel.
 */
import type * as vscode from 'vscode';

export const MASK = '«secret»';
const SECRETS_OBJECT = /("secrets"\s*:\s*)\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\}/g;
const PRIVATE_KEY = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?(-----END PGP PRIVATE KEY BLOCK-----|$)/g;
const ESCAPED_PRIVATE_KEY = /-----BEGIN PGP PRIVATE KEY BLOCK-----(?:[^"\\]|\\.)*/g;

export function redact(text: string, values: Iterable<string>): string {
  let out = text.replace(SECRETS_OBJECT, `$1"${MASK}"`).replace(PRIVATE_KEY, MASK).replace(ESCAPED_PRIVATE_KEY, MASK);
  for (const v of values) {
    if (v.length < 4) continue;
    out = out.split(v).join(MASK);
    const escaped = JSON.stringify(v).slice(1, -1);
    if (escaped !== v) out = out.split(escaped).join(MASK);
  }
  return out;
}

/** A trace channel over `output` that masks secrets (vscode-languageclient uses trace(), logLevel and onDidChangeLogLevel). */
export function redactingTraceChannel(output: vscode.LogOutputChannel, secrets: () => Iterable<string>): vscode.LogOutputChannel {
  return new Proxy(output, {
    get(target, prop, receiver) {
      if (prop === 'trace' || prop === 'appendLine' || prop === 'append') {
        return (message: string, ...args: unknown[]) => (target[prop] as (m: string, ...a: unknown[]) => void).call(target, redact(String(message), secrets()), ...args);
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
