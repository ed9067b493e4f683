/**
 * A Currents folder read with the user's own credentials: every key listed (1,000 a page), grouped by event type and
 * hour (engine/braze/currents.ts), and — for duplicates — every Avro file read for its `id` column.
 */
import { DuplicateFinder, gapMessage, summarizeCurrents, type CurrentsObject, type DeliveriesReport, type HourRange } from '../../engine/braze/currents';

export type { DeliveriesReport };
import type { BrazePipeline } from '../../engine/braze/target';
import { previewAvroObject } from '../../engine/avro/container';
import * as l10n from '../../engine/l10n';
import { explainAwsError } from '../aws/errors';
import { createS3Client, s3Access } from '../aws/s3';
import { avroCodecs } from '../avro';
import { isLoopback, localCredentials, type ConnectOptions } from '../import/connect';

export interface DeliveriesOptions extends ConnectOptions, HourRange {
  /** Read every file for duplicate event ids (default true). */
  duplicates?: boolean;
  onProgress?: (message: string, percent: number) => void;
  token?: { readonly isCancellationRequested: boolean };
}

export async function currentsDeliveries(p: BrazePipeline, o: DeliveriesOptions = {}): Promise<DeliveriesReport> {
  const t = p.target;
  const endpoint = o.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
  const region = o.region || p.region;
  const client = createS3Client({ region, endpoint: o.endpoint || undefined, profile: o.profile, credentials: endpoint && isLoopback(endpoint) && !o.profile ? localCredentials() : undefined });
  const s3 = s3Access(client);
  const ac = new AbortController();
  const poll = setInterval(() => o.token?.isCancellationRequested && ac.abort(), 100);
  const context = (operation: string, key?: string) => ({ operation, bucket: t.bucket, key, region, endpoint, config: p.path, profile: o.profile });
  try {
    const objects: CurrentsObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await s3.listPage(t.bucket, t.folder ? `${t.folder}/` : '', token, ac.signal);
        for (const x of page.objects) objects.push({ key: x.key, size: x.size, lastModified: x.lastModified.toISOString() });
        token = page.nextToken;
        o.onProgress?.(l10n.t('listed {0} objects', objects.length), 0);
      } while (token && !o.token?.isCancellationRequested);
    } catch (e) {
      if (o.token?.isCancellationRequested) return { bucket: t.bucket, folder: t.folder, eventTypes: [], files: 0, bytes: 0, other: [], gapMessages: [], cancelled: true };
      throw new Error(explainAwsError(e, context('s3:ListBucket')), { cause: e });
    }
    const { summary, files } = summarizeCurrents(objects, t.folder, o);
    const report: DeliveriesReport = { ...summary, bucket: t.bucket, gapMessages: summary.eventTypes.filter((g) => g.gaps.length).map((g) => gapMessage(g.eventType, g.gaps)) };
    if (o.duplicates === false) return report;
    const finder = new DuplicateFinder();
    let events = 0;
    for (const [i, f] of files.entries()) {
      if (o.token?.isCancellationRequested) return { ...report, cancelled: true };
      o.onProgress?.(l10n.t('reading {0} ({1} of {2})', f.key.split('/').pop() ?? f.key, i + 1, files.length), Math.round((100 * i) / files.length));
      let preview;
      try {
        // Whole files: Currents files hold a few thousand events each (Braze flushes every few minutes).
        preview = await previewAvroObject(s3, t.bucket, f.key, { maxRows: Number.MAX_SAFE_INTEGER, codecs: avroCodecs, signal: ac.signal });
      } catch (e) {
        if (o.token?.isCancellationRequested) return { ...report, cancelled: true };
        if ((e as Error).name === 'AvroReadError') throw e;
        throw new Error(explainAwsError(e, context('s3:GetObject', f.key)), { cause: e });
      }
      const idAt = preview.fields.findIndex((x) => x.name === 'id');
      if (idAt < 0) continue;
      preview.rows.forEach((row, r) => {
        const id = row[idAt];
        if (typeof id === 'string') finder.add(id, f.key, r + 1);
      });
      events += preview.rows.length;
    }
    return { ...report, duplicates: finder.duplicates(), duplicateCount: finder.duplicateCount, eventsRead: events };
  } finally {
    clearInterval(poll);
    client.destroy();
  }
}
