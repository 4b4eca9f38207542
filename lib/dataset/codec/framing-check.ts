/**
 * FramingCheck: does a data set hold together, element by element, without reading any value? For bit-preserving
 * output (+B), whose bytes go to the file untouched: a data set that ends inside an element, a length that runs
 * past the end of its item or sequence, an undefined-length sequence or item never delimited would be stored
 * unreadable (DCMTK's +B stores it; its normal mode cannot read it).
 *
 * Only headers are read (PS3.5 7.1, 7.5): each value is skipped by its length, so the cost is per element, not per
 * byte (pixel data is one header). Explicit-length sequences are entered in explicit VR (where the header says SQ),
 * skipped whole in implicit VR (their end is known either way). Undefined lengths are followed: a sequence (SQ, UN,
 * or any element of undefined length) holds items of data elements, implicit VR little endian inside a UN (PS3.5
 * 6.2.2); undefined-length Pixel Data holds fragments, skipped by their lengths. Deflated data sets are not checked.
 */
import { DimseError, formatTag } from '../../errors';
import { explicitVrAt, headerSize, valueLengthAt } from './element-header';
import { ITEM_DELIMITATION_TAG, ITEM_TAG, PIXEL_DATA_TAG, SEQUENCE_DELIMITATION_TAG, UNDEFINED_LENGTH } from './tokens';
import { IMPLICIT_LE, type DatasetSyntax } from './transfer-syntax';
import { isVr } from './vr';
import type { ErrorCode } from '../../error-codes';

interface Frame {
  /** 'elements': a data set or an item; 'items': a sequence; 'fragments': encapsulated pixel data. */
  kind: 'elements' | 'items' | 'fragments';
  /** Tag of the element that opened it (0: the data set). */
  tag: number;
  /** Absolute end of an explicit length, or -1 (undefined length, closed by a delimiter). */
  end: number;
  syntax: DatasetSyntax;
}

export class FramingCheck {
  private pos = 0;
  /** Bytes of the current value still to skip. */
  private skip = 0;
  private skipTag = 0;
  /** The start of a header split across chunks (at most 11 bytes, copied). */
  private partial: Buffer | null = null;
  private readonly stack: Frame[];

  constructor(syntax: DatasetSyntax) {
    this.stack = [{ kind: 'elements', tag: 0, end: -1, syntax }];
  }

