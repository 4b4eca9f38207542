/**
 * Which UI values of a received data set hold white space, in the order DCMTK's movescu warns about them. Its normal
 * mode removes every space from a UID when it first converts the value to its internal form
 * (DcmUniqueIdentifier::makeMachineByteString, automatic input data correction) and warns then, once per element;
 * the writer removes them (dataset/codec/writer.ts fixString), this notes where and in which order they are warned.
 *
 * The first conversion happens, in DcmFileFormat::saveFile (movescu's storeSCPCallback), at the first of:
 * 1. the file meta: validateMetaInfo reads SOP Class UID, then SOP Instance UID, from the data set (not with -F);
 * 2. the group lengths (DcmItem::computeGroupLengthAndPadding, items of a sequence before the sequence itself): with
 *    +g= (the default) every element that is not the first of its group in its item has its length computed, which
 *    converts it and, for a sequence, everything in it; +g computes every element, -g none; +p with an item padding
 *    computes each item's length once its elements are done;
 * 3. writing, element by element (everything not yet converted, in order).
 */
import type { DatasetToken } from '../dataset/codec/tokens';

export interface UidSpacesOptions {
  /** Whether a file meta group is written (+F, the default; -F writes none). */
  fileMeta: boolean;
  /** +g= (recalc), +g (create), -g (remove). */
  groupLength: 'recalc' | 'create' | 'remove';
  /** +p with a non-zero item padding. */
  itemPadding: boolean;
}

const isSpace = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** SOP Class UID and SOP Instance UID, in the order validateMetaInfo reads them. */
const META_UIDS: readonly number[] = [0x00080016, 0x00080018];
const PADDING_TAG = 0xfffcfffc;

interface Spaced { tag: number; topLevel: boolean }

export class UidSpaces {
  /** Spaced UIDs warned about during the group length pass, in that order. */
  private readonly computed: Spaced[] = [];
  /** Spaced UIDs not converted yet, in document order. */
  private readonly pending: Spaced[] = [];
  /** Per open item (the data set first): the group of its last element, null before its first. */
  private readonly items: { lastGroup: number | null; mark: number }[] = [{ lastGroup: null, mark: 0 }];
  /**
   * Per open element (or sequence): where its subtree's entries start in `pending`, times 2, plus 1 if its length is
   * computed (one number: this runs for every element of every object received).
   */
  private readonly open: number[] = [];
  private current: number | null = null;
  private found = false;

  constructor(private readonly opts: UidSpacesOptions) {}

  /** A new one with the same options, nothing noted. */
  fresh(): UidSpaces {
    return new UidSpaces(this.opts);
  }

  push(t: DatasetToken): void {
    switch (t.type) {
      case 'element':
        this.start(t.tag);
        this.current = t.vr === 'UI' ? t.tag : null;
        this.found = false;
        return;
      case 'value':
        if (this.current !== null && !this.found) this.found = t.data.some(isSpace);
        return;
      case 'elementEnd':
        if (this.current !== null && this.found) this.pending.push({ tag: this.current, topLevel: this.items.length === 1 });
        this.current = null;
        this.end();
        return;
      case 'sequenceStart':
      case 'encapsulatedStart':
        this.start(t.tag);
        return;
      case 'sequenceEnd':
      case 'encapsulatedEnd':
        this.end();
        return;
      case 'itemStart':
        this.items.push({ lastGroup: null, mark: this.pending.length });
        return;
      case 'itemEnd': {
        const item = this.items.pop();
        if (item && this.opts.itemPadding) this.convert(item.mark);
        return;
      }
      default:
    }
  }

  /** The tags of the spaced UIDs (nested ones included) in the order DCMTK warns about them. */
  get tags(): number[] {
    const all = [...this.computed, ...this.pending];
    const meta = this.opts.fileMeta ? META_UIDS.filter((tag) => all.some((s) => s.topLevel && s.tag === tag)) : [];
    return [...meta, ...all.filter((s) => !(s.topLevel && meta.includes(s.tag))).map((s) => s.tag)];
  }

  private start(tag: number): void {
    const item = this.items[this.items.length - 1] as { lastGroup: number | null };
    const group = tag >>> 16;
    const element = tag & 0xffff;
    let computed: boolean;
    if (tag === PADDING_TAG) computed = false;
    else if (this.opts.groupLength === 'create') computed = element !== 0;
    else if (this.opts.groupLength === 'remove') computed = false;
    else computed = item.lastGroup === group;
    // Group lengths removed (+g, -g) and old padding (always) are no elements of their group any more.
    const removed = tag === PADDING_TAG || (element === 0 && this.opts.groupLength !== 'recalc');
    if (!removed) item.lastGroup = group;
    this.open.push(this.pending.length * 2 + (computed ? 1 : 0));
  }

  private end(): void {
    const o = this.open.pop() ?? 0;
    if (o % 2 === 1) this.convert((o - 1) / 2);
  }

  /** The pending entries from `mark` on are converted now. */
  private convert(mark: number): void {
    this.computed.push(...this.pending.splice(mark));
  }
}
