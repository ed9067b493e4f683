/**
 * The language features as a VS Code user meets them: the extension activates on a pipeline file, problems appear
 * in the Problems view with their codes, completion offers the field's words, a quick fix changes the file.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vscode from 'vscode';
import { test } from './runner';
import { codeOf, diagnosticsOf, eventually, WORKSPACE, wsUri } from './fixture';

const EXTENSION_ID = 'pipewright.pipewright';

test('opening a pipeline file activates Pipewright and the status bar says it is ready', async () => {
  const doc = await vscode.workspace.openTextDocument(wsUri('examples/stripe-export/stripe-export.pipeline.json'));
  await vscode.window.showTextDocument(doc);
  assert.equal(doc.languageId, 'pipewright');
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  await eventually('extension active', () => (ext.isActive ? true : undefined));
  // A clean example: the server answers with no problems at all.
  await diagnosticsOf(doc.uri, (d) => d.length === 0);
});

test('Lint Workspace shows every finding of the mistakes folder in the Problems view, and nothing else there', async () => {
  // The table in mistakes/README.md is the expectation; its sentence "That is N findings" says how many rows it has.
  const readme = readFileSync(join(WORKSPACE, 'mistakes/README.md'), 'utf8');
  const expected = readme
    .split('\n')
    .map((l) => /^\| `([^`]+)` \| (\d+) \| `([a-z0-9-]+)` \|/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}:${m[2]}:${m[3]}`)
    .sort();
  assert.equal(expected.length, Number(/That is (\d+) findings/.exec(readme)?.[1]));
  await vscode.commands.executeCommand('pipewright.ui.lintWorkspace');
  const actual = await eventually('all findings published', () => {
    const found = vscode.languages
      .getDiagnostics()
      .filter(([uri]) => uri.fsPath.startsWith(join(WORKSPACE, 'mistakes')))
      .flatMap(([uri, ds]) => ds.filter((d) => d.source === 'pipewright').map((d) => `${relative(join(WORKSPACE, 'mistakes'), uri.fsPath)}:${d.range.start.line + 1}:${codeOf(d)}`))
      .sort();
    return found.length >= expected.length ? found : undefined;
  });
  assert.deepEqual(actual, expected);
});

test('the examples folder is clean after Lint Workspace', async () => {
  const examples = vscode.languages.getDiagnostics().filter(([uri, ds]) => uri.fsPath.startsWith(join(WORKSPACE, 'examples')) && ds.length);
  assert.deepEqual(examples.map(([uri, ds]) => `${uri.fsPath}: ${ds.map(codeOf).join(', ')}`), []);
});

test('a wrong role name is flagged on its line with the fix that names the exact role', async () => {
  const uri = wsUri('mistakes/wrong-role.pipeline.json');
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const [d] = await diagnosticsOf(uri, (ds) => ds.some((x) => codeOf(x) === 'fixed-value'));
  assert.equal(d.range.start.line + 1, 10);
  assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
  const fix = actions.find((a) => a.title.includes('stripe-data-pipeline-s3-role'));
  assert.ok(fix?.edit, `no fix among: ${actions.map((a) => a.title).join(' | ')}`);
  assert.ok(await vscode.workspace.applyEdit(fix.edit));
  assert.match(doc.lineAt(9).text, /"roleName": "stripe-data-pipeline-s3-role"/);
  await diagnosticsOf(uri, (ds) => !ds.some((x) => codeOf(x) === 'fixed-value'));
  await vscode.commands.executeCommand('workbench.action.files.revert');
});

test('completion on "kind" offers the four integrations', async () => {
  // A new, still empty pipeline file: the name says what it is.
  const uri = wsUri('new.pipeline.json');
  await vscode.workspace.fs.writeFile(uri, Buffer.from('{\n  "kind": ""\n}\n'));
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(1, 11));
  const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
  for (const kind of ['stripe-export', 'stripe-import', 'aep-stripe-flow', 'braze-currents', 'braze-export']) {
    assert.ok(labels.some((l) => l.includes(kind)), `${kind} missing from ${labels.join(', ')}`);
  }
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  await vscode.workspace.fs.delete(uri);
});

test('hover on a field explains it with a link to the vendor guide', async () => {
  const uri = wsUri('examples/stripe-export/stripe-export.pipeline.json');
  const doc = await vscode.workspace.openTextDocument(uri);
  const line = doc.getText().split('\n').findIndex((l) => l.includes('"roleName"'));
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 5));
  const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
  assert.match(text, /stripe-data-pipeline-s3-role/);
  assert.match(text, /docs\.stripe\.com/);
});

test('a trust policy and a data template get their problems as they are written', async () => {
  const cases: Array<[string, string, string, number]> = [
    ['open.trust.json', '{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Allow", "Principal": { "AWS": "*" }, "Action": "sts:AssumeRole" }\n  ]\n}\n', 'iam-public-trust', 4],
    ['typo.template.json', '{\n  "object": "products",\n  "key": "product_id",\n  "columns": [\n    { "column": "product_id", "field": "metadata.external_id", "type": "strng" }\n  ]\n}\n', 'schema-enum', 5],
  ];
  for (const [name, text, code, line] of cases) {
    const uri = wsUri(name);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const [d] = await diagnosticsOf(uri, (ds) => ds.some((x) => codeOf(x) === code));
    assert.equal(d.range.start.line + 1, line, name);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.workspace.fs.delete(uri);
  }
});
