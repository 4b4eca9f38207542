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
 * The table is generated (private-dictionary.generated.ts) as one string, one entry a line, grouped by creator. At
 * import only where each creator's lines are is read (130 creators). A creator's entries are made when a data set or
 * item first looks one of its elements up, and belong to that data set's PrivateCreators (nothing is kept at module
 * level: no state appears in the middle of a transfer). Made into objects at import, the 2800 entries cost about
 * 4 MB of RSS; a data set pays for the few creators it names.
 */
import { PRIVATE_ELEMENTS } from './private-dictionary.generated';

export interface PrivateEntry {
  creator: string;
  /** DCMTK's name of the element (private.dic has no keywords; many names are "Unknown"). */
  name: string;
  /** The first VR private.dic allows ('OB|OW' becomes OB, as DCMTK writes it). */
  vr: string;
  vrs: string[];
  vm: string;
}

/** creator → [start, end) of its lines in PRIVATE_ELEMENTS (the generator writes a creator's lines together). */
const BLOCKS: ReadonlyMap<string, readonly [number, number]> = ((): Map<string, [number, number]> => {
  const blocks = new Map<string, [number, number]>();
  let current = '';
  let block: [number, number] = [0, 0];
  for (let at = PRIVATE_ELEMENTS.indexOf('\n') + 1; at < PRIVATE_ELEMENTS.length; ) {
    const next = PRIVATE_ELEMENTS.indexOf('\n', at) + 1;
    if (blocks.size === 0 || !PRIVATE_ELEMENTS.startsWith(current + '\t', at)) {
      current = PRIVATE_ELEMENTS.slice(at, PRIVATE_ELEMENTS.indexOf('\t', at));
      blocks.set(current, (block = [at, next]));
    } else block[1] = next;
    at = next;
  }
  return blocks;
})();

/** A row over a range of groups: lo-hi, 'o' odd or 'e' even or '' any, the element as written. */
interface RangeRow {
  lo: number;
  hi: number;
  parity: string;
  element: number;
  entry: PrivateEntry;
}

/** One creator's entries, made from its lines. */
interface CreatorIndex {
  /** (group << 16 | element) → entry, for the single-group rows (of several alike, the last). */
  exact: Map<number, PrivateEntry>;
  /** The rows over a range of groups, in private.dic's order. */
  ranges: RangeRow[];
}

/** The entries of `creator`, made from its lines; undefined for a creator private.dic does not know. */
function creatorIndex(creator: string): CreatorIndex | undefined {
  const block = BLOCKS.get(creator);
  if (!block) return undefined;
  const ix: CreatorIndex = { exact: new Map(), ranges: [] };
  for (const line of PRIVATE_ELEMENTS.slice(block[0], block[1] - 1).split('\n')) {
    const [, g, upper, parity, el, vrs, name, vm] = line.split('\t') as string[];
    const group = parseInt(g as string, 16);
    const upperGroup = parseInt(upper as string, 16);
    const element = parseInt(el as string, 16);
    const list = (vrs as string).split('|');
    const entry: PrivateEntry = { creator, name: name as string, vr: list[0] as string, vrs: list, vm: vm as string };
    if (group === upperGroup) ix.exact.set(((group << 16) | element) >>> 0, entry);
    else ix.ranges.push({ lo: group, hi: upperGroup, parity: parity as string, element, entry });
  }
  return ix;
}

/** The entry of `tag` in a creator's entries, matched as DCMTK matches it. */
function lookupIn(ix: CreatorIndex, tag: number): PrivateEntry | undefined {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  const hit = ix.exact.get(tag >>> 0) ?? ix.exact.get(((group << 16) | (element & 0xff)) >>> 0);
  if (hit) return hit;
  for (const { lo, hi, parity, element: e, entry } of ix.ranges) {
    if (parity === 'o' && group % 2 === 0) continue;
    if (parity === 'e' && group % 2 === 1) continue;
    if (group < lo || group > hi) continue;
    if (element === e || (element & 0xff) === e) return entry;
  }
  return undefined;
}

/**
 * The private.dic entry of `tag` under private creator `creator`. Makes the creator's entries each time: a data
 * set's lookups go through its PrivateCreators, which keeps them.
 */
export function lookupPrivateTag(tag: number, creator: string): PrivateEntry | undefined {
  const ix = creatorIndex(creator);
  return ix && lookupIn(ix, tag);
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
  /** The entries of the creators looked up in this data set or item, made on its first lookup of each. */
  private readonly indexes = new Map<string, CreatorIndex | undefined>();

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
    if (creator === undefined) return undefined;
    if (!this.indexes.has(creator)) this.indexes.set(creator, creatorIndex(creator));
    const ix = this.indexes.get(creator);
    return ix && lookupIn(ix, tag);
  }
}
