/**
 * DatasetTokenizer: dataset bytes in, element tokens out (see tokens.ts for the grammar). It reads implicit VR LE,
 * explicit VR LE and BE, and deflated explicit VR LE (inflated as a stream in front of the parser), with nested
 * sequences and items of both length kinds, encapsulated pixel data and undefined-length UN (PS3.5 6.2.2).
 *
 * Memory is bounded whatever the dataset: the parser holds at most one element header (under 12 bytes), one
 * small value (up to maxWholeValueLength, emitted whole), and one frame per open sequence/item. Larger values
 * pass through as slices of the input chunks.
 *
 * What it refuses, and why (each a DimseError with the tag, the byte offset and what was expected):
 * - a length running past the end of its enclosing explicit-length item/sequence (DCMTK: "larger than remaining
 *   bytes of surrounding item"), or past the end of the stream (truncated);
 * - an undefined length on a VR that cannot have one: anything but SQ, UN, and OB/OW Pixel Data (7FE0,0010)
 *   (DCMTK refuses undefined-length OB/OW outside Pixel Data by default, EC_UndefinedLengthOBOW);
 * - delimiters out of place: a sequence delimiter outside an undefined-length sequence, an item delimiter
 *   outside an undefined-length item, an item tag outside a sequence, anything but an item in a sequence;
 * - an undefined-length item/sequence still open where its explicit-length parent ends;
 * - a VR that is not one of PS3.5's (DCMTK only warns, then guesses the length size: we do not guess);
 * - corrupt deflate data; nesting deeper than maxDepth.
 * Odd lengths are NOT refused by default: PS3.5 7.1.1 forbids them, but DCMTK only warns ("Length of element
 * ... is odd") and reads on, and so must a drop-in receiver. They raise a 'warning' event (code
 * DATASET_ODD_LENGTH, DATASET_ODD_ITEM_LENGTH for an item or a fragment); with strictLengths they are refused, as are
 * lengths that are not a multiple of the value size of a fixed-size binary VR (US, UL, FD, AT, ...).
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { DimseError, formatTag } from '../../errors';
import { lookupTag, vrOf } from '../dictionary/dictionary';
import {
  ITEM_DELIMITATION_TAG,
  ITEM_TAG,
  PIXEL_DATA_TAG,
  SEQUENCE_DELIMITATION_TAG,
  UNDEFINED_LENGTH,
  type DatasetToken,
} from './tokens';
import { IMPLICIT_LE, transferSyntaxInfo, type DatasetSyntax } from './transfer-syntax';
import { explicitVrAt, headerSize, valueLengthAt } from './element-header';
import { isPrivateCreatorTag, PrivateCreators } from '../dictionary/private-dictionary';
import { isStringVr, isVr, swapCopy, swapInPlace, swapWidth, valueWidth, type Vr } from './vr';
import type { ErrorCode } from '../../error-codes';

export interface DatasetTokenizerOptions {
  /** A transfer syntax UID (unknown UIDs read as explicit VR LE, PS3.5 A.4), or a syntax detected from bytes. */
  transferSyntax: string | DatasetSyntax;
  /** Whether the input is a raw deflate stream; defaults to what the transfer syntax UID says. */
  deflated?: boolean;
  /** Added to every offset in tokens and errors: e.g. the length of the file meta that precedes the dataset. */
  startOffset?: number;
  /** Values up to this length are emitted as one token; longer ones in chunks (default 64 KiB). */
  maxWholeValueLength?: number;
  /**
   * true: refuse odd lengths and lengths that do not fit the VR's value size; 'value-size': refuse only the latter
   * (such a value cannot be decoded: a US of 3 bytes), warn on odd lengths as DCMTK does; default: warn on both.
   */
  strictLengths?: boolean | 'value-size';
  /** Deepest nesting of sequences accepted (default 64). */
  maxDepth?: number;
  /** File name for errors. */
  file?: string;
}

export const DEFAULT_MAX_WHOLE_VALUE_LENGTH = 64 * 1024;

type FrameKind = 'dataset' | 'item' | 'sequence' | 'encapsulated';

