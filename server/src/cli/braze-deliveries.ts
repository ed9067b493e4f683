/** `pipewright braze deliveries`: the text (or JSON) report of a Currents folder. */
import { isHour } from '../engine/braze/currents';
import type { BrazePipeline } from '../engine/braze/target';
import * as l10n from '../engine/l10n';
import { terminalJob } from './progress';

export interface DeliveriesCliOptions {
  endpoint?: string;
  profile?: string;
  region?: string;
  from?: string;
  to?: string;
  duplicates: boolean;
  json: boolean;
}

const mb = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export async function runDeliveries(p: BrazePipeline, o: DeliveriesCliOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  for (const [flag, v] of [['--from', o.from], ['--to', o.to]] as const) {
    if (v !== undefined && !isHour(v)) {
      stderr.write(`pipewright braze deliveries: ${flag} takes an hour as Currents names it, YYYY-MM-DD-HH (UTC), such as 2026-11-23-09 (found "${v}").\n`);
      return 2;
    }
  }
  if (p.target.kind !== 'braze-currents') {
    stderr.write(`pipewright braze deliveries: ${p.path} is a braze-export pipeline; deliveries reads Currents folders (braze-currents).\n`);
    return 2;
  }
  const { currentsDeliveries } = await import('../node/braze/deliveries');
  const job = terminalJob(stderr, 'reading');
  let r;
  try {
    r = await currentsDeliveries(p, { ...o, token: job.token, onProgress: (m, pct) => job.progress(pct, 100, m) });
  } catch (e) {
    stderr.write(`pipewright braze deliveries: ${(e as Error).message}\n`);
    return 3;
  } finally {
    job.dispose();
  }
  if (o.json) {
    stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    const lines = [l10n.t('s3://{0}/{1}: {2} Currents file(s), {3}, {4} event type(s)', r.bucket, r.folder ? `${r.folder}/` : '', r.files, mb(r.bytes), r.eventTypes.length)];
    for (const g of r.eventTypes) {
      lines.push(`  ${g.eventType}: ${l10n.t('{0} file(s), {1}, hours {2} … {3}', g.files, mb(g.bytes), g.first, g.last)}${g.gaps.length ? ` — ${l10n.t('{0} hour(s) without files', g.gaps.length)}` : ''}`);
      for (const h of g.hours) lines.push(`      ${h.hour}  ${String(h.files).padStart(4)}  ${mb(h.bytes)}`);
    }
    for (const m of r.gapMessages) lines.push(`⚠ ${m}`);
    if (r.other.length) lines.push(l10n.t('{0} other object(s) under the folder are not Currents deliveries (first: {1})', r.other.length, r.other[0]));
    if (r.duplicates) {
      lines.push(r.duplicates.length
        ? l10n.t('{0} event id(s) delivered more than once among {1} events (Currents delivers at least once: de-duplicate on "id"):', r.duplicateCount ?? 0, r.eventsRead ?? 0)
        : l10n.t('No event id delivered twice among {0} events.', r.eventsRead ?? 0));
      for (const d of r.duplicates.slice(0, 20)) lines.push(`  ${d.id}: ${d.copies.map((c) => `${c.key}#${c.row}`).join(', ')}`);
    }
    stdout.write(`${lines.join('\n')}\n`);
  }
  if (r.cancelled) {
    stderr.write('pipewright braze deliveries: stopped.\n');
    return 130;
  }
  return r.gapMessages.length || r.duplicates?.length ? 1 : 0;
}
