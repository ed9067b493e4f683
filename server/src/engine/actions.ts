/** codeActions(doc, findings, start, end): the fixes of the findings in a range, plus per-line suppressions for .jsonc files. */
import type { Finding, Fix } from './diagnostics';
import type { ParsedDocument } from './parse';
import * as l10n from './l10n';

export interface CodeAction extends Fix {
  /** The finding this action answers. */
  finding: Finding;
  kind: 'quickfix';
}

export function codeActions(doc: ParsedDocument, findings: Finding[], start: number, end: number): CodeAction[] {
  const out: CodeAction[] = [];
  for (const f of findings) {
    if (f.end < start || f.start > end) continue;
    for (const fix of f.fixes ?? []) out.push({ ...fix, finding: f, kind: 'quickfix' });
    if (doc.jsonc) {
      const line = doc.lines.positionAt(f.start).line;
      const lineStart = doc.lines.lineStart(line);
      const indent = /^[ \t]*/.exec(doc.text.slice(lineStart, lineStart + 200))![0];
      out.push({
        title: l10n.t('Suppress {0} on this line', f.code),
        edits: [{ start: lineStart, end: lineStart, newText: `${indent}// pipewright-disable-next-line ${f.code}\n` }],
        finding: f,
        kind: 'quickfix',
      });
    }
  }
  return out;
}
