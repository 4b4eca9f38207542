/** Copying an object's bytes into an output that stays open (one object among others). */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * `body` (a stream, or chunks held in memory) into `out`, which stays open; resolves once every byte has been handed
 * to it (the last write's callback).
 * Not pipeline(body, out, { end: false }): that leaves its listeners on an `out` it does not end, one set per object.
 */
export async function copyInto(out: Writable, body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
  let last: Promise<void> = Promise.resolve();
  for await (const chunk of body) {
    if (out.destroyed || out.writableEnded) throw new Error('output closed');
    last = writeAndWait(out, chunk);
    last.catch(() => { /* awaited below, or superseded by the error 'drain' waits on */ });
    // once() rejects when 'error' comes first, and removes its listeners either way.
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  await last;
}

/**
 * Writes one chunk (text as latin1) to `out`, which stays open; resolves once it has been handed on (its write
 * callback), fails if `out` fails or is already closed.
 */
export function writeAndWait(out: Writable, chunk: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed || out.writableEnded) { reject(new Error('output closed')); return; }
    const done = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (typeof chunk === 'string') out.write(chunk, 'latin1', done);
    else out.write(chunk, done);
  });
}
