/**
 * Parse once: every feature works from the ParsedDocument this returns (tree with exact offsets,
 * syntax findings, the file's kind). Nothing here throws, whatever the input.
 */
import { parseTree, ParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { finding, type Finding } from './diagnostics';
import { LineIndex } from './text';
import { detectFileKind, type FileKind } from './kinds';
import { objectProp, stringOf } from './json';
import { fastParse } from './fastparse';
import { reparseStringEdit } from './reparse';
import { forgetPolicyModel } from './iam/model';
import * as l10n from './l10n';

/** jsonc-parser recurses per level; deeper documents are refused before they can exhaust the stack. */
export const MAX_DEPTH = 200;

export interface ParsedDocument {
  path: string;
  text: string;
  readonly lines: LineIndex;
  /** Undefined when the text is empty or nests too deep. */
  root: Node | undefined;
  /** `.jsonc` files admit comments and trailing commas. */
  jsonc: boolean;
  kind: FileKind;
  /** Pipelines: the connector kind; AEP bodies: the body type. */
  subKind?: string;
  syntax: Finding[];
  /** Offsets of `{{…}}` template holes, blanked out before parsing. */
  holes: Array<[number, number]>;
}

const HOLE = /\{\{\s*[A-Za-z_][\w.-]*\s*\}\}/g;

export function parseDocument(path: string, text: string): ParsedDocument {
  const jsonc = /\.jsonc$/i.test(path) || !/\.json$/i.test(path);
  const syntax: Finding[] = [];
  const holes: Array<[number, number]> = [];
  let source = text;
  if (text.includes('{{')) {
    // Template holes such as the seed's `"interval": {{interval}}` are replaced by `null` padded to the
    // same length, so that the rest of the document still parses and offsets stay exact.
    source = text.replace(HOLE, (m, offset: number) => {
      holes.push([offset, offset + m.length]);
      syntax.push(
        finding('template-hole', l10n.t('Template hole {0} left in the file: replace it with a real value before this body is sent.', m), offset, offset + m.length),
      );
      return 'null' + ' '.repeat(m.length - 4);
    });
  }
  let root: Node | undefined;
  // Well-formed text takes the fast path; anything else gets jsonc-parser's recovery and messages.
  const fast = fastParse(source, jsonc, MAX_DEPTH);
  const tooDeep = fast === undefined ? findExcessiveNesting(source, MAX_DEPTH) : 'tooDeep' in fast ? fast.tooDeep : -1;
  if (fast && 'root' in fast) {
    root = fast.root;
  } else if (tooDeep >= 0) {
    syntax.push(finding('nesting-too-deep', l10n.t('The document nests more than {0} levels deep here; Pipewright config files never need this. Flatten the structure.', MAX_DEPTH), tooDeep, tooDeep + 1));
  } else {
    const errors: ParseError[] = [];
    root = parseTree(source, errors, { allowTrailingComma: jsonc, disallowComments: !jsonc, allowEmptyContent: false });
    for (const e of errors) syntax.push(syntaxFinding(source, e, path));
  }
  return makeDocument(path, text, root, jsonc, syntax, holes);
}

/**
 * The next version of an open document. A keystroke inside a string updates the previous tree in place
 * (see reparse.ts); anything else is a full parse. `prev` must not be used afterwards.
 */
export function parseNextVersion(prev: ParsedDocument, text: string): ParsedDocument {
  const edit = reparseStringEdit(prev, text);
  if (!edit) return parseDocument(prev.path, text);
  // Models derived from the tree and cached on its root are stale now.
  forgetPolicyModel(edit.root);
  return makeDocument(prev.path, text, edit.root, prev.jsonc, edit.syntax, []);
}

function makeDocument(path: string, text: string, root: Node | undefined, jsonc: boolean, syntax: Finding[], holes: Array<[number, number]>): ParsedDocument {
  let lines: LineIndex | undefined;
  const doc: ParsedDocument = {
    path, text, root, jsonc, kind: 'unknown', syntax, holes,
    // Built on first use: most edits are validated without converting a single offset.
    get lines() {
      return (lines ??= new LineIndex(text));
    },
  };
  const schemaRef = root ? stringOf(objectProp(root, '$schema')) : undefined;
  const detected = detectFileKind(path, schemaRef, root);
  doc.kind = detected.kind;
  doc.subKind = detected.subKind;
  return doc;
}

function syntaxFinding(text: string, e: ParseError, path: string): Finding {
  const start = e.offset;
  const end = e.offset + Math.max(1, e.length);
  if (e.error === ParseErrorCode.InvalidCommentToken) {
    return finding('json-comment', l10n.t('Comments are not allowed in a .json file. Remove the comment, or rename {0} to .jsonc.', baseName(path)), start, end);
  }
  if ((e.error === ParseErrorCode.PropertyNameExpected || e.error === ParseErrorCode.ValueExpected) && isClosing(text, start) && previousSignificant(text, start) === ',') {
    const comma = text.lastIndexOf(',', start);
    return finding('json-trailing-comma', l10n.t('Trailing comma: remove it (strict JSON parsers, such as the APIs these files are sent to, reject it).'), comma, comma + 1, [
      { title: l10n.t('Remove the trailing comma'), edits: [{ start: comma, end: comma + 1, newText: '' }], preferred: true },
    ]);
  }
  return finding('json-syntax', describeParseError(e.error), start, Math.min(end, Math.max(start + 1, text.length)));
}

/** The sentence for a jsonc-parser error, full stop included. */
function describeParseError(code: ParseErrorCode): string {
  switch (code) {
    case ParseErrorCode.InvalidSymbol: return l10n.t('Invalid symbol: JSON expects a string, number, object, array, true, false or null.');
    case ParseErrorCode.InvalidNumberFormat: return l10n.t('Invalid number format.');
    case ParseErrorCode.PropertyNameExpected: return l10n.t('Property name expected: write it in double quotes.');
    case ParseErrorCode.ValueExpected: return l10n.t('Value expected.');
    case ParseErrorCode.ColonExpected: return l10n.t('Colon expected after the property name.');
    case ParseErrorCode.CommaExpected: return l10n.t('Comma expected between values.');
    case ParseErrorCode.CloseBraceExpected: return l10n.t('Closing brace } expected.');
    case ParseErrorCode.CloseBracketExpected: return l10n.t('Closing bracket ] expected.');
    case ParseErrorCode.EndOfFileExpected: return l10n.t('End of file expected: only one top-level value is allowed.');
    case ParseErrorCode.UnexpectedEndOfComment: return l10n.t('Comment not closed: add */.');
    case ParseErrorCode.UnexpectedEndOfString: return l10n.t('String not closed: add the closing double quote.');
    case ParseErrorCode.UnexpectedEndOfNumber: return l10n.t('Number not complete.');
    case ParseErrorCode.InvalidUnicode: return l10n.t('Invalid \\u escape in a string.');
    case ParseErrorCode.InvalidEscapeCharacter: return l10n.t('Invalid escape character in a string.');
    case ParseErrorCode.InvalidCharacter: return l10n.t('Invalid character in a string: control characters must be escaped.');
    default: return l10n.t('Invalid JSON.');
  }
}

function isClosing(text: string, offset: number): boolean {
  const c = text[offset];
  return c === '}' || c === ']';
}

function previousSignificant(text: string, offset: number): string | undefined {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text[i];
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return c;
  }
  return undefined;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Offset of the first bracket that opens a level beyond `max`, or -1. Skips strings and comments. */
export function findExcessiveNesting(text: string, max: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34 || d === 10) break;
      }
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 1;
    } else if (c === 123 || c === 91) {
      if (++depth > max) return i;
    } else if (c === 125 || c === 93) {
      if (depth > 0) depth--;
    }
  }
  return -1;
}
