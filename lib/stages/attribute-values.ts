/**
 * A top-level element's value bytes (little endian, as tokens carry them) as a plain JS value for
 * `obj.attributes`: what a routing or naming rule wants to compare, not a faithful DICOM model.
 */
import { formatTag } from '../errors';
import { bytesToString, decodeBigInts, decodeNumbers, decodeTags, type NumberVr } from '../dataset/codec/values';
import { isStringVr } from '../dataset/codec/vr';

/**
 * - string VRs (PN included): the text without its padding, leading spaces too where PS3.5 says they do not count;
 *   several values (backslash) → string[]; LT, ST, UT, UR are one value whatever they contain;
 * - IS, DS: number (number[]); text that is not a number gives NaN;
 * - US, SS, UL, SL, FL, FD: number (number[]); SV, UV: bigint (bigint[]);
 * - AT: '(gggg,eeee)' (string[]);
 * - OB, OW, OF, OD, OL, OV, UN: the bytes (a Buffer of their own);
 * - an element present with an empty value: null (absent: undefined).
 */
export type AttributeValue = string | string[] | number | number[] | bigint | bigint[] | Buffer | null;

export type Attributes = Record<string, AttributeValue | undefined>;

const SINGLE_VALUED: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UR']);
const NUMBER_VRS: ReadonlySet<string> = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD']);

function one<T>(values: T[]): T | T[] {
  return values.length === 1 ? (values[0] as T) : values;
}

export function attributeValue(vr: string, bytes: Buffer): AttributeValue {
  if (bytes.length === 0) return null;
  if (isStringVr(vr)) {
    const text = bytesToString(bytes, vr);
    if (SINGLE_VALUED.has(vr)) return text;
    const values = text.split('\\');
    if (vr === 'IS' || vr === 'DS') return one(values.map((v) => (v.trim() === '' ? NaN : Number(v))));
    return one(values);
  }
  if (NUMBER_VRS.has(vr)) return one(decodeNumbers(vr as NumberVr, bytes));
  if (vr === 'SV' || vr === 'UV') return one(decodeBigInts(vr, bytes));
  if (vr === 'AT') return one(decodeTags(bytes).map(formatTag));
  return Buffer.from(bytes);
}
