/**
 * The local mapping preview of an aep-stripe-flow pipeline (CLI and editor): its mapping set over sample Stripe
 * records of the source connection's resource path (the sample-data generator) or over a JSON Lines file, with the
 * XDM records that would land in the dataset written as JSON Lines when asked.
 */
import * as l10n from '../../engine/l10n';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Project } from '../../engine/project';
import { compileMapping, previewRecords, type PreviewReport } from '../../engine/aep/preview';
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
  keep?: number;
}

export interface AepPreviewReport extends PreviewReport {
  name: string;
  resourcePath: string;
  input: string;
  mappingSet: string;
  xdmSchema?: string;
  out?: string;
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

export function previewAep(p: AepPipeline, project: Project, o: AepPreviewOptions = {}): AepPreviewReport {
  const mapping = p.bodies.find((b) => b.kind === 'mapping-set');
  if (!mapping) throw new Error(l10n.t('{0}: the pipeline names no mapping set', p.name));
  const resourcePath = resourcePaths(p.model, project)[0] ?? 'charges';
  const xdm = xdmSchemaOf(p.model, project);
  const compiled = compileMapping(mapping.doc, xdm, sourceSide(p.model, project).fields);
  if (!xdm) compiled.notes.push(l10n.t('no local XDM schema (xdmSchemaFile): values are not converted to the schema’s types and required fields are not checked'));
  const fd = o.out ? openSync(o.out, 'w') : undefined;
  let buffer = '';
  const flush = () => {
    if (fd !== undefined && buffer) writeSync(fd, buffer);
    buffer = '';
  };
  try {
    const objects = o.input ? jsonLines(o.input) : generated(resourcePath, o.charges ?? 1000, o.seed);
    const report = previewRecords(compiled, objects, {
      keep: o.keep,
      onMapped: fd === undefined ? undefined : (x) => {
        buffer += `${JSON.stringify(x)}\n`;
        if (buffer.length > 1 << 20) flush();
      },
    });
    flush();
    return { ...report, name: p.name, resourcePath, input: o.input ?? l10n.t('sample data ({0} charges, seed {1})', o.charges ?? 1000, o.seed ?? 42), mappingSet: mapping.rel, xdmSchema: p.model.xdmSchemaPath, out: o.out };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
