/**
 * The Pipewright engine: transport-free (no `vscode`, no LSP connection). Parse once with
 * `parseDocument` (or `Project.setOpen`), then call the feature functions with that parse.
 * File access is passed in through `Project`'s FileAccess; nothing here touches the disk itself.
 */
export { parseDocument, type ParsedDocument } from './parse';
export { Project, fileRefs, type FileAccess, type FileRef } from './project';
export { validate, type ValidateOptions } from './validate';
export { lintFiles, CancelledError, type LintedFile, type LintJobOptions, type LintJobResult, type CancellationToken, type ProgressCallback } from './lint';
export { complete, type Completion } from './complete';
export { hover, type HoverResult } from './hover';
export { codeActions, type CodeAction } from './actions';
export { documentSymbols, type DocSymbol } from './symbols';
export { documentLinks, type DocLink } from './links';
export { formatDocument } from './format';
export { CODES, findingType, type FindingType, type Finding, type Fix, type Severity, type TextEdit, type DiagnosticCode } from './diagnostics';
export { FILE_PATTERNS, fileKindFromName, type FileKind } from './kinds';
export { LineIndex, type Position } from './text';
export { encodeSourceParams, decodeSourceParams } from './checks/aep';
