/**
 * SequenceSorter: tokens in, tokens out, each top-level sequence regrouped in DCMTK's order (sortTokens: elements
 * of every item in tag order, the first of a repeated tag kept). Used when a large object with elements out of
 * order is rewritten: its top-level elements are already read in order (from the file, by offset), and only the
 * sequences, held whole here as the writer holds them anyway, need sorting inside. Everything else passes through.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { sortTokens } from './sort-tokens';
import type { DatasetToken } from './tokens';

export class SequenceSorter extends Transform {
  private held: DatasetToken[] | null = null;
  private depth = 0;

  constructor() {
    super({ objectMode: true, highWaterMark: 16 });
  }

  override _transform(t: DatasetToken, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.held === null) {
      if (t.type !== 'sequenceStart') {
        done(null, t);
        return;
      }
      this.held = [];
      this.depth = 0;
    }
    this.held.push(t);
    if (t.type === 'sequenceStart') this.depth++;
    else if (t.type === 'sequenceEnd' && --this.depth === 0) {
      const unit = this.held;
      this.held = null;
      try {
        for (const x of sortTokens(unit).tokens) this.push(x);
      } catch (e) {
        done(e as Error);
        return;
      }
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    // An unfinished sequence is the tokenizer's error to report; pass on what there is.
    for (const x of this.held ?? []) this.push(x);
    done();
  }
}
