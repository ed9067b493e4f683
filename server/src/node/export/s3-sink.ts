/**
 * The export's S3 side: objects written through multipart uploads in 8 MiB parts (a part leaves memory as soon
 * as S3 has it), a single PUT for objects that never reach one part, and an abort that leaves no upload open.
 * Server-side encryption (AES256, or aws:kms with a key) is set on every object when the pipeline asks for it.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import type { ExportSink, Upload } from '../../engine/export/run';

/** S3's minimum part size is 5 MiB (except the last); 8 MiB keeps the part count low for big files. */
export const PART_BYTES = 8 * 1024 * 1024;

export interface SinkOptions {
  bucket: string;
  sse?: { type: 'AES256' } | { type: 'aws:kms'; keyId?: string };
}

export function s3Sink(client: S3Client, options: SinkOptions): ExportSink & { openUploads(): number } {
  const sse = options.sse
    ? { ServerSideEncryption: options.sse.type as ServerSideEncryption, ...(options.sse.type === 'aws:kms' && options.sse.keyId ? { SSEKMSKeyId: options.sse.keyId } : {}) }
    : {};
  let openUploads = 0;
  return {
    openUploads: () => openUploads,
    async abortStale(prefix) {
      let aborted = 0;
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      for (;;) {
        const r = await client.send(new ListMultipartUploadsCommand({ Bucket: options.bucket, Prefix: prefix, KeyMarker, UploadIdMarker }));
        for (const u of r.Uploads ?? []) {
          await client.send(new AbortMultipartUploadCommand({ Bucket: options.bucket, Key: u.Key!, UploadId: u.UploadId! }));
          aborted++;
        }
        if (!r.IsTruncated) return aborted;
        KeyMarker = r.NextKeyMarker;
        UploadIdMarker = r.NextUploadIdMarker;
      }
    },
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body, ContentType: contentType, ...sse }));
    },
    upload(key, contentType): Upload {
      let uploadId: string | undefined;
      let creating: Promise<string> | undefined;
      const parts: Array<{ PartNumber: number; ETag: string }> = [];
      let buffered: Uint8Array[] = [];
      let bufferedBytes = 0;
      let aborted = false;

      const create = () =>
        (creating ??= client.send(new CreateMultipartUploadCommand({ Bucket: options.bucket, Key: key, ContentType: contentType, ...sse })).then((r) => {
          uploadId = r.UploadId!;
          openUploads++;
          return uploadId;
        }));
      const flushPart = async () => {
        const body = Buffer.concat(buffered, bufferedBytes);
        buffered = [];
        bufferedBytes = 0;
        const id = await create();
        const PartNumber = parts.length + 1;
        parts.push({ PartNumber, ETag: '' });
        const r = await client.send(new UploadPartCommand({ Bucket: options.bucket, Key: key, UploadId: id, PartNumber, Body: body, ContentLength: body.length }));
        parts[PartNumber - 1].ETag = r.ETag!;
      };
      return {
        async write(chunk) {
          if (aborted) throw new Error(`the upload of s3://${options.bucket}/${key} was aborted`);
          buffered.push(chunk);
          bufferedBytes += chunk.length;
          if (bufferedBytes >= PART_BYTES) await flushPart();
        },
        async complete() {
          if (!creating) {
            // Never reached one part: a single PUT, no multipart upload at all.
            await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: Buffer.concat(buffered, bufferedBytes), ContentType: contentType, ...sse }));
            return;
          }
          if (bufferedBytes) await flushPart();
          await client.send(new CompleteMultipartUploadCommand({ Bucket: options.bucket, Key: key, UploadId: await creating, MultipartUpload: { Parts: parts } }));
          openUploads--;
        },
        async abort() {
          aborted = true;
          buffered = [];
          if (!creating) return;
          const id = await creating.catch(() => undefined);
          if (!id) return;
          await client.send(new AbortMultipartUploadCommand({ Bucket: options.bucket, Key: key, UploadId: id }));
          openUploads--;
        },
      };
    },
  };
}
