/**
 * A Readable that can end with an error after what it already holds has been read. A peer's A-ABORT that comes in
 * the same socket read as its last PDVs or messages must not drop them, as destroy() would, nor report the error
 * before them.
 */
import { Readable } from 'node:stream';

export class OrderedReadable extends Readable {
  private pendingError: Error | null = null;

  /** Ends with `err` after the items already pushed (at once if there are none). */
  failAfterBuffered(err: Error): void {
    if (this.destroyed) return;
    if (this.readableLength === 0) this.destroy(err);
    else this.pendingError ??= err;
  }

  // Flowing mode and async iteration both go through read(): the place to notice the buffer ran dry.
  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    const err = this.pendingError;
    if (err && this.readableLength === 0) {
      this.pendingError = null;
      process.nextTick(() => this.destroy(err));
    }
    return chunk;
  }
}
