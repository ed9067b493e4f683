import { Transform } from 'node:stream';

/** aws-chunked framing (`<hex size>[;chunk-signature=…]\r\n<data>\r\n`, trailers after the 0 chunk) → the bytes. */
export function awsChunkedDecoder(): Transform {
  let buf = Buffer.alloc(0);
  let need = -1;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      buf = Buffer.concat([buf, chunk]);
      while (!done) {
        if (need < 0) {
          const nl = buf.indexOf('\r\n');
          if (nl < 0) break;
          need = parseInt(buf.subarray(0, nl).toString('latin1').split(';')[0], 16);
          buf = buf.subarray(nl + 2);
          if (need === 0) done = true;
        } else {
          if (buf.length < need + 2) break;
          this.push(buf.subarray(0, need));
          buf = buf.subarray(need + 2);
          need = -1;
        }
      }
      cb();
    },
  });
}
