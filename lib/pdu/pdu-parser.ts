/**
 * Bytes in, `Pdu` objects out, as a pure core: `parse(chunk, emit)` calls `emit` for every PDU the chunk completes,
 * `end()` says whether the bytes stopped at a PDU boundary (in the manner of node-postgres' pg-protocol parser). An
 * offset into the current chunk; a PDU that lies within one chunk is decoded in place, so its PDV values are slices
 * of that chunk; only a PDU that straddles chunks is assembled, once, into a buffer of exactly its length. Lengths
 * are checked as soon as the 6-byte header is known, before any body is buffered, so no peer can make us allocate
 * more than the bounds below.
 */
import { DimseError } from '../errors';
import { DEFAULT_MAX_OTHER_PDU_LENGTH, PDU_HEADER_LENGTH, pduTypeName } from './constants';
import { decodePduBody } from './decode';
import type { Pdu } from './types';

export interface PduParserOptions {
  /**
   * Our maximum receive length as advertised in the A-ASSOCIATE (PS3.8 D.1: the bound on the variable field of
   * P-DATA-TF PDUs). A P-DATA-TF announcing more is refused (PDU_TOO_LONG) as soon as its header is read.
   * 0 (no limit advertised) means `hardMaxPDataLength` applies instead.
   */
  maxPduLength: number;
  /** Bound for every other PDU type; association PDUs are small. Default 1 MiB. */
  maxOtherPduLength?: number;
  /** When maxPduLength is 0: the bound we still keep (default 64 MiB), since every PDU is held whole in memory. */
  hardMaxPDataLength?: number;
}

const DEFAULT_HARD_MAX_PDATA = 64 * 1024 * 1024;

export class PduParser {
  private readonly maxPData: number;
  private readonly maxOther: number;
  /** Stream offset of the first byte of the current chunk. */
  private chunkBase = 0;
  /** Header bytes collected while a header straddles chunks. */
  private readonly head = Buffer.alloc(PDU_HEADER_LENGTH);
  private headFill = 0;
  /** Body being assembled while a PDU straddles chunks. */
  private body: Buffer | null = null;
  private bodyFill = 0;
  private pduType = 0;
  /** Stream offset of the current PDU's first byte. */
  private pduStart = 0;

  constructor(opts: PduParserOptions) {
    this.maxPData = opts.maxPduLength > 0 ? opts.maxPduLength : (opts.hardMaxPDataLength ?? DEFAULT_HARD_MAX_PDATA);
    this.maxOther = opts.maxOtherPduLength ?? DEFAULT_MAX_OTHER_PDU_LENGTH;
  }

  /** Bytes consumed so far (the stream offset of the next byte). */
  get offset(): number {
    return this.chunkBase;
  }

  /**
   * Emits each PDU `chunk` completes, in order. Throws a DimseError (with the PDU type and byte offset) for a PDU
   * that cannot be read; the bytes after it mean nothing, and the parser must not be fed again.
   */
  parse(chunk: Buffer, emit: (pdu: Pdu) => void): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.body !== null) {
        // Continue a straddling PDU.
        const take = Math.min(this.body.length - this.bodyFill, n - off);
        chunk.copy(this.body, this.bodyFill, off, off + take);
        this.bodyFill += take;
        off += take;
        if (this.bodyFill === this.body.length) {
          const body = this.body;
          this.body = null;
          emit(decodePduBody(this.pduType, body, this.pduStart));
        }
        continue;
      }
      let length: number;
      if (this.headFill === 0 && n - off >= PDU_HEADER_LENGTH) {
        this.pduType = chunk[off];
        length = chunk.readUInt32BE(off + 2);
        this.pduStart = this.chunkBase + off;
        off += PDU_HEADER_LENGTH;
      } else {
        if (this.headFill === 0) this.pduStart = this.chunkBase + off;
        const take = Math.min(PDU_HEADER_LENGTH - this.headFill, n - off);
        chunk.copy(this.head, this.headFill, off, off + take);
        this.headFill += take;
        off += take;
        if (this.headFill < PDU_HEADER_LENGTH) break;
        this.headFill = 0;
        this.pduType = this.head[0];
        length = this.head.readUInt32BE(2);
      }
      this.checkHeader(this.pduType, length, this.pduStart);
      if (n - off >= length) {
        // Whole body in this chunk: decode in place (PDV data become slices of the chunk).
        const body = chunk.subarray(off, off + length);
        off += length;
        emit(decodePduBody(this.pduType, body, this.pduStart));
      } else {
        this.body = Buffer.allocUnsafe(length);
        this.bodyFill = n - off;
        chunk.copy(this.body, 0, off, n);
        off = n;
      }
    }
    this.chunkBase += n;
  }

  /** The bytes have ended: throws PDU_TRUNCATED if they ended inside a PDU. */
  end(): void {
    if (this.headFill === 0 && this.body === null) return;
    const whole = this.body !== null;
    const have = whole ? PDU_HEADER_LENGTH + this.bodyFill : this.headFill;
    const want = whole ? PDU_HEADER_LENGTH + (this.body as Buffer).length : PDU_HEADER_LENGTH;
    const type = whole ? this.pduType : this.head[0];
    throw new DimseError('PDU_TRUNCATED', `${whole ? pduTypeName(type) : 'PDU header'} truncated: stream ended after ${have} of ${want} bytes (at byte ${this.pduStart})`, {
      pduType: whole ? type : undefined,
      offset: this.pduStart,
    });
  }

  /** Validates a header; throws before any of the body is buffered. */
  private checkHeader(type: number, length: number, at: number): void {
    if (type < 0x01 || type > 0x07) {
      throw new DimseError('PDU_UNKNOWN_TYPE', `Unrecognized PDU type 0x${type.toString(16).padStart(2, '0')} (at byte ${at})`, { pduType: type, offset: at });
    }
    const max = type === 0x04 ? this.maxPData : this.maxOther;
    if (length > max) {
      // DCMTK's wording: "DUL Illegal PDU Length <n>.  Max expected <max>".
      throw new DimseError('PDU_TOO_LONG', `${pduTypeName(type)}: illegal PDU length ${length}, max expected ${max} (at byte ${at + 2})`, {
        pduType: type,
        offset: at + 2,
      });
    }
  }
}