interface Frame {
  kind: FrameKind;
  /** Sequence/encapsulated: its tag; item: the tag of its sequence; dataset: 0. */
  tag: number;
  /** Absolute end position if the frame has an explicit length, else -1. */
  end: number;
  /** The nearest explicit end of this frame or an ancestor (-1: unbounded). Nothing inside may cross it. */
  limit: number;
  syntax: DatasetSyntax;
  offset: number;
  /** Items or fragments seen so far (sequence, encapsulated); the item's own index (item). */
  count: number;
  /** Dataset or item: the private blocks reserved in it so far (created on the first creator element). */
  creators?: PrivateCreators;
}

interface ValueState {
  tag: number;
  fragment: boolean;
  index: number;
  remaining: number;
  whole: boolean;
  parts: Buffer[];
  swap: number;
  carry: Buffer | null;
  /** A private creator element: the frame whose blocks its value reserves. */
  reserves: Frame | null;
}

/**
 * The synchronous core of the tokenizer: write() chunks, end() at the end of input. Errors are thrown as
 * DimseError. DatasetTokenizer wraps it in a Transform; other modules (file meta, tests) may use it directly.
 */
export class DatasetParser {
  private pos: number;
  private pending: Buffer | null = null;
  private readonly stack: Frame[];
  private value: ValueState | null = null;
  private failed: DimseError | null = null;
  private readonly maxWhole: number;
  private readonly strict: boolean | 'value-size';
  private readonly maxDepth: number;
  private readonly file: string | undefined;

  constructor(
    syntax: DatasetSyntax,
    private readonly emit: (token: DatasetToken) => void,
    options: Omit<DatasetTokenizerOptions, 'transferSyntax' | 'deflated'> = {},
    private readonly warn: (warning: DimseError) => void = () => {},
  ) {
    this.pos = options.startOffset ?? 0;
    this.maxWhole = options.maxWholeValueLength ?? DEFAULT_MAX_WHOLE_VALUE_LENGTH;
    this.strict = options.strictLengths ?? false;
    this.maxDepth = options.maxDepth ?? 64;
    this.file = options.file;
    this.stack = [{ kind: 'dataset', tag: 0, end: -1, limit: -1, syntax, offset: this.pos, count: 0 }];
  }

  /** Bytes consumed so far (plus startOffset). */
  get position(): number {
    return this.pos + (this.pending?.length ?? 0);
  }

  write(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    try {
      this.writeChunk(chunk);
    } catch (err) {
      if (err instanceof DimseError) this.failed = err;
      throw err;
    }
  }

  /** Signals the end of input: anything still open or expected is a truncation error. */
  end(): void {
    if (this.failed) throw this.failed;
    const v = this.value;
    if (v) {
      throw this.error('DATASET_TRUNCATED', v.tag, this.pos,
        `stream ended inside the value of ${v.fragment ? `fragment #${v.index} of ` : ''}${formatTag(v.tag)}: ` +
        `expected ${v.remaining} more byte(s)`);
    }
    if (this.pending) {
      throw this.error('DATASET_TRUNCATED', 0, this.pos,
        `stream ended inside an element header: ${this.pending.length} byte(s) left, expected a complete tag and length`);
    }
    this.closeFrames();
    if (this.stack.length > 1) {
      const f = this.top();
      const what = f.kind === 'item' ? `item #${f.count} of ${formatTag(f.tag)}` : `${f.kind === 'sequence' ? 'sequence' : 'encapsulated pixel data'} ${formatTag(f.tag)}`;
      const expected = f.end >= 0
        ? `its explicit length ends at offset ${f.end}`
        : f.kind === 'item' ? 'an item delimitation item (FFFE,E00D)' : 'a sequence delimitation item (FFFE,E0DD)';
      throw this.error('DATASET_TRUNCATED', f.tag, this.pos,
        `stream ended inside ${what} opened at offset ${f.offset}: expected ${expected}`);
    }
  }