  /** Checks the next bytes of the data set; throws a DimseError at the first header that does not fit. */
  write(chunk: Buffer): void {
    const buf = chunk;
    let p = 0;
    if (this.partial) {
      // Complete the split header from the first bytes of this chunk (a header is at most 12 bytes).
      const have = this.partial.length;
      const joined = Buffer.concat([this.partial, chunk.subarray(0, 12 - have)]);
      const used = this.header(joined, 0);
      if (used < 0) {
        this.partial = joined;
        return;
      }
      this.partial = null;
      p = used - have;
    }
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - p);
        this.skip -= n;
        this.pos += n;
        p += n;
        if (this.skip > 0) return;
      }
      if (p >= buf.length) return;
      const used = this.header(buf, p);
      if (used < 0) {
        this.partial = Buffer.from(buf.subarray(p));
        return;
      }
      p += used;
    }
  }

  /** The data set has ended: nothing may be left open. */
  end(): void {
    if (this.skip > 0) {
      throw this.error('DATASET_TRUNCATED', this.skipTag, `stream ended inside the value of ${formatTag(this.skipTag)}: expected ${this.skip} more byte(s)`);
    }
    if (this.partial) {
      throw this.error('DATASET_TRUNCATED', 0, `stream ended inside an element header: ${this.partial.length} byte(s) left, expected a complete tag and length`);
    }
    this.closeExplicit();
    if (this.stack.length > 1) {
      const f = this.top();
      throw this.error('DATASET_TRUNCATED', f.tag, `stream ended inside ${formatTag(f.tag)}: expected ${f.end >= 0 ? `its explicit length to end at offset ${f.end}` : 'a delimitation item'}`);
    }
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1] as Frame;
  }

  /** Pops the explicit-length frames that end here. */
  private closeExplicit(): void {
    while (this.stack.length > 1 && this.top().end === this.pos) this.stack.pop();
  }

  /** The nearest explicit end around the current position (-1: none). */
  private limit(): number {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const e = (this.stack[i] as Frame).end;
      if (e >= 0) return e;
    }
    return -1;
  }

  /** Reads one header at buf[p]; returns its size, or -1 if it is not complete in `buf`. */
  private header(buf: Buffer, p: number): number {
    this.closeExplicit();
    const f = this.top();
    const limit = this.limit();
    if (limit >= 0 && limit - this.pos < 8) {
      throw this.error('DATASET_LENGTH_OVERRUN', f.tag, `only ${limit - this.pos} byte(s) left before the end of ${formatTag(f.tag)} at offset ${limit}: expected an 8-byte header`);
    }
    if (buf.length - p < 8) return -1;
    const le = f.syntax.littleEndian;
    const tag = (((le ? buf.readUInt16LE(p) : buf.readUInt16BE(p)) << 16) | (le ? buf.readUInt16LE(p + 2) : buf.readUInt16BE(p + 2))) >>> 0;
    if (tag === ITEM_TAG || tag === ITEM_DELIMITATION_TAG || tag === SEQUENCE_DELIMITATION_TAG) {
      const length = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
      this.delimiterOrItem(f, tag, length);
      return 8;
    }
    if (f.kind !== 'elements') {
      throw this.error('DATASET_EXPECTED_ITEM', tag, `found ${formatTag(tag)} inside ${formatTag(f.tag)}: expected an item (FFFE,E000) or a sequence delimitation item (FFFE,E0DD)`);
    }
    let vr = 'UN';
    if (f.syntax.explicitVr) {
      vr = explicitVrAt(buf, p);
      if (!isVr(vr)) {
        throw this.error('DATASET_BAD_VR', tag, `invalid VR "${vr.replace(/[^\x20-\x7e]/g, '?')}" of ${formatTag(tag)}: its length cannot be read`);
      }
    }
    const size = headerSize(f.syntax, vr);
    if (buf.length - p < size) return -1;
    const length = valueLengthAt(buf, p, f.syntax, vr);
    this.pos += size;
    if (length === UNDEFINED_LENGTH) {
      const kind = tag === PIXEL_DATA_TAG ? 'fragments' : 'items';
      this.stack.push({ kind, tag, end: -1, syntax: vr === 'UN' && f.syntax.explicitVr ? IMPLICIT_LE : f.syntax });
      return size;
    }
    this.fits(tag, length);
    if (vr === 'SQ') this.stack.push({ kind: 'items', tag, end: this.pos + length, syntax: f.syntax });
    else this.value(tag, length);
    return size;
  }

  private delimiterOrItem(f: Frame, tag: number, length: number): void {
    const at = this.pos;
    this.pos += 8;
    if (tag === ITEM_TAG && f.kind !== 'elements') {
      if (length === UNDEFINED_LENGTH) {
        if (f.kind === 'fragments') throw this.error('DATASET_UNDEFINED_LENGTH', f.tag, `a fragment of ${formatTag(f.tag)} has an undefined length`, at);
        this.stack.push({ kind: 'elements', tag: f.tag, end: -1, syntax: f.syntax });
        return;
      }
      this.fits(f.tag, length);
      if (f.kind === 'fragments') this.value(f.tag, length);
      else this.stack.push({ kind: 'elements', tag: f.tag, end: this.pos + length, syntax: f.syntax });
      return;
    }
    const closes = (tag === ITEM_DELIMITATION_TAG && f.kind === 'elements') || (tag === SEQUENCE_DELIMITATION_TAG && f.kind !== 'elements');
    if (closes && f.end < 0 && this.stack.length > 1) {
      this.stack.pop();
      return;
    }
    throw this.error('DATASET_UNEXPECTED_DELIMITER', tag, `${formatTag(tag)} out of place in ${f.tag === 0 ? 'the data set' : formatTag(f.tag)}`, at);
  }

  /** A value of `length` bytes must end within every enclosing explicit length. */
  private fits(tag: number, length: number): void {
    const limit = this.limit();
    if (limit >= 0 && this.pos + length > limit) {
      throw this.error('DATASET_LENGTH_OVERRUN', tag, `length ${length} of ${formatTag(tag)} runs past the end of its enclosing item or sequence at offset ${limit}`);
    }
  }

  private value(tag: number, length: number): void {
    this.skip = length;
    this.skipTag = tag;
  }

  private error(code: ErrorCode, tag: number, message: string, offset = this.pos): DimseError {
    return new DimseError(code, `${message} (at offset ${offset})`, { tag, offset });
  }
}
