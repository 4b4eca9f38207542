/**
 * Private data elements by private creator: DCMTK 3.6.7's private.dic, which Debian's build loads with dicom.dic
 * by default. It gives a private element read in implicit VR its VR (DCMTK writes it back with that VR in
 * explicit VR, where we would otherwise write UN) and gives dumps their names.
 *
 * How a private element finds its creator (PS3.5 7.8.1; DCMTK's DcmPrivateTagCache): element (gggg,xxee),
 * xx >= 0x10, belongs to the block reserved by (gggg,00xx) in the same data set or item, the value with trailing
 * spaces and NULs removed; the first reservation of a block counts. How the creator and tag find an entry
 * (DcmHashDict::get, then the repeating entries' contains): the exact element number, then its low byte (private.dic
 * mostly lists low bytes); entries over a range of groups (6001-o-60FF) match after the single-group ones.
 *
 * The table (226 KB of source) is loaded on first use: data without private elements never pays for it.
 */
import { PRIVATE_ELEMENTS, type PrivateRow } from './private-dictionary.generated';

export interface PrivateEntry {
  creator: string;
  /** DCMTK's name of the element (private.dic has no keywords; many names are "Unknown"). */
  name: string;
  /** The first VR private.dic allows ('OB|OW' becomes OB, as DCMTK writes it). */
  vr: string;
  vrs: string[];
  vm: string;
}

interface Index {
  /** creator → (group << 16 | element) → entry, for the single-group rows. */
  exact: Map<string, Map<number, PrivateEntry>>;
  /** creator → rows over a range of groups, in file order. */
  ranges: Map<string, { row: PrivateRow; entry: PrivateEntry }[]>;
}


function entryOf(row: PrivateRow): PrivateEntry {
  const vrs = row[6].split('|');
  return { creator: row[0], name: row[7], vr: vrs[0] as string, vrs, vm: row[8] };
}

function build(): Index {
  const exact = new Map<string, Map<number, PrivateEntry>>();
  const ranges = new Map<string, { row: PrivateRow; entry: PrivateEntry }[]>();
  for (const row of PRIVATE_ELEMENTS) {
    const [creator, group, upperGroup, , element, upperElement] = row;
    if (group === upperGroup && element === upperElement) {
      let m = exact.get(creator);
      if (!m) exact.set(creator, (m = new Map()));
      m.set(((group << 16) | element) >>> 0, entryOf(row));
    } else {
      let list = ranges.get(creator);
      if (!list) ranges.set(creator, (list = []));
      list.push({ row, entry: entryOf(row) });
    }
  }
  return { exact, ranges };
}

/** Built at import (about 15 ms), not on the first private tag in the middle of a transfer. */
const INDEX: Index = build();

/** The private.dic entry of `tag` under private creator `creator`, matched as DCMTK matches it. */
export function lookupPrivateTag(tag: number, creator: string): PrivateEntry | undefined {
  const ix = INDEX;
  const group = tag >>> 16;
  const element = tag & 0xffff;
  const m = ix.exact.get(creator);
  const hit = m?.get(tag >>> 0) ?? m?.get(((group << 16) | (element & 0xff)) >>> 0);
  if (hit) return hit;
  for (const { row, entry } of ix.ranges.get(creator) ?? []) {
    const [, lo, hi, parity, elo, ehi] = row;
    if (parity === 'o' && group % 2 === 0) continue;
    if (parity === 'e' && group % 2 === 1) continue;
    if (group < lo || group > hi) continue;
    if ((element >= elo && element <= ehi) || ((element & 0xff) >= elo && (element & 0xff) <= ehi)) return entry;
  }
  return undefined;
}

/** Whether `tag` is a private creator element, (gggg,0010-00FF) in an odd group: it reserves a block. */
export function isPrivateCreatorTag(tag: number): boolean {
  const element = tag & 0xffff;
  return ((tag >>> 16) & 1) === 1 && element >= 0x10 && element <= 0xff;
}

/**
 * The key of the block a private element belongs to, or of the block a creator element reserves: the same number
 * for (gggg,00xx) and every (gggg,xxee). -1 for a private element below 0x1000, which has no creator.
 */
export function privateBlockKey(tag: number): number {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (isPrivateCreatorTag(tag)) return group * 256 + element;
  return element >= 0x1000 ? group * 256 + (element >>> 8) : -1;
}

/** A creator value as DCMTK keeps it: up to the first NUL, trailing spaces and NULs removed. */
export function creatorOf(value: Buffer): string {
  let end = value.indexOf(0);
  if (end < 0) end = value.length;
  while (end > 0 && value[end - 1] === 0x20) end--;
  return value.toString('latin1', 0, end);
}

/**
 * The private creators of one data set or item, filled as its creator elements are read: the first reservation
 * of a block wins, as in DCMTK's cache.
 */
export class PrivateCreators {
  private readonly blocks = new Map<number, string>();

  /** Records a creator element (tag and value), when it is one. */
  reserve(tag: number, value: Buffer): void {
    if (!isPrivateCreatorTag(tag) || value.length === 0) return;
    const key = privateBlockKey(tag);
    if (!this.blocks.has(key)) this.blocks.set(key, creatorOf(value));
  }

  /** The creator of a private element, if its block was reserved earlier in the same data set or item. */
  creatorFor(tag: number): string | undefined {
    if (((tag >>> 16) & 1) === 0) return undefined;
    const key = privateBlockKey(tag);
    return key < 0 || isPrivateCreatorTag(tag) ? undefined : this.blocks.get(key);
  }

  /** The private.dic entry of a private element under its creator here. */
  lookup(tag: number): PrivateEntry | undefined {
    const creator = this.creatorFor(tag);
    return creator === undefined ? undefined : lookupPrivateTag(tag, creator);
  }
}
