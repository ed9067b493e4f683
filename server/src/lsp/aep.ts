/**
 * AEP features over LSP: go to definition across an aep-stripe-flow pipeline's files, and the AEP commands
 * (explore, preview, deploy, update, delete, runs), which call the same node functions as `pipewright aep`.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { ParsedDocument, Project } from '../engine';
import { aepDefinition } from '../engine/aep/definition';
import { pathToUri } from './uri';
import { range } from './convert';

export function registerAepFeatures(connection: Connection, project: Project, parsed: (uri: string) => ParsedDocument | undefined): void {
  connection.onDefinition((p) => {
    try {
      const doc = parsed(p.textDocument.uri);
      if (!doc) return [];
      return aepDefinition(doc, doc.lines.offsetAt(p.position), project).map((d) => {
        const lines = project.get(d.path)?.lines ?? doc.lines;
        return { uri: pathToUri(d.path), range: range(lines, d.start, d.end) };
      });
    } catch (e) {
      connection.console.error(`definition failed: ${(e as Error)?.stack ?? e}`);
      return [];
    }
  });
}
