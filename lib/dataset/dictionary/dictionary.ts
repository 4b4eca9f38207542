/**
 * The DICOM data dictionary, DCMTK 3.6.7's (dicom.dic: PS3.6-2022b + PS3.7-2022b): tag → keyword, name, VR, VM;
 * keyword → tag.
 * The rows are generated (dictionary.generated.ts); this file only indexes them, once, on first use, and adds the
 * rules that dicom.dic writes as ranges over all groups: group length, private creators, illegal groups 0001-0007.
 */
import { DCMTK_KEYWORD_ALIASES, ELEMENTS, REPEATING } from './dictionary.generated';

export interface DictEntry {
  tag: number;
  keyword: string;
  /** The keyword split into words ('Patient ID'): dicom.dic carries no names. */
  name: string;
  /** The first VR dicom.dic allows: 'US' for 'US or SS', 'OB' for 'OB or OW'; 'NONE' for items and delimiters. */
  vr: string;
  vrs: string[];
  vm: string;
  retired: boolean;
}

interface Index {
  byTag: Map<number, DictEntry>;
  byKeyword: Map<string, DictEntry>;
  /** mask → (tag & mask) → entry of a repeating group; a handful of distinct masks. */
  byMask: [number, Map<number, DictEntry>][];
}

function entry(tag: number, keyword: string, name: string, vrs: string, vm: string, retired: number): DictEntry {
  const list = vrs.split('|');
  return { tag, keyword, name, vr: list[0] as string, vrs: list, vm, retired: retired === 1 };
}

function build(): Index {
  const byTag = new Map<number, DictEntry>();
  const byKeyword = new Map<string, DictEntry>();
  for (const [tag, keyword, name, vrs, vm, retired] of ELEMENTS) {
    const e = entry(tag, keyword, name, vrs, vm, retired);
    byTag.set(tag, e);
    byKeyword.set(keyword, e);
  }
  const masks = new Map<number, Map<number, DictEntry>>();
  const repeating = new Map<string, DictEntry>();
  for (const [value, mask, keyword, name, vrs, vm, retired] of REPEATING) {
    const e = entry(value, keyword, name, vrs, vm, retired);
    let m = masks.get(mask);
    if (!m) masks.set(mask, (m = new Map()));
    m.set(value, e);
    repeating.set(`${value}/${mask}`, e);
    if (!byKeyword.has(keyword)) byKeyword.set(keyword, e);
  }
  for (const [alias, value, mask] of DCMTK_KEYWORD_ALIASES) {
    const e = mask === 0xffffffff ? byTag.get(value) : repeating.get(`${value}/${mask}`);
    if (e && !byKeyword.has(alias)) byKeyword.set(alias, e);
  }
  // Most specific masks first (more bits set), so that a narrower range wins over a wider one.
  const byMask = [...masks.entries()].sort((a, b) => bits(b[0]) - bits(a[0]) || b[0] - a[0]);
  return { byTag, byKeyword, byMask };
}

function bits(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v !== 0; v >>>= 1) c += v & 1;
  return c;
}

/** Built once at import: every lookup is a Map hit, and no state appears later in the middle of a transfer. */
const INDEX: Index = build();


/** Looks a tag up: exact entries, then DCMTK's generic rules, then repeating groups (50xx, 60xx, 7Fxx, ...). */
export function lookupTag(tag: number): DictEntry | undefined {
  tag >>>= 0;
  const ix = INDEX;
  const exact = ix.byTag.get(tag);
  if (exact) return exact;
  const group = tag >>> 16;
  const element = tag & 0xffff;
  const odd = (group & 1) === 1;
  const illegal = odd && group <= 0x0007; // dicom.dic: (0001-o-0007,....) ILLEGAL
  if (element === 0x0000) {
    // dicom.dic: (0000-u-FFFF,0000) GenericGroupLength, (0009-o-FFFF,0000) PrivateGroupLength, (0001-o-0007,0000) IllegalGroupLength
    const keyword = illegal ? 'IllegalGroupLength' : odd ? 'PrivateGroupLength' : 'GenericGroupLength';
    return { tag, keyword, name: keyword, vr: 'UL', vrs: ['UL'], vm: '1', retired: false };
  }
  if (odd) {
    if (element >= 0x0010 && element <= 0x00ff) {
      // dicom.dic: (0009-o-FFFF,0010-u-00FF) PrivateCreator, (0001-o-0007,0010-u-00FF) IllegalPrivateCreator
      const keyword = illegal ? 'IllegalPrivateCreator' : 'PrivateCreator';
      return { tag, keyword, name: keyword, vr: 'LO', vrs: ['LO'], vm: '1', retired: false };
    }
    return undefined; // a private element: its meaning depends on its private creator
  }
  for (const [mask, m] of ix.byMask) {
    const e = m.get((tag & mask) >>> 0);
    if (e) return { ...e, vrs: e.vrs.slice(), tag };
  }
  return undefined;
}

/**
 * Looks a keyword up (exact case): the keywords of dicom.dic, a retired one both as X and as DCMTK's RETIRED_X.
 * A repeating-group keyword gives the first group's tag, as DCMTK does: OverlayData → (6000,3000).
 */
export function lookupKeyword(keyword: string): DictEntry | undefined {
  return INDEX.byKeyword.get(keyword);
}

/** The VR to use for a tag in implicit VR: the first one dicom.dic allows; 'UN' when the tag is unknown. */
export function vrOf(tag: number): string {
  return lookupTag(tag)?.vr ?? 'UN';
}
