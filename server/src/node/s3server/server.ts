/**
 * The embedded S3 server: a folder served over the S3 REST API, so that a pipeline can be previewed and
 * imported with nothing else installed. Each subfolder of the root is a bucket, each file below it an object
 * (key = its path with "/"), LastModified = the file's mtime, ETag = the MD5 of its bytes. Files copied into the
 * folder with any tool appear at once; PUT writes files too.
 *
 * It speaks what Pipewright and the AWS CLI use for reading and writing single objects: ListBuckets,
 * CreateBucket, HeadBucket, GetBucketLocation, ListObjectsV2 (prefix, delimiter, start-after, continuation,
 * max-keys; keys in UTF-8 byte order as S3 sorts them), GetObject and HeadObject (Range, If-Match,
 * If-None-Match), PutObject (plain and aws-chunked bodies), DeleteObject. Path-style addressing only
 * (`--endpoint` switches clients to it). Requests are not authenticated: it listens on 127.0.0.1 by default
 * and is meant for local trials, not as a shared server.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { end, error, esc, xml } from './replies';
import { handleMultipart, isMultipart, listUploads } from './multipart';
import { awsChunkedDecoder } from './chunked';

export interface LocalS3Options {
  root: string;
  port?: number;
  host?: string;
  region?: string;
}

export interface LocalS3 {
  endpoint: string;
  server: Server;
  close(): Promise<void>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const root = options.root;
  const region = options.region ?? 'us-east-1';
  mkdirSync(root, { recursive: true });
  const etags = new Map<string, { size: number; mtimeMs: number; etag: string }>();
  const listings = new Map<string, { at: number; keys: string[] }>();

  const etagOf = async (file: string, st: Stats): Promise<string> => {
    const cached = etags.get(file);
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.etag;
    const hash = createHash('md5');
    // Small files (most of a crowded bucket) are hashed in one read; big ones streamed.
    if (st.size <= 1 << 20) hash.update(readFileSync(file));
    else await pipeline(createReadStream(file), hash);
    const etag = hash.digest('hex');
    etags.set(file, { size: st.size, mtimeMs: st.mtimeMs, etag });
    return etag;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) error(res, 500, 'InternalError', (e as Error).message);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').slice(1);
    const bucket = decodeURIComponent(parts[0] ?? '');
    const key = parts.slice(1).map(decodeURIComponent).join('/');
    const q = url.searchParams;
    res.setHeader('x-amz-request-id', createHash('md5').update(String(Math.random())).digest('hex').slice(0, 16));
    if (!bucket) {
      if (req.method !== 'GET') return error(res, 405, 'MethodNotAllowed', 'Only ListBuckets is served at /.');
      const buckets = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && BUCKET_NAME.test(d.name));
      return xml(res, 200, `<ListAllMyBucketsResult><Owner><ID>local</ID><DisplayName>local</DisplayName></Owner><Buckets>${buckets.map((b) => `<Bucket><Name>${esc(b.name)}</Name><CreationDate>${statSync(join(root, b.name)).birthtime.toISOString()}</CreationDate></Bucket>`).join('')}</Buckets></ListAllMyBucketsResult>`);
    }
    const bucketDir = join(root, bucket);
    if (!key) {
      if (req.method === 'PUT') {
        if (!BUCKET_NAME.test(bucket)) return error(res, 400, 'InvalidBucketName', 'The specified bucket is not valid.', bucket);
        mkdirSync(bucketDir, { recursive: true });
        res.setHeader('Location', `/${bucket}`);
        return end(res, 200);
      }
      if (!existsSync(bucketDir) || !statSync(bucketDir).isDirectory()) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', bucket);
      if (req.method === 'HEAD') return end(res, 200, { 'x-amz-bucket-region': region });
      if (req.method === 'GET' && q.has('uploads')) return listUploads(res, root, bucket, q.get('prefix') ?? '');
      if (req.method === 'GET' && q.has('location')) return xml(res, 200, `<LocationConstraint>${region === 'us-east-1' ? '' : region}</LocationConstraint>`);
      if (req.method === 'GET') return listObjects(res, bucket, bucketDir, q);
      return error(res, 405, 'MethodNotAllowed', `${req.method} on a bucket is not served here.`);
    }
    if (!existsSync(bucketDir)) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', bucket);
    if (key.split('/').some((s) => s === '..' || s === '.')) return error(res, 400, 'InvalidArgument', 'Keys with . or .. segments are not served.', key);
    const file = join(bucketDir, ...key.split('/'));
    if (isMultipart(req.method, q)) return handleMultipart(req, res, { root, bucket, key, file, q, etags });
    if (req.method === 'PUT') return putObject(req, res, file);
    if (req.method === 'DELETE') {
      rmSync(file, { force: true });
      return end(res, 204);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return error(res, 405, 'MethodNotAllowed', `${req.method} on an object is not served here.`);
    let st: Stats;
    try {
      st = statSync(file);
    } catch {
      return error(res, 404, 'NoSuchKey', 'The specified key does not exist.', key);
    }
    if (!st.isFile()) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.', key);
    const etag = await etagOf(file, st);
    const quoted = `"${etag}"`;
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && !ifMatch.split(',').map((s) => s.trim()).includes(quoted)) return error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', key);
    const ifNone = req.headers['if-none-match'];
    if (ifNone && ifNone.split(',').map((s) => s.trim()).includes(quoted)) return end(res, 304, { ETag: quoted });
    const headers: Record<string, string | number> = { ETag: quoted, 'Last-Modified': new Date(st.mtimeMs).toUTCString(), 'Accept-Ranges': 'bytes', 'Content-Type': contentType(key) };
    let start = 0;
    let last = st.size - 1;
    const range = req.headers.range;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (!m || (m[1] === '' && m[2] === '')) return error(res, 416, 'InvalidRange', 'The requested range is not satisfiable', key);
      if (m[1] === '') start = Math.max(0, st.size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== '') last = Math.min(last, Number(m[2]));
      }
      if (start >= st.size || start > last) return error(res, 416, 'InvalidRange', 'The requested range is not satisfiable', key);
      headers['Content-Range'] = `bytes ${start}-${last}/${st.size}`;
    }
    headers['Content-Length'] = last - start + 1;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || st.size === 0) return void res.end();
    await pipeline(createReadStream(file, { start, end: last }), res);
  }

  async function listObjects(res: ServerResponse, bucket: string, dir: string, q: URLSearchParams): Promise<void> {
    if (q.get('list-type') !== '2') return error(res, 400, 'InvalidArgument', 'Only ListObjectsV2 (list-type=2) is served here.');
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.min(1000, Math.max(0, Number(q.get('max-keys') ?? 1000)));
    // The AWS CLI asks for URL-encoded keys (encoding-type=url) and decodes them.
    const urlEncoded = q.get('encoding-type') === 'url';
    const keyText = (k: string) => esc(urlEncoded ? encodeURIComponent(k).replace(/%2F/g, '/') : k);
    const token = q.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : q.get('start-after') ?? '';
    // A listing continued page by page walks the folder once: later pages reuse the sorted keys for a few seconds.
    const cacheKey = `${dir}\0${prefix}`;
    const cached = listings.get(cacheKey);
    const keys = token && cached && Date.now() - cached.at < 5_000 ? cached.keys : walk(dir, prefix).sort(byteOrder);
    listings.set(cacheKey, { at: Date.now(), keys });
    if (listings.size > 100) listings.delete(listings.keys().next().value!);
    const contents: string[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let lastReturned = '';
    for (let i = after ? firstAfter(keys, after) : 0; i < keys.length; i++) {
      const k = keys[i];
      if (delimiter) {
        const i = k.indexOf(delimiter, prefix.length);
        if (i >= 0) {
          const cp = k.slice(0, i + delimiter.length);
          if (prefixes[prefixes.length - 1] === cp) continue;
          if (contents.length + prefixes.length >= maxKeys) {
            truncated = true;
            break;
          }
          prefixes.push(cp);
          lastReturned = `${cp}\uffff`;
          continue;
        }
      }
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      const file = join(dir, ...k.split('/'));
      let st: Stats;
      try {
        st = statSync(file);
      } catch {
        continue; // deleted since the folder was walked
      }
      contents.push(`<Contents><Key>${keyText(k)}</Key><LastModified>${new Date(st.mtimeMs).toISOString()}</LastModified><ETag>&quot;${await etagOf(file, st)}&quot;</ETag><Size>${st.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`);
      lastReturned = k;
    }
    const next = truncated ? `<NextContinuationToken>${Buffer.from(lastReturned, 'utf8').toString('base64url')}</NextContinuationToken>` : '';
    xml(res, 200, `<ListBucketResult><Name>${esc(bucket)}</Name><Prefix>${keyText(prefix)}</Prefix>${delimiter ? `<Delimiter>${keyText(delimiter)}</Delimiter>` : ''}${urlEncoded ? '<EncodingType>url</EncodingType>' : ''}<MaxKeys>${maxKeys}</MaxKeys><KeyCount>${contents.length + prefixes.length}</KeyCount><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${esc(token)}</ContinuationToken>` : ''}${next}${contents.join('')}${prefixes.map((p) => `<CommonPrefixes><Prefix>${keyText(p)}</Prefix></CommonPrefixes>`).join('')}</ListBucketResult>`);
  }

  async function putObject(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    // Written aside and renamed over: a reader never sees half a file.
    const tmp = `${file}.pipewright-upload-${process.pid}-${Date.now()}`;
    const hash = createHash('md5');
    const chunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) || /^STREAMING-/.test(String(req.headers['x-amz-content-sha256'] ?? ''));
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      if (chunked) await pipeline(req, awsChunkedDecoder(), tap, createWriteStream(tmp));
      else await pipeline(req, tap, createWriteStream(tmp));
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    end(res, 200, { ETag: `"${hash.digest('hex')}"` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as { port: number; address: string };
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    endpoint: `http://${host}:${addr.port}`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** Every file under `dir` whose key starts with `prefix`, skipping what cannot be a key (uploads in progress). */
function walk(dir: string, prefix: string): string[] {
  const out: string[] = [];
  // Start at the deepest folder the prefix names, so a narrow prefix does not walk the whole bucket.
  const slash = prefix.lastIndexOf('/');
  const startRel = slash >= 0 ? prefix.slice(0, slash) : '';
  const start = join(dir, ...startRel.split('/').filter(Boolean));
  // Keys are built by joining names (path.relative per entry cost more than reading the folder).
  const visit = (d: string, keyPrefix: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const key = keyPrefix + e.name;
      if (e.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) visit(join(d, e.name), `${key}/`);
      } else if (e.isFile() && key.startsWith(prefix) && !e.name.includes('.pipewright-upload-')) out.push(key);
    }
  };
  visit(start, startRel ? `${startRel}/` : '');
  return out;
}

/**
 * S3 lists keys in the byte order of their UTF-8 encoding. JavaScript compares UTF-16 code units, which gives the
 * same order unless a string holds characters from U+D800 up (surrogates sort below U+E000–U+FFFF there): only
 * then are the bytes compared.
 */
function byteOrder(a: string, b: string): number {
  if (!HIGH.test(a) && !HIGH.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
const HIGH = /[\ud800-\uffff]/;

/** The index of the first key after `after` in sorted `keys` (binary search). */
function firstAfter(keys: string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byteOrder(keys[mid], after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}


function contentType(key: string): string {
  if (/\.csv$/i.test(key)) return 'text/csv';
  if (/\.tsv$/i.test(key)) return 'text/tab-separated-values';
  if (/\.json$/i.test(key)) return 'application/json';
  if (/\.(jsonl|ndjson|jsonline)$/i.test(key)) return 'application/x-ndjson';
  return 'application/octet-stream';
}
