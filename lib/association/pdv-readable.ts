/**
 * The association's incoming PDVs as a stream. It ends once: at a release (end) or a failure (fail), whichever
 * comes first. On a failure the PDVs already buffered are still delivered, in order, and the error follows them (a
 * plain destroy() would drop them and report the error out of order).
 */
import { Readable } from 'node:stream';

/** PDVs buffered before the association stops reading the socket. */
const PDVS_HIGH_WATER_MARK = 8;

export class PdvReadable extends Readable {
  private pendingError: Error | null = null;
  private finished = false;

  /** `wanted` is called when the consumer wants more after the buffer was full (to resume reading the socket). */
  constructor(wanted: () => void) {
    super({ objectMode: true, highWaterMark: PDVS_HIGH_WATER_MARK, read: wanted });
  }

  /** The PDVs end here (a release). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.push(null);
  }

  /** The PDVs end with `err`, after those already buffered. */
  fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    if (this.readableLength === 0) this.destroy(err);
    else this.pendingError = err;
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
