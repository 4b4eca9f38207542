/**
 * `Pdu` objects in, bytes out: each PDU leaves as ONE Buffer, so that it reaches the socket in one write
 * (a PDU split over two writes can stall on Nagle's algorithm against a delayed ACK).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { encodePdu } from './encode';
import type { Pdu } from './types';

export interface PduWriterOptions {
  /** PDUs accepted before `write()` returns false. Default 1: the caller feels the socket's backpressure. */
  highWaterMark?: number;
}

export class PduWriter extends Transform {
  constructor(opts: PduWriterOptions = {}) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: opts.highWaterMark ?? 1 });
  }

  override _transform(pdu: Pdu, _enc: BufferEncoding, done: TransformCallback): void {
    let bytes: Buffer;
    try {
      bytes = encodePdu(pdu);
    } catch (err) {
      done(err as Error);
      return;
    }
    done(null, bytes);
  }
}
