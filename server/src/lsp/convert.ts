/** Engine results → LSP shapes. The engine speaks offsets; LSP speaks line/character. */
import {
  CompletionItemKind, DiagnosticSeverity, InsertTextFormat, MarkupKind, SymbolKind,
  type CompletionItem, type Diagnostic, type DocumentSymbol, type Range, type TextEdit,
} from 'vscode-languageserver/node';
import type { Completion, DocSymbol, Finding, LineIndex, TextEdit as EngineEdit } from '../engine';

export function range(lines: LineIndex, start: number, end: number): Range {
  return { start: lines.positionAt(start), end: lines.positionAt(end) };
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint } as const;

export function toDiagnostic(lines: LineIndex, f: Finding): Diagnostic {
  return { range: range(lines, f.start, f.end), severity: SEVERITY[f.severity], code: f.code, source: 'pipewright', message: f.message };
}

export function toTextEdit(lines: LineIndex, e: EngineEdit): TextEdit {
  return { range: range(lines, e.start, e.end), newText: e.newText };
}

const COMPLETION_KIND: Record<Completion['kind'], CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  enum: CompletionItemKind.EnumMember,
  file: CompletionItemKind.File,
  reference: CompletionItemKind.Reference,
  snippet: CompletionItemKind.Snippet,
  module: CompletionItemKind.Module,
};

export function toCompletionItem(lines: LineIndex, c: Completion): CompletionItem {
  const item: CompletionItem = {
    label: c.label,
    kind: COMPLETION_KIND[c.kind],
    textEdit: { range: range(lines, c.replace[0], c.replace[1]), newText: c.insertText },
    insertTextFormat: c.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
  };
  if (c.detail) item.detail = c.detail;
  if (c.documentation) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
  if (c.filterText) item.filterText = c.filterText;
  if (c.sortText) item.sortText = c.sortText;
  return item;
}

const SYMBOL_KIND: Record<DocSymbol['kind'], SymbolKind> = {
  object: SymbolKind.Module,
  array: SymbolKind.Array,
  string: SymbolKind.String,
  number: SymbolKind.Number,
  boolean: SymbolKind.Boolean,
  null: SymbolKind.Null,
  property: SymbolKind.Property,
};

export function toDocumentSymbol(lines: LineIndex, s: DocSymbol): DocumentSymbol {
  return {
    name: s.name || '""',
    kind: SYMBOL_KIND[s.kind],
    detail: s.detail,
    range: range(lines, s.start, s.end),
    selectionRange: range(lines, s.selectionStart, s.selectionEnd),
    children: s.children.map((c) => toDocumentSymbol(lines, c)),
  };
}
