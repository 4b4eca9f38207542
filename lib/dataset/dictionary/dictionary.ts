/**
 * The DICOM data dictionary, DCMTK 3.6.7's (dicom.dic: PS3.6-2022b + PS3.7-2022b): tag → keyword, name, VR, VM;
 * keyword → tag.
 * The rows are generated (dictionary.generated.ts) as one string per table, one row a line; this file indexes
 * them and adds the rules that dicom.dic writes as ranges over all groups: group length, private creators, illegal
 * groups 0001-0007. At import it splits the table into lines and reads their tags into a typed array; an entry is
 * made from its line when it is first asked for and then kept, and the keyword index is built on the first keyword
 * lookup. The 5000 rows as an array literal, made into objects at import, cost about 10 MB of RSS.
 */
import { DCMTK_KEYWORD_ALIASES, ELEMENTS, REPEATING } from './dictionary.generated';
import { wordsOf } from './keyword-words';

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

/** The lines of a generated table (each row followed by '\n', the table starting with '\n'), split at tabs. */
function rowsOf(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

function entry(tag: number, [keyword, vrs, vm, retired]: string[]): DictEntry {
  const list = (vrs as string).split('|');
  const kw = keyword as string;
  return { tag, keyword: kw, name: wordsOf(kw), vr: list[0] as string, vrs: list, vm: vm as string, retired: retired === '1' };
}

/**
 * The single-tag rows, one string each, and their tags ascending (row i has tag TAGS[i]). Both come from native
 * string functions (split, match): a JavaScript loop over the 200 KB table's characters gets compiled by V8 on the
 * spot, which alone cost 1-4 MB of RSS at import.
 */
const LINES: readonly string[] = ELEMENTS.slice(1, -1).split('\n');
const TAGS: Uint32Array = ((): Uint32Array => {
  const hex = ELEMENTS.match(/^[0-9A-F]{8}/gm) ?? [];
  const tags = new Uint32Array(hex.length);
  for (let row = 0; row < hex.length; row++) tags[row] = parseInt(hex[row] as string, 16);
  if (tags.length !== LINES.length) throw new Error('dictionary.generated.ts: a row without its tag; regenerate it');
  return tags;
})();

/** The entries made so far, by tag: after the first lookup of a tag, a lookup is one Map hit. */
const MADE = new Map<number, DictEntry>();

/** The row index of `tag` among the single-tag rows, or -1. */
function rowOf(tag: number): number {
  let lo = 0;
  let hi = TAGS.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const t = TAGS[mid] as number;
    if (t < tag) lo = mid + 1;
    else if (t > tag) hi = mid - 1;
    else return mid;
  }
  return -1;
}

function entryOfRow(row: number): DictEntry {
  const tag = TAGS[row] as number;
  let e = MADE.get(tag);
  if (!e) {
    e = entry(tag, (LINES[row] as string).split('\t').slice(1)); // after the tag
    MADE.set(tag, e);
  }
  return e;
}

/** The repeating-group rows (72), made at import: [value, mask, entry]. */
const REPEATING_ROWS: [number, number, DictEntry][] = rowsOf(REPEATING).map(([value, mask, ...rest]) => {
  const v = parseInt(value as string, 16);
  return [v, parseInt(mask as string, 16), entry(v, rest)];
});

/** mask → (tag & mask) → entry of a repeating group; a handful of distinct masks, most specific first. */
const BY_MASK: [number, Map<number, DictEntry>][] = ((): [number, Map<number, DictEntry>][] => {
  const masks = new Map<number, Map<number, DictEntry>>();
  for (const [value, mask, e] of REPEATING_ROWS) {
    let m = masks.get(mask);
    if (!m) masks.set(mask, (m = new Map()));
    m.set(value, e);
  }
  // Most specific masks first (more bits set), so that a narrower range wins over a wider one.
  return [...masks.entries()].sort((a, b) => bits(b[0]) - bits(a[0]) || b[0] - a[0]);
})();

function bits(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v !== 0; v >>>= 1) c += v & 1;
  return c;
}

/**
 * keyword → a single-tag row index, or a repeating entry; built on the first keyword lookup (keywords are looked up
 * for the command line and dumps, not per element read).
 */
let byKeyword: Map<string, number | DictEntry> | undefined;

function keywordIndex(): Map<string, number | DictEntry> {
  const index = new Map<string, number | DictEntry>();
  for (let row = 0; row < LINES.length; row++) {
    const line = LINES[row] as string;
    index.set(line.slice(9, line.indexOf('\t', 9)), row); // the keyword, after the tag and its tab
  }
  const repeating = new Map<string, DictEntry>();
  for (const [value, mask, e] of REPEATING_ROWS) {
    repeating.set(`${value}/${mask}`, e);
    if (!index.has(e.keyword)) index.set(e.keyword, e);
  }
  for (const [alias, value, mask] of rowsOf(DCMTK_KEYWORD_ALIASES)) {
    const v = parseInt(value as string, 16);
    const m = parseInt(mask as string, 16);
    const target = m === 0xffffffff ? rowOf(v) : repeating.get(`${v}/${m}`);
    if (target !== undefined && target !== -1 && !index.has(alias as string)) index.set(alias as string, target);
  }
  return index;
}

/** Looks a tag up: exact entries, then DCMTK's generic rules, then repeating groups (50xx, 60xx, 7Fxx, ...). */
export function lookupTag(tag: number): DictEntry | undefined {
  tag >>>= 0;
  const made = MADE.get(tag);
  if (made) return made;
  const row = rowOf(tag);
  if (row >= 0) return entryOfRow(row);
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
  for (const [mask, m] of BY_MASK) {
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
  const hit = (byKeyword ??= keywordIndex()).get(keyword);
  return typeof hit === 'number' ? entryOfRow(hit) : hit;
}

/** The VR to use for a tag in implicit VR: the first one dicom.dic allows; 'UN' when the tag is unknown. */
export function vrOf(tag: number): string {
  return lookupTag(tag)?.vr ?? 'UN';
}
