/**
 * The CLI's language option, global to every command: `--locale fr` (or `--locale=de`) anywhere before `--`.
 * It is taken out of the arguments before the command sees them, so no command has to know about it.
 */
import { localeFromPosixEnv, useLocale } from '../node/l10n';

export function takeLocaleOption(argv: string[]): { locale?: string; args: string[]; error?: string } {
  const args: string[] = [];
  let locale: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a === '--locale' || a.startsWith('--locale=')) {
      const value = a === '--locale' ? argv[++i] : a.slice('--locale='.length);
      if (!value || value.startsWith('-')) return { args, error: 'pipewright: --locale needs a language, such as en, fr or de.' };
      locale = value;
      continue;
    }
    args.push(a);
  }
  return { locale, args };
}

/** Diagnostics in the language asked for, else the terminal's (LC_ALL, LC_MESSAGES, LANG), else English. */
export function applyLocale(locale: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  useLocale(locale ?? localeFromPosixEnv(env));
}
