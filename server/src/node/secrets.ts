/**
 * Secret references as config files hold them (`${secret:name}`, `${env:NAME}`), resolved for a run outside the
 * editor: `${env:NAME}` from the environment variable NAME, `${secret:name}` from PIPEWRIGHT_SECRET_<NAME> (the
 * name upper-cased, every character that cannot appear in a variable name turned into `_`). The editor keeps
 * `${secret:…}` values in its own secret storage; a caller that has them passes them in `known`.
 *
 * Errors name the reference and the variable to set, never a value.
 */
import { SECRET_REFERENCE } from '../engine/schema';

export class SecretError extends Error {
  override name = 'SecretError';
  /** For a `${secret:name}` without a value: the name, which the editor can ask its secret storage (or the user) for. */
  constructor(message: string, readonly secretName?: string) {
    super(message);
  }
}

/** `stripe-api-key` → `PIPEWRIGHT_SECRET_STRIPE_API_KEY`. */
export function secretEnvName(name: string): string {
  return `PIPEWRIGHT_SECRET_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** The environment variable a reference is read from. */
export function secretVariable(ref: string): string {
  const m = SECRET_REFERENCE.exec(ref);
  if (!m) throw new SecretError(`not a secret reference (write \${secret:name} or \${env:NAME})`);
  const name = ref.slice(m[1].length + 3, -1);
  return m[1] === 'env' ? name : secretEnvName(name);
}

/**
 * The value of a reference. `where` (file:line) starts the message of a missing secret; `known` holds the values of
 * `${secret:name}` by name that the caller already has (the editor's secret storage), tried before the environment.
 */
export function resolveSecret(ref: string, where: string, env: NodeJS.ProcessEnv = process.env, known?: Record<string, string>): string {
  if (!SECRET_REFERENCE.test(ref)) throw new SecretError(`${where}: the value is not a secret reference; write \${secret:name} or \${env:NAME} and keep the secret itself out of the file`);
  const name = ref.startsWith('${secret:') ? ref.slice('${secret:'.length, -1) : undefined;
  const fromCaller = name ? known?.[name] : undefined;
  if (fromCaller?.trim()) return fromCaller.trim();
  const variable = secretVariable(ref);
  // A value pasted with its line break (echo "$KEY" > file; export KEY=$(cat file)) is the same key.
  const value = env[variable]?.trim();
  if (value) return value;
  const how = ref.startsWith('${secret:') ? `set the environment variable ${variable} (the CLI's home for ${ref}; the editor keeps it in its secret storage)` : `set the environment variable ${variable}`;
  throw new SecretError(`${where}: ${ref} has no value: ${how}, then run again`, name);
}
