/**
 * The PDU parser's stream face: bytes in, `Pdu` objects out (pdu-parser.ts does the work). The association reads
 * its socket through the parser directly; this face is for whoever holds a byte stream (test peers, fuzzers).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { PduParser, type PduParserOptions } from './pdu-parser';

export interface PduReaderOptions extends PduParserOptions {
  /** PDUs held in the readable buffer before the reader stops pulling bytes (backpressure). Default 2. */
  highWaterMark?: number;
}

export class PduReader extends Transform {
  private readonly parser: PduParser;

  constructor(opts: PduReaderOptions) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: opts.highWaterMark ?? 2 });
    this.parser = new PduParser(opts);
  }

  /** Bytes consumed so far (the stream offset of the next byte). */
  get offset(): number {
    return this.parser.offset;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.parser.parse(chunk, (pdu) => this.push(pdu));
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    try {
      this.parser.end();
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  }
}
