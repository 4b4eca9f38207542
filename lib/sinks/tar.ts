/**
 * tarSink: a POSIX (ustar/pax) tar stream, one member per object, named as DCMTK names its file, so that
 * `movescu ... -od - --output-format tar | tar -x -C d` gives the same tree as `-od d`. The headers are
 * tar-stream's (a well-kept streaming tar writer), not ours.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import { streamSink, type StreamSinkOptions } from './stream-sink';

export function tarSink(out: Writable, opts: StreamSinkOptions = {}): Writable {
  const pack = tarPack();
  // Whatever happens to the output is seen by the next entry (or by finish): never an unhandled rejection.
  const written = pipeline(pack, out);
  written.catch(() => {});
  const failed = new Promise<never>((_, reject) => { written.catch(reject); });
  failed.catch(() => {});
  return streamSink({
    async entry(e, body) {
      const member = new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ name: e.name, size: e.size, mode: 0o644, mtime: new Date(), type: 'file' }, (err) => (err ? reject(err) : resolve()));
        pipeline(body.source(), sink).catch(reject);
      });
      await Promise.race([member, failed]);
    },
    async finish() {
      pack.finalize();
      await written;
    },
  }, opts);
}
