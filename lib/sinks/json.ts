/**
 * DICOM JSON output (PS3.18 F.2): jsonSink writes one JSON object per line (JSON lines) to any Writable
 * (`-od - --output-format json | jq ...`); jsonDirectorySink writes one NAME.json per object into a directory,
 * NAME being DCMTK's file name for it. Values are written as json-encoder.ts says (InlineBinary by default, or
 * BulkDataURI files with `bulkData`).
 */
import type { Writable } from 'node:stream';
import { directorySink, type DirectorySinkOptions } from './directory';
import { objectFileName } from './settle';
import { writeJson, type JsonOptions } from './json-writer';
import { JsonBufferPool } from './json-buffers';
import { endOutput, streamSink, type StreamSinkOptions } from './stream-sink';

export interface JsonSinkOptions extends Omit<StreamSinkOptions, 'encode' | 'mode' | 'fileMeta'>, JsonOptions {
  /** End `out` after the last object (default true). */
  end?: boolean;
}

export function jsonSink(out: Writable, opts: JsonSinkOptions = {}): Writable {
  // The lines' Buffers are used again once written out (json-buffers.ts).
  const buffers = new JsonBufferPool();
  return streamSink({
    async entry(_e, body) {
      await body.copyTo(out);
      buffers.release(body.writtenChunks(out));
    },
    finish: () => (opts.end === false ? Promise.resolve() : endOutput(out)),
  }, { ...opts, encode: (obj, _log, target) => writeJson(obj, opts, target, buffers) });
}

export type JsonDirectorySinkOptions = Omit<DirectorySinkOptions, 'encode' | 'mode' | 'fileMeta'> & JsonOptions;

export function jsonDirectorySink(opts: JsonDirectorySinkOptions): Writable {
  // As in jsonSink. Fresh Buffers for the 1.2 GB of text of the 900 MB object cost 2.6 s more user CPU (4.9 s
  // against 2.3 s) and 17 MB more peak RSS (105 MB against 88 MB) than Buffers used again once in the temporary file.
  const buffers = new JsonBufferPool();
  return directorySink({
    ...opts,
    fileName: (obj) => `${objectFileName(obj, opts.fileName)}.json`,
    encode: (obj, _log, target) => writeJson(obj, opts, target, buffers),
  });
}
