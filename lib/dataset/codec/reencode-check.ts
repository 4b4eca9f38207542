/**
 * Would DCMTK's default ("normal", -B) mode write this data set differently from the bytes received? DCMTK reads
 * the whole object and writes it anew with explicit lengths, recalculated group lengths and no trailing padding,
 * in tag order without duplicates, string values without surplus trailing padding, encapsulated pixel data as OB.
 * Most data sets come back byte for byte; this check, fed with the tokens of the received bytes, says which do
 * not, so that only those take the conversion path (PS3.5 7.1.1 and 7.5).
 */
import { formatTag } from '../../errors';
import { TagOrderCheck } from './sort-tokens';
import type { DatasetToken } from './tokens';
import { UNDEFINED_LENGTH } from './tokens';
import { isStringVr } from './vr';

const DATASET_TRAILING_PADDING = 0xfffcfffc;

/** A character-string value being checked: its VR, its last two bytes, whether a UI held white space. */
interface StringValue {
  vr: string;
  length: number;
  last: number[];
  space: boolean;
}

export class ReencodeCheck {
  /**
   * DCMTK's element order (sort-tokens.ts), followed to the end whatever else is found: an object that is written
   * anew must be put in order too, and a large one is, from the offsets this notes.
   */
  readonly order = new TagOrderCheck();
  private found: string | null = null;
  private str: StringValue | null = null;

  /** The first reason found, or null while the bytes would be written unchanged. */
  get reason(): string | null {
    return this.found ?? (this.order.disordered ? 'elements out of tag order or repeated' : null);
  }

  push(t: DatasetToken): void {
    this.order.push(t);
    if (this.found) return;
    switch (t.type) {
      case 'element':
        if ((t.tag & 0xffff) === 0 && t.tag !== 0) this.found = `group length element (${formatTag(t.tag)})`;
        else if (t.tag === DATASET_TRAILING_PADDING) this.found = 'data set trailing padding';
        else if (t.length % 2 === 1) this.found = `odd length ${t.length} of ${formatTag(t.tag)}`;
        else if (isStringVr(t.vr) && t.length >= 2) this.str = { vr: t.vr, length: t.length, last: [], space: false };
        break;
      case 'value':
        if (this.str) stringBytesOf(this.str, t.data);
        break;
      case 'elementEnd': {
        const v = this.str;
        this.str = null;
        if (v && surplusPadding(v)) this.found = `${v.vr} value of ${formatTag(t.tag)} with surplus ${v.vr === 'UI' ? 'padding or white space' : 'trailing spaces'}`;
        break;
      }
      case 'sequenceStart':
        if (t.length === UNDEFINED_LENGTH) this.found = `sequence ${formatTag(t.tag)} with undefined length`;
        break;
      case 'itemStart':
        if (t.length === UNDEFINED_LENGTH) this.found = 'item with undefined length';
        break;
      case 'fragmentStart':
        // DCMTK pads an odd fragment to even with a NUL (DcmOtherByteOtherWord::alignValue).
        if (t.length % 2 === 1) this.found = `fragment #${t.index} of odd length ${t.length}`;
        break;
      case 'encapsulatedStart':
        // DCMTK writes encapsulated pixel data as OB (PS3.5 A.4), whatever VR it came with.
        if (t.vr !== 'OB') this.found = `encapsulated ${formatTag(t.tag)} with VR ${t.vr}`;
        break;
      default:
        break;
    }
  }
}

/** Notes the last two bytes of a string value, and (UI) whether it holds white space. */
function stringBytesOf(v: StringValue, data: Buffer): void {
  if (v.vr === 'UI' && !v.space) v.space = data.some((b) => b === 0x20 || (b >= 0x09 && b <= 0x0d));
  if (data.length >= 2) v.last = [data[data.length - 2] as number, data[data.length - 1] as number];
  else if (data.length === 1) v.last = [...v.last.slice(-1), data[0] as number];
}

/**
 * Would DCMTK's normal mode rewrite this even-length string value (writer.ts fixString, from DcmByteString)? It
 * strips every trailing padding character (a space; NUL for UI) and pads an odd result with one: a value ending in
 * two or more padding characters comes out shorter ("AB    " as "AB", "  " as empty), one ending in one does not
 * change. Leading spaces and padding inside a multi-valued string stay. A UI also loses any white space in it.
 */
function surplusPadding(v: StringValue): boolean {
  const pad = v.vr === 'UI' ? 0x00 : 0x20;
  return (v.vr === 'UI' && v.space) || (v.last.length === 2 && v.last[0] === pad && v.last[1] === pad);
}
