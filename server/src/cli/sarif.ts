/** SARIF 2.1.0 for code review: one rule per diagnostic code, 1-based lines and columns. */
import { CODES, findingType, type LintedFile, type Severity } from '../engine';
import { displayPath } from './lint';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function toSarif(files: LintedFile[], cwd: string) {
  const ruleIds = Object.keys(CODES) as Array<keyof typeof CODES>;
  const rules = ruleIds.map((id) => ({
    id,
    shortDescription: { text: CODES[id][1] },
    defaultConfiguration: { level: LEVEL[CODES[id][0]] },
    // The finding type in IAM Access Analyzer's terms; code review tools filter on the security tag.
    properties: { findingType: findingType(id), tags: findingType(id) === 'security-warning' ? ['security'] : [] },
    helpUri: `https://pipewright.dev/docs/config-reference#${id}`,
  }));
  const results = files.flatMap((f) =>
    f.findings.map((x) => {
      const s = f.doc.lines.positionAt(x.start);
      const e = f.doc.lines.positionAt(x.end);
      return {
        ruleId: x.code,
        ruleIndex: ruleIds.indexOf(x.code),
        level: LEVEL[x.severity],
        message: { text: x.message },
        properties: { findingType: findingType(x.code) },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: encodeURI(displayPath(f.path, cwd)), uriBaseId: '%SRCROOT%' },
              region: { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 },
            },
          },
        ],
      };
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Pipewright', version: '0.1.0', informationUri: 'https://pipewright.dev', rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${cwd.split('\\').join('/').replace(/\/?$/, '/')}` } },
        results,
      },
    ],
  };
}
