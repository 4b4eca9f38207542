/**
 * The Writable face every sink shares: objects are handled concurrently, up to `concurrency` at a time, so that one
 * stalled transfer (a peer that stops half-way through an object) does not hold up the objects arriving on other
 * sub-associations; past the limit the sink stops taking objects and backpressure does the rest. Each object is
 * settled by `handle` itself; a rejection of `handle` is a bug in the sink and fails the stream.
 */
import { DEFAULT_MAX_IN_FLIGHT } from '../defaults';
import { Writable } from 'node:stream';
import type { ReceivedObject } from '../received-object';

/** Objects a sink works on at once, by default: memory is bounded by this many small objects (2 MiB each). */

export function objectSink(handle: (obj: ReceivedObject) => Promise<void>, concurrency = DEFAULT_MAX_IN_FLIGHT,
  finish: () => Promise<void> = () => Promise.resolve(), abandon: () => Promise<void> = () => Promise.resolve()): Writable {
  if (!(concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, not ${concurrency}`);
  const running = new Set<Promise<void>>();
  return new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(obj: ReceivedObject, _enc, done) {
      const p: Promise<void> = handle(obj).finally(() => running.delete(p));
      running.add(p);
      p.catch((e: Error) => this.destroy(e));
      if (running.size < concurrency) done();
      else Promise.race(running).then(() => done(), () => done());
    },
    final(done) {
      Promise.all(running).then(finish).then(() => done(), (e: Error) => done(e));
    },
    destroy(err, done) {
      // Ended early (an error, the retrieval given up): what the sink holds for objects that will not come goes.
      abandon().then(() => done(err), () => done(err));
    },
  });
}

/** Runs tasks one after another in the order they ask (an output that takes one object at a time). */
export class Turns {
  private last: Promise<unknown> = Promise.resolve();

  take<T>(task: () => Promise<T>): Promise<T> {
    const next = this.last.then(task, task);
    this.last = next.catch(() => {});
    return next;
  }
}
