/**
 * multipartSink: a DICOMweb (PS3.18 8.6.1.2) multipart/related body of type application/dicom: each object a part
 * with its Content-Type (the media type from mime-types, with the transfer syntax parameter), CRLF line ends, and
 * the closing delimiter. Without an HTTP header in front, the body starts with the first `--boundary` line, as
 * DICOMweb clients expect; the whole Content-Type header value is multipartContentType(boundary).
 */
import type { Writable } from 'node:stream';
import { lookup } from 'mime-types';
import { randomBoundary, validBoundary } from './boundary';
import { writeAndWait } from './copy';
import { endOutput, streamSink, type StreamSinkOptions } from './stream-sink';

export interface MultipartSinkOptions extends StreamSinkOptions {
  /** The boundary (RFC 2046: 1 to 70 characters); random by default. */
  boundary?: string;
  /** End `out` after the closing delimiter (default true). */
  end?: boolean;
}

/** application/dicom, from the media type registry mime-types carries. */
const DICOM_MEDIA_TYPE = lookup('dcm') || 'application/dicom';

/** The Content-Type header value of the whole body. */
export function multipartContentType(boundary: string): string {
  return `multipart/related; type="${DICOM_MEDIA_TYPE}"; boundary=${boundary}`;
}

export function multipartSink(out: Writable, opts: MultipartSinkOptions = {}): Writable {
  const boundary = opts.boundary ?? randomBoundary();
  if (!validBoundary(boundary)) throw new RangeError(`not a valid multipart boundary (RFC 2046: 1-70 characters): ${JSON.stringify(boundary)}`);
  return streamSink({
    async entry(e, body) {
      await writeAndWait(out, `--${boundary}\r\nContent-Type: ${DICOM_MEDIA_TYPE}; transfer-syntax=${e.transferSyntaxUid}\r\nContent-Length: ${e.size}\r\n\r\n`);
      await body.copyTo(out);
      await writeAndWait(out, '\r\n');
    },
    async finish() {
      await writeAndWait(out, `--${boundary}--\r\n`);
      if (opts.end !== false) await endOutput(out);
    },
  }, opts);
}
