/**
 * The node side of localisation: which language the user reads, and the bundle for it from `l10n/` at the
 * package root (the folder the VS Code extension ships and that its client's strings will share). The
 * engine only receives the bundle's contents (engine/l10n.ts `useBundle`); it never reads files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBundle, type Bundle } from '../engine/l10n';

/**
 * `l10n/` beside the package: `dist/server.js` and `dist/cli.js` (the bundles, also inside the .vsix) sit
 * one level below it, this source file (run through tsx by the tests) three levels below.
 */
function l10nDir(): string | undefined {
  for (const up of ['..', '../../..']) {
    const dir = join(__dirname, up, 'l10n');
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

/**
 * A locale as people and systems write it (`fr`, `de-CH`, `fr_FR.UTF-8`, `C`) → the bundle names to try,
 * most specific first (`de-ch`, then `de`), as VS Code names them. English and the POSIX locales ask for
 * no bundle: English is the source text.
 */
export function bundleCandidates(locale: string | undefined): string[] {
  const tag = (locale ?? '').trim().replace(/[.@].*$/, '').replace(/_/g, '-').toLowerCase();
  if (!tag || tag === 'c' || tag === 'posix' || !/^[a-z]{2,3}(-[a-z0-9]+)*$/.test(tag)) return [];
  const language = tag.split('-')[0];
  if (language === 'en') return [];
  return tag === language ? [tag] : [tag, language];
}

/** The bundle for a locale, or undefined when there is none (English, or a language we do not ship). */
export function loadBundle(locale: string | undefined): { locale: string; bundle: Bundle } | undefined {
  const dir = l10nDir();
  if (!dir) return undefined;
  for (const name of bundleCandidates(locale)) {
    const file = join(dir, `bundle.l10n.${name}.json`);
    if (!existsSync(file)) continue;
    try {
      return { locale: name, bundle: JSON.parse(readFileSync(file, 'utf8')) as Bundle };
    } catch {
      // A damaged bundle must not stop the server or the CLI: the messages stay English.
      return undefined;
    }
  }
  return undefined;
}

/** Speak `locale` from now on (English when there is no bundle for it); returns the bundle used, if any. */
export function useLocale(locale: string | undefined): string | undefined {
  const found = loadBundle(locale);
  useBundle(found?.bundle);
  return found?.locale;
}

/**
 * The UI language VS Code gives the processes it starts: VSCODE_NLS_CONFIG is JSON whose `locale` is the
 * display language (`{"locale":"de","osLocale":"de-de",…}`).
 */
export function localeFromNlsConfig(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.VSCODE_NLS_CONFIG;
  if (!raw) return undefined;
  try {
    const locale = (JSON.parse(raw) as { locale?: unknown }).locale;
    return typeof locale === 'string' && locale ? locale : undefined;
  } catch {
    return undefined;
  }
}

/** The terminal's language, by POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG. */
export function localeFromPosixEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.LC_ALL || env.LC_MESSAGES || env.LANG || undefined;
}
