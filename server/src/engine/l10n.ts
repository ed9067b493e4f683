/**
 * The engine's user-facing text (diagnostic messages, fix titles, hover and completion text built in
 * code), in the user's language. Every message site calls `l10n.t('English text {0}', arg)`: the English
 * text is the key into the bundles under `l10n/` at the repository root (bundle.l10n.<locale>.json), as
 * VS Code's own `vscode.l10n` does, so a message without a translation simply stays English.
 *
 * The engine never reads a bundle itself (it has no disk and no transport): the node edge (the language
 * server, the CLI) picks the locale, reads the bundle and hands its contents to `useBundle` once, before
 * the first message is built. One process speaks one language.
 */
import * as vscodeL10n from '@vscode/l10n';

/** A bundle as stored in l10n/bundle.l10n.<locale>.json: English text → translation. */
export type Bundle = Record<string, string>;

/** Use this bundle for every message from now on; undefined (or {}) means English. */
export function useBundle(bundle: Bundle | undefined): void {
  vscodeL10n.config({ contents: bundle ?? {} });
}

/**
 * `t('"{0}" is not an AWS region code', value)` or `t('{who} never uses {action}', { who, action })`.
 * The first argument must be a string literal: the bundle test reads the keys from the source.
 */
export const t = vscodeL10n.t;

/**
 * Sentences joined by one space, skipping the absent ones: a message with an optional "Did you mean…?"
 * is two keys, not one key per combination, and each language keeps its own sentence order inside a key.
 */
export function sentences(...parts: Array<string | false | undefined | null | ''>): string {
  return parts.filter((p): p is string => !!p).join(' ');
}
