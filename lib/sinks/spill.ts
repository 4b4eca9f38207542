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
 * while the next is gathered, and the writer goes on as soon as the older of two is written (waiting for the write
 * stream's 'drain', which comes only once everything is written, stopped the encoder at every batch).
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
  /** Bytes handed to the file and not yet written; the writer waits while more than two batches are. */
  let inFlight = 0;
  let waiting: (() => void) | null = null;
  /** The first write that failed: every later step fails with it (the text is not all in the file). */
  let failed: Error | null = null;
  /** The gathered batch to the file; `done` once there is room for another. */
  const flush = (done: (e?: Error | null) => void): void => {
    const f = file as WriteStream;
    const chunks = batch;
    const bytes = batchSize;
    batch = [];
    batchSize = 0;
    if (chunks.length > 0) {
      inFlight += bytes;
      f.cork();
      const last = chunks.length - 1;
      // Callbacks run in order: the last one's says the whole batch is written.
      chunks.forEach((c, i) => f.write(c, i === last ? (e) => {
        inFlight -= bytes;
        if (e) failed ??= e;
        else release?.(chunks);
        // One batch may be written while the next is gathered: the encoder goes on as soon as one is done.
        if (waiting && inFlight <= BATCH) {
          const w = waiting;
          waiting = null;
          w();
        }
      } : undefined));
      f.uncork();
    }
    if (inFlight > BATCH) waiting = () => done(failed);
    else done(failed);
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
      // end()'s callback has the stream's error, if any: a last batch that failed must not finish as if written.
      flush((e) => {
        if (e) { done(e); return; }
        f.end((err?: Error | null) => {
          if (err || failed) { done(err ?? failed); return; }
          target.file().finish().then(() => done(), done);
        });
      });
    },
  });
}
