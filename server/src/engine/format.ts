/** formatDocument(doc): jsonc-parser's formatter, which keeps comments. */
import { format } from 'jsonc-parser';
import type { ParsedDocument } from './parse';
import type { TextEdit } from './diagnostics';

export function formatDocument(doc: ParsedDocument, tabSize = 2, insertSpaces = true): TextEdit[] {
  if (doc.syntax.some((f) => f.code === 'json-syntax' || f.code === 'nesting-too-deep')) return [];
  return format(doc.text, undefined, { tabSize, insertSpaces, eol: doc.text.includes('\r\n') ? '\r\n' : '\n', insertFinalNewline: true }).map((e) => ({
    start: e.offset,
    end: e.offset + e.length,
    newText: e.content,
  }));
}