  private writeChunk(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      // Complete the split header from a few bytes of the new chunk, without copying the whole chunk.
      const pl = this.pending.length;
      const head = Buffer.concat([this.pending, chunk.subarray(0, 16)]);
      const used = this.header(head, 0);
      if (used < 0) {
        this.pending = head; // the chunk was tiny: still not a whole header
        return;
      }
      this.pending = null;
      this.pos += used;
      buf = chunk.subarray(used - pl);
    }
    let p = 0;
    for (;;) {
      if (this.value) {
        const n = Math.min(this.value.remaining, buf.length - p);
        if (n > 0 || this.value.remaining === 0) this.valueBytes(buf.subarray(p, p + n));
        p += n;
        this.pos += n;
        if (this.value && this.value.remaining > 0) return;
        continue;
      }
      const used = this.header(buf, p);
      if (used < 0) {
        if (p < buf.length) this.pending = Buffer.from(buf.subarray(p)); // copy: do not retain the chunk
        return;
      }
      p += used;
      this.pos += used;
    }
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1] as Frame;
  }

  /** Pops every frame whose explicit length ends here, emitting its end token. */
  private closeFrames(): void {
    while (this.stack.length > 1) {
      const f = this.top();
      if (f.end >= 0) {
        if (this.pos !== f.end) return;
        this.stack.pop();
        this.emitEnd(f, this.pos);
        continue;
      }
      if (f.limit >= 0 && this.pos >= f.limit) {
        const what = f.kind === 'item' ? `undefined-length item #${f.count}` : 'undefined-length sequence';
        throw this.error('DATASET_MISSING_DELIMITER', f.tag, this.pos,
          `${what} of ${formatTag(f.tag)} (opened at offset ${f.offset}) is not delimited before the end of ` +
          `its explicit-length parent at offset ${f.limit}`);
      }
      return;
    }
  }

  private emitEnd(f: Frame, offset: number): void {
    if (f.kind === 'item') this.emit({ type: 'itemEnd', index: f.count, offset });
    else if (f.kind === 'sequence') this.emit({ type: 'sequenceEnd', tag: f.tag, offset });
    else if (f.kind === 'encapsulated') this.emit({ type: 'encapsulatedEnd', tag: f.tag, offset });
  }

  /**
   * Reads one header at buf[p]: returns the bytes consumed, or -1 if more bytes are needed. Position-dependent
   * checks use this.pos, which is the absolute position of buf[p].
   */
  private header(buf: Buffer, p: number): number {
    this.closeFrames();
    const f = this.top();
    const avail = buf.length - p;
    const room = f.limit >= 0 ? f.limit - this.pos : Infinity;
    if (room < 8) {
      throw this.error('DATASET_LENGTH_OVERRUN', f.tag, this.pos,
        `only ${room} byte(s) left before the end of the enclosing ${f.kind} at offset ${f.limit}: expected an ` +
        `8-byte element or item header`);
    }
    if (avail < 8) return -1;
    const le = f.syntax.littleEndian;
    const group = le ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
    const elem = le ? buf.readUInt16LE(p + 2) : buf.readUInt16BE(p + 2);
    const tag = ((group << 16) | elem) >>> 0;

    if (tag === ITEM_TAG || tag === ITEM_DELIMITATION_TAG || tag === SEQUENCE_DELIMITATION_TAG) {
      // Items and delimiters have a 32-bit length and no VR, in every transfer syntax (PS3.5 7.5).
      const length = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
      this.delimiterOrItem(f, tag, length);
      return 8;
    }
    if (f.kind === 'sequence' || f.kind === 'encapsulated') {
      throw this.error('DATASET_EXPECTED_ITEM', tag, this.pos,
        `found ${formatTag(tag)} inside ${f.kind === 'sequence' ? 'sequence' : 'encapsulated pixel data'} ` +
        `${formatTag(f.tag)}: expected an item (FFFE,E000) or a sequence delimitation item (FFFE,E0DD)`);
    }

    const vrText = f.syntax.explicitVr ? explicitVrAt(buf, p) : implicitVrIn(f, tag);
    if (!isVr(vrText)) {
      throw this.error('DATASET_BAD_VR', tag, this.pos,
        `invalid VR 0x${buf.readUInt16BE(p + 4).toString(16).padStart(4, '0')} ("${vrText.replace(/[^\x20-\x7e]/g, '?')}") ` +
        `in explicit VR: expected one of PS3.5's VRs`);
    }
    const vr: Vr = vrText;
    const size = headerSize(f.syntax, vr);
    if (size === 12) {
      if (room < 12) {
        throw this.error('DATASET_LENGTH_OVERRUN', tag, this.pos,
          `12-byte header of ${formatTag(tag)} ${vr} runs past the end of the enclosing ${f.kind} at offset ${f.limit}`);
      }
      if (avail < 12) return -1;
    }
    const length = valueLengthAt(buf, p, f.syntax, vr);
    this.element(f, tag, vr, length, size);
    return size;
  }

  private delimiterOrItem(f: Frame, tag: number, length: number): void {
    const at = this.pos;
    const after = at + 8;
    if (tag === ITEM_TAG) {
      if (f.kind === 'sequence') {
        this.checkDepth(tag);
        if (length !== UNDEFINED_LENGTH) {
          if (!fits(f, after, length)) throw this.overrun(f, tag, after, length, `item #${f.count}`);
          this.checkOddItem(f, length, at, `item #${f.count}`);
        }
        const index = f.count++;
        const end = length === UNDEFINED_LENGTH ? -1 : after + length;
        this.stack.push({ kind: 'item', tag: f.tag, end, limit: end >= 0 ? end : f.limit, syntax: f.syntax, offset: at, count: index });
        this.emit({ type: 'itemStart', index, length, offset: at });
        return;
      }
      if (f.kind === 'encapsulated') {
        if (length === UNDEFINED_LENGTH) {
          throw this.error('DATASET_UNDEFINED_LENGTH', f.tag, at,
            `fragment #${f.count} of encapsulated ${formatTag(f.tag)} has an undefined length: expected an explicit length`);
        }
        if (!fits(f, after, length)) throw this.overrun(f, f.tag, after, length, `fragment #${f.count}`);
        this.checkOddItem(f, length, at, `fragment #${f.count}`);
        const index = f.count++;
        this.emit({ type: 'fragmentStart', index, length, offset: at });
        this.startValue(f.tag, length, 0, true, index);
        return;
      }
      throw this.error('DATASET_UNEXPECTED_ITEM', tag, at,
        `item (FFFE,E000) found ${f.kind === 'dataset' ? 'in the dataset' : 'directly inside an item'}, outside any sequence: ` +
        `expected a data element`);
    }
    if (length !== 0) {
      this.warn(this.error('DATASET_DELIMITER_LENGTH', tag, at, `delimitation item ${formatTag(tag)} has length ${length}, expected 0 (ignored)`));
    }
    if (tag === ITEM_DELIMITATION_TAG) {
      if (f.kind === 'item' && f.end < 0) {
        this.stack.pop();
        this.emitEnd(f, after);
        return;
      }
      const where = f.kind === 'item'
        ? `in item #${f.count} of ${formatTag(f.tag)}, which has an explicit length (ends at offset ${f.end})`
        : f.kind === 'dataset' ? 'in the dataset, outside any item' : `directly inside ${formatTag(f.tag)}, outside any item`;
      throw this.error('DATASET_UNEXPECTED_DELIMITER', tag, at, `item delimitation item (FFFE,E00D) ${where}`);
    }
    // Sequence delimitation item.
    if ((f.kind === 'sequence' && f.end < 0) || f.kind === 'encapsulated') {
      this.stack.pop();
      this.emitEnd(f, after);
      return;
    }
    const where = f.kind === 'sequence'
      ? `in sequence ${formatTag(f.tag)}, which has an explicit length (ends at offset ${f.end})`
      : f.kind === 'item'
        ? `inside item #${f.count} of ${formatTag(f.tag)}: expected an item delimitation item (FFFE,E00D) first`
        : 'in the dataset, outside any sequence';
    throw this.error('DATASET_UNEXPECTED_DELIMITER', tag, at, `sequence delimitation item (FFFE,E0DD) ${where}`);
  }

  private element(f: Frame, tag: number, vr: Vr, length: number, size: number): void {
    const at = this.pos;
    const after = at + size;
    if (length === UNDEFINED_LENGTH) {
      const explicit = f.syntax.explicitVr;
      if (tag === PIXEL_DATA_TAG && (vr === 'OB' || vr === 'OW' || !explicit)) {
        this.checkDepth(tag);
        const evr = vr === 'OW' && explicit ? 'OW' : 'OB';
        this.stack.push({ kind: 'encapsulated', tag, end: -1, limit: f.limit, syntax: f.syntax, offset: at, count: 0 });
        this.emit({ type: 'encapsulatedStart', tag, vr: evr, offset: at });
        return;
      }
      if (vr === 'SQ' || vr === 'UN') {
        this.checkDepth(tag);
        // PS3.5 6.2.2: the value of an undefined-length UN is a sequence encoded in implicit VR little endian.
        const syntax = vr === 'UN' ? IMPLICIT_LE : f.syntax;
        this.stack.push({ kind: 'sequence', tag, end: -1, limit: f.limit, syntax, offset: at, count: 0 });
        this.emit({ type: 'sequenceStart', tag, vr, length, offset: at });
        return;
      }
      const why = vr === 'OB' || vr === 'OW'
        ? `undefined-length ${vr} is only allowed for Pixel Data (7FE0,0010)`
        : `VR ${vr} cannot have an undefined length`;
      throw this.error('DATASET_UNDEFINED_LENGTH', tag, at,
        `${formatTag(tag)} ${vr} has an undefined length: ${why}; expected an explicit length`);
    }
    // Described only when it does not fit: a tag formatted for every element cost more than the check.
    if (!fits(f, after, length)) throw this.overrun(f, tag, after, length, `${formatTag(tag)} ${vr}`);
    if (vr === 'SQ') {
      this.checkDepth(tag);
      this.checkOdd(tag, vr, length, at, '', f.syntax.explicitVr);
      const end = after + length;
      this.stack.push({ kind: 'sequence', tag, end, limit: end, syntax: f.syntax, offset: at, count: 0 });
      this.emit({ type: 'sequenceStart', tag, vr, length, offset: at });
      return;
    }
    this.checkOdd(tag, vr, length, at, '', f.syntax.explicitVr);
    this.emit({ type: 'element', tag, vr, length, offset: at });
    // Values are handed on little endian (tokens.ts); UN inside a big-endian dataset is bytes: not swapped.
    // A private creator (a string, as DCMTK's getString needs) reserves its block in this data set or item.
    const reserves = isPrivateCreatorTag(tag) && isStringVr(vr) ? f : null;
    this.startValue(tag, length, f.syntax.littleEndian ? 0 : swapWidth(vr), false, 0, reserves);
  }

  private startValue(tag: number, length: number, swap: number, fragment: boolean, index: number, reserves: Frame | null = null): void {
    this.value = { tag, fragment, index, remaining: length, whole: length <= this.maxWhole, parts: [], swap, carry: null, reserves };
    if (length === 0) this.finishValue();
  }

  private valueBytes(data: Buffer): void {
    const v = this.value as ValueState;
    v.remaining -= data.length;
    if (v.whole) {
      if (data.length > 0) v.parts.push(data);
      if (v.remaining === 0) {
        if (v.parts.length > 0) {
          // Copied: a small value must not keep a whole socket chunk alive, and swapping must not touch the input.
          const whole = v.parts.length === 1 ? Buffer.from(v.parts[0] as Buffer) : Buffer.concat(v.parts);
          swapInPlace(whole, v.swap);
          if (v.reserves) (v.reserves.creators ??= new PrivateCreators()).reserve(v.tag, whole);
          this.emit({ type: 'value', data: whole });
        }
        this.finishValue();
      }
      return;
    }
    if (v.swap > 0) {
      // Swap whole units only; a unit split across chunks waits in `carry`.
      const d = v.carry ? Buffer.concat([v.carry, data]) : data;
      const n = d.length - (d.length % v.swap);
      if (n > 0) this.emit({ type: 'value', data: swapCopy(d.subarray(0, n), v.swap) });
      v.carry = n < d.length ? Buffer.from(d.subarray(n)) : null;
      if (v.remaining === 0 && v.carry) this.emit({ type: 'value', data: v.carry });
    } else if (data.length > 0) {
      this.emit({ type: 'value', data });
    }
    if (v.remaining === 0) this.finishValue();
  }

  private finishValue(): void {
    const v = this.value as ValueState;
    this.value = null;
    if (v.fragment) this.emit({ type: 'fragmentEnd', index: v.index });
    else this.emit({ type: 'elementEnd', tag: v.tag });
  }

  /** A value of `what` that runs past the end of its enclosing frame (see fits). */
  private overrun(f: Frame, tag: number, valueStart: number, length: number, what: string): DimseError {
    return this.error('DATASET_LENGTH_OVERRUN', tag, this.pos,
      `length ${length} of ${what} runs past the end of the enclosing ${f.kind === 'dataset' ? 'dataset' : f.kind} ` +
      `${f.kind === 'item' ? `(item #${f.count} of ${formatTag(f.tag)}) ` : ''}at offset ${f.limit}: ` +
      `expected at most ${f.limit - valueStart}`);
  }

  /**
   * Odd lengths and lengths that do not fit the VR's value size, in DCMTK's order (DcmItem::readTagAndLength: "not
   * a multiple of" first, then "odd"). With 'value-size' a misfit is refused, except an OW of odd length, which DCMTK
   * stores as is (a value of whole words cannot be decoded from it, but its bytes can be kept). DCMTK reports a misfit
   * only in explicit VR, where the VR is read from the data set; so do we (refusing one is our own, stricter rule).
   */
  private checkOdd(tag: number, vr: Vr, length: number, at: number, prefix: string, explicitVr: boolean): void {
    const width = valueWidth(vr);
    const odd = length % 2 === 1;
    const misfit = width > 1 && length % width !== 0;
    if (!odd && !misfit) return;
    if (misfit) {
      const err = this.error('DATASET_LENGTH_NOT_MULTIPLE', tag, at, `${formatTag(tag)} ${vr} has length ${length}, not a multiple of its value size ${width}`);
      if (this.strict === true || (this.strict === 'value-size' && vr !== 'OW')) throw err;
      if (explicitVr) this.warn(err);
    }
    if (odd) {
      const err = this.error('DATASET_ODD_LENGTH', tag, at, `${prefix}${formatTag(tag)} ${vr} has odd length ${length}: PS3.5 7.1.1 requires even lengths`);
      if (this.strict === true) throw err;
      this.warn(err);
    }
  }

  /** An item (or fragment) of odd length in sequence `f`: DCMTK warns and reads on (DcmSequenceOfItems::readTagAndLength). */
  private checkOddItem(f: Frame, length: number, at: number, what: string): void {
    if (length % 2 === 0) return;
    const err = this.error('DATASET_ODD_ITEM_LENGTH', f.tag, at, `${what} of ${formatTag(f.tag)} has odd length ${length}: PS3.5 7.1.1 requires even lengths`);
    if (this.strict === true) throw err;
    this.warn(err);
  }

  private checkDepth(tag: number): void {
    // The dataset frame plus one sequence frame and one item frame per level.
    if (this.stack.length >= 1 + 2 * this.maxDepth) {
      throw this.error('DATASET_TOO_DEEP', tag, this.pos, `sequences nested deeper than ${this.maxDepth} levels`);
    }
  }

  private error(code: ErrorCode, tag: number, offset: number, message: string): DimseError {
    const where = this.file ? `${this.file}: ` : '';
    return new DimseError(code, `${where}${message} (at offset ${offset})`, { tag, offset, file: this.file });
  }
}

