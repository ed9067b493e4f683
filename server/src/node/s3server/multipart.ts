/**
 * Multipart uploads for the embedded S3 server: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload and ListMultipartUploads. Parts wait in `<root>/.pipewright-uploads/<upload id>/` (not a
 * bucket: bucket names cannot start with a dot); completing concatenates the named parts into the object, written
 * aside and renamed over, with S3's multipart ETag (MD5 of the parts' MD5s, then "-<parts>").
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { awsChunkedDecoder } from './chunked';
import { end, error, esc, xml } from './replies';

interface Ctx {
  root: string;
  bucket: string;
  key: string;
  file: string;
  q: URLSearchParams;
  etags: Map<string, { size: number; mtimeMs: number; etag: string }>;
}

interface Meta {
  bucket: string;
  key: string;
  initiated: string;
}

const uploadsDir = (root: string) => join(root, '.pipewright-uploads');

export function isMultipart(method: string | undefined, q: URLSearchParams): boolean {
  return (method === 'POST' && (q.has('uploads') || q.has('uploadId'))) || (method === 'PUT' && q.has('uploadId')) || (method === 'DELETE' && q.has('uploadId'));
}

export async function handleMultipart(req: IncomingMessage, res: ServerResponse, c: Ctx): Promise<void> {
  if (req.method === 'POST' && c.q.has('uploads')) {
    const id = randomUUID().replace(/-/g, '');
    mkdirSync(join(uploadsDir(c.root), id), { recursive: true });
    writeFileSync(join(uploadsDir(c.root), id, 'meta.json'), JSON.stringify({ bucket: c.bucket, key: c.key, initiated: new Date().toISOString() } satisfies Meta));
    return xml(res, 200, `<InitiateMultipartUploadResult><Bucket>${esc(c.bucket)}</Bucket><Key>${esc(c.key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
  }
  const id = c.q.get('uploadId') ?? '';
  const dir = join(uploadsDir(c.root), id);
  if (!/^[0-9a-f]{32}$/.test(id) || !existsSync(join(dir, 'meta.json'))) {
    return error(res, 404, 'NoSuchUpload', 'The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.', c.key);
  }
  if (req.method === 'DELETE') {
    rmSync(dir, { recursive: true, force: true });
    return end(res, 204);
  }
  if (req.method === 'PUT') {
    const n = Number(c.q.get('partNumber'));
    if (!Number.isInteger(n) || n < 1 || n > 10_000) return error(res, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', c.key);
    const hash = createHash('md5');
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    const tmp = join(dir, `part-${n}.tmp`);
    const chunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) || /^STREAMING-/.test(String(req.headers['x-amz-content-sha256'] ?? ''));
    if (chunked) await pipeline(req, awsChunkedDecoder(), tap, createWriteStream(tmp));
    else await pipeline(req, tap, createWriteStream(tmp));
    const etag = hash.digest('hex');
    renameSync(tmp, join(dir, `part-${n}`));
    writeFileSync(join(dir, `part-${n}.etag`), etag);
    return end(res, 200, { ETag: `"${etag}"` });
  }
  // Complete: the parts the body names, in order, each with the ETag its upload returned.
  const body = await new Promise<string>((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
  const parts = [...body.matchAll(/<Part>\s*(?:<[^>]+>[^<]*<\/[^>]+>\s*)*?<\/Part>/g)].map((m) => ({
    n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[0])?.[1]),
    etag: /<ETag>(?:&quot;|")?([0-9a-f]+)(?:&quot;|")?<\/ETag>/.exec(m[0])?.[1],
  }));
  if (!parts.length) return error(res, 400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', c.key);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i > 0 && p.n <= parts[i - 1].n) return error(res, 400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.', c.key);
    const stored = existsSync(join(dir, `part-${p.n}.etag`)) ? readFileSync(join(dir, `part-${p.n}.etag`), 'utf8') : undefined;
    if (!stored || stored !== p.etag) return error(res, 400, 'InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', c.key);
  }
  mkdirSync(dirname(c.file), { recursive: true });
  const tmp = `${c.file}.pipewright-upload-${id}`;
  const out = createWriteStream(tmp);
  for (const p of parts) await pipeline(createReadStream(join(dir, `part-${p.n}`)), out, { end: false });
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  renameSync(tmp, c.file);
  const etag = `${createHash('md5').update(Buffer.concat(parts.map((p) => Buffer.from(p.etag!, 'hex')))).digest('hex')}-${parts.length}`;
  c.etags.delete(c.file);
  rmSync(dir, { recursive: true, force: true });
  // The listing reports this ETag until the file changes (the server caches ETags by size and mtime).
  const st = statSync(c.file);
  c.etags.set(c.file, { size: st.size, mtimeMs: st.mtimeMs, etag });
  return xml(res, 200, `<CompleteMultipartUploadResult><Bucket>${esc(c.bucket)}</Bucket><Key>${esc(c.key)}</Key><ETag>&quot;${etag}&quot;</ETag></CompleteMultipartUploadResult>`);
}

export function listUploads(res: ServerResponse, root: string, bucket: string, prefix: string): void {
  const dir = uploadsDir(root);
  const uploads: Array<Meta & { id: string }> = [];
  if (existsSync(dir)) {
    for (const id of readdirSync(dir)) {
      try {
        const m = JSON.parse(readFileSync(join(dir, id, 'meta.json'), 'utf8')) as Meta;
        if (m.bucket === bucket && m.key.startsWith(prefix)) uploads.push({ ...m, id });
      } catch {
        // an upload being created or removed right now
      }
    }
  }
  uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : 1));
  xml(res, 200, `<ListMultipartUploadsResult><Bucket>${esc(bucket)}</Bucket><Prefix>${esc(prefix)}</Prefix><IsTruncated>false</IsTruncated>${uploads.map((u) => `<Upload><Key>${esc(u.key)}</Key><UploadId>${u.id}</UploadId><Initiated>${u.initiated}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`).join('')}</ListMultipartUploadsResult>`);
}
