/**
 * Would DCMTK's default ("normal", -B) mode write this data set differently from the bytes received? DCMTK reads
 * the whole object and writes it anew with explicit lengths, recalculated group lengths and no trailing padding,
 * in tag order without duplicates. Most data sets come back byte for byte; this check, fed with the tokens of the
 * received bytes, says which do not, so that only those take the conversion path (PS3.5 7.1.1 and 7.5).
 */
import { formatTag } from '../errors';
import type { DatasetToken } from './tokens';
import { UNDEFINED_LENGTH } from './tokens';

const DATASET_TRAILING_PADDING = 0xfffcfffc;

export class ReencodeCheck {
  /** The first reason found, or null while the bytes would be written unchanged. */
  reason: string | null = null;
  /** Last tag seen at each nesting level, to find elements out of order or twice. */
  private readonly lastTag: number[] = [-1];

  push(t: DatasetToken): void {
    if (this.reason) return;
    switch (t.type) {
      case 'element':
        this.tag(t.tag);
        if ((t.tag & 0xffff) === 0 && t.tag !== 0) this.reason = `group length element (${formatTag(t.tag)})`;
        else if (t.tag === DATASET_TRAILING_PADDING) this.reason = 'data set trailing padding';
        else if (t.length % 2 === 1) this.reason = `odd length ${t.length} of ${formatTag(t.tag)}`;
        break;
      case 'sequenceStart':
        this.tag(t.tag);
        if (t.length === UNDEFINED_LENGTH) this.reason = `sequence ${formatTag(t.tag)} with undefined length`;
        this.lastTag.push(-1);
        break;
      case 'itemStart':
        if (t.length === UNDEFINED_LENGTH) this.reason = 'item with undefined length';
        this.lastTag[this.lastTag.length - 1] = -1;
        break;
      case 'sequenceEnd':
        this.lastTag.pop();
        break;
      case 'encapsulatedStart':
        this.tag(t.tag);
        break;
      default:
        break;
    }
  }

  private tag(tag: number): void {
    const i = this.lastTag.length - 1;
    if (tag <= this.lastTag[i]!) this.reason = `${formatTag(tag)} out of order or repeated`;
    this.lastTag[i] = tag;
  }
}