/**
 * The VR of an implicit VR element in frame `f`: a private element whose creator is known there takes private.dic's
 * VR (DCMTK: DcmItem::readTagAndLength, "try to update VR from dictionary now that private creator is known");
 * 'OB or OW' is OB there (what DCMTK writes for it: the writer resolves only the public dictionary's).
 */
function implicitVrIn(f: Frame, tag: number): Vr {
  if (f.creators && (tag & 0xffff) >= 0x1000) {
    const entry = f.creators.lookup(tag);
    if (entry && isVr(entry.vr)) return entry.vr;
  }
  return implicitVr(tag);
}

/**
 * The VR of an element in implicit VR, from the dictionary. Multi-VR entries resolve as DCMTK does for implicit
 * VR LE: OB-or-OW to OW (PS3.5 A.1: pixel data is OW), US-or-SS to US. Unknown tags are UN, except the two
 * generic families a dictionary may leave out: group lengths (gggg,0000) are UL and private creators LO.
 */
export function implicitVr(tag: number): Vr {
  if (tag === PIXEL_DATA_TAG) return 'OW';
  const entry = lookupTag(tag);
  const vrs: readonly string[] = entry ? entry.vrs : [vrOf(tag)];
  if (vrs.length > 1) {
    if (vrs.includes('OW')) return 'OW';
    if (vrs.includes('US')) return 'US';
  }
  const v = vrs[0] ?? 'UN';
  if (v !== 'UN' && isVr(v)) return v;
  if (v === 'up') return 'UL';
  const group = tag >>> 16;
  const elem = tag & 0xffff;
  if (elem === 0) return 'UL';
  if ((group & 1) === 1 && elem >= 0x10 && elem <= 0xff) return 'LO';
  return 'UN';
}

