/**
 * readHead: reads a body chunk by chunk until a consumer says it has seen enough, then leaves the body paused with
 * the rest unread. The chunks read are returned untouched (no copy), to be replayed in front of the rest.
 */
import type { Readable } from 'node:stream';

export interface Head {
  chunks: Buffer[];
  /** Bytes in `chunks`. */
  bytes: number;
  /** The body ended: `chunks` are all of it. */
  ended: boolean;
}

/**
 * `enough(chunk)` is called for each chunk as it arrives; true stops the reading. Rejects with the body's error, with
 * what `enough` throws (the body is left paused), or when the body is closed before its end.
 */
export function readHead(body: Readable, enough: (chunk: Buffer) => boolean): Promise<Head> {
  const head: Head = { chunks: [], bytes: 0, ended: false };
  if (body.readableEnded) return Promise.resolve({ ...head, ended: true });
  if (body.errored) return Promise.reject(body.errored);
  if (body.destroyed) return Promise.reject(new Error('the object body was closed before it was read'));
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      head.chunks.push(chunk);
      head.bytes += chunk.length;
      let stop: boolean;
      try {
        stop = enough(chunk);
      } catch (e) {
        body.pause();
        cleanup();
        reject(e);
        return;
      }
      if (stop) {
        body.pause();
        cleanup();
        resolve(head);
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ ...head, ended: true });
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onClose = (): void => {
      cleanup();
      reject(body.errored ?? new Error('the object body was closed before its end'));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
    body.resume();
  });
}
