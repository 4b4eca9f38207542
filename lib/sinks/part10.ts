/**
 * part10Sink: the Part 10 files one after another on any Writable, each exactly as the directory sink would write
 * it (one object retrieved: one valid file, `movescu ... -od - > one.dcm`).
 */
import type { Writable } from 'node:stream';
import { endOutput, streamSink, type StreamSinkOptions } from './stream-sink';

export interface Part10SinkOptions extends StreamSinkOptions {
  /** End `out` after the last object (default true; process.stdout is never closed by ending it). */
  end?: boolean;
}

export function part10Sink(out: Writable, opts: Part10SinkOptions = {}): Writable {
  return streamSink({
    entry: (_e, body) => body.copyTo(out),
    finish: () => (opts.end === false ? Promise.resolve() : endOutput(out)),
  }, opts);
}
