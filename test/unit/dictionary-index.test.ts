/**
 * The dictionaries' indexes (over the generated one-string tables) give, for every row of the fact files, the answers
 * the rows say: checked against a plain model of the rows (Maps filled in file order, the rules of dictionary.ts and
 * private-dictionary.ts written out again), which is how the index was built before the tables became strings.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildDictionary, buildPrivateDictionary } from '../../scripts/tables/build';
import { type DictEntry, lookupKeyword, lookupTag, vrOf } from '../../lib/dataset/dictionary/dictionary';
import { lookupPrivateTag, type PrivateEntry } from '../../lib/dataset/dictionary/private-dictionary';

const DATA = [join(__dirname, '..', '..', '..'), process.cwd()]
  .map((root) => join(root, 'scripts', 'data'))
  .find((dir) => existsSync(join(dir, 'SOURCES.md'))) as string;

const dic = buildDictionary(DATA);

function expectedEntry(r: (typeof dic.dictionary)[number], tag: number): DictEntry {
  const vrs = r.vrs.split('|');
  return { tag, keyword: r.keyword, name: r.name, vr: vrs[0] as string, vrs, vm: r.vm, retired: r.retired };
}

const EXACT = new Map(dic.dictionary.filter((r) => r.mask === 0xffffffff).map((r) => [r.value, r]));
const bits = (n: number): number => n.toString(2).replace(/0/g, '').length;
const MASKED = dic.dictionary.filter((r) => r.mask !== 0xffffffff).sort((a, b) => bits(b.mask) - bits(a.mask) || b.mask - a.mask);

/** What a tag must give, from the rows alone: exact row, generic rules, then the most specific repeating mask. */
function expectedTag(tag: number): DictEntry | undefined {
  const exact = EXACT.get(tag);
  if (exact) return expectedEntry(exact, tag);
  const group = tag >>> 16;
  const element = tag & 0xffff;
  const odd = (group & 1) === 1;
  const illegal = odd && group <= 0x0007;
  const generic = (keyword: string, vr: string): DictEntry => ({ tag, keyword, name: keyword, vr, vrs: [vr], vm: '1', retired: false });
  if (element === 0) return generic(illegal ? 'IllegalGroupLength' : odd ? 'PrivateGroupLength' : 'GenericGroupLength', 'UL');
  if (odd) return element >= 0x10 && element <= 0xff ? generic(illegal ? 'IllegalPrivateCreator' : 'PrivateCreator', 'LO') : undefined;
  const match = MASKED.find((r) => ((tag & r.mask) >>> 0) === r.value);
  return match ? expectedEntry(match, tag) : undefined;
}

test('every single-tag row of dicom.dic: tag → keyword, name, VR(s), VM, retired', () => {
  const rows = dic.dictionary.filter((r) => r.mask === 0xffffffff);
  assert.ok(rows.length > 4900, `${rows.length} rows`);
  for (const r of rows) {
    assert.deepEqual(lookupTag(r.value), expectedEntry(r, r.value), r.keyword);
    assert.equal(vrOf(r.value), r.vrs.split('|')[0], r.keyword);
  }
});

test('every keyword and DCMTK alias → its row (the first group of a repeating one)', () => {
  for (const r of dic.dictionary) assert.deepEqual(lookupKeyword(r.keyword), expectedEntry(r, r.value), r.keyword);
  assert.ok(dic.aliases.length > 400, `${dic.aliases.length} aliases`);
  for (const [alias, value, mask] of dic.aliases) {
    const r = dic.dictionary.find((x) => x.value === value && x.mask === mask);
    assert.ok(r, alias);
    assert.deepEqual(lookupKeyword(alias), expectedEntry(r, value), alias);
  }
  for (const k of ['', 'patientid', 'RETIRED_', 'RETIRED_PatientID', 'Patient ID', 'PatientID\t']) assert.equal(lookupKeyword(k), undefined, k);
});

test('repeating groups: every tag each mask covers, most specific mask first', () => {
  let n = 0;
  for (const r of dic.dictionary.filter((x) => x.mask !== 0xffffffff)) {
    const free = ~r.mask >>> 0;
    const step = free & -free; // lowest free bit
    for (let k = 0; k <= free / step; k++) {
      const tag = (r.value | (k * step)) >>> 0;
      assert.deepEqual(lookupTag(tag), expectedTag(tag), tag.toString(16));
      n++;
    }
  }
  assert.ok(n > 15000, `${n} tags`);
});

test('group lengths, private creators, illegal groups and unknown tags follow the rules', () => {
  for (let group = 0; group < 0x10000; group += 1) {
    for (const element of [0x0000, 0x0001, 0x0010, 0x00ff, 0x0100, 0x1010, 0xffff]) {
      const tag = ((group << 16) | element) >>> 0;
      assert.deepEqual(lookupTag(tag), expectedTag(tag), tag.toString(16));
      assert.equal(vrOf(tag), expectedTag(tag)?.vr ?? 'UN', tag.toString(16));
    }
  }
});

const priv = buildPrivateDictionary(DATA).rows as [string, number, number, string, number, number, string, string, string][];

/** What private.dic gives for a tag under a creator, from the rows alone (DCMTK's order of matching). */
function expectedPrivate(tag: number, creator: string): PrivateEntry | undefined {
  const group = tag >>> 16;
  const element = tag & 0xffff;
  const entry = (r: (typeof priv)[number]): PrivateEntry => {
    const vrs = r[6].split('|');
    return { creator, name: r[7], vr: vrs[0] as string, vrs, vm: r[8] };
  };
  // A later row for the same tag replaces an earlier one: search from the end.
  const single = priv.filter((r) => r[0] === creator && r[1] === r[2] && r[1] === group).reverse();
  const hit = single.find((r) => r[4] === element) ?? single.find((r) => r[4] === (element & 0xff));
  if (hit) return entry(hit);
  const range = priv.find(
    (r) =>
      r[0] === creator &&
      r[1] !== r[2] &&
      !(r[3] === 'o' && group % 2 === 0) &&
      !(r[3] === 'e' && group % 2 === 1) &&
      group >= r[1] &&
      group <= r[2] &&
      (element === r[4] || (element & 0xff) === r[4]),
  );
  return range ? entry(range) : undefined;
}

test('every row of private.dic, under its creator, in every group of its range', () => {
  assert.ok(priv.length > 2500, `${priv.length} rows`);
  let n = 0;
  for (const r of priv) {
    for (let group = r[1]; group <= r[2]; group++) {
      for (const element of [r[4], 0x1000 | (r[4] & 0xff), 0xff00 | (r[4] & 0xff), 0x1000 | ((r[4] + 1) & 0xff)]) {
        const tag = ((group << 16) | element) >>> 0;
        const want = expectedPrivate(tag, r[0]);
        assert.deepEqual(lookupPrivateTag(tag, r[0]), want, `${r[0]} ${tag.toString(16)}`);
        n++;
      }
    }
  }
  assert.ok(n > 10000, `${n} lookups`);
  for (const creator of ['', 'gems_acqu_01', 'GEMS_ACQU_01 ', 'NOT_IN_PRIVATE_DIC']) assert.equal(lookupPrivateTag(0x00191002, creator), undefined, creator);
});
