/**
 * The token stream of a dataset (the stream-json model applied to PS3.5): DatasetTokenizer emits these, and
 * every later stage (filters, rewriters, the writer, the element assembler) is a small stream over them.
 *
 * Grammar (nesting is always balanced; `value` tokens of one element/fragment add up to its length):
 *   dataset  := entry*
 *   entry    := element value* elementEnd
 *            |  sequenceStart (itemStart entry* itemEnd)* sequenceEnd
 *            |  encapsulatedStart (fragmentStart value* fragmentEnd)* encapsulatedEnd
 *
 * Values are always little endian: in a big-endian dataset the tokenizer swaps binary VRs, so consumers need
 * not know the source byte order (the writer swaps again if it writes big endian).
 */
import type { Vr } from './vr';

/** The length field value 0xFFFFFFFF (PS3.5 7.1.1): "undefined length", ended by a delimitation item. */
export const UNDEFINED_LENGTH = 0xffffffff;

export const ITEM_TAG = 0xfffee000;
export const ITEM_DELIMITATION_TAG = 0xfffee00d;
export const SEQUENCE_DELIMITATION_TAG = 0xfffee0dd;
export const PIXEL_DATA_TAG = 0x7fe00010;

/** Header of an element that has a value (every VR but SQ, and undefined-length UN / pixel data). */
export interface ElementToken {
  readonly type: 'element';
  readonly tag: number;
  readonly vr: Vr;
  /** Value length in bytes, as in the stream (odd lengths are passed on as they are). */
  readonly length: number;
  /** Byte offset of the element's tag in the (inflated) dataset stream, plus the tokenizer's startOffset. */
  readonly offset: number;
}

/** Some bytes of the current element or fragment value. Small values come as one token; large ones in chunks. */
export interface ValueToken {
  readonly type: 'value';
  readonly data: Buffer;
}

export interface ElementEndToken {
  readonly type: 'elementEnd';
  readonly tag: number;
}

export interface SequenceStartToken {
  readonly type: 'sequenceStart';
  readonly tag: number;
  /** 'UN' for an undefined-length UN: its items are implicit VR little endian (PS3.5 6.2.2, CP-246). */
  readonly vr: 'SQ' | 'UN';
  /** Explicit length, or UNDEFINED_LENGTH. */
  readonly length: number;
  readonly offset: number;
}

export interface SequenceEndToken {
  readonly type: 'sequenceEnd';
  readonly tag: number;
  /** Offset just after the sequence (after its delimiter, if it had one). */
  readonly offset: number;
}

export interface ItemStartToken {
  readonly type: 'itemStart';
  /** 0-based position of the item in its sequence. */
  readonly index: number;
  readonly length: number;
  readonly offset: number;
}

export interface ItemEndToken {
  readonly type: 'itemEnd';
  readonly index: number;
  readonly offset: number;
}

/** Undefined-length Pixel Data (7FE0,0010): a sequence of fragments (PS3.5 A.4). */
export interface EncapsulatedStartToken {
  readonly type: 'encapsulatedStart';
  readonly tag: number;
  readonly vr: 'OB' | 'OW';
  readonly offset: number;
}

export interface FragmentStartToken {
  readonly type: 'fragmentStart';
  /** 0 is the basic offset table (possibly empty). */
  readonly index: number;
  readonly length: number;
  readonly offset: number;
}

export interface FragmentEndToken {
  readonly type: 'fragmentEnd';
  readonly index: number;
}

export interface EncapsulatedEndToken {
  readonly type: 'encapsulatedEnd';
  readonly tag: number;
  readonly offset: number;
}

export type DatasetToken =
  | ElementToken
  | ValueToken
  | ElementEndToken
  | SequenceStartToken
  | SequenceEndToken
  | ItemStartToken
  | ItemEndToken
  | EncapsulatedStartToken
  | FragmentStartToken
  | FragmentEndToken
  | EncapsulatedEndToken;

