/** DCMTK's element order for data sets held or rewritten: sortTokens, inTagOrder and TagOrderCheck. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inTagOrder, sortTokens, TagOrderCheck } from '../../lib/dataset/codec/sort-tokens';
import type { DatasetToken } from '../../lib/dataset/codec/tokens';

const el = (tag: number, offset: number, data = 'xx'): DatasetToken[] => [
  { type: 'element', tag, vr: 'LO', length: data.length, offset },
  { type: 'value', data: Buffer.from(data) },
  { type: 'elementEnd', tag },
];
const seq = (tag: number, offset: number, items: DatasetToken[][]): DatasetToken[] => [
  { type: 'sequenceStart', tag, vr: 'SQ', length: 0xffffffff, offset },
  ...items.flatMap((content, index) => [
    { type: 'itemStart', index, length: 0xffffffff, offset } as DatasetToken,
    ...content,
    { type: 'itemEnd', index, offset } as DatasetToken,
  ]),
  { type: 'sequenceEnd', tag, offset },
];
const tags = (ts: readonly DatasetToken[]): number[] => ts.flatMap((t) => (t.type === 'element' || t.type === 'sequenceStart' ? [t.tag] : []));

test('sortTokens: tag order at every level, the first of a repeated tag kept, warnings in DCMTK\'s reading order', () => {
  const input = [
    ...el(0x00100020, 0, 'A1'),
    ...seq(0x00081140, 10, [[...el(0x00081155, 20), ...el(0x00081150, 30), ...el(0x00081155, 40, 'B2')]]),
    ...el(0x00080016, 50),
    ...el(0x00100020, 60, 'A2'),
  ];
  assert.equal(inTagOrder(input), false);
  const sorted = sortTokens(input);
  assert.deepEqual(tags(sorted.tokens), [0x00080016, 0x00081140, 0x00081150, 0x00081155, 0x00100020]);
  const values = sorted.tokens.flatMap((t) => (t.type === 'value' ? [t.data.toString()] : []));
  assert.deepEqual(values, ['xx', 'xx', 'xx', 'A1']);
  assert.deepEqual(sorted.warnings, [
    'DcmItem: Dataset not in ascending tag order, at element (0008,1150)',
    'DcmItem: Element (0008,1155) found twice in one data set or item, ignoring second entry',
    'DcmItem: Dataset not in ascending tag order, at element (0008,1140)',
    'DcmItem: Dataset not in ascending tag order, at element (0008,0016)',
    'DcmItem: Element (0010,0020) found twice in one data set or item, ignoring second entry',
  ]);
  assert.equal(inTagOrder(sorted.tokens), true);
  assert.equal(sortTokens(sorted.tokens).changed, false);
});

test('TagOrderCheck lists top-level elements with their offsets, and gives up past its bound instead of growing', () => {
  const check = new TagOrderCheck(3);
  for (const t of [...el(0x00080018, 0), ...seq(0x00081140, 12, [el(0x00081150, 20)]), ...el(0x00080016, 40), ...el(0x00100010, 52), ...el(0x00100020, 64)]) check.push(t);
  assert.deepEqual(check.units, [{ tag: 0x00080018, offset: 0 }, { tag: 0x00081140, offset: 12 }, { tag: 0x00080016, offset: 40 }]);
  assert.equal(check.disordered, true);
  assert.equal(check.overflow, true);
});