/**
 * A Transform from dataset bytes to DatasetTokens (readableObjectMode). Parse errors destroy the stream with a
 * DimseError; tolerated anomalies (odd lengths, non-zero delimiter lengths) are 'warning' events.
 */
export class DatasetTokenizer extends Transform {
  private readonly parser: DatasetParser;
  private readonly inflater: zlib.InflateRaw | null = null;
  private readonly file: string | undefined;
  private failure: Error | null = null;
  /** The transform or flush callback waiting on the inflater. */
  private waiting: ((error?: Error | null) => void) | null = null;

  constructor(options: DatasetTokenizerOptions) {
    // Few tokens in flight: a value token is a slice that keeps its whole socket chunk (64 KiB) alive.
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 16 });
    const ts = typeof options.transferSyntax === 'string' ? transferSyntaxInfo(options.transferSyntax) : null;
    const syntax: DatasetSyntax = ts ?? (options.transferSyntax as DatasetSyntax);
    const deflated = options.deflated ?? ts?.deflated ?? false;
    this.file = options.file;
    this.parser = new DatasetParser(
      { explicitVr: syntax.explicitVr, littleEndian: syntax.littleEndian },
      (t) => this.pushToken(t),
      options,
      (w) => this.emit('warning', w),
    );
    if (deflated) {
      const inflater = zlib.createInflateRaw();
      inflater.on('data', (d: Buffer) => this.feed(d));
      inflater.on('error', (e: Error) => {
        this.failure ??= this.deflateError(e);
        this.answer();
      });
      this.inflater = inflater;
    }
  }

  private pushToken(t: DatasetToken): void {
    // Backpressure on the inflated side: zlib stops, its write callbacks wait, and so does our writer.
    if (!this.push(t) && this.inflater) this.inflater.pause();
  }

  override _read(size: number): void {
    if (this.inflater?.isPaused()) this.inflater.resume();
    super._read(size);
  }

  private feed(d: Buffer): void {
    if (this.failure) return;
    try {
      this.parser.write(d);
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
    }
  }

  private deflateError(e: Error): DimseError {
    const at = this.parser.position;
    return new DimseError('DATASET_DEFLATE',
      `${this.file ? `${this.file}: ` : ''}corrupt deflated dataset (${e.message}) at inflated offset ${at}: expected a raw deflate stream (RFC 1951)`,
      { offset: at, file: this.file }, { cause: e });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failure) return callback(this.failure);
    const inflater = this.inflater;
    if (!inflater) {
      try {
        this.parser.write(chunk);
        callback();
      } catch (e) {
        callback(e as Error);
      }
      return;
    }
    // zlib may report an error instead of calling the write callback: whichever comes first answers.
    this.waiting = callback;
    inflater.write(chunk, (err) => {
      if (err) this.failure ??= this.deflateError(err);
      this.answer();
    });
  }

  /** Calls the pending transform or flush callback, once, with the failure if there is one. */
  private answer(): void {
    const cb = this.waiting;
    this.waiting = null;
    cb?.(this.failure ?? undefined);
  }

  override _flush(callback: TransformCallback): void {
    const finish = (): void => {
      if (this.failure) return callback(this.failure);
      try {
        this.parser.end();
        callback();
      } catch (e) {
        callback(e as Error);
      }
    };
    const inflater = this.inflater;
    // readableEnded: the deflate stream had its final block before the input ended (zlib ignores what follows),
    // so its 'end' has been and gone; waiting for it would hang.
    if (!inflater || this.failure || inflater.destroyed || inflater.readableEnded) return finish();
    this.waiting = () => finish();
    inflater.once('end', () => this.answer());
    inflater.end(); // a paused inflater (backpressure) is resumed by _read, not here
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inflater?.destroy();
    callback(error);
  }
}

/** Whether a value of `length` bytes from `valueStart` ends within frame `f` (one without a limit holds any). */
function fits(f: Frame, valueStart: number, length: number): boolean {
  return f.limit < 0 || valueStart + length <= f.limit;
}
