/**
 * encodeDataset round trips (encode → tokenize in random chunks → assemble → the same elements) in the four
 * uncompressed transfer syntaxes and both length kinds, plus the value helpers, and DCMTK reading what we encode.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { peerTest } from '../helpers/peer-gate';
import { chunks, listDcmdump, listTokens, tempDir, tokenize } from '../helpers/dataset';
import { encodeDataset, type EncodeOptions } from '../../lib/dataset/codec/encode';
import { collectElements, type DataElement } from '../../lib/dataset/codec/element';
import { encodeFileMeta } from '../../lib/dataset/part10/file-meta';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from '../../lib/dataset/codec/transfer-syntax';
import {
  bytesToString,
  decodeBigInts,
  decodeNumbers,
  decodeTags,
  encodeBigInts,
  encodeNumbers,
  encodeTags,
  padValue,
  stringToBytes,
  valueFromString,
} from '../../lib/dataset/codec/values';
import { DimseError } from '../../lib/errors';

const s = (tag: number, vr: string, v: string): DataElement => ({ tag, vr, value: Buffer.from(v, 'latin1') });

/** Elements whose VRs the dictionary agrees with (so implicit VR reads them back the same), unsorted on purpose. */
function sample(): DataElement[] {
  return [
    s(0x00100010, 'PN', 'Doe^John'),
    s(0x00080018, 'UI', '1.2.3.45'), // odd: padded with NUL
    s(0x00080050, 'SH', ''),
    { tag: 0x00280010, vr: 'US', value: encodeNumbers('US', [512]) },
    { tag: 0x00189219, vr: 'SS', value: encodeNumbers('SS', [-5]) },
    { tag: 0x0040a132, vr: 'UL', value: encodeNumbers('UL', [1, 2, 3]) },
    { tag: 0x00186020, vr: 'SL', value: encodeNumbers('SL', [-7]) },
    { tag: 0x00089459, vr: 'FL', value: encodeNumbers('FL', [29.5]) },
    { tag: 0x00189089, vr: 'FD', value: encodeNumbers('FD', [0.5, -1.25, 3]) },
    { tag: 0x00181638, vr: 'OF', value: encodeNumbers('OF', [1.5, 2.5]) },
    { tag: 0x00720073, vr: 'OD', value: encodeNumbers('OD', [3.25]) },
    { tag: 0x00660040, vr: 'OL', value: encodeNumbers('OL', [1, 2]) },
    { tag: 0x00720081, vr: 'OV', value: encodeBigInts('OV', [5n]) },
    { tag: 0x00720082, vr: 'SV', value: encodeBigInts('SV', [-9n]) },
    { tag: 0x00720083, vr: 'UV', value: encodeBigInts('UV', [12345678901n]) },
    { tag: 0x00720052, vr: 'AT', value: encodeTags([0x00100010, 0x00180050]) },
    s(0x00080119, 'UC', 'unlimited'),
    s(0x00080120, 'UR', 'http://x/y'),
    s(0x0008030e, 'UT', 'text'),
    s(0x00190010, 'LO', 'ACME'),
    { tag: 0x00191001, vr: 'UN', value: Buffer.from([1, 2, 3]) },
    {
      tag: 0x00081110, vr: 'SQ', value: [
        [s(0x00081150, 'UI', '1.2.3'), s(0x00081155, 'UI', '1.2.3.4')],
        [],
        [{ tag: 0x0040a730, vr: 'SQ', value: [[s(0x0040a160, 'UT', 'deep')]] }],
      ],
    },
    { tag: 0x00289145, vr: 'SQ', value: [] },
    { tag: 0x7fe00010, vr: 'OW', value: encodeNumbers('OW', [0x0102, 0x0304]) },
  ];
}

/** What the elements look like after a round trip: sorted by tag, values padded to even length. */
function normalized(els: readonly DataElement[]): DataElement[] {
  return [...els].sort((a, b) => a.tag - b.tag).map((e) => ({
    tag: e.tag,
    vr: e.vr,
    value: Array.isArray(e.value) ? e.value.map((i) => normalized(i)) : Buffer.isBuffer(e.value) ? padValue(e.value, e.vr) : e.value,
  }));
}

const SYNTAXES = [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN];
const LENGTHS: EncodeOptions[] = [{}, { sequenceLength: 'undefined', itemLength: 'undefined' }, { sequenceLength: 'undefined' }];

test('encodeDataset: round trip through the tokenizer in the four uncompressed transfer syntaxes', async () => {
  for (const ts of SYNTAXES) {
    for (const opts of LENGTHS) {
      const bytes = encodeDataset(sample(), ts, opts);
      for (const seed of [1, 2, 3]) {
        const tokens = await tokenize(chunks(bytes, seed), { transferSyntax: ts });
        const back = await collectElements(Readable.from(tokens));
        assert.deepEqual(back, normalized(sample()), `${ts} ${JSON.stringify(opts)} seed ${seed}`);
      }
    }
  }
});

test('encodeDataset: a UN sequence is written undefined-length with implicit VR LE content, even in big endian', async () => {
  const un: DataElement = { tag: 0x00191002, vr: 'UN', value: [[s(0x00190010, 'LO', 'ACME')]] };
  for (const ts of [EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN]) {
    const bytes = encodeDataset([un], ts);
    const tokens = await tokenize([bytes], { transferSyntax: ts });
    assert.equal(tokens[0]?.type === 'sequenceStart' && tokens[0].length, 0xffffffff);
    // the item tag after the 12-byte header is little endian whatever the outer byte order
    assert.deepEqual([...bytes.subarray(12, 16)], [0xfe, 0xff, 0x00, 0xe0]);
    assert.deepEqual(await collectElements(Readable.from(tokens)), [un]);
  }
});

