/**
 * ReplayReadable: the chunks a stage already read from a body, then the rest of that body, as one byte stream.
 * The chunks are handed on as they are (no copy); the rest flows from the source only as fast as this stream is
 * read (the source is paused while this one is full), so nothing more than `head` is held here. Destroying it
 * destroys the source (the store service then drops the rest of the data set); an error of the source, or its
 * closing before its end, destroys this one with an error, so a truncated body never looks complete.
 */
import { Readable } from 'node:stream';

export class ReplayReadable extends Readable {
  constructor(head: readonly Buffer[], private readonly source: Readable) {
    super();
    // The source may fail before the sink listens: it sees the error when it reads (the stream stays errored).
    this.on('error', () => {});
    for (const c of head) this.push(c); // already in memory: buffering them here holds nothing more
    if (source.readableEnded) {
      this.push(null);
      return;
    }
    source.on('data', (c: Buffer) => {
      if (!this.push(c)) source.pause();
    });
    source.once('end', () => this.push(null));
    source.once('error', (e: Error) => this.destroy(e));
    source.once('close', () => {
      if (!source.readableEnded && !this.destroyed) this.destroy(source.errored ?? new Error('the object body was closed before its end'));
    });
    source.pause(); // flows when this stream is read (_read)
  }

  override _read(): void {
    if (!this.source.readableEnded) this.source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.source.destroyed && !this.source.readableEnded) this.source.destroy();
    callback(error);
  }
}
