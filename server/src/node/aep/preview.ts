/**
 * The local mapping preview of an aep-stripe-flow pipeline (CLI and editor): its mapping set over sample Stripe
 * records of the source connection's resource path (the sample-data generator) or over a JSON Lines file, with the
 * XDM records that would land in the dataset written as JSON Lines, or as Parquet (one column per destination path,
 * typed from the XDM schema: long → INT64, date-time → TIMESTAMP, objects as JSON text), when asked.
 */
import * as l10n from '../../engine/l10n';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Project } from '../../engine/project';
import { compileMapping, previewRecords, type CompiledLine, type PreviewReport } from '../../engine/aep/preview';
import { ParquetStreamWriter, type ParquetColumn, type ParquetColumnType, type ParquetRow } from '../../engine/export/parquet';
import { resourcePaths, sourceSide, xdmSchemaOf } from '../../engine/aep/model';
import { sampleObjects } from '../../engine/export/sample';
import type { AepPipeline } from './pipeline';

export interface AepPreviewOptions {
  /** A JSON Lines file of Stripe objects (one per line), instead of generated ones. */
  input?: string;
  /** Generated charges (the other tables scale from it; default 1,000). */
  charges?: number;
  seed?: number;
  /** Write every mapped XDM record here, as JSON Lines. */
  out?: string;
  /** Write every mapped XDM record here, as Parquet. */
  parquet?: string;
  keep?: number;
}

export interface AepPreviewReport extends PreviewReport {
  name: string;
  resourcePath: string;
  input: string;
  mappingSet: string;
  xdmSchema?: string;
  out?: string;
  parquet?: string;
}

const PARQUET_TYPE: Record<string, ParquetColumnType> = { string: 'string', long: 'int64', int: 'int64', integer: 'int64', short: 'int64', byte: 'int64', double: 'double', number: 'double', boolean: 'boolean', 'date-time': 'timestamp', date: 'string' };

function parquetColumns(lines: CompiledLine[]): ParquetColumn[] {
  const seen = new Set<string>();
  return lines.filter((l) => !seen.has(l.destination) && seen.add(l.destination)).map((l) => ({ name: l.destination, type: PARQUET_TYPE[l.xdmType] ?? 'json' }));
}

function parquetRow(xdm: Record<string, unknown>, columns: ParquetColumn[], paths: string[][]): ParquetRow {
  const row: ParquetRow = {};
  columns.forEach((c, i) => {
    let v: unknown = xdm;
    for (const p of paths[i]) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    if (v === undefined || v === null) row[c.name] = null;
    else if (c.type === 'timestamp') row[c.name] = Date.parse(String(v));
    else if (c.type === 'json') row[c.name] = JSON.stringify(v);
    else row[c.name] = v as string | number | boolean;
  });
  return row;
}

function* jsonLines(path: string): Generator<Record<string, unknown>> {
  const text = readFileSync(path, 'utf8');
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new Error(l10n.t('{0}:{1}: not a JSON object ({2}): one Stripe object per line', path, n, (e as Error).message));
    }
  }
}

function* generated(resourcePath: string, charges: number, seed?: number): Generator<Record<string, unknown>> {
  for (const [table, obj] of sampleObjects({ charges, seed })) if (table === resourcePath) yield obj;
}

export async function previewAep(p: AepPipeline, project: Project, o: AepPreviewOptions = {}): Promise<AepPreviewReport> {
  const mapping = p.bodies.find((b) => b.kind === 'mapping-set');
  if (!mapping) throw new Error(l10n.t('{0}: the pipeline names no mapping set', p.name));
  const resourcePath = resourcePaths(p.model, project)[0] ?? 'charges';
  const xdm = xdmSchemaOf(p.model, project);
  const compiled = compileMapping(mapping.doc, xdm, sourceSide(p.model, project).fields);
  if (!xdm) compiled.notes.push(l10n.t('no local XDM schema (xdmSchemaFile): values are not converted to the schema’s types and required fields are not checked'));
  const fd = o.out ? openSync(o.out, 'w') : undefined;
  const pfd = o.parquet ? openSync(o.parquet, 'w') : undefined;
  const columns = parquetColumns(compiled.lines);
  const paths = columns.map((c) => c.name.split('.'));
  // A synchronous sink: the writer then never waits, and the preview stays one loop.
  const parquet = pfd === undefined ? undefined : new ParquetStreamWriter(columns, {}, (chunk) => void writeSync(pfd, chunk));
  let buffer = '';
  const flush = () => {
    if (fd !== undefined && buffer) writeSync(fd, buffer);
    buffer = '';
  };
  try {
    const objects = o.input ? jsonLines(o.input) : generated(resourcePath, o.charges ?? 1000, o.seed);
    const report = previewRecords(compiled, objects, {
      keep: o.keep,
      onMapped: fd === undefined && !parquet ? undefined : (x) => {
        if (parquet) void parquet.write(parquetRow(x, columns, paths));
        if (fd === undefined) return;
        buffer += `${JSON.stringify(x)}\n`;
        if (buffer.length > 1 << 20) flush();
      },
    });
    flush();
    if (parquet) await parquet.end();
    return { ...report, name: p.name, resourcePath, input: o.input ?? l10n.t('sample data ({0} charges, seed {1})', o.charges ?? 1000, o.seed ?? 42), mappingSet: mapping.rel, xdmSchema: p.model.xdmSchemaPath, out: o.out, parquet: o.parquet };
  } finally {
    if (fd !== undefined) closeSync(fd);
    if (pfd !== undefined) closeSync(pfd);
  }
}