test('encodeDataset: refuses what it cannot encode', () => {
  assert.throws(() => encodeDataset([{ tag: 0x00100010, vr: 'XX', value: Buffer.alloc(0) }], EXPLICIT_VR_LITTLE_ENDIAN), (e: unknown) => e instanceof DimseError && e.code === 'ENCODE_BAD_VR');
  assert.throws(() => encodeDataset([{ tag: 0x00100010, vr: 'PN', value: Buffer.alloc(70000) }], EXPLICIT_VR_LITTLE_ENDIAN), (e: unknown) => e instanceof DimseError && e.code === 'ENCODE_VALUE_TOO_LONG');
  assert.throws(() => encodeDataset([{ tag: 0x00100010, vr: 'PN', value: [] }], EXPLICIT_VR_LITTLE_ENDIAN), (e: unknown) => e instanceof DimseError && e.code === 'ENCODE_BAD_VALUE');
});

peerTest('encodeDataset: dcmdump reads what we encode, in every syntax, the same as we do', ['dcmdump'], async () => {
  const dir = tempDir();
  for (const ts of SYNTAXES) {
    const body = encodeDataset(sample(), ts, { sequenceLength: 'undefined' });
    const file = join(dir, `enc-${ts}.dcm`);
    writeFileSync(file, Buffer.concat([
      encodeFileMeta({ mediaStorageSopClassUid: '1.2.3', mediaStorageSopInstanceUid: '1.2.3.4', transferSyntaxUid: ts, implementationClassUid: '1.2.3.4.5', implementationVersionName: 'T' }),
      body,
    ]));
    const ours = listTokens(await tokenize([body], { transferSyntax: ts }));
    assert.deepEqual(ours, listDcmdump(file), ts);
  }
});

test('values: strings are padded per VR and trimmed per VR', () => {
  assert.deepEqual([...stringToBytes('1.2.3', 'UI')], [...Buffer.from('1.2.3\0')]);
  assert.equal(stringToBytes('ABC', 'CS').toString('latin1'), 'ABC ');
  assert.equal(stringToBytes('AB', 'LO').toString('latin1'), 'AB');
  assert.deepEqual([...padValue(Buffer.from([1, 2, 3]), 'OB')], [1, 2, 3, 0]);
  assert.equal(bytesToString(Buffer.from('1.2.3\0'), 'UI'), '1.2.3');
  assert.equal(bytesToString(Buffer.from(' A \\ B '), 'LO'), 'A\\B');
  assert.equal(bytesToString(Buffer.from('  text  '), 'LT'), '  text');
  assert.equal(bytesToString(Buffer.from('a\\b '), 'ST'), 'a\\b');
  assert.equal(bytesToString(Buffer.from('Doe^John '), 'PN'), 'Doe^John');
});

test('values: numbers to bytes and back', () => {
  assert.deepEqual(decodeNumbers('US', encodeNumbers('US', [0, 1, 65535])), [0, 1, 65535]);
  assert.deepEqual(decodeNumbers('SS', encodeNumbers('SS', [-32768, 5])), [-32768, 5]);
  assert.deepEqual(decodeNumbers('UL', encodeNumbers('UL', [4294967295])), [4294967295]);
  assert.deepEqual(decodeNumbers('FD', encodeNumbers('FD', [Math.PI])), [Math.PI]);
  assert.deepEqual(decodeBigInts('SV', encodeBigInts('SV', [-1n])), [-1n]);
  assert.deepEqual(decodeTags(encodeTags([0x7fe00010])), [0x7fe00010]);
  assert.deepEqual([...encodeTags([0x00100020])], [0x10, 0x00, 0x20, 0x00]);
});

test('values: valueFromString follows DCMTK putString (sscanf) semantics', () => {
  const us = (t: string): number[] => decodeNumbers('US', valueFromString('US', t));
  assert.deepEqual(us('5'), [5]);
  assert.deepEqual(us('70000'), [4464]); // seen: movescu -k 0028,0010=70000 sends 4464
  assert.deepEqual(us('-1'), [65535]);
  assert.deepEqual(us(' 5'), [5]);
  assert.deepEqual(us('5x'), [5]);
  assert.deepEqual(us('5\\6'), [5, 6]);
  assert.throws(() => valueFromString('US', 'abc'), (e: unknown) => e instanceof DimseError && e.code === 'VALUE_PARSE');
  assert.throws(() => valueFromString('US', '5\\'));
  assert.deepEqual(decodeNumbers('SS', valueFromString('SS', '40000')), [-25536]);
  assert.deepEqual(decodeNumbers('OW', valueFromString('OW', 'ab')), [0xab]); // seen: 6000,3000=ab → OW 00ab
  assert.deepEqual([...valueFromString('OB', '1\\ff\\100')], [1, 0xff, 0, 0]);
  assert.deepEqual(decodeTags(valueFromString('AT', '(0018,0050)\\(7fe0,0010')), [0x00180050, 0x7fe00010]);
  assert.throws(() => valueFromString('AT', '0018\\0050')); // seen: movescu -k 0028,0009=0018\0050 fails
  assert.deepEqual(decodeNumbers('FD', valueFromString('FD', '1.5\\-2e3')), [1.5, -2000]);
  assert.equal(valueFromString('DS', '1e400').toString(), '1e400 ');
  assert.throws(() => valueFromString('SQ', 'x'));
  assert.equal(valueFromString('US', '').length, 0);
});
