/**
 * The two contenders as the editor benchmarks use them, set up once: Pipewright's engine over an
 * in-memory workspace, and vscode-json-languageservice configured with the very same JSON Schemas.
 */
import { createRequire } from 'node:module';
import { getLanguageService, type LanguageService, type JSONSchema as LsSchema } from 'vscode-json-languageservice';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Project, parseDocument, type FileAccess, type ParsedDocument } from '../server/src/engine';
import { allSchemas } from '../server/src/engine/schemas';
import { bigFixtures, smallPipeline, SMALL_TRUST, type Fixture } from './fixtures';

export const WS = '/bench-ws';

/** The installed vscode-json-languageservice version, for the report. */
export const JSON_LS_VERSION: string = (createRequire(import.meta.url)('vscode-json-languageservice/package.json') as { version: string }).version;

/** FileAccess over a map: no disk in the timed path. */
export function memoryFiles(files: Map<string, string>): FileAccess {
  return {
    readFile: (p) => files.get(p),
    exists: (p) => files.has(p) || [...files.keys()].some((k) => k.startsWith(p.endsWith('/') ? p : `${p}/`)),
  };
}

/**
 * A workspace holding both big fixtures, and a stripe-export pipeline (with its trust policy) that
 * references big.policy.json, as a real workspace would: validating the policy then runs the
 * cross-file look-up of the pipelines that use it.
 */
export function pipewrightWorkspace(): { project: Project; path(f: Fixture): string } {
  const { policy, mappingSet } = bigFixtures();
  const files = new Map<string, string>([
    [`${WS}/${policy.name}`, policy.text],
    [`${WS}/${mappingSet.name}`, mappingSet.text],
    [`${WS}/acme.pipeline.json`, smallPipeline(policy.name, 'acme.trust.json')],
    [`${WS}/acme.trust.json`, SMALL_TRUST],
  ]);
  const project = new Project(memoryFiles(files));
  for (const p of files.keys()) project.addKnown(p);
  return { project, path: (f) => `${WS}/${f.name}` };
}

/** The schema Pipewright applies to a fixture (by its file name and content). */
export function pipewrightSchemaKey(doc: ParsedDocument): string {
  const key = doc.kind === 'aep' ? `aep:${doc.subKind}` : doc.kind;
  if (!allSchemas()[key]) throw new Error(`no Pipewright schema for ${doc.path} (${key})`);
  return key;
}

export interface JsonLs {
  ls: LanguageService;
  uri(f: Fixture): string;
}

/**
 * vscode-json-languageservice with one schema association per fixture, each the schema Pipewright
 * itself applies to that file. The schema objects are deep copies: the JSON language service resolves
 * `$ref`s by rewriting the schema object in place (it deletes `$ref` and merges the definition in),
 * which would otherwise change the schema under Pipewright's feet.
 */
export function jsonLanguageService(): JsonLs {
  const { policy, mappingSet } = bigFixtures();
  const schemas = allSchemas();
  const ls = getLanguageService({});
  const keyOf = (f: Fixture) => pipewrightSchemaKey(parseDocument(`${WS}/${f.name}`, f.text));
  ls.configure({
    validate: true,
    allowComments: false,
    schemas: [
      { uri: 'https://pipewright.dev/schemas/policy.schema.json', fileMatch: ['*.policy.json'], schema: structuredClone(schemas[keyOf(policy)]) as LsSchema },
      { uri: 'https://pipewright.dev/schemas/aep-mapping-set.schema.json', fileMatch: ['*.aep.json'], schema: structuredClone(schemas[keyOf(mappingSet)]) as LsSchema },
    ],
  });
  return { ls, uri: (f) => `file://${WS}/${f.name}` };
}

let version = 0;

/** A fresh TextDocument, as the language server's document manager would hold after an edit. */
export function textDocument(uri: string, text: string): TextDocument {
  return TextDocument.create(uri, 'json', ++version, text);
}

/**
 * Two texts that differ from the original (and from each other) by one character: the last character
 * inside the string value `node` spans. Both keep the document valid when `replacements` do.
 */
export function oneCharEdits(text: string, valueStart: number, valueLength: number, replacements: [string, string]): [string, string] {
  const at = valueStart + valueLength - 2; // the last character before the closing quote
  if (text[valueStart] !== '"' || text[at + 1] !== '"') throw new Error(`not a string value at offset ${valueStart}`);
  const edit = (c: string) => {
    if (c === text[at]) throw new Error(`replacement ${c} equals the original character`);
    return text.slice(0, at) + c + text.slice(at + 1);
  };
  return [edit(replacements[0]), edit(replacements[1])];
}
