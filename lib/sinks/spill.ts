/**
 * A Writable over a Part10Target for output whose size is not known in advance (a JSON line): the first bytes are
 * held in memory and handed over whole, as a small object's are; past `limit` they move to the target's temporary
 * file and the rest streams there. Memory stays bounded whatever the object size.
 */
import { Writable } from 'node:stream';
import type { WriteStream } from 'node:fs';
import type { Part10Target } from './part10-writer';

const SPILL_LIMIT = 2 * 1024 * 1024;

/**
 * `release`, if given, gets the chunks this writer is done with: written to the temporary file, or copied when
 * the held ones moved there (the ones handed over whole with writeAll are the target's).
 */
export function spillWriter(target: Part10Target, limit = SPILL_LIMIT, release?: (chunks: Buffer[]) => void): Writable {
  let held: Buffer[] = [];
  let size = 0;
  let file: WriteStream | null = null;
  const toFile = (chunk: Buffer, done: (e?: Error | null) => void): void => {
    const f = file as WriteStream;
    const written = f.write(chunk, release && ((e) => { if (!e) release([chunk]); }));
    if (written) done();
    else f.once('drain', () => done());
  };
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (file) { toFile(chunk, done); return; }
      held.push(chunk);
      size += chunk.length;
      if (size <= limit) { done(); return; }
      target.file().stream().then((s) => {
        file = s;
        s.on('error', (e) => this.destroy(e));
        const first = Buffer.concat(held);
        release?.(held);
        held = [];
        toFile(first, done);
      }, done);
    },
    final(done) {
      if (!file) { target.writeAll(held).then(() => done(), done); return; }
      const f = file;
      f.end(() => { target.file().finish().then(() => done(), done); });
    },
  });
}
