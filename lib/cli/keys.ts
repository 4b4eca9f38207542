/**
 * movescu's -k override keys, exactly as DCMTK 3.6.7 applies them (dcmnet/apps/movescu.cc addOverrideKey and
 * substituteOverrideKeys):
 * - "gggg,eeee[=value]" is recognised by sscanf("%x,%x="): white space, sign and 0x are accepted before each
 *   number, anything between the element number and '=' is ignored; the value is everything after the first '='.
 * - otherwise the text before the first '=' (or the whole key) must be a dictionary keyword, else
 *   "bad key format or dictionary name not found in dictionary: <name>". So no sequence paths
 *   ("ReferencedStudySequence[0].StudyInstanceUID=1" fails this way).
 * - a tag the dictionary does not know (e.g. a private data element (0009,1001)): "unknown tag: (gggg,eeee)";
 *   private creators (gggg,00xx) and group lengths (gggg,0000) are known (generic dictionary entries).
 * - no value or an empty one: the element is inserted with zero length (an SQ with no items).
 * - a value goes through putString: strings as given (several values stay one backslash-separated string),
 *   binary VRs parsed (US "5" is the 2-byte 5, see values.ts valueFromString); a value DCMTK cannot parse, or any
 *   value for an SQ: "cannot put tag value: (gggg,eeee)=\"<value>\"".
 * - keys replace elements of the query file's dataset at the top level or are inserted in tag order; with the
 *   same tag twice, the last key wins.
 * movescu prints these messages as "error: <message>" after its banner and exits with code 1.
 */
import { DimseError } from '../errors';
import { lookupKeyword, lookupTag, type DictEntry } from '../dataset/dictionary/dictionary';
import { upsertElements, type DataElement } from '../dataset/codec/element';
import { valueFromString } from '../dataset/codec/values';
import { isVr } from '../dataset/codec/vr';

export interface OverrideKey {
  tag: number;
  vr: string;
  /** The value text after '=' ('' when absent). */
  text: string;
  /** Value bytes as DCMTK's putString stores them (little endian, padded to even length). */
  value: Buffer;
}

const HEX = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/;

/** sscanf "%x" into a C unsigned int: strtoul, then truncation to 32 bits. */
function scanHex(s: string): { value: number; rest: string } | null {
  const m = HEX.exec(s);
  if (!m) return null;
  let v = BigInt(`0x${m[2]}`);
  const max = (1n << 64n) - 1n;
  if (v > max) v = max;
  if (m[1] === '-') v = (max + 1n - v) & max;
  return { value: Number(BigInt.asUintN(32, v)), rest: s.slice(m[0].length) };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** The VR DCMTK creates the element with: the dictionary's, with its multi-VR entries resolved as DcmVR does. */
function elementVr(tag: number, entry: DictEntry | undefined): string {
  const g = tag >>> 16;
  const e = tag & 0xffff;
  if (!entry) return e === 0 ? 'UL' : 'LO'; // generic group length / private creator
  const vrs: readonly string[] = Array.isArray(entry.vrs) && entry.vrs.length > 0 ? entry.vrs : String(entry.vr).split(/\s*(?:or|\||\/)\s*/);
  if (vrs.length === 1 && isVr(vrs[0] as string)) return vrs[0] as string;
  const joined = vrs.join(' ');
  if ((/\bOB\b/.test(joined) && /\bOW\b/.test(joined)) || /^ox$/i.test(joined)) {
    // DcmPixelData and DcmOverlayData default to OW; other "OB or OW" elements are written as OB (getValidEVR).
    return tag === 0x7fe00010 || ((g & 0xff00) === 0x6000 && e === 0x3000) ? 'OW' : 'OB';
  }
  if (/\bOW\b/.test(joined) || /^lt$/i.test(joined)) return 'OW';
  if (/\bUS\b/.test(joined) || /^xs$/i.test(joined)) return 'US';
  if (/^up$/i.test(joined) || /\bUL\b/.test(joined)) return 'UL';
  const first = vrs.find((v) => isVr(v));
  return first ?? 'UN';
}

/** Whether DCMTK's dictionary knows the tag, counting its generic group-length and private-creator entries. */
function dictionaryEntry(tag: number): { known: boolean; entry: DictEntry | undefined } {
  const entry = lookupTag(tag);
  if (entry) return { known: true, entry };
  const g = tag >>> 16;
  const e = tag & 0xffff;
  if (e === 0) return { known: true, entry: undefined };
  if ((g & 1) === 1 && e >= 0x10 && e <= 0xff) return { known: true, entry: undefined };
  return { known: false, entry: undefined };
}

export function parseOverrideKey(key: string): OverrideKey {
  const eq = key.indexOf('=');
  let g: number | null = null;
  let e: number | null = null;
  const first = scanHex(key);
  if (first && first.rest.startsWith(',')) {
    const second = scanHex(first.rest.slice(1));
    if (second) {
      g = first.value;
      e = second.value;
    }
  }
  const text = eq >= 0 ? key.slice(eq + 1) : '';
  let tag: number;
  if (g === null || e === null) {
    const name = eq >= 0 ? key.slice(0, eq) : key;
    const entry = lookupKeyword(name);
    if (!entry) {
      throw new DimseError('KEY_BAD_FORMAT', `bad key format or dictionary name not found in dictionary: ${name}`, {});
    }
    tag = entry.tag >>> 0;
  } else {
    tag = (((g & 0xffff) << 16) | (e & 0xffff)) >>> 0;
    if (!dictionaryEntry(tag).known) {
      // DCMTK prints the numbers as scanned (before the cast to 16 bits).
      throw new DimseError('KEY_UNKNOWN_TAG', `unknown tag: (${hex4(g)},${hex4(e)})`, { tag });
    }
  }
  const vr = elementVr(tag, dictionaryEntry(tag).entry);
  let value: Buffer;
  try {
    value = vr === 'SQ' && text === '' ? Buffer.alloc(0) : valueFromString(vr, text);
  } catch (err) {
    throw new DimseError('KEY_BAD_VALUE', `cannot put tag value: (${hex4(tag >>> 16)},${hex4(tag & 0xffff)})="${text}"`, { tag }, { cause: err });
  }
  return { tag, vr, text, value };
}

/** The element a parsed key becomes (an SQ key becomes an empty sequence). */
export function overrideKeyElement(k: OverrideKey): DataElement {
  return { tag: k.tag, vr: k.vr, value: k.vr === 'SQ' ? [] : k.value };
}

/**
 * Applies -k keys to a base dataset (the query file's, or none): every key is parsed first (the first bad one
 * throws its DimseError), then each replaces the top-level element with its tag or is inserted in tag order.
 */
export function applyOverrideKeys(base: readonly DataElement[], keys: readonly string[]): DataElement[] {
  const parsed = keys.map((k) => overrideKeyElement(parseOverrideKey(k)));
  return upsertElements(base, parsed);
}

