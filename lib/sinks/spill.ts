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
 * Chunks go to the file in batches of this many bytes, one writev each: a write per 64 KiB chunk (19,000 for the
 * JSON of a 900 MB object) cost the main thread about 0.5 s in thread-pool hand-offs. One batch may be in flight
 * while the next is gathered.
 */
const BATCH = 1024 * 1024;

/**
 * `release`, if given, gets the chunks this writer is done with once written to the temporary file (the ones
 * handed over whole with writeAll are the target's).
 */
export function spillWriter(target: Part10Target, limit = SPILL_LIMIT, release?: (chunks: Buffer[]) => void): Writable {
  let held: Buffer[] = [];
  let size = 0;
  let file: WriteStream | null = null;
  let batch: Buffer[] = [];
  let batchSize = 0;
  /** The gathered batch to the file; `done` once there is room for another. */
  const flush = (done: (e?: Error | null) => void): void => {
    const f = file as WriteStream;
    const chunks = batch;
    batch = [];
    batchSize = 0;
    if (chunks.length > 0) {
      f.cork();
      const last = chunks.length - 1;
      // Callbacks run in order: the last one's says the whole batch is written.
      chunks.forEach((c, i) => f.write(c, i === last && release ? (e) => { if (!e) release(chunks); } : undefined));
      f.uncork();
    }
    // 'drain' comes only after a write was refused (writableNeedDrain); past a batch in flight, wait for it.
    if (f.writableNeedDrain && f.writableLength > BATCH) f.once('drain', () => done());
    else done();
  };
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (file) {
        batch.push(chunk);
        batchSize += chunk.length;
        if (batchSize >= BATCH) flush(done);
        else done();
        return;
      }
      held.push(chunk);
      size += chunk.length;
      if (size <= limit) { done(); return; }
      target.file().stream().then((s) => {
        file = s;
        s.on('error', (e) => this.destroy(e));
        batch = held;
        batchSize = size;
        held = [];
        flush(done);
      }, done);
    },
    final(done) {
      if (!file) { target.writeAll(held).then(() => done(), done); return; }
      const f = file;
      flush(() => f.end(() => { target.file().finish().then(() => done(), done); }));
    },
  });
}
