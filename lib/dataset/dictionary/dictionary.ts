/**
 * The DICOM data dictionary, DCMTK 3.6.7's (dicom.dic: PS3.6-2022b + PS3.7-2022b): tag → keyword, name, VR, VM;
 * keyword → tag.
 * The rows are generated (dictionary.generated.ts) as one string per table, one row a line; this file indexes
 * them and adds the rules that dicom.dic writes as ranges over all groups: group length, private creators, illegal
 * groups 0001-0007. The index is built once, at import, and nothing is added to it later (no state appears in the
 * middle of a transfer): the lines, and their tags in a typed array. A lookup finds its line by binary search and
 * makes the entry from it; a keyword is found by a search of the table's text. The data path looks nothing up in
 * explicit VR (two lookups in a retrieval of 1000 CT images) and only a VR per element in implicit VR. The same rows
 * as an array literal with two Maps, or made into 5000 objects at import, cost 6-10 MB of RSS; this about 2 MB.
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

/** The lines of a generated table (each row followed by '\n', the table starting with '\n'), split at tabs. */
function rowsOf(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

/** An entry from a row's fields after its tag (or value and mask): keyword, name, VRs, VM, retired. */
function entry(tag: number, f: readonly string[], at: number): DictEntry {
  const list = (f[at + 2] as string).split('|');
  return { tag, keyword: f[at] as string, name: f[at + 1] as string, vr: list[0] as string, vrs: list, vm: f[at + 3] as string, retired: f[at + 4] === '1' };
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

/** The entry of single-tag row `row`. */
function entryOfRow(row: number): DictEntry {
  return entry(TAGS[row] as number, (LINES[row] as string).split('\t'), 1);
}

/** The row of `tag` among the single-tag rows, or -1. */
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

/** The repeating-group rows (72), made at import: [value, mask, entry]. */
const REPEATING_ROWS: [number, number, DictEntry][] = rowsOf(REPEATING).map((f) => {
  const v = parseInt(f[0] as string, 16);
  return [v, parseInt(f[1] as string, 16), entry(v, f, 2)];
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

/** Looks a tag up: exact entries, then DCMTK's generic rules, then repeating groups (50xx, 60xx, 7Fxx, ...). */
export function lookupTag(tag: number): DictEntry | undefined {
  tag >>>= 0;
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
  if (keyword === '' || /\s/.test(keyword)) return undefined;
  const single = fieldAt(ELEMENTS, keyword, 9);
  if (single >= 0) return lookupTag(parseInt(ELEMENTS.slice(single - 9, single - 1), 16));
  const repeating = REPEATING_ROWS.find(([, , e]) => e.keyword === keyword);
  if (repeating) return repeating[2];
  // An alias line starts with its keyword; the first such line, as the aliases were added in order.
  const alias = DCMTK_KEYWORD_ALIASES.indexOf(`\n${keyword}\t`) + 1;
  if (alias === 0) return undefined;
  const [, value, mask] = (DCMTK_KEYWORD_ALIASES.slice(alias, DCMTK_KEYWORD_ALIASES.indexOf('\n', alias))).split('\t') as string[];
  const v = parseInt(value as string, 16);
  const m = parseInt(mask as string, 16);
  return m === 0xffffffff ? lookupTag(v) : REPEATING_ROWS.find(([rv, rm]) => rv === v && rm === m)?.[2];
}

/**
 * Where `word` stands as a whole field `column` characters into a line of `table`, or -1: in the last such line (a
 * keyword of two rows: the later row's, as a Map filled in row order gave). Only a match at that column counts, so
 * a name or VR field equal to the word is passed over.
 */
function fieldAt(table: string, word: string, column: number): number {
  const needle = `\t${word}\t`;
  let found = -1;
  // Forward (indexOf is far faster than lastIndexOf in V8), keeping the last match.
  for (let at = table.indexOf(needle); at >= 0; at = table.indexOf(needle, at + 1)) {
    // The field starts at at + 1; its line `column` characters before that, after a newline.
    if (table.charCodeAt(at - column) === 10) found = at + 1;
  }
  return found;
}

/** The VR to use for a tag in implicit VR: the first one dicom.dic allows; 'UN' when the tag is unknown. */
export function vrOf(tag: number): string {
  const row = rowOf(tag >>> 0);
  if (row < 0) return lookupTag(tag)?.vr ?? 'UN';
  // The row's VR field (tag, keyword, name, then the VRs), without making its entry: this is called per element.
  const line = LINES[row] as string;
  let at = 9;
  for (let tabs = 0; tabs < 2; tabs++) at = line.indexOf('\t', at) + 1;
  const end = line.indexOf('\t', at);
  const bar = line.indexOf('|', at);
  return line.slice(at, bar >= 0 && bar < end ? bar : end);
}
