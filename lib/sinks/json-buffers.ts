/**
 * The Buffers a JSON stream sink's encoders write their text into, handed out again once the output is done with
 * them. A line waits whole for its turn (json-writer.ts), long enough for V8 to move its Buffers to the old
 * generation, where dead ones are freed only by a full collection: 1000 small images left up to 60 MB of them
 * waiting. Reused, they are not garbage at all.
 */
import { JSON_OUTPUT_CHUNK, type JsonOutputBuffers } from '../dataset/codec/json-encoder';

/** Spare Buffers kept (64 KiB each): a few lines' worth. */
const MAX_SPARE = 32;

export class JsonBufferPool implements JsonOutputBuffers {
  private readonly spare: Buffer[] = [];

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(JSON_OUTPUT_CHUNK);
  }

  give(buffer: Buffer): void {
    this.release([buffer]);
  }

  /**
   * Chunks the output is done with (written, not held by anyone): those that are whole encoder Buffers, or their
   * beginnings, become spare. Only for chunks nothing else refers to.
   */
  release(chunks: Iterable<Buffer>): void {
    for (const c of chunks) {
      if (this.spare.length >= MAX_SPARE) return;
      if (c.byteOffset === 0 && c.buffer.byteLength === JSON_OUTPUT_CHUNK) this.spare.push(Buffer.from(c.buffer, 0, JSON_OUTPUT_CHUNK));
    }
  }
}
