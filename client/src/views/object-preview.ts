/**
 * The preview of one object as a read-only table in a webview: for CSV/TSV/JSON/JSONL the first rows with the
 * inferred column types, how the data template maps them and the rows that would not import (with the next
 * import's verdict when known); for Parquet (and decrypted .parquet.gpg) the schema, the file's facts and the first
 * rows; for Avro (Braze Currents' events) the codec, the first rows and the writer schema's fields. Static HTML
 * under a strict Content-Security-Policy: no script runs in it.
 */
import * as vscode from 'vscode';
import type { AvroPreview, BucketObject, ContentPreview, ParquetPreview, PreviewObjectResult } from '../../../server/src/protocol';

export function isParquet(p: PreviewObjectResult): p is ParquetPreview {
  return p.format === 'parquet';
}

export function isAvro(p: PreviewObjectResult): p is AvroPreview {
  return p.format === 'avro';
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function table(head: string[], rows: unknown[][], numeric: boolean[] = []): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (c === null ? '<td class="null">null</td>' : `<td${numeric[i] ? ' class="num"' : ''}>${esc(c)}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function contentBody(c: ContentPreview, verdict?: BucketObject['verdict']): string {
  const parts = [`<p class="facts">${esc(c.format.toUpperCase())} · ${vscode.l10n.t('{0} rows shown', c.rows.length)}${c.truncated ? ` · ${esc(vscode.l10n.t('more rows in the file'))}` : ''}</p>`];
  if (verdict) parts.push(`<p class="verdict ${verdict.imports ? 'ok' : 'skip'}"><b>${esc(verdict.kind)}</b> — ${esc(verdict.reason)}</p>`);
  parts.push(table([vscode.l10n.t('line'), ...c.columns.map((x) => `${x.name} (${x.type})`)], c.rows.map((r) => [r.line, ...r.cells]), [true]));
  if (c.mapping?.length) {
    parts.push(`<h2>${esc(vscode.l10n.t('Data template'))}</h2>`);
    parts.push(table([vscode.l10n.t('column'), vscode.l10n.t('field'), vscode.l10n.t('type'), vscode.l10n.t('in the file'), vscode.l10n.t('failing values')], c.mapping.map((m) => [m.column, m.field, m.type, m.found ? vscode.l10n.t('yes') : vscode.l10n.t('no'), m.failures]), [false, false, false, false, true]));
  }
  if (c.actions?.length) {
    // A Stripe destination: what the import would do with each row (read from the account, nothing written).
    parts.push(`<h2>${esc(vscode.l10n.t('In Stripe'))}</h2>`);
    parts.push(table([vscode.l10n.t('line'), vscode.l10n.t('action'), vscode.l10n.t('key'), vscode.l10n.t('Stripe object'), vscode.l10n.t('detail')], c.actions.map((a) => [a.line, a.action, a.key, a.id ?? '', a.changed?.join(', ') ?? a.message ?? '']), [true]));
  }
  if (c.problems.length) {
    parts.push(`<h2>${esc(vscode.l10n.t('Rows that would not import'))}</h2>`);
    parts.push(table([vscode.l10n.t('line'), vscode.l10n.t('column'), vscode.l10n.t('value'), vscode.l10n.t('problem')], c.problems.map((p) => [p.line, p.column ?? '', p.value ?? '', p.message]), [true]));
  }
  return parts.join('\n');
}

function parquetBody(p: ParquetPreview): string {
  const parts: string[] = [];
  if (p.encryption) parts.push(`<p class="verdict ${p.encryption.decrypted ? 'ok' : 'skip'}">🔒 ${esc(p.encryption.message)}</p>`);
  const f = p.file;
  if (f) {
    parts.push(`<p class="facts">Parquet v${f.version} · ${esc(vscode.l10n.t('{0} rows in {1} row groups', f.rows.toLocaleString(), f.rowGroups.length))} · ${esc(f.compression.join(', '))} · ${esc(f.bytes.toLocaleString())} B${f.createdBy ? ` · ${esc(f.createdBy)}` : ''} · ${esc(vscode.l10n.t('{0} bytes read from S3', p.bytesRead.toLocaleString()))}</p>`);
    parts.push(table(p.shown, p.rows, p.shown.map((name) => /INT|DOUBLE|FLOAT/.test(f.columns.find((c) => c.name === name)?.physicalType ?? '') && !/TIMESTAMP/.test(f.columns.find((c) => c.name === name)?.logicalType ?? ''))));
    parts.push(`<h2>${esc(vscode.l10n.t('Schema'))}</h2>`);
    parts.push(table([vscode.l10n.t('column'), vscode.l10n.t('physical type'), vscode.l10n.t('logical type'), vscode.l10n.t('nullable')], f.columns.map((c) => [c.name, c.physicalType, c.logicalType ?? c.convertedType ?? '', c.nullable ? vscode.l10n.t('yes') : vscode.l10n.t('no')])));
  }
  return parts.join('\n');
}

function avroBody(p: AvroPreview): string {
  const parts: string[] = [];
  parts.push(`<p class="facts">Avro · ${esc(vscode.l10n.t('codec {0}', p.codec))}${p.schemaName ? ` · ${esc(p.schemaName)}` : ''} · ${esc(vscode.l10n.t('{0} rows shown', p.rows.length))}${p.truncated ? ` · ${esc(vscode.l10n.t('more rows in the file'))}` : ''} · ${esc(p.size.toLocaleString())} B · ${esc(vscode.l10n.t('{0} bytes read from S3', p.bytesRead.toLocaleString()))}</p>`);
  // Right-aligned only for plain numbers: a long past 2^53 arrives as text but is still a number.
  parts.push(table(p.fields.map((f) => f.name), p.rows, p.fields.map((f) => /^(int|long|float|double)$/.test(f.type))));
  parts.push(`<h2>${esc(vscode.l10n.t('Schema'))}</h2>`);
  parts.push(table([vscode.l10n.t('field'), vscode.l10n.t('Avro type'), vscode.l10n.t('description')], p.fields.map((f) => [f.name, f.type, f.doc ?? ''])));
  return parts.join('\n');
}

/** Opens (or reuses) the preview panel of `key` with `preview` in it. */
export function showObjectPreview(key: string, preview: PreviewObjectResult, verdict?: BucketObject['verdict']): vscode.WebviewPanel {
  const title = key.slice(key.lastIndexOf('/') + 1);
  const panel = vscode.window.createWebviewPanel('pipewright.objectPreview', title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { enableScripts: false, enableFindWidget: true, retainContextWhenHidden: false });
  panel.webview.html = html(panel.webview, key, isParquet(preview) ? parquetBody(preview) : isAvro(preview) ? avroBody(preview) : contentBody(preview, verdict));
  return panel;
}

function html(webview: vscode.Webview, key: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'unsafe-inline';">
<style>
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px; }
h1 { font-size: 1.2em; font-weight: 600; } h2 { font-size: 1.05em; margin-top: 1.6em; }
.facts { color: var(--vscode-descriptionForeground); }
.verdict { padding: 6px 10px; border-left: 3px solid; } .verdict.ok { border-color: var(--vscode-testing-iconPassed, green); } .verdict.skip { border-color: var(--vscode-editorWarning-foreground, orange); }
table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
th, td { border: 1px solid var(--vscode-editorWidget-border, #8884); padding: 2px 8px; text-align: left; white-space: nowrap; max-width: 40ch; overflow: hidden; text-overflow: ellipsis; }
th { background: var(--vscode-editorWidget-background); position: sticky; top: 0; } td:last-child { white-space: normal; max-width: 80ch; } td.num { text-align: right; } td.null { color: var(--vscode-disabledForeground); font-style: italic; }
</style></head><body><h1>${esc(key)}</h1>
${body}
</body></html>`;
}
