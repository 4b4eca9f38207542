/**
 * PdvSplitter: the bytes of one message part (a command set or a data set) in, PDVs out, each small enough that
 * its P-DATA-TF PDU fits the peer's maximum PDU length. One PDV is held back until the next arrives or the input
 * ends, so that the last PDV always carries the "last fragment" bit, even when the length is an exact multiple.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DimseError } from '../errors';
import type { Pdv } from '../pdu/types';

/** PDV item header: 4-byte length, context id, message control header. */
export const PDV_HEADER_LENGTH = 6;
/** Used when the peer announces no limit (max length 0): big enough to amortise headers, small enough to bound memory. */
export const UNLIMITED_PDV_DATA = 256 * 1024;

/** The largest PDV value that keeps a one-PDV P-DATA-TF within the peer's maximum PDU length. */
export function maxPdvData(peerMaxPduLength: number): number {
  if (peerMaxPduLength === 0) return UNLIMITED_PDV_DATA;
  const limit = peerMaxPduLength - PDV_HEADER_LENGTH;
  // Splitting into PDVs of no data would never end: refuse. (Peers' values never get here: the association
  // replaces a maximum too small to use, see usablePeerMaxPduLength.)
  if (!(limit >= 1)) {
    throw new DimseError('PDV_LIMIT_TOO_SMALL', `a maximum PDU length of ${peerMaxPduLength} bytes leaves no room for PDV data`, { pduType: 0x04 });
  }
  return limit;
}

export class PdvSplitter extends Transform {
  private readonly limit: number;
  private parts: Buffer[] = [];
  private held = 0;

  constructor(private readonly contextId: number, private readonly isCommand: boolean, peerMaxPduLength: number) {
    super({ readableObjectMode: true, readableHighWaterMark: 2 });
    this.limit = maxPdvData(peerMaxPduLength);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.parts.push(chunk);
    this.held += chunk.length;
    // Strictly greater: keep at least one byte back so the final PDV is emitted by _flush with isLast set.
    while (this.held > this.limit) this.push(this.takePdv(this.limit, false));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(this.takePdv(this.held, true));
    done();
  }

  private takePdv(n: number, isLast: boolean): Pdv {
    let data: Buffer;
    if (this.parts[0] && this.parts[0].length >= n) {
      data = this.parts[0].subarray(0, n);
      const rest = this.parts[0].subarray(n);
      if (rest.length > 0) this.parts[0] = rest; else this.parts.shift();
    } else {
      data = Buffer.allocUnsafe(n);
      let o = 0;
      while (o < n) {
        const p = this.parts[0];
        const k = Math.min(p.length, n - o);
        p.copy(data, o, 0, k);
        o += k;
        if (k === p.length) this.parts.shift(); else this.parts[0] = p.subarray(k);
      }
    }
    this.held -= n;
    return { contextId: this.contextId, isCommand: this.isCommand, isLast, data };
  }
}

/** Splits a Buffer already in memory (a command set, a small identifier) without a stream. */
export function splitBuffer(buf: Buffer, contextId: number, isCommand: boolean, peerMaxPduLength: number): Pdv[] {
  const limit = maxPdvData(peerMaxPduLength);
  const out: Pdv[] = [];
  // At least one PDV, even for an empty buffer: the "last fragment" bit must be sent.
  let o = 0;
  do {
    const end = Math.min(buf.length, o + limit);
    out.push({ contextId, isCommand, isLast: end === buf.length, data: buf.subarray(o, end) });
    o = end;
  } while (o < buf.length);
  return out;
}
