/**
 * validate(doc, project): every finding for one parsed document — syntax, schema, the integration's
 * rules, cross-file checks — minus the ones suppressed by comment or setting.
 */
import { finding, type Finding } from './diagnostics';
import type { ParsedDocument } from './parse';
import type { Project } from './project';
import { validatorFor } from './schemas';
import { checkPlaceholdersIn, checkSecretIn } from './checks/common';
import { forEachString, keyOf } from './json';
import { checkPipeline } from './checks/pipeline';
import { checkBrazeBucket } from './checks/braze';
import { checkAepBody, checkSourceParams } from './checks/aep';
import { checkAepCrossFile } from './aep/checks';
import { checkTemplate } from './checks/template';
import { checkPolicy } from './checks/iam';
import { checkPolicyForPipelines, checkTrust } from './checks/iam-integration';
import { bucketsReferencing, checkBrazeConflicts, checkReferences } from './checks/workspace';
import * as l10n from './l10n';

export interface ValidateOptions {
  /** Codes silenced project-wide (the `pipewright.suppress` setting, or `--suppress` in the CLI). */
  suppress?: readonly string[];
}

export function validate(doc: ParsedDocument, project: Project, options: ValidateOptions = {}): Finding[] {
  const out: Finding[] = [...doc.syntax];
  const root = doc.root;
  if (root && doc.kind !== 'unknown') {
    if (doc.kind === 'aep' && !doc.subKind) {
      out.push(finding('schema-required', l10n.t('Pipewright cannot tell which Flow Service request this is: a base connection has "auth", a source connection "baseConnectionId", a target connection "params.dataSetId", a mapping set "mappings", a flow "flowSpec".'), root.offset, root.offset + 1));
    }
    validatorFor(doc)?.validate(root, out);
    const buckets = doc.kind === 'policy' || doc.kind === 'trust' ? bucketsReferencing(doc.path, project) : [];
    const aep = doc.kind === 'aep';
    // One walk over every string value serves the checks that look at all of them.
    forEachString(root, (node) => {
      checkSecretIn(node, out);
      checkPlaceholdersIn(node, out, buckets);
      if (aep && keyOf(node) === 'sourceParams') checkSourceParams(node, out);
    });
    switch (doc.kind) {
      case 'pipeline':
        checkPipeline(doc, out);
        checkReferences(doc, project, out);
        checkBrazeConflicts(doc, project, out);
        checkBrazeBucket(doc, project, out);
        break;
      case 'aep':
        checkAepBody(doc, out);
        checkAepCrossFile(doc, project, out);
        break;
      case 'template':
        checkTemplate(doc, out);
        break;
      case 'policy':
        checkPolicy(doc, out);
        checkPolicyForPipelines(doc, project, out);
        break;
      case 'trust':
        checkPolicy(doc, out);
        checkTrust(doc, project, out);
        break;
    }
  }
  let list = dedupe(out);
  // A template hole was blanked to null so the rest parses: findings about that null are noise.
  if (doc.holes.length) list = list.filter((f) => f.code === 'template-hole' || !doc.holes.some(([a, b]) => f.start >= a && f.start < b));
  list = withoutSecretValues(doc, list);
  list.sort((a, b) => a.start - b.start || a.end - b.end);
  return applySuppressions(doc, list, options.suppress ?? []);
}

/**
 * A value flagged as a literal secret is said once, by that finding, which never quotes it. Other checks on the
 * same value quoted it: a private key pasted as `publicKey` was "a file that does not exist" and "a key file
 * not named acct_….key", each message carrying the whole key into the editor, the terminal and SARIF. Such
 * findings on the secret itself go (the secret is the problem there; findings that do not quote it, such as a
 * temporary key's, stay), and any other message of the file that still holds the value has it cut out.
 */
function withoutSecretValues(doc: ParsedDocument, findings: Finding[]): Finding[] {
  const secrets = findings.filter((f) => f.code === 'literal-secret');
  if (!secrets.length) return findings;
  const values: string[] = [];
  for (const s of secrets) {
    try {
      const v: unknown = JSON.parse(doc.text.slice(s.start, s.end));
      if (typeof v === 'string' && v.length >= 8) values.push(v);
    } catch {
      // Not a whole JSON string: nothing to cut out.
    }
  }
  const quotes = (f: Finding) => values.some((v) => f.message.includes(v));
  return findings
    .filter((f) => f.code === 'literal-secret' || !(quotes(f) && secrets.some((s) => f.start === s.start)))
    .map((f) => (values.some((v) => f.message.includes(v)) ? { ...f, message: values.reduce((m, v) => m.split(v).join('…'), f.message) } : f));
}

/**
 * Two checks can land on the same value: keep one finding per code and range, and where an
 * integration rule speaks about a value, drop the generic schema finding on that same value
 * (the rule's message says more: "did you mean", the fixed id, the minimum interval).
 */
function dedupe(findings: Finding[]): Finding[] {
  const specific = new Set<string>();
  const placeholders: Finding[] = [];
  for (const f of findings) {
    if (!f.code.startsWith('schema-')) specific.add(`${f.start}:${f.end}`);
    if (f.code === 'placeholder') placeholders.push(f);
  }
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.code.startsWith('schema-') && specific.has(`${f.start}:${f.end}`)) return false;
    // A value that still holds a placeholder fails its pattern because of it: say it once.
    if ((f.code === 'schema-pattern' || f.code === 'schema-enum') && placeholders.some((p) => p.start >= f.start && p.end <= f.end)) return false;
    const k = `${f.code}:${f.start}:${f.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const DISABLE = /\/[/*]\s*pipewright-disable(-next-line|-line)?(?:\s+([\w\s,-]+?))?\s*(?:\*\/|$)/gm;

/**
 * Suppressions, in .jsonc files: `// pipewright-disable code[, code]` for the whole file,
 * `// pipewright-disable-next-line code` and `// pipewright-disable-line code` for one line.
 * Without codes, everything is silenced in that scope.
 */
export function applySuppressions(doc: ParsedDocument, findings: Finding[], suppress: readonly string[]): Finding[] {
  let list = suppress.length ? findings.filter((f) => !suppress.includes(f.code)) : findings;
  if (!list.length || !doc.text.includes('pipewright-disable')) return list;
  const fileWide: string[][] = [];
  const byLine = new Map<number, string[][]>();
  DISABLE.lastIndex = 0;
  for (let m = DISABLE.exec(doc.text); m; m = DISABLE.exec(doc.text)) {
    const codes = m[2] ? m[2].split(/[\s,]+/).filter(Boolean) : [];
    if (!m[1]) fileWide.push(codes);
    else {
      const line = doc.lines.positionAt(m.index).line + (m[1] === '-next-line' ? 1 : 0);
      byLine.set(line, [...(byLine.get(line) ?? []), codes]);
    }
  }
  const matches = (rules: string[][] | undefined, code: string) => !!rules?.some((c) => c.length === 0 || c.includes(code));
  list = list.filter((f) => !matches(fileWide, f.code) && !matches(byLine.get(doc.lines.positionAt(f.start).line), f.code));
  return list;
}
