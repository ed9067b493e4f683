/**
 * How the server's copy of an open document is created and edited: `TextDocument` from
 * vscode-languageserver-textdocument, with the client's input checked first. That library trusts its ranges:
 * an edit at line 1,000,000 of a 30-line document writes its line table at index 1,000,001, after which every
 * position lookup walks a million holes (the protocol fuzz saw one such edit cost seconds and 1.7 GB), and a
 * didOpen without a uri stores a document under `undefined` that every later validation trips over. Here a
 * range past the end is clamped to the end (LSP's rule for a character past the line end, applied to lines
 * too), and a change or open that is not made of strings and numbers is refused: the notification fails and
 * is logged, the document stays as it was.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent, TextDocumentsConfiguration } from 'vscode-languageserver/node';

const isPosition = (p: unknown): p is { line: number; character: number } =>
  typeof p === 'object' && p !== null && Number.isFinite((p as { line: unknown }).line) && Number.isFinite((p as { character: unknown }).character);

/** The change with its range inside `doc`; throws on a change that is not one. */
export function clampChange(doc: TextDocument, change: TextDocumentContentChangeEvent): TextDocumentContentChangeEvent {
  if (typeof change !== 'object' || change === null || typeof change.text !== 'string') throw new Error('a content change needs its text as a string');
  if (!('range' in change) || change.range === undefined) return { text: change.text };
  const { range } = change;
  if (typeof range !== 'object' || range === null || !isPosition(range.start) || !isPosition(range.end)) throw new Error('a content change range needs numeric start and end positions');
  // offsetAt clamps (negative → 0, past the end → the end); positionAt turns the offsets back into real positions.
  const start = doc.offsetAt(range.start);
  const end = doc.offsetAt(range.end);
  return { range: { start: doc.positionAt(Math.min(start, end)), end: doc.positionAt(Math.max(start, end)) }, text: change.text };
}

export const checkedTextDocument: TextDocumentsConfiguration<TextDocument> = {
  create(uri, languageId, version, content) {
    if (typeof uri !== 'string' || typeof content !== 'string') throw new Error('didOpen needs a textDocument with a uri and a text');
    return TextDocument.create(uri, String(languageId), Number.isFinite(version) ? version : 0, content);
  },
  update(doc, changes, version) {
    if (!Array.isArray(changes)) throw new Error('didChange needs contentChanges as an array');
    // Each change applies to the text the previous one left, so each is clamped against that text.
    let current = doc;
    for (const change of changes) current = TextDocument.update(current, [clampChange(current, change)], version);
    return TextDocument.update(current, [], version);
  },
};
