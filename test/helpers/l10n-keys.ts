/**
 * Every `l10n.t(…)` call in the sources, read with the TypeScript parser (not a regex, so that quotes,
 * escapes and line breaks inside a message cannot fool it). The English text is the bundle key, so it must
 * be a string literal: a call whose first argument is anything else is reported as `dynamic`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface KeyUse {
  key: string;
  /** file:line, for failure messages. */
  where: string;
  /** Positional arguments passed after the key (undefined when the second argument is a named-arguments object). */
  positional?: number;
  /** Property names of a named-arguments object literal. */
  named?: string[];
}

export interface KeyScan {
  uses: KeyUse[];
  /** Calls whose key is not a string literal: the bundles cannot hold them. */
  dynamic: string[];
}

function tsFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(tsFiles(p));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `l10n.t(...)` and `vscode.l10n.t(...)`: the call's callee ends in `.l10n.t` or is `l10n.t`. */
function isL10nCall(node: ts.CallExpression): boolean {
  const callee = node.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const target = callee.expression;
  return (ts.isIdentifier(target) && target.text === 'l10n') || (ts.isPropertyAccessExpression(target) && target.name.text === 'l10n');
}

export function scanKeys(root: string, dirs: string[]): KeyScan {
  const scan: KeyScan = { uses: [], dynamic: [] };
  for (const dir of dirs) {
    for (const file of tsFiles(join(root, dir))) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes('l10n.t')) continue;
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && isL10nCall(node)) {
          const where = `${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
          const [first, ...rest] = node.arguments;
          if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
            const use: KeyUse = { key: first.text, where };
            if (rest.length === 1 && ts.isObjectLiteralExpression(rest[0])) {
              use.named = rest[0].properties.map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : '?'));
            } else {
              use.positional = rest.length;
            }
            scan.uses.push(use);
          } else {
            scan.dynamic.push(where);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return scan;
}

/**
 * The placeholders of a message as @vscode/l10n substitutes them: it replaces `{name}` by scanning for
 * `{` up to the next `}`, so `{0}` inside other braces (`{"a":"{0}"}`) is never replaced. Only names made
 * of word characters count; `{"resourcePath":"…"}` and `${secret:name}` are literal text.
 */
export function placeholders(message: string): string[] {
  const found = new Set<string>();
  for (const m of message.matchAll(/\{([^}]+)\}/g)) if (/^\w+$/.test(m[1])) found.add(m[1]);
  return [...found].sort();
}

/** Placeholders that look like ones to a reader but that @vscode/l10n would leave in the text. */
export function hiddenPlaceholders(message: string): string[] {
  const real = new Set(placeholders(message));
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((p) => !real.has(p));
}
