/**
 * Would DCMTK's default ("normal", -B) mode write this data set differently from the bytes received? DCMTK reads
 * the whole object and writes it anew with explicit lengths, recalculated group lengths and no trailing padding,
 * in tag order without duplicates. Most data sets come back byte for byte; this check, fed with the tokens of the
 * received bytes, says which do not, so that only those take the conversion path (PS3.5 7.1.1 and 7.5).
 */
import { formatTag } from '../errors';
import { TagOrderCheck } from './sort-tokens';
import type { DatasetToken } from './tokens';
import { UNDEFINED_LENGTH } from './tokens';

const DATASET_TRAILING_PADDING = 0xfffcfffc;

export class ReencodeCheck {
  /**
   * DCMTK's element order (sort-tokens.ts), followed to the end whatever else is found: an object that is written
   * anew must be put in order too, and a large one is, from the offsets this notes.
   */
  readonly order = new TagOrderCheck();
  private found: string | null = null;

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
        break;
      case 'sequenceStart':
        if (t.length === UNDEFINED_LENGTH) this.found = `sequence ${formatTag(t.tag)} with undefined length`;
        break;
      case 'itemStart':
        if (t.length === UNDEFINED_LENGTH) this.found = 'item with undefined length';
        break;
      default:
        break;
    }
  }
}
